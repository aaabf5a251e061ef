"""An md5 of every row of a database's AIS tables, for comparing two ingests of the same input.

Columns the database fills itself at write time (`now()` defaults, serial ids) are left out: they differ
between two runs however equal the data. Rows are digested one by one and the digests sorted, so the
comparison holds every row and every column, duplicates included, whatever the physical order.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

AIS_TABLES = ("vessel_position", "vessel_latest", "vessel", "aton", "base_station", "ais_other", "ingest_reject",
              "ingest_reject_count", "feed_status")
WRITE_TIME_COLUMNS = ("rejected_at", "updated_at", "last_at", "rate_per_s", "id")


def digests(url: str, tables: tuple[str, ...] = AIS_TABLES,
            leave_out: tuple[str, ...] = ()) -> dict[str, tuple[int, str]]:
    """Per table: (rows, md5 over the sorted md5s of its rows). `leave_out`: more columns, as table.column."""
    out: dict[str, tuple[int, str]] = {}
    with psycopg.connect(url) as conn:
        for table in tables:
            columns = [r[0] for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND table_schema = "
                "'public' AND is_identity = 'NO' AND coalesce(column_default, '') NOT LIKE 'nextval%%' AND "
                "coalesce(column_default, '') "
                "<> 'now()' AND column_name <> ALL(%s) ORDER BY ordinal_position",
                (table, list(WRITE_TIME_COLUMNS))).fetchall() if f"{table}.{r[0]}" not in leave_out]
            if not columns:
                continue
            row: Any = conn.execute(sql.SQL(
                "SELECT count(*), coalesce(md5(string_agg(h, ',' ORDER BY h)), '') FROM "
                "(SELECT md5(ROW({})::text) AS h FROM {}) t").format(
                    sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(table))).fetchone()
            out[table] = (int(row[0]), str(row[1]))
    return out
