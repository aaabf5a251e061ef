"""The input limits every path shares (ingest/limits.py): a depth- and size-limited JSON parse, XML without DTDs,
CSV records refused one at a time."""

from __future__ import annotations

import csv
import time

import pytest

from ingest.limits import InputRefused, csv_rows, json_depth, json_records, loads_json, parse_xml

pytestmark = pytest.mark.unit


def reason(fn: object, *args: object, **kw: object) -> str:
    with pytest.raises(InputRefused) as caught:
        fn(*args, **kw)  # type: ignore[operator]
    return caught.value.reason


def test_ten_thousand_deep_json_is_refused_fast_not_by_recursion() -> None:
    for deep in (b"[" * 10_000 + b"]" * 10_000, b'{"a":' * 10_000 + b"1" + b"}" * 10_000, b"[" * 1_000_000):
        started = time.perf_counter()
        assert reason(loads_json, deep, max_bytes=2 << 20) == "too_deep"
        assert time.perf_counter() - started < 0.5


def test_depth_counts_brackets_outside_strings_only() -> None:
    assert json_depth(b'{"a": "[[[[{{", "b": [1, {"c": "]]"}]}') == 3
    assert json_depth(b'["\\"[[["]') == 1
    assert json_depth(b"42") == 0
    assert loads_json(b'{"a": "[[[[", "b": [1, {"c": 2}]}') == {"a": "[[[[", "b": [1, {"c": 2}]}
    assert loads_json(b"[" * 64 + b"]" * 64) is not None
    assert reason(loads_json, b"[" * 65 + b"]" * 65) == "too_deep"


@pytest.mark.parametrize(("payload", "why"), [
    (b'{"a": "x\x00y"}', "nul_byte"),
    (b'{"a": "x\\u0000y"}', "nul_byte"),
    (b'{"a": "\xff\xfe"}', "bad_encoding"),
    (b'{"a": ', "bad_json"),
    (b"\x00" * 10, "nul_byte"),
    (b'{"a": "' + b"x" * (1 << 20) + b'"}', "too_large"),
])
def test_hostile_json_is_refused_with_its_reason(payload: bytes, why: str) -> None:
    assert reason(loads_json, payload) == why


def test_an_escaped_backslash_before_u0000_is_not_a_nul() -> None:
    assert loads_json(b'{"path": "C:\\\\u0000"}') == {"path": "C:\\u0000"}


def test_a_utf8_bom_and_text_input_are_read() -> None:
    assert loads_json("\ufeff[1]".encode()) == [1]
    assert loads_json('{"名": "潍坊"}') == {"名": "潍坊"}


@pytest.mark.parametrize(("xml", "why"), [
    (b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "xml_dtd"),
    (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><l>&lol2;</l>',
     "xml_dtd"),
    (b'<!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>', "xml_dtd"),
    (b"<a>" * 10_000 + b"</a>" * 10_000, "too_deep"),
    (b"<a>", "bad_xml"),
    (b"<a>\x00</a>", "bad_xml"),
    (b'<?xml version="1.0" encoding="x-nonesuch"?><a/>', "bad_xml"),
    (b"<a>" + b"x" * 300_000 + b"</a>", "too_large"),
])
def test_hostile_xml_is_refused_with_its_reason(xml: bytes, why: str) -> None:
    assert reason(parse_xml, xml) == why


def test_plain_xml_is_parsed() -> None:
    root = parse_xml(b'<?xml version="1.0" encoding="UTF-8"?><a x="1"><b>t</b></a>')
    assert root.tag == "a" and root.findtext("b") == "t"


def test_csv_records_are_refused_alone_and_the_good_ones_kept() -> None:
    data = (b"a,b,c\n1,2,3\n1,2\n\"x" + b"y" * 140_000 + b"\",2,3\n4,5,6\n7,\xff,9\n8,\"q\x01\",9\n"
            b"\"multi\nline\",2,3\n" + b"z" * 5_000 + b",2,3\n9,9,9,9\n10,11,12")
    rows = list(csv_rows(data, max_field=4096))
    assert [(r.line_no, r.refused.reason if r.refused else None) for r in rows] == [
        (2, None), (3, "wrong_field_count"), (4, "bad_csv"), (5, None), (6, "bad_encoding"),
        (7, "control_character"), (8, None), (10, "field_too_large"), (11, "wrong_field_count"), (12, None)]
    assert [r.fields for r in rows if r.fields] == [
        {"a": "1", "b": "2", "c": "3"}, {"a": "4", "b": "5", "c": "6"}, {"a": "multi\nline", "b": "2", "c": "3"},
        {"a": "10", "b": "11", "c": "12"}]
    assert rows[1].raw == "1,2" and len(rows[2].raw) > 140_000 and rows[4].raw == "7,\\xff,9"


def test_a_csv_with_a_bad_header_is_refused_whole() -> None:
    for data in (b"a,\xff\n1,2\n", b"\n\n1,2\n", b"a," + b"b" * 5_000 + b"\n1,2\n"):
        assert reason(lambda d=data: list(csv_rows(d))) == "bad_header"
    assert list(csv_rows(b"")) == []


def test_the_default_field_limit_is_what_the_csv_module_enforces() -> None:
    assert csv.field_size_limit() == 131_072


def test_json_records_are_refused_alone() -> None:
    data = b'{"calls": [{"a": 1}, 7, {"b": "' + b"x" * 5_000 + b'"}, {"c": "ok"}]}'
    rows = json_records(data, "calls")
    assert [(r.line_no, r.fields, r.refused.reason if r.refused else None) for r in rows] == [
        (1, {"a": 1}, None), (2, None, "not_an_object"), (3, None, "field_too_large"), (4, {"c": "ok"}, None)]
    assert [r.fields for r in json_records(b'[{"a": 1}]')] == [{"a": 1}]
    assert reason(json_records, b'{"a": 1}', "calls") == "json_not_a_list"
    assert reason(json_records, b"[" * 10_000) == "too_deep"
