"""When was an AIS message observed: the reference clock of each line, and the report's own second."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

ONE_MS = timedelta(milliseconds=1)
MINUTE = timedelta(minutes=1)
SKEW = timedelta(seconds=5)      # a report's second may run this far ahead of the receiver clock


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


def from_rmc(fields: list[bytes]) -> datetime | None:
    """$xxRMC,hhmmss.ss,A,…,ddmmyy: the receiver's GPS clock (GPSD logs interleave it with AIS)."""
    try:
        hms, dmy = fields[1].decode(), fields[9].decode()
        return datetime(2000 + int(dmy[4:6]), int(dmy[2:4]), int(dmy[0:2]), int(hms[0:2]), int(hms[2:4]),
                        int(hms[4:6]), int(float(hms[6:] or 0) * 1e6) if len(hms) > 6 else 0, tzinfo=UTC)
    except (IndexError, ValueError):
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
