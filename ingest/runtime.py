"""Moved to the ground floor: portdomain.runtime (this name stays for code written against it)."""

from portdomain.runtime import settle_gc

__all__ = ["settle_gc"]
