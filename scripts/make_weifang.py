"""Write the Weifang port package GeoJSON from a layout drawn in metres (UTM 50N) on the real coast.

The coast comes from Natural Earth 1:10m (../shared/data/basemap-naturalearth-10m); the port itself
(reclaimed moles, basin, breakwaters, quays, yard) is drawn by hand after public descriptions of the
central port area (中港区): container berths 8-10 (3 x 20,000 t, 560 m of quay, 11.1 m alongside, about
250,000 m2 of yard behind), bulk, general-cargo and liquid-chemical berths beside them, and a long
dredged approach channel across Laizhou Bay. Run it again only to change the layout:

    .venv/bin/python scripts/make_weifang.py ../shared/data/basemap-naturalearth-10m/ne_10m_admin_0_countries_deu.zip
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from portkit import Kit, rect  # type: ignore[import-not-found]
from shapely import ops
from shapely.geometry import LineString, Point, Polygon

ORIGIN = (119.20, 37.163)          # on the Natural Earth coastline north of Binhai
BBOX = (118.70, 36.95, 119.75, 37.65)
KIT = Kit("weifang", ORIGIN, "EPSG:32650", BBOX)
ll, feature, write = KIT.ll, KIT.feature, KIT.write


# --- the port, in local metres ---------------------------------------------------------------
WEST_MOLE = rect(-3000, -1500, -600, 8500)
BASIN_HEAD = rect(-600, -1500, 700, 2500)
EAST_MOLE = rect(700, -1500, 3200, 7500)
PORT_LAND = ops.unary_union([WEST_MOLE, BASIN_HEAD, EAST_MOLE])
HARBOUR = Polygon([(-600, 2500), (-600, 8500), (-3000, 8500), (-2600, 10600), (-100, 11650),
                   (400, 11650), (3000, 10400), (3200, 7500), (700, 7500), (700, 2500)])
CHANNEL_AXIS = LineString([(50, 8300), (150, 11650), (2500, 22000), (4500, 34000)])


def basemap(ne_zip: Path) -> list[dict[str, Any]]:
    return KIT.basemap(ne_zip, PORT_LAND, {"coast": ("Shandong coast", "山东海岸"),
                                           "port": ("Central port area (reclaimed)", "中港区（填海陆域）"),
                                           "sea": ("Laizhou Bay", "莱州湾")})


def zones() -> list[dict[str, Any]]:
    channel = CHANNEL_AXIS.buffer(110, cap_style="flat", join_style="mitre")
    turning = Point(50, 8300).buffer(450, quad_segs=16)
    z = [
        feature("harbour", HARBOUR, kind="harbour", name_en="Central Port Harbour", name_zh="中港区港池",
                speed_limit_kn=6.0),
        feature("turning-basin", turning, kind="basin", name_en="Turning basin", name_zh="回旋水域",
                speed_limit_kn=4.0),
        feature("channel", channel, kind="channel", name_en="Weifang Port approach channel (50,000 t)",
                name_zh="潍坊港5万吨级航道", speed_limit_kn=10.0, depth_m=13.6),
        feature("anchorage-1", rect(-1200, 25000, 2500, 28500), kind="anchorage",
                name_en="No. 1 Anchorage (general)", name_zh="1号锚地（综合）", max_stay_h=72),
        feature("anchorage-2", rect(2900, 18500, 6300, 22000), kind="anchorage",
                name_en="No. 2 Anchorage (dangerous goods)", name_zh="2号锚地（危险品）", max_stay_h=48,
                dangerous_goods=True),
        feature("dg-storage", rect(-1150, 4430, -990, 4690), kind="restricted",
                name_en="Dangerous goods storage area", name_zh="危险品堆场", purpose="dangerous_goods"),
        feature("customs-inspection", rect(-1150, 4710, -990, 4970), kind="restricted",
                name_en="Customs inspection area", name_zh="海关查验区", purpose="customs_inspection"),
        feature("chem-safety-water", rect(1850, 7500, 2650, 7800), kind="restricted",
                name_en="Chemical berth safety zone", name_zh="化工泊位安全水域", purpose="no_small_craft"),
        feature("tank-farm", rect(1900, 6300, 3100, 7440), kind="hazmat_area",
                name_en="Liquid chemical tank farm", name_zh="液体化工罐区"),
        feature("t-bulk", rect(-3000, 2600, -620, 3520), kind="terminal", name_en="Bulk terminal",
                name_zh="散货码头"),
        feature("t-general", rect(-3000, 3520, -620, 4400), kind="terminal", name_en="General cargo terminal",
                name_zh="杂货码头"),
        feature("t-container", rect(-1700, 4400, -620, 5000), kind="terminal", name_en="Container terminal",
                name_zh="集装箱码头"),
        feature("t-multipurpose", rect(-3000, 5000, -620, 5520), kind="terminal",
                name_en="Multipurpose terminal", name_zh="多用途码头"),
        feature("t-roro", rect(720, 2520, 1800, 3300), kind="terminal", name_en="Ro-ro and ferry terminal",
                name_zh="滚装客运码头"),
        feature("t-chemical", rect(1800, 6200, 3180, 7480), kind="terminal", name_en="Liquid chemical terminal",
                name_zh="液体化工码头"),
        feature("gate-container", rect(-1700, 4550, -1620, 4850), kind="gate",
                name_en="Container terminal gate", name_zh="集装箱码头闸口", lanes=6),
        feature("gate-main", rect(-2000, 1200, -1600, 1280), kind="gate", name_en="Port main gate",
                name_zh="港区主大门", lanes=8),
        feature("gate-chemical", rect(1800, 6500, 1860, 6700), kind="gate", name_en="Chemical terminal gate",
                name_zh="化工码头闸口", lanes=2),
        feature("gate-roro", rect(1100, 2520, 1300, 2580), kind="gate", name_en="Ro-ro terminal gate",
                name_zh="滚装码头闸口", lanes=4),
    ]
    return z


def structures() -> list[dict[str, Any]]:
    return [
        feature("quay-west", LineString([(-600, 2500), (-600, 8500)]), kind="quay",
                name_en="West quay", name_zh="西侧码头岸线"),
        feature("quay-head", LineString([(-600, 2500), (700, 2500)]), kind="quay",
                name_en="Basin head quay", name_zh="港池底部岸线"),
        feature("quay-east", LineString([(700, 2500), (700, 7500)]), kind="quay",
                name_en="East quay", name_zh="东侧码头岸线"),
        feature("quay-chemical", LineString([(700, 7500), (3200, 7500)]), kind="quay",
                name_en="Chemical quay", name_zh="化工码头岸线"),
        feature("breakwater-west", LineString([(-3000, 8500), (-2600, 10600), (-100, 11650)]),
                kind="breakwater", name_en="West breakwater", name_zh="西防波堤"),
        feature("breakwater-east", LineString([(3200, 7500), (3000, 10400), (400, 11650)]),
                kind="breakwater", name_en="East breakwater", name_zh="东防波堤"),
    ]


def berths() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    add = KIT.berth_adder(out)
    for i, (y0, y1) in enumerate([(2650, 2920), (2940, 3210), (3230, 3500)], start=1):
        add(f"B{i:02d}", (-600, y0), (-600, y1), "right", "bulk", f"Berth {i} (bulk)", f"{i}号泊位（散货）",
            "t-bulk", 14.0, 50000)
    for i, (y0, y1) in enumerate([(3530, 3730), (3750, 3950), (3970, 4170), (4190, 4390)], start=4):
        add(f"B{i:02d}", (-600, y0), (-600, y1), "right", "general", f"Berth {i} (general cargo)",
            f"{i}号泊位（杂货）", "t-general", 11.5, 20000)
    for i, (y0, y1) in enumerate([(4420, 4607), (4607, 4794), (4794, 4980)], start=8):
        add(f"B{i:02d}", (-600, y0), (-600, y1), "right", "container", f"Berth {i} (container)",
            f"{i}号泊位（集装箱）", "t-container", 11.1, 20000)
    for i, (y0, y1) in enumerate([(5010, 5240), (5260, 5490)], start=11):
        add(f"B{i:02d}", (-600, y0), (-600, y1), "right", "multipurpose", f"Berth {i} (multipurpose)",
            f"{i}号泊位（多用途）", "t-multipurpose", 12.0, 30000)
    add("B13", (700, 2650), (700, 2850), "left", "roro", "Berth 13 (ro-ro)", "13号泊位（滚装）", "t-roro", 8.5, 10000)
    add("B14", (700, 2880), (700, 3080), "left", "passenger", "Berth 14 (passenger ro-ro)",
        "14号泊位（客滚）", "t-roro", 8.5, 10000)
    add("B15", (1950, 7500), (2200, 7500), "left", "liquid_chemical", "Berth 15 (liquid chemical)",
        "15号泊位（液体化工）", "t-chemical", 12.5, 30000)
    add("B16", (2300, 7500), (2550, 7500), "left", "liquid_chemical", "Berth 16 (liquid chemical)",
        "16号泊位（液体化工）", "t-chemical", 12.5, 30000)
    add("S01", (-400, 2500), (-250, 2500), "left", "service", "Tug and pilot berth", "拖轮引航泊位",
        None, 6.0, 2000)  # type: ignore[arg-type]
    return out


def yard_blocks() -> list[dict[str, Any]]:
    out = []
    def add(bid: str, x_east: float, y0: float, y1: float, kind: str, bays: int, rows: int, tiers: int,
            en: str, zh: str, width: float = 23.5) -> None:
        axis = ((x_east - width / 2, y0), (x_east - width / 2, y1))
        out.append(KIT.yard_block(bid, rect(x_east - width, y0, x_east, y1), axis, name_en=en, name_zh=zh,
                                  terminal_id="t-container", kind=kind, bays=bays, rows=rows, tiers=tiers))
    for i in range(6):
        x = -700 - 40 * i
        add(f"A{i + 1:02d}", x, 4710, 4970, "container", 40, 6, 5, f"Block A{i + 1:02d}", f"A{i + 1:02d}箱区")
        add(f"B{i + 1:02d}", x, 4430, 4690, "container", 40, 6, 5, f"Block B{i + 1:02d}", f"B{i + 1:02d}箱区")
    add("R01", -940, 4710, 4970, "reefer", 40, 6, 4, "Reefer block R01", "R01冷藏箱区")
    add("E01", -940, 4430, 4690, "empty", 40, 6, 6, "Empty block E01", "E01空箱区")
    add("D01", -1010, 4450, 4580, "dangerous_goods", 20, 6, 3, "Dangerous goods block D01", "D01危险品箱区")
    add("D02", -1080, 4550, 4680, "dangerous_goods", 20, 6, 3, "Dangerous goods block D02", "D02危险品箱区")
    add("I01", -1020, 4760, 4920, "inspection", 24, 4, 1, "Inspection block I01", "I01查验箱区", width=16)
    return out


def cameras() -> list[dict[str, Any]]:
    rows = [
        ("CAM01", (-640, 4420), 0, 60, 600, 30, False, "ctn_quay", "Container berths 8-10", "8-10号集装箱泊位",
         ["t-container"]),
        ("CAM02", (-700, 4985), 200, 90, 350, 30, False, "ctn_yard_north", "Container yard north", "集装箱堆场北",
         ["t-container"]),
        ("CAM03", (-940, 4420), 20, 90, 350, 30, False, "ctn_yard_south", "Container yard south", "集装箱堆场南",
         ["t-container"]),
        ("CAM04", (-1150, 4430), 45, 80, 250, 20, False, "dg_storage", "Dangerous goods storage", "危险品堆场",
         ["dg-storage"]),
        ("CAM05", (-1150, 4970), 135, 80, 250, 20, False, "customs_inspection", "Customs inspection area",
         "海关查验区", ["customs-inspection"]),
        ("CAM06", (-1640, 4880), 180, 60, 200, 12, False, "ctn_gate", "Container terminal gate",
         "集装箱码头闸口", ["gate-container"]),
        ("CAM07", (-1800, 1320), 180, 70, 200, 12, False, "main_gate", "Port main gate", "港区主大门", ["gate-main"]),
        ("CAM08", (1900, 7450), 60, 70, 700, 25, False, "chem_berths", "Chemical berths 15-16",
         "15-16号化工泊位", ["chem-safety-water", "t-chemical"]),
        ("CAM09", (3100, 6250), 315, 80, 700, 25, False, "tank_farm", "Tank farm", "液体化工罐区", ["tank-farm"]),
        ("CAM10", (1850, 6480), 0, 60, 250, 12, False, "chem_gate", "Chemical terminal gate", "化工码头闸口",
         ["gate-chemical"]),
        ("CAM11", (-100, 11600), 20, 50, 3000, 35, True, "harbour_entrance", "Harbour entrance (PTZ)",
         "港口口门（云台）", ["channel"]),
        ("CAM12", (-640, 2650), 0, 60, 900, 30, False, "bulk_berths", "Bulk berths 1-3", "1-3号散货泊位",
         ["t-bulk"]),
        ("CAM13", (740, 2620), 20, 70, 500, 20, False, "roro", "Ro-ro terminal", "滚装码头", ["t-roro"]),
        ("CAM14", (3150, 7520), 290, 60, 3000, 40, True, "inner_harbour", "Inner harbour (PTZ)", "港池（云台）",
         ["harbour", "turning-basin"]),
        ("CAM15", (-640, 3530), 0, 60, 800, 30, False, "general_berths", "General cargo berths 4-7",
         "4-7号杂货泊位", ["t-general"]),
    ]
    return [KIT.camera(*row) for row in rows]


def main(ne_zip: str) -> None:
    write("basemap", basemap(Path(ne_zip)))
    write("zones", zones())
    write("structures", structures())
    write("berths", berths())
    write("yard_blocks", yard_blocks())
    write("cameras", cameras())
    print("origin", ORIGIN, "turning basin at", ll(Point(50, 8300)), "anchorage-1 centre",
          ll(Point(650, 26750)), f"channel length {CHANNEL_AXIS.length / 1000:.1f} km")


if __name__ == "__main__":
    main(sys.argv[1])
