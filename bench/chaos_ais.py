"""The AIS input paths of bench.chaos: hostile inputs among good reports, sent to the real AIS worker.

- `ais-udp`: datagrams to the stack's supervised worker (a 1 MB line arrives as 16 datagrams of 62.5 KB).
- `ais-tcp`: lines over connections to its `--tcp-listen`, beside slow senders, half-open connections,
  clients sending a megabyte without a newline and connection floods.
- `ais-file`: one log file of both, replayed by `python -m ingest ais --file` on the stack's database.

Each good report has an MMSI and second of its own, so "stored" is a count of rows. One hostile input is one
line, one bad connection or one flood connection, whatever it takes on the wire.
"""

from __future__ import annotations

import contextlib
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator

from pyais.encode import encode_dict

from bench.aisgen import _tag
from bench.chaos import PathResult, RssWatch, family_rss_mb
from bench.stack import ROOT, Stack, wait_for

SLOW_MMSI = 100_000       # the slow senders' reports: MMSIs from mmsi0 + this
GOOD_EVERY = 10           # one good report per this many hostile lines
MMSI0 = {"ais-udp": 418_000_000, "ais-tcp": 418_300_000, "ais-file": 418_600_000}


def good(i: int, mmsi0: int, start: int) -> bytes:
    unix = start + i // 50
    data = {"type": 1, "mmsi": mmsi0 + i, "lon": 119.1 + (i % 1000) * 1e-4, "lat": 37.2 + (i // 1000) * 1e-3,
            "speed": 6.0, "course": 45.0, "heading": 45, "second": unix % 60, "status": 0}
    return (_tag("chaos", unix) + encode_dict(data, talker_id="AI", radio_channel="A")[0]).encode()


def _sentence(rng: random.Random) -> bytes:
    data = {"type": 1, "mmsi": 419_000_000 + rng.randrange(10_000), "lon": 119.3, "lat": 37.3, "speed": 1.0}
    return encode_dict(data, talker_id="AI", radio_channel="B")[0].encode()


def _no_newline(data: bytes) -> bytes:
    return data.replace(b"\n", b" ").replace(b"\r", b" ")


HOSTILE: dict[str, Callable[[random.Random], bytes]] = {
    "nul": lambda r: b"!AIVDM,1,1,,A,\x00" + bytes(r.randrange(0, 32) for _ in range(30)) + b"\x00,0*00",
    "control": lambda r: bytes(r.choice(b"\x00\x01\x07\x08\x0b\x0c\x1b\x7f") for _ in range(r.randrange(1, 200))),
    "invalid_utf8": lambda r: b"!AIVDM,1,1,,A," + bytes(r.randrange(0x80, 0x100) for _ in range(40)) + b",0*1F",
    "ff": lambda r: b"\xff" * r.randrange(1, 500),
    "random": lambda r: b"\x01" + _no_newline(r.randbytes(r.randrange(1, 2_000))),
    "utf16": lambda r: _no_newline(_sentence(r).decode().encode("utf-16")),
    "latin1": lambda r: "!AIVDM,1,1,,A,Müller Æ ß ñ,0*2A".encode("latin-1"),
    "gbk": lambda r: "!AIVDM,1,1,,A,潍坊港,0*3C".encode("gbk"),
    "truncated": lambda r: (lambda s: s[:r.randrange(1, len(s) - 1)])(_sentence(r)),
    "bad_checksum": lambda r: _sentence(r)[:-2] + b"ZZ",
    "orphan_fragment": lambda r: b"!AIVDM,2,2,7,A,0000000000,2*" + b"%02X" % r.randrange(256),
    "60kb": lambda r: b"!AIVDM," + b"A" * 60_000,
    "1mb": lambda r: b"X" * 1_000_000,
}
# the big ones are rarer: 1 MB lines are a few dozen megabytes a path, not gigabytes
WEIGHTS = {"60kb": 0.01, "1mb": 0.002}


def hostile_lines(n: int, seed: int) -> Iterator[tuple[str, bytes]]:
    rng = random.Random(seed)
    kinds = list(HOSTILE)
    weights = [WEIGHTS.get(k, (1 - sum(WEIGHTS.values())) / (len(kinds) - len(WEIGHTS))) for k in kinds]
    for _ in range(n):
        kind = rng.choices(kinds, weights)[0]
        yield kind, HOSTILE[kind](rng)


def mixed(n: int, seed: int, mmsi0: int, start: int) -> Iterator[tuple[bool, bytes]]:
    """(is_good, line): n hostile lines with a good report after every GOOD_EVERY of them."""
    g = 0
    for i, (_, line) in enumerate(hostile_lines(n, seed)):
        yield False, line
        if i % GOOD_EVERY == GOOD_EVERY - 1:
            yield True, good(g, mmsi0, start)
            g += 1


def _stored(stack: Stack, mmsi0: int, n: int) -> int:
    return int(stack.query("SELECT count(*) FROM vessel_position WHERE mmsi BETWEEN %s AND %s",
                           (mmsi0, mmsi0 + max(n, 1) - 1))[0][0])


def _refusals(stack: Stack, source: str) -> Counter[str]:
    return Counter(dict(stack.query("SELECT reason, count FROM ingest_reject_count WHERE source = %s", (source,))))


def _settle(stack: Stack, mmsi0: int, sent: int, source: str, before: Counter[str]) -> tuple[int, Counter[str]]:
    with contextlib.suppress(AssertionError):          # a report not stored in time is reported as lost
        wait_for("every good report", lambda: _stored(stack, mmsi0, sent) >= sent, 120, 1)
    time.sleep(1.0)                           # the last counts' transaction
    after = _refusals(stack, source)
    after.subtract(before)
    return _stored(stack, mmsi0, sent), +after


def _supervised_alive(stack: Stack, pid: int, log_before: str) -> bool:
    restarted = stack.log("ais").count("exited with status") > log_before.count("exited with status")
    return stack.worker("ais") == pid and not restarted


def udp(stack: Stack, hostile: int, seed: int) -> PathResult:
    mmsi0, source, start = MMSI0["ais-udp"], "ais:udp:faults-0", int(time.time()) - 3_000
    pid, log_before, before = stack.worker("ais"), stack.log("ais"), _refusals(stack, source)
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    address = ("127.0.0.1", stack.ports["udp"])
    sent = 0
    with RssWatch(stack, ["ais"]) as rss:
        for i, (is_good, line) in enumerate(mixed(hostile, seed, mmsi0, start)):
            for part in range(0, len(line), 62_500):        # a datagram carries at most 64 KB
                sender.sendto(line[part:part + 62_500], address)
                if len(line) > 62_500:
                    time.sleep(0.002)
            sent += is_good
            if i % 50 == 49:
                time.sleep(0.01)                            # ~5,000 datagrams a second: no loss to the socket
        stored, refused = _settle(stack, mmsi0, sent, source, before)
    sender.close()
    return PathResult("ais-udp", hostile, sent, stored, _supervised_alive(stack, pid, log_before), rss.peak, refused)


class _BadClients:
    """Slow senders (good reports a byte at a time), half-open connections (a partial line, then silence, no
    FIN), clients sending a megabyte without a newline, and connection floods, while the good stream runs."""

    def __init__(self, port: int, mmsi0: int, start: int, bad: int, seed: int) -> None:
        self.port, self.mmsi0, self.start, self.bad = port, mmsi0, start, bad
        self.rng = random.Random(seed)
        self.held: list[socket.socket] = []
        self.slow_sent = 0
        self.tried = 0
        self._threads: list[threading.Thread] = []

    def run(self) -> None:
        for k in range(3):
            t = threading.Thread(target=self._slow, args=(k,), daemon=True)
            t.start()
            self._threads.append(t)
        for i in range(self.bad):
            kind = ("half_open", "no_newline", "flood")[i % 3]
            try:
                sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
                if kind == "half_open":
                    sock.sendall(b"!AIVDM,1,1,,A,13u?et")
                elif kind == "no_newline":
                    sock.sendall(b"Y" * 1_000_000)
                self.held.append(sock)
                if kind == "flood" or len(self.held) > 200:
                    self.held.pop(0).close()
            except OSError:
                pass                          # refused or reset: what a flood gets
            self.tried += 1
            time.sleep(0.01)

    def _slow(self, k: int) -> None:
        with socket.create_connection(("127.0.0.1", self.port)) as sock:
            for j in range(10):
                line = good(k * 100 + j, self.mmsi0 + SLOW_MMSI, self.start) + b"\r\n"
                for b in range(0, len(line), 4):
                    sock.sendall(line[b:b + 4])
                    time.sleep(0.01)
                self.slow_sent += 1

    def close(self) -> None:
        for t in self._threads:
            t.join()
        for sock in self.held:
            sock.close()


def tcp(stack: Stack, hostile: int, seed: int) -> PathResult:
    mmsi0, source, start = MMSI0["ais-tcp"], "ais:tcp-in:faults-0", int(time.time()) - 2_000
    pid, log_before, before = stack.worker("ais"), stack.log("ais"), _refusals(stack, source)
    connections = hostile // 100            # of the hostile inputs, this many are bad connections
    bad = _BadClients(stack.ports["tcp"], mmsi0, start, connections, seed)
    sent = 0
    with RssWatch(stack, ["ais"]) as rss:
        flood = threading.Thread(target=bad.run, daemon=True)
        flood.start()
        streams = [socket.create_connection(("127.0.0.1", stack.ports["tcp"])) for _ in range(4)]
        for i, (is_good, line) in enumerate(mixed(hostile - connections, seed, mmsi0, start)):
            streams[i % 4].sendall(line + b"\n")
            sent += is_good
        for s in streams:
            s.close()
        flood.join()
        bad.close()
        slow_mmsi = [mmsi0 + SLOW_MMSI + k * 100 + j for k in range(3) for j in range(10)]
        wait_for("the slow senders' reports", lambda: stack.query(
            "SELECT count(*) FROM vessel_position WHERE mmsi = ANY(%s)", (slow_mmsi,))[0][0] == len(slow_mmsi), 60, 1)
        stored, refused = _settle(stack, mmsi0, sent, source, before)
    stored += len(slow_mmsi)
    return PathResult("ais-tcp", hostile - connections + bad.tried, sent + bad.slow_sent, stored,
                      _supervised_alive(stack, pid, log_before), rss.peak, refused)


def file(stack: Stack, hostile: int, seed: int) -> PathResult:
    mmsi0, start = MMSI0["ais-file"], int(time.time()) - 1_000
    path = stack.data / "chaos.nmea"
    sent = 0
    with path.open("wb") as fh:
        for is_good, line in mixed(hostile, seed, mmsi0, start):
            fh.write(line + b"\n")
            sent += is_good
        fh.write(good(sent, mmsi0, start)[:40])          # and the file ends in the middle of a sentence (+1)
    link = stack.data / "chaos-named.nmea"
    link.unlink(missing_ok=True)
    link.symlink_to(path)                                # the operator names a symlink: it is read
    env = {**stack.env, "DATABASE_URL": stack.url}
    proc = subprocess.Popen([sys.executable, "-m", "ingest", "ais", "--file", str(link), "--station", "chaos-file",
                             "--spool", str(stack.data / "spool" / "ais-file")], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, family_rss_mb(proc.pid))
        time.sleep(0.2)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        print(err[-2000:], file=sys.stderr)
    stored = _stored(stack, mmsi0, sent)
    refused = _refusals(stack, "ais:file:chaos-file")
    os.unlink(path)
    return PathResult("ais-file", hostile + 1, sent, stored, proc.returncode == 0, peak, refused)
