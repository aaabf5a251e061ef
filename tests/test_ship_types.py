"""AIS ship types by name in both languages (ITU-R M.1371-5 table 53), as the vessel card shows them."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from portdomain.ship_types import NAMES, ship_type_name


@pytest.mark.parametrize(("code", "en", "zh"), [
    (71, "cargo ship, hazardous category A (71)", "货船，危险品 A 类（71）"),
    (70, "cargo ship (70)", "货船（70）"),
    (84, "tanker, hazardous category D (84)", "液货船，危险品 D 类（84）"),
    (52, "tug (52)", "拖轮（52）"),
    (30, "fishing vessel (30)", "渔船（30）"),
    (69, "passenger ship (69)", "客船（69）"),
    (37.0, "pleasure craft (37)", "游艇（37）"),
    (None, "—", "—"),
    (float("nan"), "—", "—"),
    (120, "undefined type (120)", "未定义船型（120）"),
])
def test_a_ship_type_by_name(code: Any, en: str, zh: str) -> None:
    assert ship_type_name(code, "en") == en and ship_type_name(code, "zh") == zh


def test_every_code_from_0_to_99_has_a_name_and_the_ranges_do_not_overlap() -> None:
    covered = [n for lo, hi in NAMES for n in range(lo, hi + 1)]
    assert sorted(covered) == list(range(100))


def test_the_vessel_card_says_the_type_by_name(weifang_db: str) -> None:
    from app.cards import vessel_card
    from tests.test_port_activity import _text

    with psycopg.connect(weifang_db, autocommit=True) as conn:
        conn.execute("INSERT INTO vessel (mmsi, name, ship_type) VALUES (477123499, 'HUA HANG 7', 81)")
        conn.execute("""INSERT INTO vessel_latest (mmsi, observed_at, received_at, source, msg_type, geom, sog_kn)
                        VALUES (477123499, now(), now(), 'test', 1, ST_SetSRID(ST_MakePoint(119.2, 37.2), 4326), 0)""")
        en, zh = (_text(vessel_card(conn, 477123499, lang)) for lang in ("en", "zh"))
    assert "tanker, hazardous category A (81)" in en and "液货船，危险品 A 类（81）" in zh
