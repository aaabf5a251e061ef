"""When was an AIS message observed: one precedence of clocks, decided per line, and the report's own second.

The clock of a line (its *reference*) is the first of these that the line or its stream has
(`line_clock`, the one place the rule lives; the decoder and any fast path call it):

1. `tag_block`  — the line's NMEA 4.0 tag block `c:` (UNIX seconds or milliseconds);
2. `receiver_metadata` — a UNIX time that the receiver wrote *after the checksum* (US Coast Guard /
   NAIS style `!AIVDM,…*hh,s…,d…,T…,x…,r<station>,<unix time>`; the time may also stand before the
   station, or alone: `…*hh,1276256770`);
3. `pghp` — a Gatehouse `$PGHP` sentence just before the AIS sentence (the DMA network's);
4. `stream_clock` — the clock carried forward from the last line of the same stream that had one of
   1–3 (or a `$xxRMC` GPS fix): an untagged line inside a tag-blocked stream is as old as its
   neighbours, not as old as the file. A file's lines before its first clock take that first clock
   (`first_clock`, looked for at the head of the file);
5. the fallback, only for input with no clock at all: live input its arrival time (`arrival`), a file
   its modification time plus 1 ms per line (`file_mtime`, deterministic; the report's second is then
   not used, since nothing says which minute it belongs to).

With any rule but `file_mtime` the report's own UTC second (AIS field `second`) is then placed on the
reference (`observed_at`): the latest such instant not after it (allowing SKEW of receiver clock error).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

ONE_MS = timedelta(milliseconds=1)
MINUTE = timedelta(minutes=1)
SKEW = timedelta(seconds=5)      # a report's second may run this far ahead of the receiver clock
UNIX_RE = re.compile(rb"\d{10}(?:\.\d+)?|\d{13}")
META_FIELD_RE = re.compile(rb"[A-Za-z][\w.+:-]*|\d{10}(?:\.\d+)?|\d{13}")
HEAD_BYTES = 4 << 20             # how far into a file first_clock looks


class Rule(StrEnum):
    """Which clock gave a line its time (in order of precedence)."""

    TAG_BLOCK = "tag_block"
    METADATA = "receiver_metadata"
    PGHP = "pghp"
    STREAM = "stream_clock"
    ARRIVAL = "arrival"
    FILE_MTIME = "file_mtime"


def line_clock(tag: datetime | None, metadata: datetime | None, pghp: datetime | None,
               carried: datetime | None, fallback: datetime, *, live: bool = False,
               second: int | None = None) -> tuple[datetime, datetime, Rule]:
    """The per-line decision, pure: (observed time, reference clock, rule that gave it).

    `tag`: the tag block's `c:`; `metadata`: the UNIX time after the checksum; `pghp`: a pending
    `$PGHP` time; `carried`: the stream's clock carried from earlier lines (or the file's first clock);
    `fallback`: the arrival time (live input, `live=True`) or the file's synthetic clock (mtime + 1 ms a
    line); `second`: the report's UTC second, if it has one."""
    if tag is not None:
        reference, rule = tag, Rule.TAG_BLOCK
    elif metadata is not None:
        reference, rule = metadata, Rule.METADATA
    elif pghp is not None:
        reference, rule = pghp, Rule.PGHP
    elif carried is not None:
        reference, rule = carried, Rule.STREAM
    elif live:
        reference, rule = fallback, Rule.ARRIVAL
    else:
        return fallback, fallback, Rule.FILE_MTIME
    return observed_at(reference, second), reference, rule


