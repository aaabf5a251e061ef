"""What a rule sees (a snapshot of the port now) and what it says (findings with an explainable score)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, TypeVar

import numpy as np
import pandas as pd
import psycopg
import shapely
from pydantic import BaseModel, ConfigDict
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from sql import query, query_text

KN_MS = 1852 / 3600       # metres per second in a knot
SEVERITY_POINTS = {"info": 10.0, "warning": 30.0, "critical": 60.0}


@dataclass
class Factor:
    """One term of the risk score: what it is, its points, and why (shown to the officer)."""

    name: str
    points: float
    why: str


class RuleSettings(BaseModel):
    """A rule's thresholds: the fields of its port.toml table [rules.<table>], each with the code's default
    (unknown keys refused, units in the field names, ranges checked)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    table: ClassVar[str]


S = TypeVar("S", bound=RuleSettings)


@dataclass(kw_only=True)
class Finding:
    """What a rule found, built by keywords (the field names say what each value is)."""

    rule: str
    key: str                          # the dedup key: one live alert per key
    severity: str                     # info | warning | critical
    subject_kind: str                 # vessel | container | camera_event | gate_transaction | feed | zone
    subject_id: str
    geom_wkt: str | None              # lon/lat WKT of where it is
    evidence_at: datetime             # the time of the data that shows it
    title_en: str
    title_zh: str
    details: dict[str, Any] = field(default_factory=dict)
    factors: list[Factor] = field(default_factory=list)

    @property
    def score(self) -> float:
        return round(min(100.0, sum(f.points for f in self.factors)), 1)

    def explained(self) -> dict[str, Any]:
        return clean({**self.details, "score": self.score,
                      "factors": [{"name": f.name, "points": f.points, "why": f.why} for f in self.factors]})


def clean(value: Any) -> Any:
    """JSON-safe: NaN and missing values become null, numpy scalars plain numbers, times ISO strings."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if value is pd.NaT:
        return None
    return value


@dataclass
class Zone:
    zone_id: str
    kind: str
    name_en: str
    name_zh: str
    props: dict[str, Any]
    local: BaseGeometry               # in the port's metric CRS
    wkt: str                          # lon/lat


@dataclass
class Snapshot:
    """The port at one instant, as every rule of a cycle sees it."""

    conn: psycopg.Connection[Any]
    port_id: str
    now: datetime
    rules: dict[str, dict[str, Any]]            # port.toml [rules.*]
    zones: dict[str, Zone]
    vessels: pd.DataFrame                       # latest positions with x, y in metres
    feeds: pd.DataFrame                         # feed_status
    to_local: Transformer
    to_wgs84: Transformer
    memory: dict[str, Any]                      # what rules keep between cycles (anchor points, stays)
    cache: dict[str, Any] = field(default_factory=dict)   # what rules share within one cycle
    # The vessels this snapshot speaks for (None: every vessel of the port). A retrospective step that looks only
    # at what changed passes those vessels (some of them gone from the picture): memory of others is kept.
    scope: frozenset[int] | None = None
    _settings: dict[str, Any] = field(default_factory=dict, repr=False)

    def speaks_for(self, mmsi: int) -> bool:
        """Whether this snapshot says where `mmsi` is (absent from it: gone from the picture)."""
        return self.scope is None or mmsi in self.scope

    def conf(self, rule: str) -> dict[str, Any]:
        """The raw [rules.<rule>] table (the rules read their typed settings instead)."""
        return self.rules.get(rule, {})

    def settings(self, model: type[S]) -> S:
        """A rule's typed settings from the port's [rules.<table>] (validated when the port was loaded)."""
        found = self._settings.get(model.table)
        if not isinstance(found, model):
            found = self._settings[model.table] = model.model_validate(self.rules.get(model.table, {}))
        return found

    def to_local_geom(self, geom: BaseGeometry) -> BaseGeometry:
        return shapely.transform(geom, lambda x, y: self.to_local.transform(x, y), interleaved=False)

    def zones_of(self, *kinds: str) -> list[Zone]:
        return [z for z in self.zones.values() if z.kind in kinds]

    def inside(self, kinds: tuple[str, ...] | list[str], x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """For each point (metres), whether it lies in any zone of these kinds."""
        hit = np.zeros(len(x), dtype=bool)
        for zone in self.zones_of(*kinds):
            hit |= shapely.contains_xy(zone.local, x, y)
        return hit

    def point_wkt(self, lon: float, lat: float) -> str:
        return f"POINT({lon:.6f} {lat:.6f})"

    def local_xy(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, y = self.to_local.transform(lon, lat)
        return np.asarray(x), np.asarray(y)


def dg_containers(snap: Snapshot) -> list[tuple[Any, ...]]:
    """Dangerous-goods containers in the yard with their classes (several rules ask, one query a cycle)."""
    if "dg_containers" not in snap.cache:
        snap.cache["dg_containers"] = query(snap.conn, "alert_dg_containers", {"port_id": snap.port_id})
    return snap.cache["dg_containers"]  # type: ignore[no-any-return]


def tracked(snap: Snapshot, what: str) -> pd.DataFrame:
    """The latest fixes of the vehicles' ("vehicles") or people's ("people") trackers, with x, y in metres (one
    query a cycle each, shared by the rules that ask)."""
    key = f"tracked_{what}"
    if key not in snap.cache:
        with snap.conn.cursor() as cur:
            cur.execute(query_text(f"alert_{key}"), {"now": snap.now})  # type: ignore[arg-type]
            frame = pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description or []])
        x, y = snap.local_xy(frame["lon"].to_numpy(dtype="f8"), frame["lat"].to_numpy(dtype="f8")) if len(frame) \
            else (np.empty(0), np.empty(0))
        snap.cache[key] = frame.assign(x=x, y=y)
    return snap.cache[key]  # type: ignore[no-any-return]


def permits(snap: Snapshot) -> set[tuple[str, str, str]]:
    """The permits valid now: (subject kind, subject in upper case, zone id); one query a cycle."""
    if "permits" not in snap.cache:
        snap.cache["permits"] = {(k, s, z) for k, s, z in query(snap.conn, "alert_permits",
                                                                 {"port_id": snap.port_id, "now": snap.now})}
    return snap.cache["permits"]  # type: ignore[no-any-return]


def severity_factor(severity: str) -> Factor:
    return Factor("severity", SEVERITY_POINTS[severity], f"the rule's severity is {severity}")
