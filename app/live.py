"""The live tick: what each browser's map holds, so that every tick sends only what changed.

A browser's map is identified by a generation id kept in its `live` store. For that generation the server
remembers which vessel sits in which slot of the icon trace and what was last sent. A tick then:

- sends the icons' positions and angles as three typed arrays (float32/uint16, ~130 KB for 10,000 vessels)
  when any moved, and nothing when none did;
- patches single symbols, labels and MMSIs in place when a slot changes hands, appending slots for
  vessels that came into view; a vessel that left its slot is hidden (NaN) until the slot is reused;
- re-sends a small trace (hulls, labels, tracks, alerts, …) only when its content changed.

When the server does not know the generation (first tick, a restart, a language switch, heavy churn) the
icon trace is sent whole and a new generation starts; every FULL_EVERY ticks it is sent whole anyway, so a
browser that missed a patch heals by itself.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, cast

import numpy as np
from dash import Patch
from plotly.io.json import to_json_plotly

from layers import LAYERS, Layer, Style, View
from layers.vessels import Picture, Vessels, typed
from portdomain.roles import redact, scope_actor
from sql import query

MAX_CLIENTS = 256
FULL_EVERY = 300            # ticks between forced whole re-sends of the icon trace
CHURN = 0.3                 # more than this share of slots changing hands: re-send whole


def plain(components: Any) -> Any:
    """Dash components as the plain JSON data they are sent as: a list rendered once and sent to many officers
    is then encoded by the json module's C encoder, not walked component by component for each of them."""
    return json.loads(to_json_plotly(components))


def digest(trace: dict[str, Any]) -> str:
    return hashlib.blake2b(to_json_plotly(trace).encode(), digest_size=12).hexdigest()