def from_tag_block(value: str | None) -> datetime | None:
    """`c:` is UNIX time in seconds (some receivers write milliseconds)."""
    if not value:
        return None
    try:
        stamp = float(value)
    except ValueError:
        return None
    if stamp > 1e11:          # milliseconds
        stamp /= 1000.0
    try:
        return datetime.fromtimestamp(stamp, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def parse_metadata(tail: bytes) -> tuple[bool, datetime | None, str | None]:
    """What a receiver wrote after the checksum, the text after `*hh,`: (is it metadata, its UNIX time, its
    station). Fields are a letter code and a value (`s…` signal, `d…` dBm, `T…` time in the minute,
    `x…` counter, `r…` station) and one bare UNIX time; anything else is not metadata."""
    fields = tail.split(b",")
    if not fields or not all(META_FIELD_RE.fullmatch(f) for f in fields):
        return False, None, None
    stamp = station = None
    for f in fields:
        if UNIX_RE.fullmatch(f):
            stamp = from_tag_block(f.decode())
        elif f[:1] == b"r" and len(f) > 1:
            station = f[1:].decode()
    if station is None and len(fields) >= 2 and UNIX_RE.fullmatch(fields[-2]) and not UNIX_RE.fullmatch(fields[-1]):
        station = fields[-1].decode()       # `…,<unix time>,<station>`
    return True, stamp, station


def from_rmc(fields: list[bytes]) -> datetime | None:
    """$xxRMC,hhmmss.ss,A,…,ddmmyy: the receiver's GPS clock (GPSD logs interleave it with AIS)."""
    try:
        hms, dmy = fields[1].decode(), fields[9].decode()
        return datetime(2000 + int(dmy[4:6]), int(dmy[2:4]), int(dmy[0:2]), int(hms[0:2]), int(hms[2:4]),
                        int(hms[4:6]), int(float(hms[6:] or 0) * 1e6) if len(hms) > 6 else 0, tzinfo=UTC)
    except (IndexError, ValueError):
        return None


def from_pghp(fields: list[bytes]) -> datetime | None:
    """$PGHP,1,yyyy,m,d,h,m,s,ms,…: Gatehouse's time of the sentence that follows."""
    try:
        y, mo, d, h, mi, s, ms = (int(f) for f in fields[2:9])
        return datetime(y, mo, d, h, mi, s, ms * 1000, tzinfo=UTC)
    except (IndexError, ValueError):
        return None


TAG_RE = re.compile(rb"\\([^\\*]*)\*([0-9A-Fa-f]{1,2})\\")
TAG_C_RE = re.compile(rb"(?:^|,)c:(\d+)")
META_TAIL_RE = re.compile(rb"\*[0-9A-Fa-f]{2},([^!$\\\s]+)")
PGHP_RE = re.compile(rb"\$PGHP,([^*]*)\*")
RMC_RE = re.compile(rb"\$[A-Z]{2}RMC,([^*]*)\*")


def _xor(data: bytes) -> int:
    x = 0
    for b in data:
        x ^= b
    return x


def clock_of_line(line: bytes) -> datetime | None:
    """The clock a line sets for its stream (rules 1–3, or a GPS fix), read without decoding any AIS:
    what a chunk of a file carries from the lines before it, and what first_clock looks for."""
    for tag in TAG_RE.finditer(line):       # a tag block counts only with its own checksum right
        c = TAG_C_RE.search(tag.group(1))
        if c and _xor(tag.group(1)) == int(tag.group(2), 16):
            stamp = from_tag_block(c.group(1).decode())
            if stamp:
                return stamp
    m = META_TAIL_RE.search(line)
    if m:
        ok, stamp, _ = parse_metadata(m.group(1))
        if ok and stamp:
            return stamp
    m = PGHP_RE.search(line)
    if m:
        return from_pghp([b"$PGHP", *m.group(1).split(b",")])
    m = RMC_RE.search(line)
    if m:
        return from_rmc([b"RMC", *m.group(1).split(b",")])
    return None


def first_clock(path: Path, limit: int = HEAD_BYTES) -> datetime | None:
    """The first clock in a file's head (None: the head has none, and the file's lines fall back to mtime)."""
    with path.open("rb") as fh:
        head = fh.read(limit)
    if b"c:" not in head and b"*" not in head:
        return None
    for line in head.splitlines():
        stamp = clock_of_line(line)
        if stamp is not None:
            return stamp
    return None


def observed_at(reference: datetime, second: int | None) -> datetime:
    """The report's UTC second placed on the reference clock: the latest such instant not after it.

    Two receptions of one transmission (channels A and B, two stations) land on the same instant,
    so the (mmsi, observed_at) key stores the report once; a report without a usable second keeps
    the reference time.
    """
    if second is None or not 0 <= second <= 59:
        return reference
    candidate = reference.replace(second=second, microsecond=0)
    if candidate > reference + SKEW:
        candidate -= MINUTE
    elif candidate < reference - MINUTE + SKEW:
        candidate += MINUTE
    return candidate


class SyntheticClock:
    """For a log with no clock at all: a fixed start (the file's mtime) plus 1 ms per line, deterministic."""

    def __init__(self, start: datetime) -> None:
        self.start = start

    def at(self, line_no: int) -> datetime:
        return self.start + line_no * ONE_MS
