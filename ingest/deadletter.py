"""The dead-letter table: a poison message kept with its reason (raw bytes as bytea, size-capped)."""

from __future__ import annotations

import hashlib
from typing import Any

import psycopg

from ingest.limits import safe_raw
from sql import query

PAYLOAD_CAP = 16 * 1024       # bytes of a dead message kept (its size and digest say what the rest was)


def dead_letter(conn: psycopg.Connection[Any], source: str, channel: str, reason: str, detail: str,
                payload: bytes, attempts: int = 1, size: int | None = None) -> None:
    """Insert one dead letter inside the caller's transaction; `size` is the full size of a payload of which
    only the head was held (its digest is then of that head)."""
    query(conn, "dead_letter_insert", {
        "source": source, "channel": safe_raw(channel, 500), "reason": reason, "detail": safe_raw(detail, 500),
        "attempts": attempts, "payload": payload[:PAYLOAD_CAP], "payload_bytes": len(payload) if size is None else size,
        "digest": hashlib.sha256(payload).digest()})