@dataclass
class Client:
    """What one browser's map holds for the live layers."""

    gen: str
    lang: str
    slots: np.ndarray                      # slot -> MMSI, 0 for a free slot
    lon: np.ndarray                        # float32 as sent
    lat: np.ndarray
    angle: np.ndarray                      # uint16 as sent
    symbols: np.ndarray                    # object arrays of str, as sent
    texts: np.ndarray
    hashes: dict[int, str] = field(default_factory=dict)     # trace index -> digest of what was sent
    ticks: int = 0

    @classmethod
    def fresh(cls, pic: Picture) -> Client:
        return cls(gen=uuid.uuid4().hex, lang=pic.lang, slots=pic.mmsi.copy(), lon=pic.lon.astype("f4"),
                   lat=pic.lat.astype("f4"), angle=pic.angle.round().astype("u2"),
                   symbols=pic.symbols.copy(), texts=pic.labels.copy())

    def update(self, pic: Picture, patch: Patch, index: int) -> bool:
        """Patch the icon trace at `index` from what this client holds to `pic`; False when a whole
        re-send is due instead. Adds nothing to the patch when nothing changed."""
        self.ticks += 1
        if self.ticks % FULL_EVERY == 0 or pic.lang != self.lang:
            return False
        n_old = len(self.slots)
        if n_old:
            order = np.argsort(self.slots, kind="stable")
            ranked = self.slots[order]
            pos = np.minimum(np.searchsorted(ranked, pic.mmsi), n_old - 1)
            found = ranked[pos] == pic.mmsi
            slot_of = np.where(found, order[pos], -1)
        else:
            found = np.zeros(len(pic), bool)
            slot_of = np.full(len(pic), -1, "i8")
        held = np.zeros(n_old, bool)
        held[slot_of[found]] = True
        gone = np.flatnonzero(~held & (self.slots != 0))
        new = np.flatnonzero(~found)
        if len(new) + len(gone) > max(50, CHURN * max(n_old, 1)):
            return False
        free = np.flatnonzero(~held)
        appended = max(0, len(new) - len(free))
        n_slots = n_old + appended
        slot_of[new] = np.concatenate([free, np.arange(n_old, n_slots)])[: len(new)]
        slots = np.zeros(n_slots, "i8")
        lon = np.full(n_slots, np.nan, "f4")
        lat = np.full(n_slots, np.nan, "f4")
        angle = np.zeros(n_slots, "u2")
        symbols = np.concatenate([self.symbols, np.full(appended, "", object)])
        texts = np.concatenate([self.texts, np.full(appended, "", object)])
        slots[slot_of] = pic.mmsi
        lon[slot_of] = pic.lon
        lat[slot_of] = pic.lat
        angle[slot_of] = pic.angle.round()
        path = patch["data"][index]
        old = slot_of < n_old
        for i in np.flatnonzero(old & (symbols[slot_of] != pic.symbols)):
            path["marker"]["symbol"][int(slot_of[i])] = pic.symbols[i]
        for i in np.flatnonzero(old & (texts[slot_of] != pic.labels)):
            path["text"][int(slot_of[i])] = pic.labels[i]
        for i in np.flatnonzero(old & ~found):
            path["customdata"][int(slot_of[i])] = int(pic.mmsi[i])
        symbols[slot_of] = pic.symbols
        texts[slot_of] = pic.labels
        if appended:
            path["marker"]["symbol"].extend(symbols[n_old:].tolist())
            path["text"].extend(texts[n_old:].tolist())
            path["customdata"].extend(slots[n_old:].tolist())
        moved = (appended or len(gone) or not np.array_equal(lon, self.lon, equal_nan=True)
                 or not np.array_equal(lat, self.lat, equal_nan=True) or not np.array_equal(angle, self.angle))
        if moved:
            path["lon"] = typed(lon, "f4")
            path["lat"] = typed(lat, "f4")
            path["marker"]["angle"] = typed(angle, "u2")
        self.slots, self.lon, self.lat, self.angle, self.symbols, self.texts = slots, lon, lat, angle, symbols, texts
        return True

    def send_if_changed(self, patch: Patch, index: int, trace: dict[str, Any], known: str | None = None) -> bool:
        """Assign a whole small trace when it differs from what was last sent to this client; `known` is its
        digest when the caller has one (traces shared by clients are hashed once, not once per client)."""
        h = known or digest(trace)
        if self.hashes.get(index) == h:
            return False
        patch["data"][index] = trace
        self.hashes[index] = h
        return True


class Clients:
    """The clients' states, least recently used dropped first (a dropped one just gets a whole re-send)."""

    def __init__(self, size: int = MAX_CLIENTS) -> None:
        self._items: OrderedDict[str, Client] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, gen: str | None) -> Client | None:
        with self._lock:
            client = self._items.get(gen or "")
            if client is not None:
                self._items.move_to_end(client.gen)
            return client

    def put(self, client: Client) -> None:
        with self._lock:
            self._items[client.gen] = client
            self._items.move_to_end(client.gen)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


