"""Berth occupancy: the quay face of every occupied berth drawn over it, with the ship that lies there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go

from layers.base import Layer, Style, label_trace, line_trace, name_in


class BerthOccupancy(Layer):
    name = "berth_occupancy"
    title = {"en": "Berth occupancy", "zh": "泊位占用"}
    sql = "layer_berth_occupancy"
    geometry = "LineString"
    key = ("berth_id",)
    age_sources = ("feed:ais",)
    live = True

    def traces(self, gdf: gpd.GeoDataFrame, style: Style) -> list[go.Scattermap]:
        zh = style.lang == "zh"
        hover, bars = [], []
        for _, r in gdf.iterrows():
            who = r["vessel"] or r["mmsi"]
            lines = [f"<b>{name_in(r, style.lang)}</b>", f"{'占用' if zh else 'occupied by'} {who}"]
            work = work_of(r)
            if work is not None:
                lines.append(work_line(work, zh))
            bars.append(progress_bar(work.share) if work is not None and work.share is not None else "")
            hover.append("<br>".join(lines))
        return [line_trace(list(gdf.geometry), name=self.title_in(style.lang), color="#be123c", width=4,
                           legendgroup=self.name),
                label_trace(gdf, name=self.title_in(style.lang), text=bars, hover=hover, legendgroup=self.name,
                            mode="markers+text", marker_size=10, color="#7f1d1d", size=12)]


@dataclass(frozen=True)
class Work:
    voyage: str
    planned_discharge: int          # from the BAPLIE
    discharged: int
    loaded: int
    last_move: datetime | None
    moves_last_hour: int
    planned_load: int = 0           # from the load list (COPRAR loading order)

    @property
    def planned(self) -> int:
        return self.planned_discharge + self.planned_load

    @property
    def done(self) -> int:
        """Moves done of those planned: discharges count against the BAPLIE, loads against the load list (a load
        with no load list is not counted as progress; nothing says how many there will be)."""
        return (min(self.discharged, self.planned_discharge)
                + (min(self.loaded, self.planned_load) if self.planned_load else 0))

    @property
    def share(self) -> float | None:
        """Planned moves done (None when nothing was planned)."""
        return min(1.0, self.done / self.planned) if self.planned else None

    @property
    def finish(self) -> datetime | None:
        """When the planned moves are done at the last hour's rate (None: unknown or done)."""
        left = self.planned - self.done
        if left <= 0 or not self.moves_last_hour or self.last_move is None:
            return None
        return self.last_move + timedelta(hours=left / self.moves_last_hour)


def work_of(r: Any) -> Work | None:
    """The berth work of the ship alongside, from the layer's row (None: no cargo work known)."""
    if not isinstance(r.get("voyage"), str):
        return None
    last = r["last_move"]
    return Work(r["voyage"], int(r["planned_discharge"]), int(r["discharged"]), int(r["loaded"]),
                None if pd.isna(last) else last.to_pydatetime(), int(r["moves_last_hour"]),
                int(r.get("planned_load") or 0))


def progress_bar(share: float, cells: int = 8) -> str:
    """A progress bar as text on the map: ▰▰▰▰▱▱▱▱ 50 %."""
    done = round(share * cells)
    return "▰" * done + "▱" * (cells - done) + f" {share:.0%}"


def work_line(w: Work, zh: bool) -> str:
    finish = f"{w.finish:%H:%M} UTC" if w.finish else ("—" if w.share is None or w.share < 1 else
                                                       ("完成" if zh else "done"))
    if zh:
        return (f"装卸进度 {w.voyage}：卸 {w.discharged}/{w.planned_discharge}，装 {w.loaded}"
                + (f"/{w.planned_load}" if w.planned_load else "") + "，"
                f"近1小时 {w.moves_last_hour} 箱，预计完成 {finish}")
    return (f"cargo work {w.voyage}: discharged {w.discharged}/{w.planned_discharge}, loaded {w.loaded}"
            + (f"/{w.planned_load}" if w.planned_load else "") + ", "
            f"{w.moves_last_hour} moves in the last hour, expected finish {finish}")
