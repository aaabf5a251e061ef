"""UDP under sustained load: send N sentences/s for S seconds to the AIS listener, compare sent and stored.

    .venv/bin/python -m bench.ais_udp [--rate 10000] [--seconds 60]

One datagram per sentence, as receivers forward them, from a separate sender process paced every
10 ms, into the listener as `python -m ingest ais --udp` runs it: journaled (what it accepts is on disk
before it is decoded) with checkpoints; `--no-journal` decodes from memory instead.
Prints sentences sent, accepted by the listener, messages decoded and positions stored against the
positions the sent lines hold.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import shutil
import socket
import threading
import time
from pathlib import Path
from typing import Any

import psycopg

from bench.ais_ingest import ROOT, fresh_database
from bench.aisgen import write_file
from ingest.ais.decoder import StreamDecoder
from ingest.ais.journal import Journal, Journaled, SpoolBudget
from ingest.ais.sources import UdpSource
from ingest.ais.worker import AisIngest, Options
from sql import DbSettings


def send(path: Path, address: tuple[str, int], rate: int, seconds: int, result: mp.Queue) -> None:  # type: ignore[type-arg]
    lines = [ln.rstrip(b"\n") + b"\r\n" for ln in path.read_bytes().splitlines(keepends=True)][: rate * seconds]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    per_tick = rate // 100
    started = time.monotonic()
    sent = 0
    for tick in range(0, len(lines), per_tick):
        for line in lines[tick:tick + per_tick]:
            sock.sendto(line, address)
        sent += len(lines[tick:tick + per_tick])
        pause = started + (tick // per_tick + 1) / 100 - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    result.put((sent, time.monotonic() - started))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--no-journal", action="store_true")
    args = parser.parse_args()
    total = args.rate * args.seconds
    path = ROOT / ".data" / "bench" / f"ais_udp_{total}.nmea"
    if not path.exists():
        print(f"generating {total:,} messages …", flush=True)
        write_file(path, total, per_second=args.rate, station="udp")
    url = fresh_database("portmap_bench_udp")
    spool = ROOT / ".data" / "bench" / "spool-udp"
    shutil.rmtree(spool, ignore_errors=True)
    udp = UdpSource("127.0.0.1", 0, "bench")
    source: Any = udp if args.no_journal else Journaled(udp, Journal(spool / "journal", udp.name,
                                                                     SpoolBudget(spool, 1 << 30)))
    ingest = AisIngest([source], DbSettings(url=url),
                       Options(checkpoints=not args.no_journal, spool_dir=spool, retention_days=None))
    runner = threading.Thread(target=ingest.run)
    runner.start()
    result: mp.Queue = mp.get_context("spawn").Queue()  # type: ignore[type-arg]
    sender = mp.get_context("spawn").Process(target=send, args=(path, udp.address, args.rate, args.seconds,
                                                                result))
    sender.start()
    sent, send_seconds = result.get()
    sender.join()
    lines = path.read_bytes().splitlines()[:sent]
    decoder = StreamDecoder("expected")
    for i, line in enumerate(lines):
        decoder.feed(line, i)
    decoder.finish()
    want = {(r[0], r[1]) for r in decoder.take().positions}
    deadline = time.monotonic() + 60
    stored = 0
    while time.monotonic() < deadline:
        with psycopg.connect(url) as conn:
            stored = conn.execute("SELECT count(*) FROM vessel_position").fetchone()[0]  # type: ignore[index]
        if stored >= len(want) and ingest.stats.lines >= sent:
            break
        time.sleep(0.5)
    ingest.stop()
    runner.join()
    print(f"listener  : {'from memory' if args.no_journal else 'journaled'}")
    print(f"sent      : {sent:,} sentences in {send_seconds:.1f} s ({sent / send_seconds:,.0f}/s)")
    print(f"accepted  : {ingest.stats.lines:,} sentences by the listener ({sent - ingest.stats.lines:,} lost)")
    print(f"decoded   : {ingest.stats.messages:,} messages")
    print(f"stored    : {stored:,} of {len(want):,} distinct positions sent "
          f"({'no loss' if stored == len(want) else f'{len(want) - stored:,} missing'})")


if __name__ == "__main__":
    main()
