"""Fuzzing the parsers with hypothesis: NMEA, Frigate JSON, ONVIF XML, EDIFACT, TOS CSV rows, dangerous-goods
declarations and gate transactions, the planning feeds' CSV and JSON files (berth plan, direct delivery), and the
port package loader (port.toml, each GeoJSON file, and what the loader derives from the features it keeps).
Whatever comes in, nothing crashes: each input is either taken or refused with a named reason, and good input
around bad input is never lost. (`make test` runs a modest number of examples per parser;
`HYPOTHESIS_PROFILE=long` runs many more.)"""

from __future__ import annotations

import copy
import json
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.ais.decoder import StreamDecoder
from ingest.camera import frigate, onvif
from ingest.errors import PortPackageError
from ingest.hazmat.declarations import declaration, gate_transaction
from ingest.ops import berth_plan, direct_delivery
from ingest.ops.rows import Invalid as RowInvalid
from ingest.ops.rows import read_rows
from ingest.port_geometry import LocalCrs
from ingest.port_load import WRITERS, _slot_rows
from ingest.port_package import FILE_SPECS, load_config, package_frame, read_file
from ingest.yard import edifact, tos_csv
from portdomain.iso6346 import Invalid as YardInvalid
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures"
GOOD_NMEA = [line.strip() for line in (FIXTURES / "ais" / "ais-nmea-pyais" / "ais_test_messages.txt")
             .read_text().splitlines() if line.startswith("!AIVDM,1,1")][:20]
GOOD_POSITION = b"!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23"
FRIGATE = (FIXTURES / "camera" / "example_00_frigate_events.json").read_bytes()     # one real event
ONVIF = [p.read_bytes() for p in sorted((FIXTURES / "camera" / "onvif").glob("*.xml"))]


def mutated(seed: bytes) -> st.SearchStrategy[bytes]:
    """A real input with bytes flipped, cut, repeated or spliced in."""
    def apply(ops: list[tuple[int, int, bytes]]) -> bytes:
        data = bytearray(seed)
        for kind, pos, chunk in ops:
            if not data:
                break
            at = pos % len(data)
            if kind == 0:
                data[at] = chunk[0] if chunk else 0
            elif kind == 1:
                del data[at: at + 1 + len(chunk)]
            elif kind == 2:
                data[at:at] = chunk
            else:
                data = data[:at]
        return bytes(data)
    op = st.tuples(st.integers(0, 3), st.integers(0, 10_000), st.binary(max_size=8))
    return st.lists(op, min_size=1, max_size=6).map(apply)


# --- AIS ------------------------------------------------------------------------------------------------

nmea_lines = st.one_of(st.binary(max_size=120), mutated(GOOD_POSITION), st.sampled_from(GOOD_NMEA).map(str.encode)
                       .flatmap(mutated), st.text(max_size=90).map(str.encode))


@given(st.lists(nmea_lines, min_size=1, max_size=25))
def test_nmea_never_crashes_and_keeps_every_good_report_between_bad_lines(lines: list[bytes]) -> None:
    decoder = StreamDecoder("fuzz")
    for i, line in enumerate(lines):
        decoder.feed(line, 2 * i)
        decoder.feed(GOOD_POSITION, 2 * i + 1)          # a good report after every fuzzed line
    decoder.finish()
    out = decoder.take()
    from_good = [p for p in out.positions if p[0] == 227006760]   # the MMSI of GOOD_POSITION
    assert len(from_good) >= len(lines)
    assert all(reason and detail is not None for _src, reason, detail, _raw in out.rejects)
    assert sum(out.reasons.values()) >= len(out.rejects)


# --- cameras --------------------------------------------------------------------------------------------

json_values = st.recursive(st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=20),
                           lambda children: st.lists(children, max_size=4)
                           | st.dictionaries(st.text(max_size=12), children, max_size=5), max_leaves=25)
frigate_docs = st.fixed_dictionaries({"type": st.one_of(st.sampled_from(["new", "update", "end", "x"]), json_values),
                                      "before": json_values,
                                      "after": st.dictionaries(st.sampled_from(
                                          ["id", "camera", "label", "start_time", "end_time", "score", "top_score",
                                           "sub_label", "current_zones", "entered_zones", "has_snapshot"]),
                                          json_values, max_size=11)})
