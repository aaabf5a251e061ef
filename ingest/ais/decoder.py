"""One input stream's lines to AIS rows: split, check, assemble fragments, decode with pyais, validate.

Bad input is data: every line that is not stored is counted under a named reason (and, for real
rejects, kept with its raw text); the good sentences around it are never lost.
"""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import reduce
from operator import xor
from typing import Any

from pyais.bit_vector import bit_vector
from pyais.exceptions import (
    AISBaseException,
    InvalidNMEAMessageException,
    MissingPayloadException,
    UnknownMessageException,
)
from pyais.messages import MAX_PAYLOAD_LEN, MSG_CLASS, AISSentence, GatehouseSentence, NMEASentenceFactory, TagBlock

from ingest.ais import clock, records
from ingest.ais.batch import Output, merge_static  # batches spooled before Output moved name it from here
from ingest.limits import safe_raw
from ingest.lines import LINE_CAP

log = logging.getLogger(__name__)
# A sentence is an optional tag block, then ! or $, up to its *hh checksum; AIS armouring never
# uses \ ! or $, so several sentences on one line split cleanly, and junk after *hh is dropped.
# Some receivers append the UNIX receive time after the checksum: `…*0F,1276256770`.
UNIT_RE = re.compile(rb"(?:\\([^\\]*)\\)?([!$][^!$\\*]*\*[0-9A-Fa-f]{2})(?:,(\d{10}(?:\.\d+)?)(?![\w.]))?")
HARMLESS_RE = re.compile(rb"(?:\\r|\\n|\s|['\"])*")   # whitespace, quotes, literal \r\n left between sentences
COMMENT_STARTS = frozenset(b"#{")
IGNORED = frozenset({"blank", "comment", "not_ais", "tag_block_ignored"})   # counted, not kept as rejects
FUTURE = timedelta(minutes=5)
MAX_PENDING = 1024          # fragments waiting for their siblings, across stations
MAX_PENDING_LINES = 200     # a fragment whose siblings have not come within this many lines is dropped
MEMO_TYPES = frozenset({5, 24})   # static reports repeat word for word (no position, no time in them)
MEMO_SIZE = 32_768
AIS_TAGS = frozenset({b"VDM", b"VDO"})
ANNOUNCE_EVERY_S = 600.0


M512, M256, M128, M64, M32, M16 = ((1 << bits) - 1 for bits in (512, 256, 128, 64, 32, 16))


def nmea_checksum(data: bytes) -> int:
    """The XOR of all bytes (what an NMEA sentence's *hh carries, over the text between ! or $ and *). A
    sentence is at most 82 characters: read as one integer and folded in halves, it takes half the time of
    pyais's byte-by-byte reduce()."""
    if len(data) > 128:
        return reduce(xor, data, 0)
    x = int.from_bytes(data, "little")
    x = (x >> 512) ^ (x & M512)
    x = (x >> 256) ^ (x & M256)
    x = (x >> 128) ^ (x & M128)
    x = (x >> 64) ^ (x & M64)
    x = (x >> 32) ^ (x & M32)
    x = (x >> 16) ^ (x & M16)
    return (x >> 8) ^ (x & 255)


class Whole:
    """A message in one sentence (the common case: `!AIVDM,1,1,,A,<payload>,0*hh`), with what the decoder
    reads of pyais's AISSentence: its payload as pyais's bit vector, the type, decode() into pyais's message
    classes. Building it skips the rest of AISSentence's parsing, which is a sixth of a line's decoding;
    a sentence with anything unusual in its envelope is built as an AISSentence instead."""

    __slots__ = ("ais_id", "bv", "checksum", "fill_bits", "is_valid", "payload")
    frag_cnt = 1

    def __init__(self, payload: bytes, fill_bits: int, checksum: int, is_valid: bool) -> None:
        self.payload = payload
        self.fill_bits = fill_bits
        self.checksum = checksum
        self.is_valid = is_valid
        self.bv = bit_vector(payload, fill_bits)
        self.ais_id = self.bv.get(0, 6)

    @classmethod
    def parse(cls, body: bytes, fields: list[bytes]) -> Whole | None:
        """`fields`: the body split at commas. None unless the envelope is exactly that of a whole message."""
        end = fields[-1]            # b"0*hh": fill bits, then the checksum the line ends with (*hh)
        if (len(fields) != 7 or fields[1] != b"1" or fields[2] != b"1" or len(end) != 4 or not 48 <= end[0] <= 53
                or len(fields[5]) > MAX_PAYLOAD_LEN or not body.isascii()):
            return None
        checksum = int(end[2:], 16)
        return cls(fields[5], end[0] - 48, checksum, checksum == nmea_checksum(body[1:-3]))

    def decode(self) -> Any:
        """As AISSentence.decode()."""
        if not self.payload:
            raise MissingPayloadException("no payload")
        try:
            return MSG_CLASS[self.ais_id].from_vector(self.bv)
        except KeyError as err:
            raise UnknownMessageException(f"message type {self.ais_id} is not supported") from err


