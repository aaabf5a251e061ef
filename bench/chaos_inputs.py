"""Chaos paths for the camera and drop-folder workers (registered in bench.chaos.PATHS): hostile inputs interleaved
with good ones, sent over the real protocols to the stack's supervised `ingest camera` (MQTT and the webhook) and
`ingest inbox` processes. Each returns hostile tried, good sent and stored, whether the worker stayed the same
process, its peak RSS, and the refusals by reason (as the worker recorded them)."""

from __future__ import annotations

import json
import os
import random
import socket
import stat
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from bench.chaos import PathResult, RssWatch
from bench.stack import ROOT, WEBHOOK_TOKEN, Publisher, Stack, wait_for

FRIGATE = json.loads((ROOT / "tests" / "fixtures" / "camera" / "frigate-events-front_door-person.json").read_text())
ONVIF = (ROOT / "tests" / "fixtures" / "camera" / "onvif" / "VMD4_C1P1_CHANGE.xml").read_bytes()
GOOD_EVERY = 20          # one good input after this many hostile ones


def frigate_event(event_id: str) -> bytes:
    doc = json.loads(json.dumps(FRIGATE[0]))
    doc["after"]["id"] = doc["before"]["id"] = event_id
    return json.dumps(doc).encode()


def hostile_json(rng: random.Random, i: int) -> bytes:
    """A payload no camera worker may store: deep, NUL, invalid UTF-8, control bytes, truncated, garbage, wrong
    shape, a wrong label, or (one in a hundred) 1 MB."""
    good = frigate_event(f"hostile-{i}")
    choice = i % 10
    if choice == 0:
        return b"[" * 10_000 + b"]" * 10_000
    if choice == 1:
        return good.replace(b'"person"', b'"per\x00son"')
    if choice == 2:
        return good.replace(b'"person"', b'"per\\u0000son"')
    if choice == 3:
        return good.replace(b'"person"', b'"\xff\xfe\xc3"')
    if choice == 4:
        return good[:rng.randrange(1, len(good) - 1)]
    if choice == 5:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
    if choice == 6:
        return b'{"a":' * 5_000 + b"1" + b"}" * 5_000
    if choice == 7:
        return good.replace(b'"person"', b'"<script>"')
    if choice == 8 and i % 100 == 8:
        return b'{"type": "new", "after": {"id": "' + b"x" * (1 << 20) + b'"}}'
    return json.dumps({"type": "new", "after": [i]}).encode()


def _rss(stack: Stack, name: str) -> RssWatch:
    return RssWatch(stack, [name])


def _count(stack: Stack, sql: str, params: object = None) -> int:
    return int(stack.query(sql, params)[0][0])


def _reasons(stack: Stack, sql: str, params: object = None) -> Counter[str]:
    return Counter({str(r): int(n) for r, n in stack.query(sql, params)})


# --- MQTT -------------------------------------------------------------------------------------------------
def mqtt(stack: Stack, hostile: int, seed: int) -> PathResult:
    rng = random.Random(seed)
    source = "camera:mqtt:faults-camera"
    prefix = f"chaos-mqtt-{seed}-{int(time.time())}"
    pid = stack.worker("camera")
    before = _reasons(stack, "SELECT reason, count(*) FROM dead_letter WHERE source = %s GROUP BY reason", (source,))
    publisher = Publisher(stack.ports["mqtt"])
    good = 0
    with _rss(stack, "camera") as rss:
        for i in range(hostile):
            publisher.publish(hostile_json(rng, i))
            if i % GOOD_EVERY == GOOD_EVERY - 1:
                publisher.publish(frigate_event(f"{prefix}-{good}"))
                good += 1
            if i % 500 == 499:          # keep the publisher's queue short
                wait_for("the broker to take the messages", lambda: len(publisher.infos) - len(
                    {x.mid for x in publisher.infos} & publisher.acked) < 2_000, 120, 0.05)
        publisher.close()

        def dead() -> int:
            return _count(stack, "SELECT count(*) FROM dead_letter WHERE source = %s", (source,)) - sum(
                before.values())
        wait_for("every hostile message dead-lettered", lambda: dead() >= hostile, 600, 1)
        wait_for("every good event", lambda: _count(stack, "SELECT count(*) FROM camera_event WHERE event_id LIKE %s",
                                                    (f"{prefix}-%",)) >= good, 120, 1)
    stored = _count(stack, "SELECT count(*) FROM camera_event WHERE event_id LIKE %s", (f"{prefix}-%",))
    after = _reasons(stack, "SELECT reason, count(*) FROM dead_letter WHERE source = %s GROUP BY reason", (source,))
    return PathResult("mqtt", hostile, good, stored, stack.worker("camera") == pid, rss.peak, after - before)


