"""The MapLibre style for Plotly's map: everything from this server, nothing from outside."""

from __future__ import annotations

from typing import Any

NO_DATA = "#e2e5e9"  # outside the port package's basemap


def offline_style(base_url: str) -> dict[str, Any]:
    """A style dict whose glyphs and sprite come from this app; the basemap itself is drawn as traces."""
    base = base_url.rstrip("/")
    return {
        "version": 8,
        "name": "portmap-offline",
        # An empty source must stay: plotly strips an empty "sources" and MapLibre then fails.
        "sources": {"empty": {"type": "geojson", "data": {"type": "FeatureCollection", "features": []}}},
        "glyphs": f"{base}/glyphs/{{fontstack}}/{{range}}.pbf",
        "sprite": f"{base}/assets/sprite/portmap",       # MapLibre wants it absolute; vessel icons
        "layers": [{"id": "background", "type": "background", "paint": {"background-color": NO_DATA}}],
    }
