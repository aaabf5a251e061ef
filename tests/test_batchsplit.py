"""The generic batch splitter on a real table: rows PostgreSQL refuses are isolated, every other one is written."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
import pytest

from ingest.batchsplit import write_split

pytestmark = pytest.mark.db


@pytest.fixture()
def table(databases: Any) -> Any:
    url = databases.create(migrated=False)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id int PRIMARY KEY, note text NOT NULL CHECK (note <> 'bad'))")
    return url


def copy_rows(conn: psycopg.Connection[Any]) -> Any:
    def write(rows: Sequence[tuple[int, str]]) -> None:
        with conn.cursor() as cur, cur.copy("COPY t (id, note) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    return write


def test_only_the_rows_postgres_refuses_are_left_out(table: str) -> None:
    rows = [(i, f"row {i}") for i in range(1000)]
    rows[17] = (17, "bad")                   # a CHECK violation
    rows[500] = (500, "nul \x00 byte")       # PostgreSQL takes no NUL in text
    rows[999] = (999, None)                  # type: ignore[assignment]   # NOT NULL
    rows.append((3, "a duplicate key"))
    with psycopg.connect(table) as conn:
        with conn.transaction():
            split = write_split(conn, rows, copy_rows(conn))
        stored = conn.execute("SELECT id FROM t ORDER BY id").fetchall()
    assert [r.row[0] for r in split.refused] == [17, 500, 999, 3]
    assert [r.attempts for r in split.refused] == [3, 3, 3, 3]
    assert "CheckViolation" in split.refused[0].reason and "NotNullViolation" in split.refused[2].reason
    assert "UniqueViolation" in split.refused[3].reason
    assert "0x00" in split.refused[1].reason or "NUL" in split.refused[1].reason.upper()
    assert split.written == 997
    assert [r[0] for r in stored] == [i for i in range(1000) if i not in (17, 500, 999)]


def test_a_good_batch_is_one_write(table: str) -> None:
    with psycopg.connect(table) as conn, conn.transaction():
        split = write_split(conn, [(i, "ok") for i in range(100)], copy_rows(conn))
    assert (split.written, split.tries, split.refused) == (100, 1, [])


def test_a_lost_connection_is_raised_not_refused(table: str) -> None:
    with psycopg.connect(table) as conn:
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
        conn.commit()

        def write(rows: Sequence[tuple[int, str]]) -> None:
            with psycopg.connect(table, autocommit=True) as killer:
                killer.execute("SELECT pg_terminate_backend(%s)", (pid,))
            copy_rows(conn)(rows)

        with pytest.raises(psycopg.OperationalError):
            write_split(conn, [(1, "x"), (2, "y")], write)