# --- the webhook ------------------------------------------------------------------------------------------
def _request(path: str, body: bytes, kind: str = "application/json", length: str | None = None,
             token: str = WEBHOOK_TOKEN) -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: chaos\r\nAuthorization: Bearer {token}\r\nContent-Type: {kind}\r\n"
            f"Content-Length: {len(body) if length is None else length}\r\n\r\n").encode() + body


def _exchange(port: int, data: bytes, close_early: bool = False, timeout_s: float = 30) -> int:
    """Send raw bytes, read the answer's status (0: no answer). `close_early`: half-close after sending."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout_s) as s:
        try:
            s.sendall(data)
            if close_early:
                s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        answer = b""
        try:
            while len(answer) < 64 and (chunk := s.recv(4096)):
                answer += chunk
        except OSError:
            return 0
    parts = answer.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def hostile_request(rng: random.Random, i: int, path: str) -> tuple[bytes, bool]:
    """A request the webhook must refuse (4xx); (bytes, half-close after sending)."""
    event = frigate_event(f"wh-hostile-{i}")
    xml = f"{path}?camera=front_door"
    kinds: list[Callable[[], tuple[bytes, bool]]] = [
        lambda: (_request(path, event, length="twelve"), False),
        lambda: (_request(path, event, length="-1"), False),
        lambda: (_request(path, event).replace(b"Content-Length", b"X-Length"), False),
        lambda: (_request(path, event, length=str(50 << 20)), False),
        lambda: (_request(path, b"[" * 10_000 + b"]" * 10_000), False),
        lambda: (_request(path, event.replace(b'"person"', b'"per\x00son"')), False),
        lambda: (_request(path, event.replace(b'"person"', b'"\xff\xfe"')), False),
        lambda: (_request(path, bytes(rng.randrange(256) for _ in range(200))), False),
        lambda: (_request(path, event, length=str(len(event) + 500)), True),           # cut short
        lambda: (_request(xml, ONVIF.replace(b"2019-03-13T00:03:30.256685Z", b"0001-01-01T00:00:00Z"),
                          "application/xml"), False),
        lambda: (_request(xml, b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                                b"<x>&e;</x>", "application/xml"), False),
        lambda: (_request(xml, b"<a>" * 5_000, "application/xml"), False),
        lambda: (_request(path, event, token="wrong"), False),
        lambda: (b"\x16\x03\x01" + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400))) + b"\r\n\r\n",
                 False),                                                         # not HTTP (a TLS hello, say)
    ]
    return kinds[i % len(kinds)]()


def _slow_sender(port: int, path: str, results: list[int]) -> None:
    """A body trickled a byte every 0.5 s: answered 408 once the body deadline has passed."""
    body = frigate_event("wh-slow")
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(_request(path, body)[:-len(body)])
        status = 0
        for byte in body:
            try:
                s.sendall(bytes([byte]))
            except OSError:
                break
            s.settimeout(0.5)
            try:
                answer = s.recv(64)
            except TimeoutError:
                continue
            parts = answer.split(b" ", 2)
            status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
            break
        results.append(status)


def webhook(stack: Stack, hostile: int, seed: int) -> PathResult:
    rng = random.Random(seed)
    port, path = stack.ports["webhook"], "/api/v1/camera-events"
    prefix = f"chaos-wh-{seed}-{int(time.time())}"
    pid = stack.worker("camera")
    statuses: Counter[str] = Counter()
    slow: list[int] = []
    slow_count = min(20, hostile // 100)
    good = 0
    with _rss(stack, "camera") as rss:
        slowpokes = [threading.Thread(target=_slow_sender, args=(port, path, slow), daemon=True)
                     for _ in range(slow_count)]
        for t in slowpokes:
            t.start()
        for i in range(hostile - slow_count):
            data, close_early = hostile_request(rng, i, path)
            statuses[str(_exchange(port, data, close_early))] += 1
            if i % GOOD_EVERY == GOOD_EVERY - 1:
                body = _request(path, frigate_event(f"{prefix}-{good}"))

                def taken(request: bytes = body) -> bool:       # a real sender retries a 503 (busy, outage)
                    return _exchange(port, request) == 200
                wait_for("a good event to be taken", taken, 30, 0.2)
                good += 1
        for t in slowpokes:
            t.join(timeout=60)
    statuses.update(str(s) for s in slow)
    stored = _count(stack, "SELECT count(*) FROM camera_event WHERE event_id LIKE %s", (f"{prefix}-%",))
    refused = Counter({f"http_{k}": n for k, n in statuses.items()})
    accepted = sum(n for k, n in statuses.items() if k.startswith("2"))
    alive = stack.worker("camera") == pid and accepted == 0 and "0" not in statuses
    if accepted or "0" in statuses:
        print(f"webhook: {accepted} hostile requests answered 2xx, {statuses.get('0', 0)} not answered at all")
    return PathResult("webhook", hostile, good, stored, alive, rss.peak, refused)


# --- the drop folder --------------------------------------------------------------------------------------
DECL_HEADER = "declaration_id,subject_kind,subject_id,un_number,imdg_class,packing_group,declared_at\n"


def _box(serial: int) -> str:
    from stdnum import iso6346
    base = f"CHAU{serial % 1_000_000:06d}"
    return base + iso6346.calc_check_digit(base)


def _hostile_rows(rng: random.Random, n: int, file_no: int) -> list[bytes]:
    rows = []
    for k in range(n):
        ident = f"bad-{file_no}-{k}"
        good = f"{ident},container,{_box(file_no * 1000 + k)},UN1993,3,II,2026-11-27T08:00:00+00:00\n"
        choice = k % 8
        if choice == 0:
            rows.append(good.rsplit(",", 3)[0].encode() + b"\n")                      # truncated
        elif choice == 1:
            rows.append(good.replace(",II,", "," + "X" * (128 * 1024) + ",").encode() if k < 8 else
                        good.replace(",II,", "," + "X" * 5_000 + ",").encode())     # a 128 KB (then 5 KB) field
        elif choice == 2:
            rows.append(good.encode().replace(b",II,", b",\xff\xfe,"))              # invalid UTF-8
        elif choice == 3:
            rows.append(good.encode().replace(b",II,", b",I\x00I,"))                # NUL
        elif choice == 4:
            rows.append(good.replace("UN1993", "UN99999").encode())                  # bad UN number
        elif choice == 5:
            rows.append(good.replace(_box(file_no * 1000 + k), "CHAU1234567").encode())   # bad check digit
        elif choice == 6:
            rows.append((good.rstrip("\n") + ",extra,fields\n").encode())            # too many fields
        else:
            garbage = bytes(rng.randrange(1, 256) for _ in range(60))
            rows.append(garbage.translate(bytes.maketrans(b'\n\r"', b"  '")) + b"\n")   # one line, no quoting
    return rows


def _hostile_file(stack: Stack, rng: random.Random, j: int, outside: Path) -> None:
    """A file the inbox must refuse whole, unread where it is not a regular file."""
    name = f"chaos-{j:06d}"
    folder = stack.inbox
    choice = j % 8
    if choice == 0:
        _put(folder, f"{name}.hazmat.json", b"[" * 10_000 + b"]" * 10_000)
    elif choice == 1:
        (folder / f"{name}.tos.csv").symlink_to(outside)
    elif choice == 2:
        os.mkfifo(folder / f"{name}.tos.csv")
    elif choice == 3:
        os.mknod(folder / f"{name}.gate.csv", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    elif choice == 4:
        _put(folder, f"{name}.berthplan.csv", b"\xff\xfe\x00,\x01\n1,2\n")
    elif choice == 5:
        _put(folder, f"{name}.edi", bytes(rng.randrange(256) for _ in range(500)))
    elif choice == 6:
        _put(folder, f"{name}.hazmat.json", b'{"not": "a list"')
    else:
        os.link(outside, folder / f"{name}.direct.csv")


def _put(folder: Path, name: str, data: bytes) -> None:
    tmp = folder / f".{name}.tmp"
    tmp.write_bytes(data)
    tmp.rename(folder / name)


def inbox(stack: Stack, hostile: int, seed: int) -> PathResult:
    """Files of declarations, half their rows hostile; hostile files (deep JSON, links, FIFOs, devices, hard
    links, bad headers, garbage) between them. Hostile inputs = hostile rows + hostile files."""
    rng = random.Random(seed)
    stack.inbox.mkdir(parents=True, exist_ok=True)
    outside = stack.data / "outside.tos.csv"
    outside.write_text("container_no,iso_type,full_empty,gross_kg,block,bay,row,tier,vessel_voyage,arrived_at,"
                       "customs_status,un_number,imdg_class\n")
    pid = stack.worker("inbox")
    tag = f"chaos-{seed}-{int(time.time())}"
    rows_per_file, files_every = 50, 10          # 50 hostile rows and 50 good a file; a hostile file every 10
    hostile_files = max(1, hostile // (rows_per_file * files_every + 1))
    hostile_rows = hostile - hostile_files
    good = sent_files = j = 0
    names: list[str] = []
    with _rss(stack, "inbox") as rss:
        file_no = 0
        while file_no * rows_per_file < hostile_rows:
            n = min(rows_per_file, hostile_rows - file_no * rows_per_file)
            bad = _hostile_rows(rng, n, file_no)
            good_rows = [f"{tag}-{file_no}-{k},container,{_box(file_no * 1000 + 500 + k)},UN1993,3,II,"
                         f"2026-11-27T08:00:00+00:00\n".encode() for k in range(rows_per_file)]
            mixed = [r for pair in zip(bad + [b""] * (rows_per_file - n), good_rows, strict=True) for r in pair if r]
            name = f"{tag}-{file_no:05d}.hazmat.csv"
            _put(stack.inbox, name, DECL_HEADER.encode() + b"".join(mixed))
            names.append(name)
            good += rows_per_file
            sent_files += 1
            file_no += 1
            if file_no % files_every == 0 and j < hostile_files:
                _hostile_file(stack, rng, j, outside)
                j += 1
            if file_no % 50 == 0:           # as an exporter would: not thousands of files at once
                wait_for("the inbox to keep up", lambda: len(os.listdir(stack.inbox)) < 120, 300, 0.2)
        while j < hostile_files:
            _hostile_file(stack, rng, j, outside)
            j += 1
        wait_for("every file imported", lambda: all((stack.inbox / "done" / n).exists() for n in names), 600, 1)
        wait_for("every hostile file refused", lambda: len([p for p in (stack.inbox / "failed").iterdir()
                                                            if p.name.startswith("chaos-")
                                                            and p.suffix == ".reason"]) >= hostile_files, 120, 1)
    stored = _count(stack, "SELECT count(*) FROM hazmat_declaration WHERE declaration_id LIKE %s", (f"{tag}-%",))
    refused = _reasons(stack, "SELECT reason, count FROM ingest_reject_count WHERE source IN ('hazmat', 'inbox')")
    ok_outside = outside.stat().st_size > 0
    return PathResult("inbox", hostile_rows + hostile_files, good, stored, stack.worker("inbox") == pid and ok_outside,
                      rss.peak, refused)
