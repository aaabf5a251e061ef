"""The AIS fast path: a chunk's plain position reports decoded at once with numpy; every other line the slow way.

A line is taken by the fast path when it is exactly a single-sentence `!xxVDM`/`!xxVDO` with a 28-character
payload and no fill bits (with or without a tag block, nothing after the checksum), its checksum is good,
its payload is a type 1, 2, 3 or 18 report the record builder would store, and its tag block (if any) is
not part of a group. Everything else (fragments, type 5/24, $PGHP, $xxRMC, comments, anything malformed or
unusual) goes to the StreamDecoder it wraps, unchanged and in order, since the stream's clock, its pending
fragments and their expiry depend on the order of lines. Each fast line's clock and station are decided as
the slow path decides them (the same tag-block parser and cache, the same precedence); only the payload
decoding, the placing of the report's second on that clock and the building of rows are done as columns.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np

from ingest.ais import columns, fastpayload
from ingest.ais.batch import Output
from ingest.ais.columns import PositionBlock, from_us, to_us
from ingest.ais.decoder import StreamDecoder

FAST_RE = re.compile(rb"(?:\\([ -\[\]-~]*)\\)?(![A-Z]{2}VD[MO],1,1,[^,!$\\*\s]*,[^,!$\\*\s]*,)([0-\[\]-w]{28}),0"
                     rb"\*([0-9A-Fa-f]{2})\s*")
HEX = np.full(256, -1, dtype=np.int16)
for _i, _c in enumerate(b"0123456789ABCDEF"):
    HEX[_c] = HEX[bytes([_c]).lower()[0]] = _i
TAIL_XOR = ord(",") ^ ord("0")
MINUTE_US, SKEW_US = 60_000_000, 5_000_000
FIELDS = ("lon", "lat", "sog", "cog", "heading", "rot", "status")
OK_OF = {"lon": "position_ok", "lat": "position_ok", "sog": "sog_ok", "cog": "cog_ok", "heading": "heading_ok",
         "rot": "rot_ok", "status": "status_ok"}


def _xor(data: bytes) -> int:
    x = 0
    for b in data:
        x ^= b
    return x


class _Run:
    """Consecutive fast lines, with what the slow path would have decided for each line's clock and station."""

    __slots__ = ("clock_at", "ignored", "lines", "pghp", "real", "received", "reference", "rows", "stations")

    def __init__(self, decoder: StreamDecoder) -> None:
        self.lines: list[int] = []          # index into the chunk's lines
        self.rows: list[int] = []           # index into the chunk's decoded payloads
        self.reference: list[int] = []      # microseconds since 1970
        self.received: list[int] = []
        self.real: list[bool] = []
        self.stations: list[str] = []
        self.snapshot(decoder)

    def snapshot(self, decoder: StreamDecoder) -> None:
        """The decoder's state before the run's first line, restored if the run must go the slow way after all."""
        self.pghp, self.clock_at = decoder._pghp, decoder.clock_at
        self.ignored = decoder.out.reasons["tag_block_ignored"]