FRIGATE_REASONS = {"bad_json", "not_an_event", "missing_field", "bad_value", "nul_byte", "bad_encoding", "too_large",
                   "too_deep"}


@given(st.one_of(st.binary(max_size=300), mutated(FRIGATE), frigate_docs.map(lambda d: json.dumps(d).encode())))
def test_frigate_payloads_are_stored_or_refused_with_a_reason(payload: bytes) -> None:
    try:
        event = frigate.parse_event(payload)
    except frigate.Invalid as err:
        assert err.args[0] in FRIGATE_REASONS and isinstance(err.args[1], str)
    else:
        assert event.event_id and event.camera and frigate.LABEL.match(event.label)


ONVIF_REASONS = {"too_large", "too_deep", "xml_dtd", "bad_xml", "unsupported_topic", "missing_field", "bad_value",
                 "not_an_event"}


@given(st.one_of(st.sampled_from(ONVIF).flatmap(mutated), st.binary(max_size=200)))
def test_onvif_notifications_are_parsed_or_refused_with_a_reason(payload: bytes) -> None:
    try:
        notes = onvif.parse_notifications(payload)
    except onvif.Invalid as err:
        assert err.args[0] in ONVIF_REASONS
    else:
        assert all(n.label and n.operation for n in notes)


# --- yard and dangerous goods ---------------------------------------------------------------------------

EDIFACT = sorted((FIXTURES / "edifact").glob("*.edi"))   # LGPL-3.0, its text beside them


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_edifact_is_parsed_or_refused_whole_with_a_reason(data: Any) -> None:
    assert EDIFACT, "the EDIFACT samples are in tests/fixtures/edifact"
    seed = EDIFACT[data.draw(st.integers(0, len(EDIFACT) - 1))].read_bytes()
    text = data.draw(mutated(seed)).decode("latin-1")
    report = edifact.EdifactReport()
    try:
        moves = edifact.parse(text, report)
    except edifact.EdifactError as err:
        assert str(err)
    else:
        assert all(m.container_no and m.kind and m.moved_at for m in moves)
        assert all(count > 0 for count in report.rejects.values())


BLOCKS = {"A01": (20, 6, 5), "D01": (10, 4, 3)}
csv_rows = st.fixed_dictionaries({}, optional={k: st.one_of(st.text(max_size=14), st.sampled_from(v)) for k, v in {
    "container_no": ["CSQU3054383", "CSQU3054384", "MSCU1234565"], "iso_type": ["22G1", "45R1", "ZZZZ"],
    "block": ["A01", "D01", "Z99"], "bay": ["1", "20", "0", "x"], "row": ["1", "6", "7"], "tier": ["1", "5", "-1"],
    "full_empty": ["F", "E", "f", "?"], "customs_status": ["pending", "hold", "nope"],
    "arrived_at": ["2026-11-27T10:00:00", "yesterday"], "gross_kg": ["18000", "-5", "1e9"],
    "un_number": ["1993", "0", "9999"], "imdg_class": ["3", "5.1", "10"]}.items()})


@given(csv_rows)
def test_tos_csv_rows_are_taken_or_refused_with_a_reason(row: dict[str, str]) -> None:
    try:
        staged = tos_csv.validate_row(row, BLOCKS)
    except YardInvalid as err:
        assert err.args[0] and isinstance(err.args[0], str)
    else:
        number, _iso, full_empty, _gross, block, bay, _row, tier, *_ = staged
        assert block in BLOCKS and 1 <= bay <= BLOCKS[block][0] and 1 <= tier <= BLOCKS[block][2]
        assert full_empty in ("F", "E") and len(number) == 11


@given(st.dictionaries(st.sampled_from(["declaration_id", "subject_kind", "subject_id", "un_number", "imdg_class",
                                        "packing_group", "quantity_kg", "declared_at", "proper_shipping_name"]),
                       json_values, max_size=9))
def test_declarations_are_taken_or_refused_with_a_reason(row: dict[str, Any]) -> None:
    try:
        rec = declaration(row, "fuzz")
    except YardInvalid as err:
        assert err.args[0]
    else:
        assert 1 <= rec["un_number"] <= 3600 and rec["subject_id"]


