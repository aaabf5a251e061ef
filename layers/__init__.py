"""Map layers, one module each; LAYERS is the registry in draw order (bottom first)."""

from __future__ import annotations

from layers.alerts import Alerts
from layers.aton import Aton
from layers.base import FeatureSet, Layer, LayerError, Style, View
from layers.basemap import Basemap
from layers.berth_occupancy import BerthOccupancy
from layers.berths import Berths
from layers.cameras import Cameras
from layers.dg_containers import DgContainers
from layers.direct_delivery import DirectDelivery
from layers.people import People
from layers.port_activity import Anchorages, CameraEvents, Gates
from layers.structures import Structures
from layers.tracks import Tracks
from layers.vehicles import Vehicles
from layers.vessels import Vessels
from layers.yard_blocks import YardBlocks
from layers.yard_use import YardUse
from layers.zones import Zones

LAYERS: dict[str, Layer] = {
    "basemap": Basemap(),
    "zones": Zones(),
    "structures": Structures(),
    "yard_blocks": YardBlocks(),
    "berths": Berths(),
    "berth_occupancy": BerthOccupancy(),
    "anchorages": Anchorages(),
    "aton": Aton(),
    "cameras": Cameras(),
    "gates": Gates(),
    "direct_delivery": DirectDelivery(),
    "yard_use": YardUse(),
    "dg_containers": DgContainers(),
    "camera_events": CameraEvents(),
    "tracks": Tracks(),
    "alerts": Alerts(),          # halos under what they concern
    "vehicles": Vehicles(),
    "people": People(),
    "vessels": Vessels(),
}


def get_layer(name: str) -> Layer:
    """The registered layer of that name; an unknown name fails loudly."""
    try:
        return LAYERS[name]
    except KeyError:
        raise LayerError(f"unknown layer {name!r}; registered: {', '.join(LAYERS)}") from None


def feature_sets() -> dict[str, tuple[Layer, FeatureSet]]:
    """Every layer's feature sets by name (what the layer API and OGC API - Features serve), in draw order."""
    found: dict[str, tuple[Layer, FeatureSet]] = {}
    for layer in LAYERS.values():
        for fs in layer.feature_sets():
            if fs.name in found:
                raise LayerError(f"feature set {fs.name!r} of layer {layer.name!r} is named twice")
            found[fs.name] = (layer, fs)
    return found


__all__ = ["LAYERS", "FeatureSet", "Layer", "LayerError", "Style", "View", "feature_sets", "get_layer"]
