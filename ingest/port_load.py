"""Load a validated port package into PostGIS in one transaction, idempotently."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from ingest.port_geometry import LocalCrs, berth_area, camera_cone, yard_slots
from ingest.port_package import Feature, PortPackage
from sql import query, query_text

log = logging.getLogger(__name__)
DEFAULT_BERTH_POCKET_M = 60.0


@dataclass
class LoadReport:
    port_id: str
    loaded: dict[str, int] = field(default_factory=dict)
    slots: int = 0
    refused: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.refused


Rows = Callable[[str, Feature, LocalCrs], dict[str, Any]]


def _common(port_id: str, f: Feature) -> dict[str, Any]:
    return {"port_id": port_id, "feature_id": f.feature_id, "kind": f.kind,
            "name_en": f.props.get("name_en"), "name_zh": f.props.get("name_zh"), "geom": f.geom.wkb}


def _zone(port_id: str, f: Feature, crs: LocalCrs) -> dict[str, Any]:
    skip = {"id", "kind", "name_en", "name_zh", "speed_limit_kn"}
    return {**_common(port_id, f), "speed_limit_kn": f.props.get("speed_limit_kn"),
            "props": Jsonb({k: v for k, v in f.props.items() if k not in skip})}


def _berth(port_id: str, f: Feature, crs: LocalCrs) -> dict[str, Any]:
    width = f.props.get("pocket_width_m", DEFAULT_BERTH_POCKET_M)
    area = berth_area(f.geom, f.props["water_side"], width, crs)  # type: ignore[arg-type]
    return {**_common(port_id, f), "terminal_id": f.props.get("terminal_id"),
            "length_m": f.props["length_m"], "depth_m": f.props.get("depth_m"),
            "max_dwt_t": f.props.get("max_dwt_t"), "area": area.wkb}


def _yard_block(port_id: str, f: Feature, crs: LocalCrs) -> dict[str, Any]:
    return {**_common(port_id, f), "terminal_id": f.props.get("terminal_id"),
            **{k: f.props[k] for k in ("bays", "rows", "tiers", "orientation_deg")}}


def _camera(port_id: str, f: Feature, crs: LocalCrs) -> dict[str, Any]:
    p = f.props
    fov = camera_cone(f.geom, p["bearing_deg"], p["fov_deg"], p["range_m"])  # type: ignore[arg-type]
    return {**_common(port_id, f), "source_name": p.get("source_name"), "bearing_deg": p["bearing_deg"],
            "fov_deg": p["fov_deg"], "range_m": p["range_m"], "height_m": p.get("height_m"),
            "ptz": bool(p.get("ptz", False)), "zone_ids": list(p.get("zone_ids", [])),
            "vendor_ids": list(p.get("vendor_ids", [])), "fov": fov.wkb}


def _plain(port_id: str, f: Feature, crs: LocalCrs) -> dict[str, Any]:
    return _common(port_id, f)


# file kind -> (upsert query, row builder); the prune query is prune_<kind>.sql.
WRITERS: dict[str, tuple[str, Rows]] = {
    "basemap": ("basemap_upsert", _plain),
    "zones": ("zone_upsert", _zone),
    "structures": ("structure_upsert", _plain),
    "berths": ("berth_upsert", _berth),
    "yard_blocks": ("yard_block_upsert", _yard_block),
    "cameras": ("camera_upsert", _camera),
}


def load_package(conn: psycopg.Connection[Any], package: PortPackage) -> LoadReport:
    """Upsert every good feature, prune the ones the package no longer has, rebuild yard slots."""
    cfg = package.config
    crs = LocalCrs.of(cfg.crs)
    report = LoadReport(cfg.id, refused=[str(r) for r in package.refusals])
    with conn.transaction():
        query(conn, "port_upsert", {
            "port_id": cfg.id, "name_en": cfg.name.en, "name_zh": cfg.name.zh, "crs": cfg.crs,
            "timezone": cfg.timezone, "lon": cfg.centre[0], "lat": cfg.centre[1],
            "xmin": cfg.bbox[0], "ymin": cfg.bbox[1], "xmax": cfg.bbox[2], "ymax": cfg.bbox[3],
            "zoom": cfg.zoom, "config": Jsonb(cfg.model_dump())})
        for kind, (upsert, rows) in WRITERS.items():
            features = package.features.get(kind, [])
            with conn.cursor() as cur:
                cur.executemany(query_text(upsert), [rows(cfg.id, f, crs) for f in features])
            refused_ids = [r.feature_id for r in package.refusals
                           if r.feature_id and r.file == cfg.file_for(kind)]
            query(conn, f"prune_{kind}", {"port_id": cfg.id,
                                          "keep_ids": [f.feature_id for f in features] + refused_ids})
            report.loaded[kind] = len(features)
        report.slots = _load_slots(conn, cfg.id, package.features.get("yard_blocks", []), crs)
    for line in report.refused:
        log.warning("refused %s", line)
    return report


def _load_slots(conn: psycopg.Connection[Any], port_id: str, blocks: list[Feature], crs: LocalCrs) -> int:
    total = 0
    with conn.cursor() as cur:
        for block in blocks:
            query(conn, "yard_slot_clear", {"port_id": port_id, "block_id": block.feature_id})
            cur.executemany(query_text("yard_slot_insert"), list(_slot_rows(port_id, block, crs)))
            total += block.props["bays"] * block.props["rows"]
    return total


def _slot_rows(port_id: str, block: Feature, crs: LocalCrs) -> Iterator[dict[str, Any]]:
    p = block.props
    for bay, row, poly in yard_slots(block.geom, p["bays"], p["rows"], p["orientation_deg"], crs):  # type: ignore[arg-type]
        yield {"port_id": port_id, "block_id": block.feature_id, "bay": bay, "row": row, "geom": poly.wkb}