@given(st.dictionaries(st.sampled_from(["transaction_id", "gate_id", "direction", "truck_plate", "container_no",
                                        "passed_at", "declared_un", "declared_class", "observed_un",
                                        "observed_class"]),
                       st.one_of(json_values, st.sampled_from(["G1", "in", "out", "鲁V12345", "CSQU3054383",
                                                               "2026-11-27T10:00:00+08:00", "1993", "3", "5.1"])),
                       max_size=10))
def test_gate_transactions_are_taken_or_refused_with_a_reason(row: dict[str, Any]) -> None:
    try:
        rec = gate_transaction(row, "weifang", {"G1"}, "fuzz")
    except YardInvalid as err:
        assert err.args[0]
    else:
        assert rec["gate_id"] == "G1" and rec["direction"] in ("in", "out") and rec["transaction_id"]


# --- planning feeds (berth plan, direct delivery): whole files ------------------------------------------

PLAN_ROWS = {
    "berth": [{"plan_id": "P1", "berth_id": "B1", "mmsi": "412000001", "imo": "", "vessel_name": "ZHONG",
               "voyage": "V1", "planned_arrival": "2026-11-27T10:00:00+08:00",
               "planned_departure": "2026-11-28T10:00:00+08:00"},
              {"plan_id": "", "berth_id": "B1", "mmsi": "", "imo": "9123456", "vessel_name": "",
               "voyage": "", "planned_arrival": "2026-11-29T10:00:00Z", "planned_departure": "2026-11-30T10:00:00Z"}],
    "direct": [{"plan_id": "D1", "container_no": "CSQU3054383", "direction": "直提", "voyage": "V1", "berth_id": "B1",
                "gate_id": "G1", "truck_plate": "鲁V12345", "planned_at": "2026-11-27T10:00:00+08:00",
                "max_minutes": "90"},
               {"plan_id": "", "container_no": "MSCU1234565", "direction": "load", "voyage": "", "berth_id": "",
                "gate_id": "", "truck_plate": "", "planned_at": "2026-11-27T12:00:00Z", "max_minutes": ""}],
}
PLAN_KEYS = {"berth": "calls", "direct": "containers"}


def _plan_file(which: str, suffix: str) -> bytes:
    rows = PLAN_ROWS[which]
    if suffix == ".json":
        return json.dumps({PLAN_KEYS[which]: rows}, ensure_ascii=False).encode()
    header = ",".join(rows[0])
    return "\n".join([header, *(",".join(r.values()) for r in rows)]).encode() + b"\n"


@given(data=st.data())
def test_planning_feed_files_are_read_or_refused_with_a_reason(data: Any) -> None:
    """A mutated berth-plan or direct-delivery file: the inbox refuses a file it cannot read (the exception's
    message is its reason), and of one it can read, each row is stored or refused with a reason."""
    which, suffix = data.draw(st.sampled_from(["berth", "direct"])), data.draw(st.sampled_from([".csv", ".json"]))
    raw = data.draw(st.one_of(st.just(_plan_file(which, suffix)), mutated(_plan_file(which, suffix))))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"plan{suffix}"
        path.write_bytes(raw)
        try:
            rows = read_rows(path, PLAN_KEYS[which])
        except (UnicodeDecodeError, ValueError) as err:          # the inbox's refusal of the whole file
            assert str(err)
            return
    for row in rows:
        try:
            rec = (berth_plan.parse_row(row, {"B1"}) if which == "berth"
                   else direct_delivery.parse_row(row, {"B1"}, {"G1"}))
        except RowInvalid as err:
            assert str(err)
        else:
            assert rec["plan_id"]
            if which == "berth":
                assert rec["berth_id"] == "B1" and rec["planned_departure"] > rec["planned_arrival"]
            else:
                assert rec["direction"] in ("discharge", "load") and len(rec["container_no"]) == 11


# --- the port package loader ----------------------------------------------------------------------------

PACKAGE = FIXTURES / "ports" / "tinyport"
PACKAGE_CONFIG = load_config(PACKAGE)
PACKAGE_FEATURES = {kind: json.loads((PACKAGE / PACKAGE_CONFIG.file_for(kind)).read_text())["features"]
                    for kind in FILE_SPECS}
PACKAGE_CRS = LocalCrs.of(PACKAGE_CONFIG.crs)
PACKAGE_FRAME = package_frame(PACKAGE_CONFIG)
replacements = st.one_of(json_values, st.floats(-200, 200), st.integers(-10, 10_000),
                         st.sampled_from(["Polygon", "LineString", "Point", "MultiPolygon", "left", "right",
                                          "anchorage", "container", "quay"]))


