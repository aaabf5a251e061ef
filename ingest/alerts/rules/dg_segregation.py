"""Rule 8: dangerous-goods segregation in the yard (IMDG Code 7.2.4): two containers whose classes require
segregation closer than the port's distance for that code. Every declared class of each container counts."""

from __future__ import annotations

import csv
from functools import cache

import numpy as np
import shapely
from shapely import STRtree

from ingest.alerts.model import Factor, Finding, Snapshot, dg_containers, severity_factor
from ingest.alerts.rules.base import Rule
from portdomain.assets import ASSETS

TABLE = ASSETS / "imdg" / "segregation_7_2_4.csv"
CODE_NAMES = {"1": "away from", "2": "separated from", "3": "separated by a complete compartment or hold from",
              "4": "separated longitudinally by an intervening complete compartment or hold from"}
CODE_CONF = {"1": "away_from_m", "2": "separated_from_m", "3": "separated_by_compartment_m",
             "4": "separated_longitudinally_m"}


@cache
def table() -> dict[tuple[str, str], str]:
    """(class, class) -> code, for every division (the table's grouped rows expanded)."""
    with TABLE.open(encoding="utf-8") as fh:
        rows = list(csv.reader(line for line in fh if not line.startswith("#")))
    header = rows[0][1:]
    out = {}
    for row in rows[1:]:
        for col, code in zip(header, row[1:], strict=True):
            for a in row[0].split(","):
                for b in col.split(","):
                    out[(a.strip(), b.strip())] = code.strip()
    return out


def code_for(a: str, b: str) -> str | None:
    """The segregation code between two classes or divisions ('1'..'4'), None when none is required in general."""
    code = table().get((a.rstrip("ABCDEFGHJKLNS"), b.rstrip("ABCDEFGHJKLNS")))   # 1.4S -> 1.4
    return code if code in CODE_NAMES else None


@cache
def matrix() -> tuple[dict[str, int], np.ndarray]:
    """The table as a numpy matrix of codes (0 = none) over an index of divisions."""
    t = table()
    labels = sorted({a for a, _ in t})
    index = {c: i for i, c in enumerate(labels)}
    m = np.zeros((len(labels), len(labels)), dtype=np.int8)
    for (a, b), code in t.items():
        m[index[a], index[b]] = int(code) if code in CODE_NAMES else 0
    return index, m


def evaluate(snap: Snapshot) -> list[Finding]:
    conf = snap.conf("dg_segregation")
    need = np.array([0.0] + [float(conf.get(CODE_CONF[c], 0)) for c in "1234"])
    rows = dg_containers(snap)
    if len(rows) < 2:
        return []
    index, m = matrix()
    # One entry per (container, class): a container with a subsidiary class takes part twice.
    owner, cls = [], []
    for i, r in enumerate(rows):
        for c in r[7]:
            k = index.get(c.rstrip("ABCDEFGHJKLNS"))
            if k is not None:
                owner.append(i)
                cls.append(k)
    owner_a, cls_a = np.array(owner), np.array(cls)
    lon = np.array([r[5] for r in rows], dtype=float)
    lat = np.array([r[6] for r in rows], dtype=float)
    x, y = snap.local_xy(lon, lat)
    tree = STRtree(shapely.points(x[owner_a], y[owner_a]))
    ei, ej = tree.query(shapely.points(x[owner_a], y[owner_a]), predicate="dwithin", distance=float(need.max()))
    ci, cj = owner_a[ei], owner_a[ej]
    codes = m[cls_a[ei], cls_a[ej]]
    dist = np.hypot(x[ci] - x[cj], y[ci] - y[cj])
    bad = (ci < cj) & (codes > 0) & (dist < need[codes])
    worst: dict[tuple[int, int], tuple[int, int, int]] = {}        # (container i, j) -> (code, class i, class j)
    for i, j, code, ki, kj in zip(ci[bad].tolist(), cj[bad].tolist(), codes[bad].tolist(), cls_a[ei][bad].tolist(),
                                  cls_a[ej][bad].tolist(), strict=True):
        if (i, j) not in worst or code > worst[(i, j)][0]:
            worst[(i, j)] = (code, ki, kj)
    labels = {k: c for c, k in index.items()}
    out = []
    for (i, j), (code_n, ki, kj) in worst.items():
        a, b = rows[i], rows[j]
        code, ca, cb = str(code_n), labels[ki], labels[kj]
        actual = float(np.hypot(x[i] - x[j], y[i] - y[j]))
        required = float(need[code_n])
        severity = "critical" if code >= "2" else "warning"
        qty = sum(q or 0 for q in (a[9], b[9]))
        factors = [severity_factor(severity),
                   Factor("dangerous goods class", 10 + 5 * int(code), f"classes {ca} and {cb}: {CODE_NAMES[code]}"),
                   Factor("quantity", round(min(15.0, qty / 2000), 1), f"{qty:.0f} kg declared")]
        first, second = sorted((a[0], b[0]))
        out.append(Finding(
            "dg_segregation", f"dg_segregation:{first}:{second}", severity, "container", f"{first}/{second}",
            snap.point_wkt(float((lon[i] + lon[j]) / 2), float((lat[i] + lat[j]) / 2)), snap.now,
            f"{a[0]} ({ca}) and {b[0]} ({cb}) {actual:.1f} m apart: must be {CODE_NAMES[code]} (≥ {required:g} m)",
            f"{a[0]}（{ca} 类）与 {b[0]}（{cb} 类）相距 {actual:.1f} 米，应隔离 ≥ {required:g} 米",
            {"containers": [{"container_no": r[0], "block": r[1], "bay": r[2], "row": r[3], "tier": r[4],
                             "classes": r[7], "un_numbers": r[8]} for r in (a, b)],
             "code": code, "code_name": CODE_NAMES[code], "classes": [ca, cb], "required_m": required,
             "actual_m": round(actual, 1)}, factors))
    return out


RULE = Rule("dg_segregation", "state", evaluate)
