"""The source registry: every kind of feed the port takes in, with its feed kind, whether it is live (its silence
is an alert, a KPI and a banner: feed_status.live), how often it is expected to speak, and the command that runs
it. A feed_status row's source is `<name>` or `<name>:<instance>` (e.g. `ais:udp:station-1/rx-outer`).

Adding a source = its module (decode, validate, store through ingest.feeds.record_batch or ingest.tracks), one
line here, its subcommand in ingest/__main__.py; a layer to draw it if it has one (see docs/architecture.md).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

NAME = re.compile(r"^[a-z][a-z0-9_-]*(:[a-z][a-z0-9_-]*)*$")


@dataclass(frozen=True)
class Source:
    name: str                      # the feed name, or the prefix of its instances' names
    kind: str                      # feed kind: what it tells about (feed_status.kind, the layers' data ages)
    live: bool                     # a live feed: silence is an outage (the feed-health rule, KPIs, banner, wall)
    # how often it speaks when healthy (None: only when someone drops a file); the wall's lights and the map's
    # feed verdict (SQL feed_verdict, migration 055) give it three cadences (at least 120 s) before they say so
    cadence_s: float | None
    cli: str                       # the command that runs it

    def __post_init__(self) -> None:
        if not NAME.match(self.name) or not NAME.match(self.kind):
            raise ValueError(f"source {self.name!r} / kind {self.kind!r}: lower-case names, ':'-separated")


SOURCES: dict[str, Source] = {s.name: s for s in (
    Source("ais:udp", "ais", live=True, cadence_s=10, cli="python -m ingest ais --udp HOST:PORT"),
    Source("ais:tcp", "ais", live=True, cadence_s=10, cli="python -m ingest ais --tcp HOST:PORT"),
    Source("ais:tcp-in", "ais", live=True, cadence_s=10, cli="python -m ingest ais --tcp-listen HOST:PORT"),
    Source("ais:file", "ais", live=False, cadence_s=None, cli="python -m ingest ais --file LOG"),
    Source("ais:table", "ais", live=False, cadence_s=None, cli="python -m ingest ais-table file"),
    Source("camera:mqtt", "camera", live=False, cadence_s=600, cli="python -m ingest camera --mqtt HOST:PORT"),
    Source("webhook", "camera", live=False, cadence_s=900, cli="python -m ingest camera --webhook HOST:PORT"),
    Source("onvif", "camera", live=False, cadence_s=900, cli="python -m ingest camera --webhook HOST:PORT"),
    Source("hikvision", "camera", live=False, cadence_s=None, cli="python -m ingest camera --webhook HOST:PORT"),
    Source("hikvision:stream", "camera", live=False, cadence_s=120,
           cli="python -m ingest camera --hikvision-stream URL --stream-login FILE"),
    Source("dahua:stream", "camera", live=False, cadence_s=120,
           cli="python -m ingest camera --dahua-stream [DEVICE=]URL --stream-login FILE"),
    Source("gb28181", "camera", live=False, cadence_s=180, cli="python -m ingest camera --gb28181 HOST:PORT"),
    Source("tos_csv", "yard", live=False, cadence_s=300, cli="python -m ingest yard --tos FILE (or the inbox)"),
    Source("edifact", "yard", live=False, cadence_s=3600, cli="python -m ingest yard --edifact FILE (or the inbox)"),
    Source("hazmat", "hazmat", live=False, cadence_s=3600,
           cli="python -m ingest hazmat --declarations FILE (or the inbox)"),
    Source("gate", "gate", live=False, cadence_s=1800, cli="python -m ingest hazmat --gate FILE (or the inbox)"),
    Source("vehicles:jt808", "vehicles", live=True, cadence_s=30, cli="python -m ingest vehicles --jt808 HOST:PORT"),
    Source("trackers:http", "people", live=False, cadence_s=None, cli="python -m ingest trackers --http HOST:PORT"),
)}


@functools.lru_cache(maxsize=4096)
def source_of(feed: str) -> Source | None:
    """The registered source a feed name belongs to (its longest registered prefix), None for an unknown one."""
    parts = feed.split(":")
    for n in range(len(parts), 0, -1):
        found = SOURCES.get(":".join(parts[:n]))
        if found is not None:
            return found
    return None


def is_live(feed: str) -> bool:
    """Whether a feed's silence is an outage (an unknown feed is not live)."""
    found = source_of(feed)
    return found is not None and found.live


def cadence_of(feed: str) -> float | None:
    """How often a feed is expected to speak (feed_status.cadence_s; None: only when someone drops a file)."""
    found = source_of(feed)
    return None if found is None else found.cadence_s


def register(source: Source) -> None:
    """Add a source at run time (a plug-in, a test); a name is registered once."""
    if source.name in SOURCES and SOURCES[source.name] != source:
        raise ValueError(f"source {source.name!r} is registered already")
    SOURCES[source.name] = source
    source_of.cache_clear()


def unregister(name: str) -> None:
    SOURCES.pop(name, None)
    source_of.cache_clear()