def _paths(doc: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON document: dict keys and list indices, depth first."""
    if at:
        yield at
    children = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    for k, v in children:
        yield from _paths(v, (*at, k))


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_port_package_features_are_kept_or_refused_with_a_reason(data: Any) -> None:
    """Real features with values replaced or deleted anywhere (properties, ids, geometry types, coordinates, so
    rings that no longer close), duplicated, or the file's bytes mangled: each feature is kept or refused with a
    reason, and what the loader derives from a kept one (berth water areas, camera cones, yard slots) builds."""
    kind = data.draw(st.sampled_from(sorted(FILE_SPECS)))
    features = copy.deepcopy(PACKAGE_FEATURES[kind])
    for _ in range(data.draw(st.integers(0, 4))):
        feature = features[data.draw(st.integers(0, len(features) - 1))]
        path = data.draw(st.sampled_from(list(_paths(feature))))
        parent = feature
        for step in path[:-1]:
            parent = parent[step]
        if data.draw(st.booleans()):
            parent[path[-1]] = data.draw(replacements)
        elif isinstance(parent, dict) or len(parent) > 1:
            del parent[path[-1]]
    if data.draw(st.integers(0, 5)) == 0:
        features.append(copy.deepcopy(features[0]))            # a duplicate id
    raw = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode()
    if data.draw(st.integers(0, 4)) == 0:
        raw = data.draw(mutated(raw))
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / f"{kind}.geojson"
        file.write_bytes(raw)
        good, bad = read_file(file, file.name, FILE_SPECS[kind], PACKAGE_FRAME)
    assert all(r.reason for r in bad)
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        doc = None
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection" and isinstance(doc.get("features"), list):
        assert len(good) + len(bad) == len(doc["features"])
    else:
        assert not good and len(bad) == 1
    for feature in good:
        assert feature.geom.is_valid and PACKAGE_FRAME.covers(feature.geom)
        WRITERS[kind][1]("tinyport", feature, PACKAGE_CRS)
        if kind == "yard_blocks":
            assert len(list(_slot_rows("tinyport", feature, PACKAGE_CRS))) == \
                feature.props["bays"] * feature.props["rows"]


def test_a_nul_escape_refuses_its_own_feature_not_the_file() -> None:
    """Found by the fuzzer above (CI, 2026-12-03): one feature with a \\u0000 key cost every feature of the file."""
    features = copy.deepcopy(PACKAGE_FEATURES["basemap"])
    features[0]["type"] = {"\x00": None}
    features.append(copy.deepcopy(features[-1]) | {"id": "nul-name"})
    features[-1]["properties"] = features[-1]["properties"] | {"name": "quay\x00"}
    raw = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "basemap.geojson"
        file.write_bytes(raw)
        good, bad = read_file(file, file.name, FILE_SPECS["basemap"], PACKAGE_FRAME)
    assert len(good) == len(features) - 2 and len(good) >= 1
    assert [r.reason for r in bad] == ["a NUL (\\u0000) in this feature"] * 2
    assert all("\x00" not in (r.feature_id or "") for r in bad)


@given(mutated((PACKAGE / "port.toml").read_bytes()))
def test_port_config_is_read_or_refused_with_a_reason(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "port.toml").write_bytes(raw)
        try:
            config = load_config(Path(tmp))
        except PortPackageError as err:
            assert "port.toml" in str(err)
            return
    assert config.bbox[0] < config.bbox[2] and config.bbox[1] < config.bbox[3]
    LocalCrs.of(config.crs)                  # the loader's metric CRS can be built


def test_the_fuzzers_found_both_kinds_of_input() -> None:
    """The strategies are not vacuous: some inputs are taken, some refused (checked on a fixed sample)."""
    taken, refused = Counter[str](), Counter[str]()
    for payload in (FRIGATE, b"{nope", json.dumps({"type": "new", "before": {}, "after": {"id": "1"}}).encode()):
        try:
            frigate.parse_event(payload)
            taken["frigate"] += 1
        except frigate.Invalid:
            refused["frigate"] += 1
    assert taken["frigate"] >= 1 and refused["frigate"] == 2
