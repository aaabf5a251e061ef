"""Write a batch the database may refuse: on a data error, split it (bisect) until only the refused rows are left.

Any writer can use it: `write(rows)` writes some rows on the caller's connection; each try runs under a
savepoint of the caller's transaction, so a refused half undoes only itself, and the caller commits the good
rows together with whatever it records of the refused ones (a dead-letter row, a checkpoint) at once. A row
refused on its own is tried `attempts` times in all (a deadlock or a statement timeout may pass) before it
is given up. A lost connection is not a data error: it is raised, for the caller to retry the whole batch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import psycopg

log = logging.getLogger(__name__)
T = TypeVar("T")
ATTEMPTS = 3
# What a refused row raises: the server's refusal, or psycopg's when it cannot send a value.
DATA_ERRORS: tuple[type[Exception], ...] = (psycopg.Error, ValueError, TypeError, OverflowError)


@dataclass
class Refused(Generic[T]):
    row: T
    reason: str          # the last error, as `ErrorClass: message`
    attempts: int


@dataclass
class Split(Generic[T]):
    written: int = 0
    tries: int = 0                                   # write() calls, for the log and the tests
    refused: list[Refused[T]] = field(default_factory=list)


def reason_of(err: BaseException) -> str:
    return f"{type(err).__name__}: {str(err).strip()}"[:500]


def write_split(conn: psycopg.Connection[Any], rows: Sequence[T], write: Callable[[Sequence[T]], object],
                attempts: int = ATTEMPTS) -> Split[T]:
    """Write `rows` (in order) with `write`, inside the caller's transaction; returns what was refused."""
    split: Split[T] = Split()
    todo: list[Sequence[T]] = [rows] if rows else []
    while todo:
        part = todo.pop()
        err = _try(conn, part, write, split)
        if err is None:
            split.written += len(part)
        elif len(part) > 1:
            half = len(part) // 2
            todo += [part[half:], part[:half]]     # the first half next: rows keep their order
        else:
            tried = 1
            while err is not None and tried < attempts:
                tried += 1
                err = _try(conn, part, write, split)
            if err is None:
                split.written += 1
            else:
                split.refused.append(Refused(part[0], reason_of(err), tried))
    if split.refused:
        log.warning("%d of %d rows refused by the database (first: %s) after %d tries", len(split.refused),
                    len(rows), split.refused[0].reason, split.tries)
    return split


def _try(conn: psycopg.Connection[Any], part: Sequence[T], write: Callable[[Sequence[T]], object],
         split: Split[T]) -> Exception | None:
    split.tries += 1
    try:
        with conn.transaction():
            write(part)
    except DATA_ERRORS as err:
        if conn.broken or conn.closed:
            raise                       # not the data: the connection (the caller retries the batch)
        return err
    return None