class FastDecoder:
    """A StreamDecoder with the fast path in front of it: feed chunks of lines, take() as from the decoder, the
    positions in one PositionBlock (`Output.block`) in stream order."""

    def __init__(self, decoder: StreamDecoder) -> None:
        self.decoder = decoder
        self.segments: list[PositionBlock] = []
        self._us: dict[datetime, int] = {}
        self.fast_lines = 0

    @property
    def clock_at(self) -> datetime | None:
        return self.decoder.clock_at

    def has_pending(self) -> bool:
        return self.decoder.has_pending()

    def finish(self) -> None:
        self.decoder.finish()

    def take(self) -> Output:
        self._collect_slow_rows()
        out = self.decoder.take()
        out.block = columns.concat(self.segments)
        self.segments = []
        return out

    def feed(self, line: bytes, line_no: int, received: datetime | None = None) -> None:
        self.feed_lines([line], line_no, received)

    def feed_lines(self, lines: Sequence[bytes], first_line_no: int, received: datetime | None = None) -> None:
        """Lines as read (with or without their line ends), numbered from first_line_no."""
        matches = [FAST_RE.fullmatch(line) for line in lines]
        found = [m.groups() for m in matches if m is not None]
        if not found:
            for i, line in enumerate(lines):
                self.decoder.feed(line, first_line_no + i, received)
            return
        decoded, good = self._decode([f[1] for f in found], [f[2] for f in found], [f[3] for f in found])
        dec = self.decoder
        run = _Run(dec)
        k = -1
        for i, m in enumerate(matches):
            if m is not None:
                k += 1
                if good[k] and self._fast_line(run, found[k][0], i, k, first_line_no + i, received):
                    continue
            if run.lines:
                self._flush(run, decoded, lines, first_line_no, received)
                run = _Run(dec)
            dec.feed(lines[i], first_line_no + i, received)
        if run.lines:
            self._flush(run, decoded, lines, first_line_no, received)

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

    # --- one fast line: its clock and station, as StreamDecoder._unit decides them --------------------------
    def _fast_line(self, run: _Run, tag: bytes | None, i: int, k: int, line_no: int,
                   received: datetime | None) -> bool:
        dec = self.decoder
        if not run.lines:
            run.snapshot(dec)
        station, reference = dec.source, None
        if tag:
            try:
                valid, tag_station, group, stamp = dec._tag_block(tag)
            except Exception:        # noqa: BLE001 - whatever it is, the slow path meets it in its own place
                return False
            if group is not None:    # a group's station carries over between sentences: the slow path's work
                return False
            if not valid:
                dec.out.reasons["tag_block_ignored"] += 1
            else:
                if tag_station == dec.source:   # the slow path tells the two apart by identity: its own work
                    return False
                station = tag_station or dec.source
                if stamp:
                    reference = stamp
        if dec._pghp is not None:
            reference, dec._pghp = dec._pghp, None
        elif reference is None and dec._gps_clock is not None:
            reference = dec._gps_clock
        real = True
        if reference is not None:
            dec.clock_at = reference
            ref_us = self._micros(reference)
            rec_us = ref_us if received is None else self._micros(received)
        elif received is not None:
            ref_us = rec_us = self._micros(received)
            real = dec.synthetic is None
        elif dec.synthetic is not None:
            ref_us = rec_us = self._micros(dec.synthetic.start) + line_no * 1000
            real = False
        else:
            ref_us = rec_us = self._micros(dec._now())
        run.lines.append(i)
        run.rows.append(k)
        run.reference.append(ref_us)
        run.received.append(rec_us)
        run.real.append(real)
        run.stations.append(station)
        return True

    def _micros(self, when: datetime) -> int:
        us = self._us.get(when)
        if us is None:
            if len(self._us) > 4096:
                self._us.clear()
            us = self._us[when] = to_us(when)
        return us

    # --- a run of fast lines to rows ------------------------------------------------------------------------
    def _flush(self, run: _Run, decoded: Any, lines: Sequence[bytes], first_line_no: int,
               received: datetime | None) -> None:
        dec = self.decoder
        rows = np.array(run.rows)
        reference = np.array(run.reference, dtype=np.int64)
        second = decoded.second[rows].astype(np.int64)
        use = np.array(run.real) & (second <= 59)
        placed = reference - reference % MINUTE_US + second * 1_000_000      # clock.observed_at, as columns
        placed = np.where(placed > reference + SKEW_US, placed - MINUTE_US,
                          np.where(placed < reference - MINUTE_US + SKEW_US, placed + MINUTE_US, placed))
        observed = np.where(use, placed, reference)
        if int(observed.max()) > to_us(dec._horizon):
            # a report from the future (or a horizon to move on): the slow path decides, line by line
            dec._pghp, dec.clock_at = run.pghp, run.clock_at
            dec.out.reasons["tag_block_ignored"] = run.ignored
            if not run.ignored:
                del dec.out.reasons["tag_block_ignored"]
            for i in run.lines:
                dec.feed(lines[i], first_line_no + i, received)
            return
        self._collect_slow_rows()
        self.segments.append(self._block(run, decoded, rows, observed))
        self._vessels(decoded.mmsi[rows].tolist())
        self._stations(run)
        dec.out.messages += len(rows)
        self.fast_lines += len(rows)
        if dec.has_pending():          # what the slow path's feed() does after each of these lines
            for i in run.lines:
                if (first_line_no + i) % 64 == 0:
                    dec._expire(first_line_no + i)

    def _block(self, run: _Run, decoded: Any, rows: np.ndarray, observed: np.ndarray) -> PositionBlock:
        names = {s: n for n, s in enumerate(dict.fromkeys(run.stations))}
        dec = self.decoder
        sources = tuple(dec.source if s is dec.source else dec._station_source(s) for s in names)
        block = PositionBlock.empty(len(rows), sources)
        data, null = block.data, block.null
        data["mmsi"] = decoded.mmsi[rows]
        data["observed_at"] = observed
        data["received_at"] = run.received
        data["source"] = [names[s] for s in run.stations]
        data["msg_type"] = decoded.msg_type[rows]
        data["accuracy"] = decoded.accuracy[rows]
        for name in FIELDS:
            data[name] = getattr(decoded, name)[rows]
            null[:, columns.COLUMNS.index(name)] = ~getattr(decoded, OK_OF[name])[rows]
        null[:, columns.COLUMNS.index("altitude")] = True
        return block

    def _vessels(self, mmsis: list[int]) -> None:
        """A position asks for its vessel row once in a while (StreamDecoder._store), in the order of the lines."""
        memo, statics = self.decoder.memo, self.decoder.out.statics
        announced = memo.announced
        for mmsi in mmsis:
            if mmsi not in announced and memo.announce(mmsi) and mmsi not in statics:
                statics[mmsi] = {"kind": "vessel", "flag": memo.flag(mmsi)}

    def _stations(self, run: _Run) -> None:
        dec = self.decoder
        out = dec.out
        if all(s is dec.source for s in run.stations):
            return
        newest: dict[str, int] = {}
        heard: Counter[str] = Counter()
        for station, rec in zip(run.stations, run.received, strict=True):
            if station is not dec.source:
                newest[station] = max(newest.get(station, rec), rec)
                heard[station] += 1
        for station, rec in newest.items():
            source = dec._station_source(station)
            out.stations[source] += heard[station]
            last, at = out.station_last.get(source), from_us(rec)
            if last is None or at > last:
                out.station_last[source] = at

    def _collect_slow_rows(self) -> None:
        """Rows the slow path made since the last run go before the next run's rows."""
        out = self.decoder.out
        if out.positions:
            self.segments.append(PositionBlock.from_rows(out.positions))
            out.positions = []
