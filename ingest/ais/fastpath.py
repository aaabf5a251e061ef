"""The AIS fast path: a chunk's plain position reports decoded at once with numpy; every other line the slow way.

A line is taken by the fast path when it is exactly a single-sentence `!xxVDM`/`!xxVDO` with a 28-character
payload and no fill bits (with or without a tag block, nothing after the checksum), its checksum is good,
its payload is a type 1, 2, 3 or 18 report the record builder would store, and its tag block (if any) is
not part of a group. Everything else (fragments, type 5/24, $PGHP, $xxRMC, comments, anything malformed or
unusual) goes to the StreamDecoder it wraps, unchanged and in order, since the stream's clock, its pending
fragments and their expiry depend on the order of lines. Each fast line's clock, station, observed time,
future check, vessel announcement and fragment expiry are decided in line order as the slow path decides
them (the same tag-block parser and cache, the same precedence, integer microseconds for the time); the
payload decoding, the checksums and the building of the rows are done once per chunk, as columns, and the
slow path's rows of the chunk are put back among them in line order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np

from ingest.ais import clock, columns, fastpayload
from ingest.ais.batch import Output
from ingest.ais.columns import PositionBlock, from_us, to_us
from ingest.ais.decoder import StreamDecoder

_FILE_MTIME, _ARRIVAL = clock.Rule.FILE_MTIME, clock.Rule.ARRIVAL

SENTENCE = (rb"(?:\\([ -\[\]-~]{0,1024})\\)?(![A-Z]{2}VD[MO],1,1,[^,!$\\*\s]{0,8},[^,!$\\*\s]{0,8},)([0-\[\]-w]{28}),0"
            rb"\*([0-9A-Fa-f]{2})")
# At most about 1.1 KB: never a line StreamDecoder.feed() would refuse as line_too_long.
FAST_RE = re.compile(SENTENCE + rb"\s{0,64}")     # a line: what StreamDecoder.feed() strips may follow
# A chunk, line by line: a fast line whole (its end: no line break but the one that ends it, as splitlines()
# sees them), or any other line.
CHUNK_RE = re.compile(rb"(?m)^(?:(" + SENTENCE + rb"[ \t\x0b\x0c]{0,64}\r?(?:\n|\Z))|([^\n]*\n|[^\n]+\Z))")
HEX = np.full(256, -1, dtype=np.int16)
for _i, _c in enumerate(b"0123456789ABCDEF"):
    HEX[_c] = HEX[bytes([_c]).lower()[0]] = _i
TAIL_XOR = ord(",") ^ ord("0")
MINUTE_US, SKEW_US = 60_000_000, 5_000_000
FAST_MIN = 24               # fewer fast lines than this in a call: all of them the slow way (the same rows)
FIELDS = ("lon", "lat", "sog", "cog", "heading", "rot", "status")
OK_OF = {"lon": "position_ok", "lat": "position_ok", "sog": "sog_ok", "cog": "cog_ok", "heading": "heading_ok",
         "rot": "rot_ok", "status": "status_ok"}


def _xor(data: bytes) -> int:
    x = 0
    for b in data:
        x ^= b
    return x


class _Rows:
    """What a chunk's fast lines became, in line order; and where the slow path's rows fall among them."""

    __slots__ = ("heard", "observed", "received", "rows", "slow_after", "stations")

    def __init__(self) -> None:
        self.rows: list[int] = []           # index into the chunk's decoded payloads
        self.observed: list[int] = []       # microseconds since 1970
        self.received: list[int] = []
        self.stations: list[str] = []
        self.slow_after: list[int] = []     # per slow-path row of the chunk: how many fast rows came before it
        self.heard: dict[str, list[int]] = {}   # station: [messages, newest received]


class FastDecoder:
    """A StreamDecoder with the fast path in front of it: feed chunks of lines, take() as from the decoder, the
    positions in one PositionBlock (`Output.block`) in stream order."""

    def __init__(self, decoder: StreamDecoder, fast_min: int = FAST_MIN) -> None:
        self.decoder = decoder
        self.fast_min = fast_min
        self.segments: list[PositionBlock] = []
        self._us: dict[datetime, int] = {}
        self._tags: dict[bytes, tuple[bool, bool, str, datetime | None, int]] = {}
        self._horizon: tuple[datetime | None, int] = (None, 0)
        self.fast_lines = 0

    @property
    def clock_at(self) -> datetime | None:
        return self.decoder.clock_at

    def has_pending(self) -> bool:
        return self.decoder.has_pending()

    def finish(self) -> None:
        self.decoder.finish()

    def take(self) -> Output:
        """As StreamDecoder.take(); the positions in `block` once the fast path has made any (else, as the slow
        path made them, in `positions`)."""
        out = self.decoder.take()
        if self.segments:
            if out.positions:
                self.segments.append(PositionBlock.from_rows(out.positions))
                out.positions = []
            out.block = columns.concat(self.segments)
            self.segments = []
        return out

    def feed(self, line: bytes, line_no: int, received: datetime | None = None) -> None:
        self.feed_lines([line], line_no, received)

    def refuse(self, line: bytes, err: Exception) -> None:
        self.decoder.refuse(line, err)

    def _slow(self, line: bytes, line_no: int, received: datetime | None) -> None:
        """A line the slow way, as the worker feeds it: one that raises what feed() does not expect is refused."""
        try:
            self.decoder.feed(line, line_no, received)
        except Exception as err:  # noqa: BLE001  (a line the decoder cannot classify: refused alone)
            self.decoder.refuse(line, err)

    def feed_lines(self, lines: Sequence[bytes], first_line_no: int, received: datetime | None = None) -> None:
        """Lines as read (with or without their line ends), numbered from first_line_no."""
        units = []
        for line in lines:
            m = FAST_RE.fullmatch(line)
            units.append((line, None if m is None else m.groups()))
        self._walk(units, first_line_no, received)

    def feed_chunk(self, data: bytes, first_line_no: int, received: datetime | None = None) -> int:
        """A chunk of whole lines as one bytes object, numbered as its splitlines() would number them; returns
        how many lines it had. One regex pass over the chunk finds the fast lines and the text between them."""
        units: list[tuple[bytes, tuple[bytes, ...] | None]] = []
        for whole, tag, head, payload, checksum, other in CHUNK_RE.findall(data):
            if whole:
                units.append((whole, (tag, head, payload, checksum)))
            else:
                units += [(line, None) for line in other.splitlines(keepends=True)]
        self._walk(units, first_line_no, received)
        return len(units)

    def _walk(self, units: list[tuple[bytes, tuple[bytes, ...] | None]], first_line_no: int,
              received: datetime | None) -> None:
        """Each line in order: a fast line's clock and bookkeeping here, any other line to the slow path."""
        dec = self.decoder
        found = [u[1] for u in units if u[1] is not None]
        if len(found) < self.fast_min:       # a trickle (live input): numpy's fixed cost would outweigh what it saves
            for i, (line, _) in enumerate(units):
                self._slow(line, first_line_no + i, received)
            return
        self._collect_slow_rows()
        decoded, good = self._decode([f[1] for f in found], [f[2] for f in found], [f[3] for f in found])
        seconds: list[int] = decoded.second.tolist()
        mmsis: list[int] = decoded.mmsi.tolist()
        rows = _Rows()
        received_us = None if received is None else self._micros(received)
        slow_rows = dec.out.positions
        k = -1
        for i, (line, groups) in enumerate(units):
            line_no = first_line_no + i
            if groups is not None:
                k += 1
                if good[k] and self._fast_line(rows, groups[0], k, seconds[k], mmsis[k], line_no, received,
                                               received_us):
                    if line_no % 64 == 0 and dec._pending:     # what feed() does after each line
                        dec._expire(line_no)
                    continue
            before = len(slow_rows)
            self._slow(line, line_no, received)
            if len(slow_rows) > before:
                rows.slow_after += [len(rows.rows)] * (len(slow_rows) - before)
        self._heard(rows)
        self._block(rows, decoded)

    # --- the chunk's payloads at once ---------------------------------------------------------------
    def _decode(self, heads: list[bytes], payloads: list[bytes], sums: list[bytes]) -> tuple[Any, list[bool]]:
        joined = b"".join(payloads)
        decoded = fastpayload.decode(joined)
        chars = np.frombuffer(joined, dtype=np.uint8).reshape(-1, fastpayload.CHARS)
        head_xor = {h: _xor(h[1:]) ^ TAIL_XOR for h in set(heads)}
        given = HEX[np.frombuffer(b"".join(sums), dtype=np.uint8).reshape(-1, 2)].astype(np.int32)
        want = np.bitwise_xor.reduce(chars, axis=1).astype(np.int32) ^ np.array([head_xor[h] for h in heads])
        good = decoded.ok & (given[:, 0] * 16 + given[:, 1] == want)
        return decoded, good.tolist()

    # --- one fast line, as StreamDecoder._unit, _decode and _store go through it ---------------------------
    def _fast_line(self, rows: _Rows, tag: bytes | None, k: int, second: int, mmsi: int, line_no: int,
                   received: datetime | None, received_us: int | None) -> bool:
        """False (and nothing changed) where the line must go the slow way after all."""
        dec = self.decoder
        station, reference, ref_us, ignored = dec.source, None, 0, False
        if tag:
            seen = self._tags.get(tag)
            if seen is None:
                if len(self._tags) > 4096:
                    self._tags.clear()
                seen = self._tags[tag] = self._tag(tag)
            if seen[0]:
                return False
            _, ignored, station, reference, ref_us = seen
        # the clock exactly as StreamDecoder._unit decides it (ingest.ais.clock: rule 1 inline, else line_clock)
        carry = None
        if reference is not None:           # the tag block's c:
            real = True
            carry = reference
        else:
            fallback = received if received is not None else (
                dec._now() if dec.synthetic is None else dec.synthetic.at(line_no))
            _, reference, rule = clock.line_clock(None, None, dec._pghp, dec._carried, fallback,
                                                  live=received is not None)
            if rule is _FILE_MTIME and dec.synthetic is None:
                rule = _ARRIVAL
            real = rule is not _FILE_MTIME
            if rule is not _ARRIVAL and real:
                carry = reference
            ref_us = self._micros(reference)
        rec_us = ref_us if received_us is None else received_us
        observed = ref_us
        if real and second <= 59:           # clock.observed_at, in integer microseconds
            observed = ref_us - ref_us % MINUTE_US + second * 1_000_000
            if observed > ref_us + SKEW_US:
                observed -= MINUTE_US
            elif observed < ref_us - MINUTE_US + SKEW_US:
                observed += MINUTE_US
        if observed > self._horizon_us():
            return False                    # from the future, or the horizon moves on: the slow path decides
        # the line is taken: what the slow path would have changed, changed
        if ignored:
            dec.out.reasons["tag_block_ignored"] += 1
        dec._pghp = None                    # a $PGHP stamps the one sentence after it
        if carry is not None:
            dec.clock_at = dec._carried = carry
        memo = dec.memo
        if mmsi not in memo.announced and memo.announce(mmsi) and mmsi not in dec.out.statics:
            dec.out.statics[mmsi] = {"kind": "vessel", "flag": memo.flag(mmsi)}
        dec.out.messages += 1
        if station is not dec.source:
            heard = rows.heard.get(station)
            if heard is None:
                rows.heard[station] = [1, rec_us]
            else:
                heard[0] += 1
                if rec_us > heard[1]:
                    heard[1] = rec_us
        rows.rows.append(k)
        rows.observed.append(observed)
        rows.received.append(rec_us)
        rows.stations.append(station)
        return True

    def _tag(self, tag: bytes) -> tuple[bool, bool, str, datetime | None, int]:
        """What a tag block gives a fast line, as StreamDecoder._unit reads it (through its parser and cache):
        (slow: the slow path's work after all, tag_block_ignored, station, its clock, that in microseconds)."""
        dec = self.decoder
        try:
            valid, tag_station, group, stamp = dec._tag_block(tag)
        except Exception:            # noqa: BLE001 - whatever it is, the slow path meets it in its own place
            return True, False, dec.source, None, 0
        if group is not None:        # a group's station carries over between sentences: the slow path's work
            return True, False, dec.source, None, 0
        if not valid:
            return False, True, dec.source, None, 0
        if tag_station == dec.source:   # the slow path tells the two apart by identity: its own work
            return True, False, dec.source, None, 0
        stamp = stamp or None
        return False, False, tag_station or dec.source, stamp, 0 if stamp is None else to_us(stamp)

    def _horizon_us(self) -> int:
        horizon = self.decoder._horizon
        if self._horizon[0] is not horizon:
            self._horizon = (horizon, to_us(horizon))
        return self._horizon[1]

    def _heard(self, rows: _Rows) -> None:
        """Messages heard through receiving stations named in tag blocks, counted as _decode counts them."""
        out = self.decoder.out
        for station, (count, newest) in rows.heard.items():
            source = self.decoder._station_source(station)
            at = from_us(newest)
            out.stations[source] += count
            last = out.station_last.get(source)
            if last is None or at > last:
                out.station_last[source] = at

    def _micros(self, when: datetime) -> int:
        us = self._us.get(when)
        if us is None:
            if len(self._us) > 4096:
                self._us.clear()
            us = self._us[when] = to_us(when)
        return us

    # --- the chunk's rows ---------------------------------------------------------------------------------
    def _block(self, rows: _Rows, decoded: Any) -> None:
        """The fast rows as a block, with the slow path's rows of the chunk put back where they came."""
        dec = self.decoder
        self.fast_lines += len(rows.rows)
        names = {s: n for n, s in enumerate(dict.fromkeys(rows.stations))}
        sources = tuple(dec.source if s is dec.source else dec._station_source(s) for s in names)
        index = np.array(rows.rows, dtype=np.intp)
        block = PositionBlock.empty(len(index), sources)
        data, null = block.data, block.null
        data["mmsi"] = decoded.mmsi[index]
        data["observed_at"] = rows.observed
        data["received_at"] = rows.received
        data["source"] = [names[s] for s in rows.stations] if len(names) > 1 else 0
        data["msg_type"] = decoded.msg_type[index]
        data["accuracy"] = decoded.accuracy[index]
        for name in FIELDS:
            data[name] = getattr(decoded, name)[index]
            null[:, columns.COLUMNS.index(name)] = ~getattr(decoded, OK_OF[name])[index]
        null[:, columns.COLUMNS.index("altitude")] = True
        if rows.slow_after:
            slow = PositionBlock.from_rows(dec.out.positions)
            dec.out.positions = []
            # fast row j goes at 2j + 1, a slow row after b fast rows at 2b: a stable sort puts each in its place
            keys = np.concatenate([2 * np.arange(len(index)) + 1, 2 * np.array(rows.slow_after)])
            block = columns.concat([block, slow]).take(np.argsort(keys, kind="stable"))
        self.segments.append(block)

    def _collect_slow_rows(self) -> None:
        """Rows the slow path made outside feed_lines (feed(), finish()) go where they came."""
        out = self.decoder.out
        if out.positions:
            self.segments.append(PositionBlock.from_rows(out.positions))
            out.positions = []
