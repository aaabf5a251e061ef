"""The MapLibre style for Plotly's map: everything from this server, nothing from outside."""

from __future__ import annotations

from typing import Any

NO_DATA = "#e2e5e9"  # outside the port package's basemap


def offline_style(base_url: str, drawn: list[tuple[str, dict[str, Any], bool]] | None = None) -> dict[str, Any]:
    """A style dict whose glyphs and sprite come from this app, holding the reference layers' shapes (`drawn`:
    layer name, GeoJSON FeatureCollection from `style_features`, visible) as MapLibre layers of their own."""
    base = base_url.rstrip("/")
    sources: dict[str, Any] = {"empty": {"type": "geojson", "data": {"type": "FeatureCollection", "features": []}}}
    layers: list[dict[str, Any]] = [{"id": "background", "type": "background", "paint": {"background-color": NO_DATA}}]
    for name, collection, visible in drawn or []:
        sources[name] = {"type": "geojson", "data": collection}
        shown = {"visibility": "visible" if visible else "none"}
        meta = {"portmap:layer": name}
        layers.append({"id": f"{name}-fill", "type": "fill", "source": name, "metadata": meta, "layout": shown,
                       "filter": ["==", ["geometry-type"], "Polygon"],
                       "paint": {"fill-color": ["get", "fill"], "fill-outline-color": ["get", "line"]}})
        layers.append({"id": f"{name}-line", "type": "line", "source": name, "metadata": meta, "layout": shown,
                       "paint": {"line-color": ["get", "line"], "line-width": ["get", "width"]}})
    return {
        "version": 8,
        "name": "portmap-offline",
        # An empty source must stay: plotly strips an empty "sources" and MapLibre then fails.
        "sources": sources,
        "glyphs": f"{base}/glyphs/{{fontstack}}/{{range}}.pbf",
        "sprite": f"{base}/assets/sprite/portmap",       # MapLibre wants it absolute; vessel icons
        "layers": layers,
    }


def style_features(traces: list[Any]) -> tuple[dict[str, Any], list[Any]]:
    """Split a layer's traces: its outlines and areas (mode "lines") become GeoJSON features for the style,
    drawn by MapLibre itself (a Plotly trace costs ~45 ms on every redraw of the live map with software WebGL,
    a style layer nothing); the rest (labels with hover texts) stay traces."""
    features: list[dict[str, Any]] = []
    kept = []
    for trace in traces:
        if trace.mode != "lines":
            kept.append(trace)
            continue
        fill = trace.fillcolor if trace.fill == "toself" else None
        props = {"fill": fill or "rgba(0,0,0,0)", "line": trace.line.color or "#000", "width": trace.line.width or 1}
        for part in _parts(list(trace.lon or ()), list(trace.lat or ())):
            geometry: dict[str, Any]
            if fill and len(part) >= 3:
                ring = part if part[0] == part[-1] else [*part, part[0]]
                geometry = {"type": "Polygon", "coordinates": [ring]}
            else:
                geometry = {"type": "LineString", "coordinates": part}
            features.append({"type": "Feature", "properties": props, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}, kept


def _parts(lons: list[float | None], lats: list[float | None]) -> list[list[list[float]]]:
    parts: list[list[list[float]]] = [[]]
    for x, y in zip(lons, lats, strict=True):
        if x is None or y is None:
            parts.append([])
        else:
            parts[-1].append([x, y])
    return [p for p in parts if len(p) >= 2]
