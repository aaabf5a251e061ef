"""The one refusal of the ground floor: a value that is not what the port's codes allow."""

from __future__ import annotations


class Invalid(Exception):
    """args: (reason, detail). The reason is a short stable name (counted per reason by the importers)."""