@dataclass
class _Pending:
    parts: list[AISSentence]
    raws: list[bytes]
    reference: datetime
    received: datetime
    line_no: int
    real_clock: bool


class Memo:
    """What a decoder process keeps across its streams and chunks, all of it derived from the input alone.

    - `statics`: a static report (types 5 and 24) decoded and validated, by its payload. A vessel sends the
      same one every few minutes, and its decoding is the dearest of all; an identical payload decodes to the
      same fields, so the next one is taken from here.
    - `flags`: the flag state of an MMSI's MID.
    - `announced`: MMSIs whose `vessel` row a position report has already asked for. A position adds
      nothing to a vessel already known, so it is asked for once per ANNOUNCE_EVERY_S, not once per batch.
    """

    def __init__(self) -> None:
        self.statics: OrderedDict[tuple[bytes, int], tuple[int, dict[str, Any], Any]] = OrderedDict()
        self.flags: dict[int, str | None] = {}
        self.announced: set[int] = set()
        self.announced_until = time.monotonic() + ANNOUNCE_EVERY_S

    def flag(self, mmsi: int) -> str | None:
        try:
            return self.flags[mmsi]
        except KeyError:
            if len(self.flags) > 100_000:
                self.flags.clear()
            flag = self.flags[mmsi] = records.flag_of(mmsi)
            return flag

    def announce(self, mmsi: int) -> bool:
        """True when a position report of this MMSI should carry a `vessel` row (first time in a while)."""
        if mmsi in self.announced:
            return False
        if len(self.announced) > 200_000 or time.monotonic() > self.announced_until:
            self.announced.clear()
            self.announced_until = time.monotonic() + ANNOUNCE_EVERY_S
        self.announced.add(mmsi)
        return True

    def keep_static(self, key: tuple[bytes, int], value: tuple[int, dict[str, Any], Any]) -> None:
        if len(self.statics) >= MEMO_SIZE:
            self.statics.popitem(last=False)     # the oldest first (O(1), unlike a plain dict's first key)
        self.statics[key] = value


