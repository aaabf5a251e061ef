"""Position rows as numpy columns (a PositionBlock), and their PostgreSQL binary COPY without a Python object per row.

A block holds what the slow path's position tuples hold, column for column and in the same order:
(mmsi, observed_at, received_at, source, msg_type, lon, lat, sog, cog, heading, rot, status, accuracy,
altitude). Times are microseconds since 1970 (UTC), `source` a code into the block's `sources`, floats
the float64 the slow path holds (COPY narrows sog, cog and rot to float4 as psycopg does), and a NULL is
a flag in `null`, never a sentinel value. It pickles as a few arrays, so it crosses process queues cheaply.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np

COLUMNS = ("mmsi", "observed_at", "received_at", "source", "msg_type", "lon", "lat", "sog", "cog", "heading",
           "rot", "status", "accuracy", "altitude")
DTYPE = np.dtype([("mmsi", "<i4"), ("observed_at", "<i8"), ("received_at", "<i8"), ("source", "<i4"),
                  ("msg_type", "<i2"), ("lon", "<f8"), ("lat", "<f8"), ("sog", "<f8"), ("cog", "<f8"),
                  ("heading", "<i2"), ("rot", "<f8"), ("status", "<i2"), ("accuracy", "?"), ("altitude", "<i4")])
# On the wire, in the staging table's types (ingest.ais.writer.POSITION_TYPES); text is written apart.
WIRE = ("i4", "i8", "i8", "text", "i2", "f8", "f8", "f4", "f4", "i2", "f4", "i2", "u1", "i4")
TIME_COLUMNS = (1, 2)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_US = timedelta(microseconds=1)
PG_EPOCH_US = 946_684_800_000_000         # 2000-01-01, PostgreSQL's epoch, in microseconds since 1970
DAY_US = 86_400_000_000
SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"   # flags, header extension
TRAILER = b"\xff\xff"


def to_us(when: datetime) -> int:
    """An aware datetime as integer microseconds since 1970 (exact: timedelta arithmetic, no float)."""
    return (when - EPOCH) // ONE_US


def from_us(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


class PositionBlock:
    """Position rows in stream order, as columns. A block joined from others (concat) keeps them apart until its
    columns are read, so that adding chunk after chunk to a batch copies each row once, not once per chunk."""

    __slots__ = ("_data", "_null", "_parts", "_sources")

    def __init__(self, data: np.ndarray, null: np.ndarray, sources: tuple[str, ...]) -> None:
        self._data = data            # structured array of DTYPE, one element per row
        self._null = null            # (rows, 14) bool: True where the slow path's tuple holds None
        self._sources = sources      # what the `source` codes stand for
        self._parts: list[PositionBlock] | None = None

    @classmethod
    def joined(cls, parts: list[PositionBlock]) -> PositionBlock:
        block = cls.empty()
        block._parts = parts
        return block

    def _columns(self) -> None:
        if self._parts is not None:
            whole = _concat_now(self._parts)
            self._data, self._null, self._sources, self._parts = whole._data, whole._null, whole._sources, None

    @property
    def data(self) -> np.ndarray:
        self._columns()
        return self._data

    @property
    def null(self) -> np.ndarray:
        self._columns()
        return self._null

    @property
    def sources(self) -> tuple[str, ...]:
        self._columns()
        return self._sources

    def __reduce__(self) -> tuple[Any, ...]:
        return (PositionBlock, (self.data, self.null, self.sources))

    @classmethod
    def empty(cls, rows: int = 0, sources: tuple[str, ...] = ()) -> PositionBlock:
        return cls(np.zeros(rows, dtype=DTYPE), np.zeros((rows, len(COLUMNS)), dtype=bool), sources)

    @classmethod
    def from_rows(cls, rows: Sequence[tuple[Any, ...]]) -> PositionBlock:
        """The slow path's tuples as a block (they are few beside the fast path's, and old spooled batches)."""
        sources: dict[str, int] = {}
        block = cls.empty(len(rows))
        if not rows:
            return block
        for i, column in enumerate(zip(*rows, strict=True)):
            name = COLUMNS[i]
            nulls = [v is None for v in column]
            block.null[:, i] = nulls
            if i in TIME_COLUMNS:
                values: list[Any] = [0 if v is None else to_us(v) for v in column]
            elif name == "source":
                values = [sources.setdefault(v, len(sources)) for v in column]
            else:
                values = [0 if v is None else v for v in column]
            block.data[name] = values
        block._sources = tuple(sources)
        return block

    def __len__(self) -> int:
        if self._parts is not None:
            return sum(len(p) for p in self._parts)
        return len(self._data)

    def __getitem__(self, index: slice) -> PositionBlock:
        """Rows [start:stop] (for a writer that splits a batch), sharing this block's arrays."""
        return PositionBlock(self.data[index], self.null[index], self.sources)

    def take(self, order: np.ndarray) -> PositionBlock:
        """The rows in another order (or a selection of them)."""
        return PositionBlock(self.data[order], self.null[order], self.sources)

    def rows(self) -> list[tuple[Any, ...]]:
        """The rows as the slow path's tuples: Python ints, floats, bools, aware datetimes, None."""
        columns: list[list[Any]] = []
        for i, name in enumerate(COLUMNS):
            values: list[Any] = self.data[name].tolist()
            if i in TIME_COLUMNS:
                values = [from_us(v) for v in values]
            elif name == "source":
                values = [self.sources[v] for v in values]
            if self.null[:, i].any():
                values = [None if n else v for v, n in zip(values, self.null[:, i].tolist(), strict=True)]
            columns.append(values)
        return list(zip(*columns, strict=True))

    def observed_days(self) -> set[date]:
        """The UTC days of observed_at (the history's partitions)."""
        days = np.unique(self.data["observed_at"] // DAY_US).tolist()
        return {(EPOCH + timedelta(days=d)).date() for d in days}

    def newest_received(self) -> datetime | None:
        return from_us(int(self.data["received_at"].max())) if len(self) else None

    def copy_data(self) -> bytes:
        """The whole of a binary COPY (signature, rows, trailer), as psycopg's write_row would send the rows."""
        return SIGNATURE + encode_rows(self) + TRAILER


def concat(blocks: Iterable[PositionBlock]) -> PositionBlock:
    """Blocks one after the other (joined when first read: see PositionBlock)."""
    parts: list[PositionBlock] = []
    for b in blocks:
        if b._parts is not None:
            parts += b._parts
        elif len(b):
            parts.append(b)
    if not parts:
        return PositionBlock.empty()
    if len(parts) == 1:
        return parts[0]
    return PositionBlock.joined(parts)


def _concat_now(parts: list[PositionBlock]) -> PositionBlock:
    """The parts' rows in one block, their source codes mapped onto one list."""
    sources: dict[str, int] = {}
    datas = []
    for part in parts:
        codes = np.array([sources.setdefault(s, len(sources)) for s in part.sources] or [0], dtype=np.int32)
        data = part.data.copy()
        data["source"] = codes[part.data["source"]]
        datas.append(data)
    return PositionBlock(np.concatenate(datas), np.concatenate([p.null for p in parts]), tuple(sources))


def _wire_dtype(widths: list[int]) -> tuple[np.dtype, list[int]]:
    """The row as the wire carries it at full width (a field of width 0: NULL in every row, no data); and the
    offset of each field's data within it."""
    fields: list[tuple[str, Any]] = [("n", ">i2")]
    starts = []
    offset = 2
    for i, (wire, width) in enumerate(zip(WIRE, widths, strict=True)):
        fields.append((f"l{i}", ">i4"))
        if width:
            fields.append((f"v{i}", f"S{width}" if wire == "text" else ">" + wire))
        starts.append(offset + 4)
        offset += 4 + width
    return np.dtype(fields), starts


def encode_rows(block: PositionBlock) -> bytes:
    """The rows in PostgreSQL's binary COPY format. Each row is first laid out at full width (every field
    present, text at its widest) in one structured array; where rows differ in width (a NULL has no data, a
    shorter text fewer bytes), a byte mask drops the data of NULL fields and the unused tail of each text,
    and the masked bytes, in row order, are the rows as the wire wants them."""
    n = len(block)
    encoded = [s.encode() for s in block.sources] or [b""]
    text_lengths = np.array([len(e) for e in encoded], dtype=np.int32)
    codes = block.data["source"]
    all_null: list[bool] = [bool(v) for v in np.all(block.null, axis=0)]
    any_null: list[bool] = [bool(v) for v in np.any(block.null, axis=0)]
    widths = [0 if all_null[i] else int(text_lengths.max()) if kind == "text" else np.dtype(kind).itemsize
              for i, kind in enumerate(WIRE)]
    dtype, starts = _wire_dtype(widths)
    wire = np.zeros(n, dtype=dtype)
    keep: np.ndarray | None = None
    wire["n"] = len(COLUMNS)
    for i, (name, kind) in enumerate(zip(COLUMNS, WIRE, strict=True)):
        start, width, null = starts[i], widths[i], block.null[:, i]
        if not width:
            wire[f"l{i}"] = -1
            continue
        lengths: Any = width
        cut: np.ndarray | None = None          # the bytes of this field's data that rows keep
        if kind == "text":
            wire[f"v{i}"] = np.array(encoded, dtype=f"S{width}")[codes]
            if text_lengths.min() < width:
                lengths = text_lengths[codes]
                cut = np.arange(width) < lengths[:, None]
        else:
            wire[f"v{i}"] = block.data[name] - PG_EPOCH_US if i in TIME_COLUMNS else block.data[name]
        if any_null[i]:
            lengths = np.where(null, -1, lengths)
            cut = ~null[:, None] if cut is None else cut & ~null[:, None]
        wire[f"l{i}"] = lengths
        if cut is not None:
            if keep is None:
                keep = np.ones((n, dtype.itemsize), dtype=bool)
            keep[:, start:start + width] = cut
    rows = wire.view(np.uint8).reshape(n, dtype.itemsize)
    return (rows if keep is None else rows[keep]).tobytes()
