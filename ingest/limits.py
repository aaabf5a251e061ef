"""Bounds on what hostile input can make the ingest side hold or store (no heavy imports: decoders use it)."""

from __future__ import annotations

RAW_CAP = 2000      # characters of a rejected input kept for diagnosis


def _escaped(c: str) -> str:
    """A control character (but tab), DEL or a lone surrogate as an escape; anything else as it is."""
    if c == "\t" or (c >= " " and c != "\x7f" and not "\ud800" <= c <= "\udfff"):
        return c
    return f"\\x{ord(c):02x}" if ord(c) <= 0xFF else f"\\u{ord(c):04x}"


def safe_raw(raw: bytes | str, cap: int = RAW_CAP) -> str:
    """A rejected input as text PostgreSQL will take and a person can read: invalid UTF-8 as \\xNN, NUL and
    the other control characters but tab as \\xNN, cut to `cap` characters with a note of the full size."""
    text = raw.decode("utf-8", "backslashreplace") if isinstance(raw, bytes) else raw
    clipped = text[:4 * cap]
    out = "".join(_escaped(c) for c in clipped) if not clipped.isprintable() else clipped
    if len(out) > cap or len(clipped) < len(text):
        unit = "bytes" if isinstance(raw, bytes) else "characters"
        out = f"{out[:cap]}… ({len(raw)} {unit} in all)"
    return out
