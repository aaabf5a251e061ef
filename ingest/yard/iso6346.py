"""Moved to the ground floor: portdomain.iso6346 (this name stays for code written against it)."""

from portdomain.iso6346 import Invalid, container_number, size_type

__all__ = ["Invalid", "container_number", "size_type"]
