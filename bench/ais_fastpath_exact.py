"""The AIS fast path against the slow path on every corpus: the rows each decodes must be equal, every column.

    .venv/bin/python -m bench.ais_fastpath_exact [--synthetic 1000000] [--shared ../shared/data]

For each file of tests/fixtures/ais and ../shared/data (every NMEA-looking file, recursively), for the
fuzz corpus (bench/aispayloads.sentences: random payloads with edge values, bad checksums, fragments,
$PGHP, comments, truncated lines) and for the synthetic traffic of bench/aisgen, both decoders read the
same lines, five ways (a file's synthetic clock; live input stamped on arrival; in chunks of 97 lines; a
clock that makes most reports come from the future; and chunks of 97 lines as bytes, as a decoder process
reads them), and every part of their output is compared:
position rows (as tuples, types included), vessel rows and their order, aids to navigation, base stations,
other messages, rejects in order, counts by reason, messages, stations. Prints one line per corpus and
exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ingest.ais.batch import Output
from ingest.ais.decoder import StreamDecoder
from ingest.ais.fastpath import FastDecoder

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2026, 1, 1, tzinfo=UTC)
NOW = max(datetime.now(UTC), datetime(2026, 6, 1, tzinfo=UTC))      # synthetic traffic is of the last hour
COMPARED = ("statics", "atons", "bases", "others", "rejects", "reasons", "messages", "stations", "station_last")
SKIPPED_SUFFIXES = {".md", ".chk", ".json", ".xml", ".csv", ".txt.license", ".geojson", ".shp", ".dbf", ".prj",
                    ".shx", ".cpg", ".edi", ".zip", ".toml", ".py", ".png", ".pdf"}


@dataclass
class Result:
    lines: int
    fast_lines: int
    positions: int
    differences: list[str]


def _slow(lines: Sequence[bytes], received: datetime | None, kwargs: dict[str, Any], chunk: int) -> Output:
    decoder = StreamDecoder("ais:file:x", **kwargs)
    outs = []
    for i, line in enumerate(lines):
        decoder.feed(line, i, received)
        if i % chunk == chunk - 1 and i + 1 < len(lines):
            outs.append(decoder.take())
    decoder.finish()
    outs.append(decoder.take())
    return outs[0] if len(outs) == 1 else _joined(outs)


def _fast(lines: Sequence[bytes], received: datetime | None, kwargs: dict[str, Any],
          chunk: int, as_bytes: bool = False) -> tuple[Output, int]:
    fast = FastDecoder(StreamDecoder("ais:file:x", **kwargs), fast_min=1)   # the fast path for any chunk
    outs = []
    for start in range(0, len(lines), chunk):
        if as_bytes:           # as a decoder process reads its chunk (feed_chunk), lines joined
            fast.feed_chunk(b"".join(lines[start:start + chunk]), start, received)
        else:
            fast.feed_lines(lines[start:start + chunk], start, received)
        if start + chunk < len(lines):
            outs.append(fast.take())       # as the worker takes a chunk's output
    fast.finish()
    outs.append(fast.take())
    if len(outs) == 1:
        return outs[0], fast.fast_lines
    return _joined(outs), fast.fast_lines


def _joined(outs: list[Output]) -> Output:
    """The outputs of a stream's chunks as one, as a batch joins them (positions as tuples, joined once: adding
    block to block for thousands of chunks would copy the rows over and over)."""
    from ingest.ais.batch import Batch

    positions: list[tuple[Any, ...]] = []
    batch = Batch()
    for out in outs:
        positions += out.block.rows() if out.block is not None else out.positions
        out.positions, out.block = [], None
        batch.add(out, "x")
    joined = batch.out
    joined.positions = positions
    for o in outs:
        joined.reasons.update(o.reasons)
        joined.stations.update(o.stations)
        for s, at in o.station_last.items():
            joined.station_last[s] = max(joined.station_last.get(s, at), at)
    return joined


def differences(slow: Output, fast: Output) -> list[str]:
    """What differs between the two outputs (nothing, when the fast path is right)."""
    rows = fast.block.rows() if fast.block is not None else fast.positions
    out = []
    if rows != slow.positions or [list(map(type, r)) for r in rows] != [list(map(type, r)) for r in slow.positions]:
        first = next((i for i, (a, b) in enumerate(zip(rows, slow.positions, strict=False)) if a != b),
                     min(len(rows), len(slow.positions)))
        out.append(f"positions ({len(rows)} vs {len(slow.positions)}, first at {first})")
    for name in COMPARED:
        if getattr(fast, name) != getattr(slow, name):
            out.append(name)
    if list(fast.statics) != list(slow.statics):
        out.append("order of statics")
    return out


def compare(lines: Sequence[bytes]) -> Result:
    """Both decoders over `lines`, the five ways."""
    ways: list[tuple[str, datetime | None, dict[str, Any], int]] = [
        ("file", None, {"synthetic_start": START, "now": lambda: NOW}, len(lines) or 1),
        ("live", NOW, {"now": lambda: NOW + timedelta(days=3650)}, len(lines) or 1),
        ("chunks", None, {"synthetic_start": START, "now": lambda: NOW}, 97),
        # a clock that stands at START: most reports are from the future, and refused (fast runs fall back)
        ("future", None, {"synthetic_start": START, "now": lambda: START}, len(lines) or 1),
        ("bytes", None, {"synthetic_start": START, "now": lambda: NOW}, 97),
    ]
    found: list[str] = []
    fast_lines = positions = 0
    resplit = b"".join(lines).splitlines(keepends=True)    # what a chunk of these bytes is, line by line
    for name, received, kwargs, chunk in ways:
        as_bytes = name == "bytes"
        slow = _slow(resplit if as_bytes else lines, received, kwargs, chunk)
        fast, n = _fast(resplit if as_bytes else lines, received, kwargs, chunk, as_bytes)
        found += [f"{name}: {d}" for d in differences(slow, fast)]
        if name == "file":
            fast_lines, positions = n, len(slow.positions)
    return Result(len(lines), fast_lines, positions, found)


def corpora(shared: Path | None, synthetic: int) -> list[tuple[str, Callable[[], list[bytes]]]]:
    from bench.aisgen import messages
    from bench.aispayloads import sentences

    found: list[tuple[str, Callable[[], list[bytes]]]] = []
    roots = [ROOT / "tests" / "fixtures" / "ais"] + ([shared] if shared is not None and shared.exists() else [])
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            if path.suffix.lower() in SKIPPED_SUFFIXES or "ais" not in str(path).lower():
                continue
            found.append((str(path.relative_to(root.parent)),
                          lambda p=path: p.read_bytes().splitlines(keepends=True)))   # type: ignore[misc]
    found.append(("fuzz: 50,000 random sentences", lambda: list(sentences(50_000))))
    if synthetic:
        found.append((f"synthetic: {synthetic:,} messages (bench/aisgen)",
                      lambda: [(s + "\n").encode() for s in messages(synthetic)]))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--synthetic", type=int, default=1_000_000, help="messages of bench/aisgen traffic")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    failed = 0
    for name, read in corpora(args.shared, args.synthetic):
        started = time.perf_counter()
        result = compare(read())
        verdict = "equal" if not result.differences else "DIFFERENT: " + "; ".join(result.differences)
        failed += bool(result.differences)
        print(f"{name[-58:]:58} {result.lines:>9,} lines {result.fast_lines:>9,} fast {result.positions:>9,} "
              f"positions  {verdict}  ({time.perf_counter() - started:.1f} s)", flush=True)
    print("all equal" if not failed else f"{failed} corpora differ")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