class TtlCache:
    """Results shared by every client for a short time (many officers, one query per layer per tick)."""

    def __init__(self, ttl_s: float) -> None:
        self._ttl = ttl_s
        self._items: dict[Any, tuple[float, Any]] = {}
        self._building: dict[Any, threading.Event] = {}
        self._lock = threading.Lock()

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        """The cached value, or `make()`'s; when many clients miss at once, one makes it and the rest wait
        for it (fifty officers' ticks run one query, not fifty)."""
        while True:
            now = time.monotonic()
            with self._lock:
                hit = self._items.get(key)
                if hit and now - hit[0] < self._ttl:
                    return hit[1]
                building = self._building.get(key)
                if building is None:
                    self._building[key] = threading.Event()
                    break
            building.wait(10)
        try:
            value = make()
            self._keep(key, now, value, self._ttl)
        finally:
            with self._lock:
                self._building.pop(key).set()
        return value

    def _keep(self, key: Any, now: float, value: Any, keep_s: float) -> None:
        """Store a value made at `now`. Keys that carry a data version are new every tick: what is older than
        `keep_s` is dropped as we go, so the cache holds a tick's worth of entries rather than hundreds (the
        app's memory stays flat)."""
        with self._lock:
            self._items[key] = (now, value)
            if len(self._items) > 16:
                for k in [k for k, (t, _) in self._items.items() if now - t >= keep_s]:
                    del self._items[k]
            while len(self._items) > 512:
                del self._items[next(iter(self._items))]

    def latest(self, family: Any, version: Any, make: Callable[[], Any]) -> tuple[Any, Any]:
        """(version, value) of `family` for `version` (a data version, or None for "whatever is current"): when
        it is missing or expired, one caller makes it while the others get the family's previous value at once
        rather than queueing behind the one making it (under load every officer's tick would otherwise wait for
        the same rebuild). The previous value is a refresh old at most; a family's first value is waited for."""
        while True:
            now = time.monotonic()
            with self._lock:
                hit = self._items.get(family)
                if hit and hit[1][0] == version and now - hit[0] < self._ttl:
                    return cast(tuple[Any, Any], hit[1])
                building = self._building.get(family)
                if building is None:
                    self._building[family] = threading.Event()
                    break
                if hit is not None:
                    return cast(tuple[Any, Any], hit[1])
            building.wait(10)
        try:
            value = (version, make())
            self._keep(family, now, value, max(self._ttl, 60.0))     # a family's last value serves while stale
        finally:
            with self._lock:
                self._building.pop(family).set()
        return value


# --- the tick --------------------------------------------------------------------------------------------

PICTURE_TTL_S = 5.0                     # an unchanged picture is still re-read this often (vessels ageing out)
pictures = TtlCache(PICTURE_TTL_S)      # the vessels of the port by version, shared by every client
layer_traces = TtlCache(0.9)            # the small live layers' traces, shared likewise
vessel_traces = TtlCache(0.9)           # the vessels' hulls and labels for one view, likewise
slow_traces: dict[float, TtlCache] = {}  # those of layers that refresh less often (Layer.refresh_s)
versioned_traces = TtlCache(600)        # those of layers that say when they change (Layer.version)
versions = TtlCache(0.5)                # the data versions themselves: one query a half second, not one a client
in_view = TtlCache(0.9)                 # the vessels of a picture inside one view (officers share views)


