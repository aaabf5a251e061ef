"""HOST:PORT addresses as the command lines take them."""

from __future__ import annotations


def parse_address(text: str) -> tuple[str, int]:
    """'127.0.0.1:10110' -> ('127.0.0.1', 10110); ':10110' listens on every interface ('0.0.0.0')."""
    host, _, port = text.rpartition(":")
    return host or "0.0.0.0", int(port)