class StreamDecoder:
    """Stateful per input stream: its clock (tag blocks, $PGHP, $xxRMC) and its pending fragments."""

    def __init__(self, source: str, *, synthetic_start: datetime | None = None,
                 now: Any = None, memo: Memo | None = None) -> None:
        self.source = source
        self.out = Output()
        self.synthetic = clock.SyntheticClock(synthetic_start) if synthetic_start else None
        self._now = now or (lambda: datetime.now(UTC))
        self._gps_clock: datetime | None = None
        self._pghp: datetime | None = None
        self._pending: OrderedDict[tuple[Any, ...], _Pending] = OrderedDict()
        self._group_station: dict[str, str] = {}
        self._station_names: dict[str, str] = {}
        self._tags: dict[bytes, tuple[bool, str | None, Any, datetime | None]] = {}
        self._observed_ref: datetime | None = None
        self._observed_cache: dict[int | None, datetime] = {}
        self.memo = memo or Memo()
        self._horizon = self._now() + FUTURE
        self.clock_at: datetime | None = None     # the input's own clock at the last line that had one

    def has_pending(self) -> bool:
        return bool(self._pending)

    def take(self) -> Output:
        out, self.out = self.out, Output()
        return out

    # --- lines -------------------------------------------------------------------------------
    def feed(self, line: bytes, line_no: int, received: datetime | None = None) -> None:
        """One line as read (with or without its newline)."""
        if len(line) > LINE_CAP and len(line.rstrip(b"\r\n")) > LINE_CAP:   # readers cut it at LINE_CAP + 1
            self._reject("line_too_long", f"longer than the {LINE_CAP}-byte line limit", line[:200])
            return
        stripped = line.strip()
        if not stripped:
            self.out.reasons["blank"] += 1
            return
        if stripped[0] in COMMENT_STARTS:
            self.out.reasons["comment"] += 1
            return
        whole = UNIT_RE.fullmatch(stripped)     # the common case: one sentence, nothing else
        if whole is not None:
            tag, body, stamp = whole.groups()
            self._unit(tag or b"", body, line_no, received,
                       clock.from_tag_block(stamp.decode()) if stamp else None, stripped)
        else:
            units = UNIT_RE.findall(stripped)
            if not units:
                self._reject("malformed_sentence", "no NMEA sentence with a checksum on this line", stripped)
                return
            leftover = UNIT_RE.sub(b"", stripped)
            if not HARMLESS_RE.fullmatch(leftover):
                self._reject("malformed_sentence", f"unparsed text {leftover[:40]!r}", stripped)
            for tag, body, stamp in units:
                raw = (b"\\" + tag + b"\\" + body) if tag else body
                self._unit(tag, body, line_no, received, clock.from_tag_block(stamp.decode()) if stamp else None,
                           raw)
        if len(self._pending) and line_no % 64 == 0:
            self._expire(line_no)

    def refuse(self, line: bytes, err: Exception) -> None:
        """A line that raised what feed() does not expect (a decoder bug): refused alone with the error."""
        if not self.out.reasons["decoder_error"]:
            log.exception("%s: line %r raised", self.source, line[:120], exc_info=err)
        self._reject("decoder_error", f"{type(err).__name__}: {err}"[:120], line)

    def finish(self) -> None:
        """End of input: fragments still waiting are incomplete."""
        for key in list(self._pending):
            pend = self._pending.pop(key)
            self._reject("incomplete_multipart", f"{len(pend.parts)} of {pend.parts[0].frag_cnt} fragments",
                         b"\n".join(pend.raws))

    def _unit(self, tag: bytes, body: bytes, line_no: int, received: datetime | None,
              appended: datetime | None, raw: bytes) -> None:
        try:
            fields = body.split(b",")             # !xxVDM/VDO: what produce() would make, without its dispatch
            if fields[0][3:] in AIS_TAGS:
                sentence: Any = Whole.parse(body, fields)
                if sentence is None:
                    sentence = AISSentence(body, fields)
                    # the checksum as pyais's is_valid computes it, only faster (the body ends in *hh)
                    sentence.is_valid = sentence.checksum == nmea_checksum(body[1:-3])
            else:
                sentence = NMEASentenceFactory.produce(body)
        except UnknownMessageException:
            self._other_nmea(body, received)
            return
        except (InvalidNMEAMessageException, ValueError, IndexError) as err:
            self._reject("malformed_sentence", str(err)[:120], raw)
            return
        if not sentence.is_valid:
            self._reject("bad_checksum", f"checksum {sentence.checksum:02X} does not match", raw)
            return
        if not isinstance(sentence, Whole | AISSentence):
            if isinstance(sentence, GatehouseSentence):
                self._pghp = sentence.timestamp.replace(tzinfo=UTC)
            self.out.reasons["not_ais"] += 1
            return
        station, reference = self.source, appended
        group = None
        if tag:
            valid, tag_station, group, stamp = self._tag_block(tag)
            if not valid:
                # The sentence has its own valid checksum; only the tag block's metadata is untrusted.
                self.out.reasons["tag_block_ignored"] += 1
                tag = b""
        if tag:
            station = tag_station or (self._group_station.get(str(group.group_id)) if group else None) \
                or self.source
            if group is not None and tag_station:
                self._group_station[str(group.group_id)] = tag_station
            if stamp:
                reference = stamp
        if self._pghp is not None:
            reference, self._pghp = self._pghp, None
        elif reference is None and self._gps_clock is not None:
            reference = self._gps_clock
        # Live input is stamped when it arrives; a file's lines take the input's own clock, else a synthetic one.
        real = reference is not None
        if real:
            self.clock_at = reference
        if received is None:
            if reference is not None:
                received = reference
            else:
                received = self.synthetic.at(line_no) if self.synthetic else self._now()
        if reference is None:
            reference, real = received, self.synthetic is None
        if isinstance(sentence, Whole) or sentence.frag_cnt == 1:
            self._decode(sentence, raw, reference, received, real, station)
        else:
            self._fragment(sentence, raw, station, reference, received, real, line_no)

    def _tag_block(self, tag: bytes) -> tuple[bool, str | None, Any, datetime | None]:
        """Parsed tag blocks, cached: a receiver repeats the same one for every sentence of a second."""
        hit = self._tags.get(tag)
        if hit is None:
            tb = TagBlock(tag)
            tb.init()
            hit = (tb.is_valid, tb.source_station, tb.group, clock.from_tag_block(tb.receiver_timestamp))
            if len(self._tags) > 4096:
                self._tags.clear()
            if tb.group is None:
                self._tags[tag] = hit
        return hit

    def _other_nmea(self, body: bytes, received: datetime | None) -> None:
        fields = body.split(b",")
        if fields[0][3:6] == b"RMC":
            stamp = clock.from_rmc(fields)
            if stamp:
                self._gps_clock = stamp
        self.out.reasons["not_ais"] += 1

    # --- fragments ---------------------------------------------------------------------------
    def _fragment(self, s: AISSentence, raw: bytes, station: str, reference: datetime, received: datetime,
                  real: bool, line_no: int) -> None:
        key = (station, s.channel, s.seq_id, s.frag_cnt)
        pend = self._pending.get(key)
        if s.frag_num == 1:
            if pend is not None:
                self._pending.pop(key)
                self._reject("incomplete_multipart", "a new message began before this one ended",
                             b"\n".join(pend.raws))
            self._pending[key] = _Pending([s], [raw], reference, received, line_no, real)
            if len(self._pending) > MAX_PENDING:
                _, old = self._pending.popitem(last=False)
                self._reject("incomplete_multipart", "evicted: too many open messages",
                             b"\n".join(old.raws))
            return
        if pend is None or pend.parts[-1].frag_num != s.frag_num - 1:
            self._reject("orphan_fragment", f"fragment {s.frag_num} of {s.frag_cnt} without its predecessor",
                         raw)
            return
        pend.parts.append(s)
        pend.raws.append(raw)
        if s.frag_num == s.frag_cnt:
            del self._pending[key]
            parts = pend.parts
            memo_key = None
            if parts[0].ais_id in MEMO_TYPES:       # a static report seen before needs no assembling either
                memo_key = (b"".join(p.payload for p in parts), s.fill_bits)
            whole = parts[0] if memo_key in self.memo.statics else AISSentence.assemble_from_iterable(parts)
            # A message is observed when it is complete (its last fragment), as other decoders order them.
            self._decode(whole, b"\n".join(pend.raws), reference, received, real and pend.real_clock,
                         station, memo_key)

    def _expire(self, line_no: int) -> None:
        for key in [k for k, p in self._pending.items() if line_no - p.line_no > MAX_PENDING_LINES]:
            pend = self._pending.pop(key)
            self._reject("incomplete_multipart", "siblings never came", b"\n".join(pend.raws))

    # --- messages ----------------------------------------------------------------------------
    def _decode(self, s: AISSentence | Whole, raw: bytes, reference: datetime, received: datetime, real: bool,
                station: str, key: tuple[bytes, int] | None = None) -> None:
        """`key`: a static report's payload and fill bits (given for an assembled one: its last fragment's)."""
        t = s.ais_id
        known = msg = None
        if key is None and t in MEMO_TYPES:
            key = (s.payload, s.fill_bits)
        if key is not None:
            known = self.memo.statics.get(key)
        if known is None:
            try:
                msg = s.decode()
            except MissingPayloadException:
                self._reject("empty_payload", "no payload", raw)
                return
            except UnknownMessageException:
                self._reject("unsupported_type", f"message type {s.ais_id}", raw)
                return
            except (AISBaseException, ValueError, TypeError, IndexError) as err:
                self._reject("decode_error", f"{type(err).__name__}: {err}"[:120], raw)
                return
            t = msg.msg_type
        second = getattr(msg, "second", None) if real else None
        if not isinstance(second, int):
            second = None
        # the common case inline: a reference seen before, and a second already placed on it
        hit = self._observed_cache.get(second) if reference is self._observed_ref else None
        observed = hit or self._observed(reference, second)
        if observed > self._horizon:
            self._horizon = self._now() + FUTURE
            if observed > self._horizon:
                self._reject("future_timestamp", f"observed at {observed.isoformat()}", raw)
                return
        source = self.source if station is self.source else self._station_source(station)
        try:
            if known is not None:
                self._static(known, observed)
            else:
                self._store(msg, t, observed, received, raw, s.bv, source, key)
        except records.Invalid as bad:
            self._reject(bad.args[0], bad.args[1], raw)
            return
        except (TypeError, ValueError, AttributeError) as err:   # a truncated payload leaves fields None
            self._reject("truncated_payload", f"type {t}: {err}"[:120], raw)
            return
        self.out.messages += 1
        if source is not self.source:
            self.out.stations[source] += 1
            last = self.out.station_last.get(source)
            if last is None or received > last:
                self.out.station_last[source] = received

    def _station_source(self, station: str) -> str:
        """`ais:udp:udp-0/rx-outer`: a station behind a listener (a dispatcher multiplexes several)."""
        name = self._station_names.get(station)
        if name is None:
            name = self._station_names[station] = f"{self.source}/{station}"
        return name

    def _observed(self, reference: datetime, second: int | None) -> datetime:
        # References repeat (one per tag-block second), so cache by the reference object, then by second.
        if reference is not self._observed_ref:
            self._observed_ref, self._observed_cache = reference, {}
        hit = self._observed_cache.get(second)
        if hit is None:
            hit = self._observed_cache[second] = clock.observed_at(reference, second)
        return hit

    def _store(self, msg: Any, t: int, observed: datetime, received: datetime, raw: bytes, bits: Any,
               source: str, key: tuple[bytes, int] | None = None) -> None:
        out = self.out
        if t in records.POSITION_TYPES:
            out.positions.append(records.position_row(msg, observed, received, source))
            mmsi = msg.mmsi           # checked by position_row
            if t == 9:
                merge_static(out.statics, mmsi, {"kind": "sar_aircraft", "flag": self.memo.flag(mmsi)})
            elif mmsi not in self.memo.announced and self.memo.announce(mmsi) and mmsi not in out.statics:
                out.statics[mmsi] = {"kind": "vessel", "flag": self.memo.flag(mmsi)}
            if t != 19:
                return
        if t in records.STATIC_TYPES:
            mmsi = records.check_mmsi(msg.mmsi)
            fields, eta_parts = records.static_parts(msg, bits)
            known = (mmsi, fields, eta_parts)
            if key is not None:
                self.memo.keep_static(key, known)
            self._static(known, observed)
        elif t == 21:
            row = records.aton_row(msg, observed, source)
            if row[0] not in out.atons or out.atons[row[0]][11] < observed:   # ties: the first report wins
                out.atons[row[0]] = row
        elif t == 4:
            row = records.base_station_row(msg, observed, source)
            if row[0] not in out.bases or out.bases[row[0]][4] < observed:
                out.bases[row[0]] = row
        else:
            sender = msg.mmsi if isinstance(msg.mmsi, int) and 0 < msg.mmsi <= 999_999_999 else None
            out.others.append((source, received, t, sender, raw.decode("ascii", "replace")))

    def _static(self, known: tuple[int, dict[str, Any], Any], observed: datetime) -> None:
        mmsi, fixed, eta_parts = known
        fields = {"kind": "vessel", "flag": self.memo.flag(mmsi), **fixed, "static_at": observed}
        if eta_parts is not None:
            month, day, hour, minute = eta_parts
            fields["eta"] = records.eta(month, day, hour, minute, observed)
        merge_static(self.out.statics, mmsi, fields)

    def _reject(self, reason: str, detail: str, raw: bytes) -> None:
        self.out.reasons[reason] += 1
        if reason not in IGNORED:
            self.out.rejects.append((self.source, reason, detail, safe_raw(raw)))