@dataclass(frozen=True)
class MapView:
    """What the browser's map shows now (reported by the page each tick)."""

    bounds: tuple[float, float, float, float] | None
    zoom: float

    @classmethod
    def from_store(cls, data: dict[str, Any] | None, default_zoom: float) -> MapView:
        data = data or {}
        b = data.get("b")
        bounds = None
        if isinstance(b, list) and len(b) == 4 and all(isinstance(v, int | float) for v in b):
            bounds = (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
        zoom = data.get("z")
        return cls(bounds, float(zoom) if isinstance(zoom, int | float) else default_zoom)


def tick(conn: Any, port: Any, client: Client | None, owners: list[str], lang: str, visible: set[str],
         view: MapView, selected: int | None = None, at: Any = None, scope: str | None = None
         ) -> tuple[Patch, Client, int]:
    """One tick for one browser: the Patch of what changed, the client's new state and the number of patch
    operations (0: nothing to send). `scope` (portdomain.roles.personal_scope): whose people it may see."""
    base = View(port_id=port.port_id, bbox=port.bbox, zoom=view.zoom, lang=lang, at=at)
    style = Style(lang=lang, zoom=view.zoom)
    vessels = cast(Vessels, LAYERS["vessels"])
    patch = Patch()
    slots = [i for i, o in enumerate(owners) if o == "vessels"]
    if slots:
        version = versions.get("vessels", lambda: tuple(query(conn, "live_vessels_version", {})[0])) \
            if at is None else None
        family = ("vessels", port.port_id, lang, at)
        version, whole = pictures.latest(family, version, lambda: vessels.live_picture(conn, base))
        pic: Picture = in_view.latest((*family, view.bounds), version, partial(whole.in_bounds, view.bounds))[1]
        *hull_slots, icon_slot, label_slot = slots
        if client is None or not client.update(pic, patch, icon_slot):
            hashes = client.hashes if client is not None and client.lang == lang else {}
            client = Client.fresh(pic)
            client.hashes = hashes
            patch["data"][icon_slot] = {**pic.icon_trace(vessels.title_in(lang)), "visible": "vessels" in visible,
                                        "meta": {"layer": "vessels"}}
        shown = "vessels" in visible
        small = vessel_traces.latest((*family, view.bounds, view.zoom), version, lambda: [
            (t, digest(t)) for t in [*pic.hull_traces(view.zoom), pic.label_trace(view.zoom)]])[1]
        for index, (trace, known) in zip([*hull_slots, label_slot], small, strict=True):
            client.send_if_changed(patch, index, {**trace, "visible": shown, "meta": {"layer": "vessels"}},
                                   f"{known}{shown:d}")
    elif client is None:
        client = Client.fresh(Picture.from_frame(Picture.empty_frame(), lang))
    for name, layer in LAYERS.items():
        if name == "vessels" or not layer.live or name not in owners:
            continue
        layer_view = replace(base, filters={"mmsi": selected} if (selected and name == "tracks") else {})
        if layer.view_zoom is not None and view.zoom >= layer.view_zoom and view.bounds:
            layer_view = replace(layer_view, bbox=_outward(view.bounds))
        key = (name, port.port_id, lang, at, tuple(layer_view.filters.items()), round(view.zoom), layer_view.bbox,
               scope if layer.personal else None)
        version = versions.get(key, partial(layer.version, conn, layer_view))
        if version is not None:
            cache = versioned_traces
        elif layer.refresh_s > 1:
            cache = slow_traces.setdefault(layer.refresh_s, TtlCache(layer.refresh_s))
        else:
            cache = layer_traces
        traces = cache.latest(key, version, partial(_layer_traces, conn, layer, layer_view, style,
                                                    scope if layer.personal else None))[1]
        shown = name in visible
        for index, (trace, known) in zip([i for i, o in enumerate(owners) if o == name], traces, strict=False):
            client.send_if_changed(patch, index, {**trace, "visible": shown, "meta": {"layer": name}},
                                   f"{known}{shown:d}")
    return patch, client, len(patch.to_plotly_json()["operations"])


def _outward(bounds: tuple[float, float, float, float], step: float = 0.002) -> tuple[float, float, float, float]:
    """The view's bounds widened to a 0.002° grid (about 200 m): small pans reuse what was read."""
    x0, y0, x1, y1 = bounds
    return (round(float(np.floor(x0 / step)) * step, 6), round(float(np.floor(y0 / step)) * step, 6),
            round(float(np.ceil(x1 / step)) * step, 6), round(float(np.ceil(y1 / step)) * step, 6))


def apply_whole_traces(figure: dict[str, Any], patch: Patch) -> None:
    """Write a first tick's whole-trace assignments into a figure about to be sent: the page then starts with
    exactly what the client state says it holds, and its first ticks send nothing new."""
    for op in patch.to_plotly_json()["operations"]:
        location = op["location"]
        if op["operation"] != "Assign" or len(location) != 2 or location[0] != "data":
            raise ValueError(f"not a whole-trace assignment: {op['operation']} {location}")
        figure["data"][location[1]] = op["params"]["value"]


def _layer_traces(conn: Any, layer: Layer, view: View, style: Style, scope: str | None = None
                  ) -> list[tuple[dict[str, Any], str]]:
    """A layer's traces as the browser gets them, each with its digest (computed once for every client, or for
    every client of a personal scope)."""
    frame = redact(scope_actor(scope), layer.query(conn, view))    # as the least of them (of the scope)
    return [(trace, digest(trace)) for trace in (t.to_plotly_json() for t in layer.traces(frame, style))]
