"""The stream decoder on hand-made sentences: interleaved fragments, 'not available', rejects, clocks, flags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyais.encode import encode_dict
from pyais.exceptions import AISBaseException
from pyais.messages import AISSentence, TagBlock
from pyais.util import compute_checksum

from ingest.ais.clock import observed_at
from ingest.ais.decoder import MEMO_SIZE, UNIT_RE, Memo, StreamDecoder, Whole, nmea_checksum
from ingest.ais.records import flag_of

pytestmark = pytest.mark.unit
GPSD = Path(__file__).parent / "fixtures" / "ais" / "ais-nmea-gpsd"
NOW = datetime(2026, 11, 27, 9, 0, 30, tzinfo=UTC)


def tagged(station: str, unix: int, sentence: str, group: str | None = None) -> bytes:
    block = TagBlock.create_str(group=group, source_station=station, receiver_timestamp=unix)  # type: ignore[arg-type]
    return f"\\{block}\\{sentence}".encode()


def decode(lines: list[bytes]) -> StreamDecoder:
    d = StreamDecoder("test", now=lambda: NOW)
    for i, line in enumerate(lines):
        d.feed(line, i)
    d.finish()
    return d


def static5(mmsi: int, name: str, seq: int) -> list[str]:
    return encode_dict({"type": 5, "mmsi": mmsi, "shipname": name, "callsign": "BXYZ", "ship_type": 80,
                        "to_bow": 100, "to_stern": 20, "to_port": 8, "to_starboard": 9},
                       talker_id="AI", sentence_type="VDM", seq_id=seq)


def test_fragments_of_two_stations_interleaved_both_assemble() -> None:
    a1, a2 = static5(412000010, "ALPHA", 3)
    b1, b2 = static5(413000020, "BRAVO", 3)          # same channel and sequence id, another station
    unix = int(NOW.timestamp())
    d = decode([tagged("east", unix, a1), tagged("west", unix, b1), tagged("east", unix, a2),
                tagged("west", unix, b2)])
    out = d.take()
    assert {m: f["name"] for m, f in out.statics.items()} == {412000010: "ALPHA", 413000020: "BRAVO"}
    assert out.rejects == []


def test_a_fragment_without_its_first_part_is_an_orphan_and_a_lone_first_part_incomplete() -> None:
    _, a2 = static5(412000011, "CHARLIE", 1)
    b1, _ = static5(412000012, "DELTA", 2)
    out = decode([a2.encode(), b1.encode()]).take()
    assert out.reasons == {"orphan_fragment": 1, "incomplete_multipart": 1}
    assert [r[1] for r in out.rejects] == ["orphan_fragment", "incomplete_multipart"]


def test_not_available_values_become_null_never_a_point() -> None:
    line = encode_dict({"type": 1, "mmsi": 412000013, "lon": 181, "lat": 91, "speed": 102.3, "course": 360,
                        "heading": 511, "second": 60, "turn": -128}, talker_id="AI", sentence_type="VDM")[0]
    out = decode([line.encode()]).take()
    (row,) = out.positions
    assert row[0] == 412000013 and row[5:11] == (None, None, None, None, None, None)


@pytest.mark.parametrize(("data", "reason"), [
    ({"type": 1, "mmsi": 0, "lon": 119.2, "lat": 37.2}, "invalid_mmsi"),
    ({"type": 1, "mmsi": 412000014, "lon": 119.2, "lat": 95.0}, "position_out_of_range"),
])
def test_bad_values_are_rejected_with_their_reason(data: dict[str, object], reason: str) -> None:
    line = encode_dict(data, talker_id="AI", sentence_type="VDM")[0]  # type: ignore[arg-type]
    out = decode([line.encode()]).take()
    assert out.positions == [] and out.reasons == {reason: 1}


def test_a_report_from_the_future_is_rejected() -> None:
    line = encode_dict({"type": 1, "mmsi": 412000015, "lon": 119.2, "lat": 37.2, "second": 5},
                       talker_id="AI", sentence_type="VDM")[0]
    later = int((NOW + timedelta(minutes=10)).timestamp())
    out = decode([tagged("x", later, line)]).take()
    assert out.reasons == {"future_timestamp": 1}


def test_the_reports_second_is_placed_on_the_receiver_clock() -> None:
    reference = datetime(2026, 11, 27, 9, 0, 3, 500_000, tzinfo=UTC)
    assert observed_at(reference, 58) == datetime(2026, 11, 27, 8, 59, 58, tzinfo=UTC)   # sent just before
    assert observed_at(reference, 2) == datetime(2026, 11, 27, 9, 0, 2, tzinfo=UTC)
    assert observed_at(reference, 60) == reference                                      # no second given


def test_a_transmission_heard_on_both_channels_is_one_observation() -> None:
    data = {"type": 1, "mmsi": 412000016, "lon": 119.2, "lat": 37.2, "second": 20}
    a = encode_dict(data, talker_id="AI", sentence_type="VDM", radio_channel="A")[0]
    b = encode_dict(data, talker_id="AI", sentence_type="VDM", radio_channel="B")[0]
    unix = int(NOW.timestamp())
    out = decode([tagged("s1", unix, a), tagged("s2", unix + 1, b)]).take()
    assert len({(r[0], r[1]) for r in out.positions}) == 1


@pytest.mark.parametrize(("mmsi", "flag"), [(412000001, "CN"), (477123456, "HK"), (4123456, "CN"),
                                            (992351234, "GB"), (992711234, "TR"), (111232345, "GB"), (970123456, None)])
def test_flag_state_from_the_mid(mmsi: int, flag: str | None) -> None:
    assert flag_of(mmsi) == flag


def test_each_receiving_station_named_in_tag_blocks_is_a_feed_of_its_own() -> None:
    unix = int(NOW.timestamp())
    pos = [encode_dict({"type": 1, "mmsi": 412000100 + i, "lon": 119.2, "lat": 37.2, "second": 10})[0]
           for i in range(3)]
    out = decode([tagged("rx-outer", unix, pos[0]), tagged("rx-harbour", unix, pos[1]),
                  tagged("rx-outer", unix, pos[2]), pos[0].encode()]).take()
    assert [r[3] for r in out.positions] == ["test/rx-outer", "test/rx-harbour", "test/rx-outer", "test"]
    assert out.stations == {"test/rx-outer": 2, "test/rx-harbour": 1}
    assert out.messages == 4
    assert set(out.station_last) == {"test/rx-outer", "test/rx-harbour"}


def test_a_repeated_static_report_is_decoded_once_and_reads_the_same() -> None:
    d = StreamDecoder("test", now=lambda: NOW)
    unix = int(NOW.timestamp())
    voyage = {"type": 5, "mmsi": 412000200, "shipname": "ECHO", "callsign": "BECH", "ship_type": 70, "to_bow": 90,
              "to_stern": 20, "to_port": 8, "to_starboard": 9, "destination": "WEIFANG", "month": 1, "day": 2,
              "hour": 3, "minute": 4}
    first = [tagged("rx", unix - 400, s) for s in encode_dict(voyage, talker_id="AI", sentence_type="VDM", seq_id=1)]
    again = [tagged("rx", unix, s) for s in encode_dict(voyage, talker_id="AI", sentence_type="VDM", seq_id=2)]
    changed = [tagged("rx", unix, s) for s in encode_dict({**voyage, "destination": "QINGDAO"},
                                                           talker_id="AI", sentence_type="VDM", seq_id=3)]
    outs = []
    for lines in (first, again, changed):
        for i, line in enumerate(lines):
            d.feed(line, i)
        outs.append(d.take().statics[412000200])
    assert len(d.memo.statics) == 2                    # the repeat came from the memo; the change did not
    assert outs[0]["static_at"] < outs[1]["static_at"]
    assert {k: v for k, v in outs[1].items() if k != "static_at"} == \
        {k: v for k, v in outs[0].items() if k != "static_at"}
    assert outs[1]["name"] == "ECHO" and outs[1]["eta"] == datetime(2027, 1, 2, 3, 4, tzinfo=UTC)
    assert outs[2]["destination"] == "QINGDAO"


def test_a_position_asks_for_its_vessel_row_once_not_in_every_batch() -> None:
    d = StreamDecoder("test", now=lambda: NOW)
    line = encode_dict({"type": 1, "mmsi": 412000300, "lon": 119.2, "lat": 37.2, "second": 10})[0]
    unix = int(NOW.timestamp())
    d.feed(tagged("rx", unix, line), 0)
    first = d.take()
    d.feed(tagged("rx", unix + 5, line), 1)
    second = d.take()
    assert first.statics == {412000300: {"kind": "vessel", "flag": "CN"}}
    assert second.statics == {} and len(second.positions) == 1


def test_the_static_memo_is_bounded_and_forgets_the_oldest_first() -> None:
    memo = Memo()
    for i in range(MEMO_SIZE + 10):
        memo.keep_static((i.to_bytes(4, "big"), 0), (412000000 + i, {"name": f"V{i}"}, None))
    assert len(memo.statics) == MEMO_SIZE
    assert ((0).to_bytes(4, "big"), 0) not in memo.statics
    assert memo.statics[((MEMO_SIZE + 9).to_bytes(4, "big"), 0)][0] == 412000000 + MEMO_SIZE + 9


@given(st.binary(max_size=300))
def test_the_folded_checksum_is_the_xor_of_every_byte(data: bytes) -> None:
    expected = 0
    for byte in data:
        expected ^= byte
    assert nmea_checksum(data) == expected


def test_a_sentence_with_one_character_changed_fails_its_checksum() -> None:
    good = encode_dict({"type": 5, "mmsi": 412000300, "shipname": "CHECKSUM", "destination": "WEIFANG"},
                       talker_id="AI", sentence_type="VDM", seq_id=1)
    for sentence in good:
        body = sentence.encode()
        assert nmea_checksum(body[1:-3]) == compute_checksum(body) == int(body[-2:], 16)
    bad = good[0][:20] + ("A" if good[0][20] != "A" else "B") + good[0][21:]
    out = decode([bad.encode(), good[1].encode()]).take()
    assert out.reasons["bad_checksum"] == 1 and out.messages == 0
    assert [r[1] for r in out.rejects] == ["bad_checksum", "orphan_fragment"]


def test_a_whole_sentence_read_lean_decodes_as_pyais_decodes_it() -> None:
    """Every single-sentence message of the GPSD captures: the same type, payload, bits and decoded fields
    as through pyais's AISSentence; every other sentence is left to AISSentence."""
    whole = left = 0
    for path in sorted(GPSD.glob("*.log")):
        for line in path.read_bytes().splitlines():
            for _, body, _ in UNIT_RE.findall(line):
                fields = body.split(b",")
                if fields[0][3:] not in (b"VDM", b"VDO"):
                    continue
                lean = Whole.parse(body, fields)
                try:
                    full = AISSentence(body, fields)
                except (AISBaseException, ValueError, IndexError):    # pyais refuses the envelope: so must we
                    assert lean is None or not lean.is_valid
                    continue
                if full.frag_cnt != 1:
                    assert lean is None
                    left += 1
                    continue
                if lean is None:
                    left += 1
                    continue
                whole += 1
                assert (lean.ais_id, lean.payload, lean.fill_bits, lean.checksum, lean.is_valid) == \
                    (full.ais_id, full.payload, full.fill_bits, full.checksum, full.is_valid)
                try:
                    expected = full.decode().asdict()
                except (AISBaseException, ValueError, IndexError, TypeError) as err:
                    with pytest.raises(type(err)):
                        lean.decode()
                    continue
                assert lean.decode().asdict() == expected
    assert whole > 1000 and left > 100


@pytest.mark.parametrize("body", [
    b"!AIVDM,2,1,3,B,55P5TL01VIaAL@7WKO@mBplU@<PDhh000000001S;AJ::4A80?4i@E53,0*3E",   # a fragment
    b"!AIVDM,1,1,,B,15M67FC000G?ufbE`FepT@3n00Sa,6*5B",       # fill bits out of range
    b"!AIVDM,1,1,,B,15M67FC000G?ufbE`FepT@3n00Sa*5B",         # no fill bits
    b"!AIVDM,1,1,,B,15M67FC000G?ufbE`FepT@3n00Sa,0,x*5B",     # a field too many
    "!AIVDM,1,1,,B,15M67FC000G?ufbE`FepT@3n00Sä,0*5B".encode(),   # not ASCII
])
def test_an_unusual_envelope_is_left_to_pyais(body: bytes) -> None:
    assert Whole.parse(body, body.split(b",")) is None

