"""Write the Dongying (东营港) and Binzhou (滨州港) port packages: layouts drawn in metres (UTM 50N) on the real coast.

Both ports belong with Weifang to Shandong Port's Bohai Bay Port group. The coast is Natural Earth 1:10m
(../shared/data/basemap-naturalearth-10m); each port is drawn by hand after public descriptions (the facts
used are in each package's SOURCE.md): plausible, not surveyed. Run it again only to change a layout:

    .venv/bin/python scripts/make_bohai_ports.py \
        ../shared/data/basemap-naturalearth-10m/ne_10m_admin_0_countries_deu.zip
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from portkit import Kit, rect  # type: ignore[import-not-found]
from shapely import ops
from shapely.geometry import LineString, Point, Polygon

CRS = "EPSG:32650"


def causeway(a: tuple[float, float], b: tuple[float, float], width_m: float) -> Polygon:
    return LineString([a, b]).buffer(width_m / 2, cap_style="flat")


# --- Dongying: a port island off the delta's north-east corner, on a causeway ---------------------------------
class Dongying:
    kit = Kit("dongying", (118.95, 38.0973), CRS, (118.55, 37.85, 119.55, 38.45))
    WEST_MOLE = rect(4500, -1500, 5300, 2500)
    HEAD = rect(5300, -1500, 6700, -500)
    EAST_MOLE = rect(6700, -1500, 7500, 2500)
    ROAD = causeway((-300, 0), (4520, 200), 120)
    LAND = ops.unary_union([WEST_MOLE, HEAD, EAST_MOLE, ROAD])
    HARBOUR = Polygon([(5300, -500), (5300, 2500), (4500, 2500), (5200, 4000), (5900, 4300), (6200, 4300),
                       (6900, 4000), (7500, 2500), (6700, 2500), (6700, -500)])
    CHANNEL = LineString([(6050, 3600), (6050, 4300), (9000, 12000), (14000, 24000)])

    def zones(self) -> list[dict[str, Any]]:
        f = self.kit.feature
        return [
            f("harbour", self.HARBOUR, kind="harbour", name_en="Dongying port basin", name_zh="东营港区港池",
              speed_limit_kn=6.0),
            f("turning-basin", Point(6000, 2900).buffer(420, quad_segs=16), kind="basin",
              name_en="Turning basin", name_zh="回旋水域", speed_limit_kn=4.0),
            f("channel", self.CHANNEL.buffer(120, cap_style="flat", join_style="mitre"), kind="channel",
              name_en="Dongying Port approach channel (50,000 t)", name_zh="东营港5万吨级航道",
              speed_limit_kn=10.0, depth_m=13.5),
            f("oil-berth-water", rect(9440, 900, 10200, 2100), kind="restricted", name_en="Crude oil berth safety zone",
              name_zh="原油泊位安全水域", purpose="no_small_craft"),
            f("anchorage-1", rect(9500, 15000, 13000, 18500), kind="anchorage", name_en="No. 1 Anchorage (general)",
              name_zh="1号锚地（综合）", max_stay_h=72),
            f("anchorage-2", rect(12500, 9000, 16000, 12500), kind="anchorage",
              name_en="No. 2 Anchorage (oil and chemicals)", name_zh="2号锚地（油品化工）", max_stay_h=48,
              dangerous_goods=True),
            f("dg-storage", rect(4620, 600, 4790, 860), kind="restricted", name_en="Dangerous goods storage area",
              name_zh="危险品堆场", purpose="dangerous_goods"),
            f("customs-inspection", rect(4620, 880, 4790, 1140), kind="restricted", name_en="Customs inspection area",
              name_zh="海关查验区", purpose="customs_inspection"),
            f("chem-safety-water", rect(6250, -400, 6690, 2400), kind="restricted",
              name_en="Chemical berths safety zone", name_zh="化工泊位安全水域", purpose="no_small_craft"),
            f("tank-farm", rect(6760, -1440, 7440, 1400), kind="hazmat_area", name_en="Oil and chemical tank farm",
              name_zh="油品化工罐区"),
            f("t-general", rect(4500, -1500, 5300, 500), kind="terminal", name_en="General cargo and bulk terminal",
              name_zh="通用散杂货码头"),
            f("t-multipurpose", rect(4500, 500, 5300, 2500), kind="terminal", name_en="Multipurpose terminal",
              name_zh="多用途码头"),
            f("t-chemical", rect(6700, -1500, 7500, 2500), kind="terminal", name_en="Liquid chemical terminal",
              name_zh="液体化工码头"),
            f("t-roro", rect(5300, -1500, 6700, -500), kind="terminal", name_en="Ro-ro and ferry terminal",
              name_zh="滚装客运码头"),
            f("gate-main", rect(4300, 135, 4380, 250), kind="gate", name_en="Port main gate", name_zh="港区主大门",
              lanes=8),
            f("gate-multipurpose", rect(4620, 1700, 4700, 2000), kind="gate", name_en="Multipurpose terminal gate",
              name_zh="多用途码头闸口", lanes=4),
            f("gate-chemical", rect(6720, 1600, 6780, 1800), kind="gate", name_en="Chemical terminal gate",
              name_zh="化工码头闸口", lanes=2),
        ]

    def structures(self) -> list[dict[str, Any]]:
        f = self.kit.feature
        return [
            f("quay-west", LineString([(5300, -500), (5300, 2500)]), kind="quay", name_en="West quay",
              name_zh="西侧码头岸线"),
            f("quay-head", LineString([(5300, -500), (6700, -500)]), kind="quay", name_en="Basin head quay",
              name_zh="港池底部岸线"),
            f("quay-east", LineString([(6700, -500), (6700, 2500)]), kind="quay", name_en="Chemical quay",
              name_zh="化工码头岸线"),
            f("jetty-oil", LineString([(7500, 1500), (9440, 1500)]), kind="jetty", name_en="Crude oil jetty trestle",
              name_zh="原油码头栈桥"),
            f("causeway", LineString([(-300, 0), (4520, 200)]), kind="pier", name_en="Approach causeway",
              name_zh="进港引堤"),
            f("breakwater-west", LineString([(4500, 2500), (5200, 4000), (5900, 4300)]), kind="breakwater",
              name_en="West breakwater", name_zh="西防波堤"),
            f("breakwater-east", LineString([(7500, 2500), (6900, 4000), (6200, 4300)]), kind="breakwater",
              name_en="East breakwater", name_zh="东防波堤"),
        ]

    def berths(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        add = self.kit.berth_adder(out)
        for i, (y0, y1) in enumerate([(-350, -80), (-60, 210)], start=1):
            add(f"B{i:02d}", (5300, y0), (5300, y1), "right", "bulk", f"Berth {i} (bulk)", f"{i}号泊位（散货）",
                "t-general", 13.0, 50000)
        for i, (y0, y1) in enumerate([(240, 460), (480, 700)], start=3):
            add(f"B{i:02d}", (5300, y0), (5300, y1), "right", "general", f"Berth {i} (general cargo)",
                f"{i}号泊位（杂货）", "t-general", 11.5, 30000)
        for i, (y0, y1) in enumerate([(730, 960), (980, 1210)], start=5):
            add(f"B{i:02d}", (5300, y0), (5300, y1), "right", "container", f"Berth {i} (container)",
                f"{i}号泊位（集装箱）", "t-multipurpose", 12.0, 30000)
        for i, (y0, y1) in enumerate([(-300, -60), (-40, 200), (220, 460), (480, 720), (740, 980), (1000, 1240)],
                                     start=7):
            add(f"B{i:02d}", (6700, y0), (6700, y1), "left", "liquid_chemical", f"Berth {i} (liquid chemical)",
                f"{i}号泊位（液体化工）", "t-chemical", 12.5, 50000 if i < 9 else 20000)
        add("B13", (5500, -500), (5700, -500), "left", "roro", "Berth 13 (ro-ro, Dalian line)",
            "13号泊位（滚装，大连航线）", "t-roro", 9.0, 20000)
        add("B14", (9440, 1150), (9440, 1850), "right", "oil", "Berth 14 (crude oil, 100,000 t)",
            "14号泊位（10万吨级原油）", "t-chemical", 16.0, 100000)
        add("S01", (6300, -500), (6450, -500), "left", "service", "Tug and pilot berth", "拖轮引航泊位",
            None, 6.0, 2000)
        return out

    def yard_blocks(self) -> list[dict[str, Any]]:
        out = []
        def add(bid: str, x_west: float, y0: float, y1: float, kind: str, en: str, zh: str, tiers: int = 5,
                width: float = 23.5) -> None:
            axis = ((x_west + width / 2, y0), (x_west + width / 2, y1))
            out.append(self.kit.yard_block(bid, rect(x_west, y0, x_west + width, y1), axis, name_en=en, name_zh=zh,
                                           terminal_id="t-multipurpose", kind=kind, bays=36, rows=6, tiers=tiers))
        for i in range(4):
            x = 5270 - 23.5 - 40 * i
            add(f"A{i + 1:02d}", x, 880, 1140, "container", f"Block A{i + 1:02d}", f"A{i + 1:02d}箱区")
            add(f"B{i + 1:02d}", x, 600, 860, "container", f"Block B{i + 1:02d}", f"B{i + 1:02d}箱区")
        add("E01", 5270 - 23.5 - 160, 880, 1140, "empty", "Empty block E01", "E01空箱区", tiers=6)
        add("D01", 4640, 620, 840, "dangerous_goods", "Dangerous goods block D01", "D01危险品箱区", tiers=3)
        add("I01", 4640, 900, 1120, "inspection", "Inspection block I01", "I01查验箱区", tiers=1, width=16)
        return out

    def cameras(self) -> list[dict[str, Any]]:
        rows = [
            ("CAM01", (5340, 720), 0, 60, 600, 30, False, "dy_ctn_quay", "Container berths 5-6", "5-6号集装箱泊位",
             ["t-multipurpose"]),
            ("CAM02", (4620, 590), 45, 80, 250, 20, False, "dy_dg_storage", "Dangerous goods storage", "危险品堆场",
             ["dg-storage"]),
            ("CAM03", (4620, 1150), 135, 80, 250, 20, False, "dy_customs", "Customs inspection area", "海关查验区",
             ["customs-inspection"]),
            ("CAM04", (4340, 245), 180, 60, 200, 12, False, "dy_main_gate", "Port main gate", "港区主大门",
             ["gate-main"]),
            ("CAM05", (6660, -400), 0, 50, 1800, 30, False, "dy_chem_berths", "Chemical berths 7-12",
             "7-12号化工泊位", ["chem-safety-water", "t-chemical"]),
            ("CAM06", (7400, -1400), 0, 70, 1200, 25, False, "dy_tank_farm", "Tank farm", "油品化工罐区",
             ["tank-farm"]),
            ("CAM07", (9400, 1450), 60, 80, 900, 25, False, "dy_oil_berth", "Crude oil berth", "原油泊位",
             ["oil-berth-water"]),
            ("CAM08", (5910, 4290), 20, 50, 3000, 35, True, "dy_entrance", "Harbour entrance (PTZ)",
             "港口口门（云台）", ["channel"]),
            ("CAM09", (5340, -450), 0, 60, 900, 30, False, "dy_bulk_berths", "Bulk and general berths 1-4",
             "1-4号散杂货泊位", ["t-general"]),
            ("CAM10", (5520, -460), 30, 70, 500, 20, False, "dy_roro", "Ro-ro terminal", "滚装码头", ["t-roro"]),
        ]
        return [self.kit.camera(*row) for row in rows]

    def write(self, ne_zip: Path) -> None:
        k = self.kit
        k.write("basemap", k.basemap(ne_zip, self.LAND, {
            "coast": ("Yellow River delta coast", "黄河三角洲海岸"),
            "port": ("Dongying port area (reclaimed island)", "东营港区（填海人工岛）"),
            "sea": ("Bohai Bay", "渤海湾")}))
        for name in ("zones", "structures", "berths", "yard_blocks", "cameras"):
            k.write(name, getattr(self, name)())


# --- Binzhou: a port island at the end of a long causeway over the mudflats -----------------------------------
class Binzhou:
    kit = Kit("binzhou", (118.0189, 38.1908), CRS, (117.55, 38.05, 118.55, 38.65))
    WEST_MOLE = rect(-500, 9000, 700, 12500)
    HEAD = rect(700, 9000, 2300, 9800)
    EAST_MOLE = rect(2300, 9000, 3500, 12500)
    ROAD = causeway((0, -400), (1500, 9020), 100)
    LAND = ops.unary_union([WEST_MOLE, HEAD, EAST_MOLE, ROAD])
    HARBOUR = Polygon([(700, 9800), (700, 12500), (-500, 12500), (300, 13700), (1350, 14100), (1650, 14100),
                       (2700, 13700), (3500, 12500), (2300, 12500), (2300, 9800)])
    CHANNEL = LineString([(1500, 13300), (1500, 14100), (4000, 21000), (9000, 36000)])

    def zones(self) -> list[dict[str, Any]]:
        f = self.kit.feature
        return [
            f("harbour", self.HARBOUR, kind="harbour", name_en="Binzhou port basin", name_zh="滨州港港池",
              speed_limit_kn=6.0),
            f("turning-basin", Point(1500, 12700).buffer(380, quad_segs=16), kind="basin",
              name_en="Turning basin", name_zh="回旋水域", speed_limit_kn=4.0),
            f("channel", self.CHANNEL.buffer(100, cap_style="flat", join_style="mitre"), kind="channel",
              name_en="Binzhou Port approach channel (30,000 t)", name_zh="滨州港3万吨级航道", speed_limit_kn=10.0,
              depth_m=11.5),
            f("anchorage-1", rect(6000, 27000, 9500, 30500), kind="anchorage", name_en="No. 1 Anchorage (general)",
              name_zh="1号锚地（综合）", max_stay_h=72),
            f("anchorage-2", rect(11000, 22000, 14000, 25000), kind="anchorage",
              name_en="No. 2 Anchorage (dangerous goods)", name_zh="2号锚地（危险品）", max_stay_h=48,
              dangerous_goods=True),
            f("dg-storage", rect(2420, 10900, 2590, 11160), kind="restricted", name_en="Dangerous goods storage area",
              name_zh="危险品堆场", purpose="dangerous_goods"),
            f("customs-inspection", rect(2420, 11180, 2590, 11440), kind="restricted",
              name_en="Customs inspection area", name_zh="海关查验区", purpose="customs_inspection"),
            f("chem-safety-water", rect(1950, 11700, 2290, 12450), kind="restricted",
              name_en="Chemical berths safety zone", name_zh="化工泊位安全水域", purpose="no_small_craft"),
            f("tank-farm", rect(2700, 11500, 3440, 12440), kind="hazmat_area", name_en="Liquid chemical tank farm",
              name_zh="液体化工罐区"),
            f("t-bulk", rect(-500, 9000, 700, 11000), kind="terminal", name_en="Bulk terminal (bauxite, coal)",
              name_zh="散货码头（铝土矿、煤炭）"),
            f("t-general", rect(-500, 11000, 700, 12500), kind="terminal", name_en="General cargo terminal",
              name_zh="杂货码头"),
            f("t-multipurpose", rect(2300, 9000, 3500, 11500), kind="terminal", name_en="Multipurpose terminal",
              name_zh="多用途码头"),
            f("t-chemical", rect(2300, 11500, 3500, 12500), kind="terminal", name_en="Liquid chemical terminal",
              name_zh="液体化工码头"),
            f("gate-main", rect(1330, 8700, 1580, 8780), kind="gate", name_en="Port main gate", name_zh="港区主大门",
              lanes=8),
            f("gate-multipurpose", rect(2400, 10000, 2480, 10300), kind="gate", name_en="Multipurpose terminal gate",
              name_zh="多用途码头闸口", lanes=4),
            f("gate-chemical", rect(2700, 11600, 2760, 11800), kind="gate", name_en="Chemical terminal gate",
              name_zh="化工码头闸口", lanes=2),
        ]

    def structures(self) -> list[dict[str, Any]]:
        f = self.kit.feature
        return [
            f("quay-west", LineString([(700, 9800), (700, 12500)]), kind="quay", name_en="West quay",
              name_zh="西侧码头岸线"),
            f("quay-head", LineString([(700, 9800), (2300, 9800)]), kind="quay", name_en="Basin head quay",
              name_zh="港池底部岸线"),
            f("quay-east", LineString([(2300, 9800), (2300, 12500)]), kind="quay", name_en="East quay",
              name_zh="东侧码头岸线"),
            f("causeway", LineString([(0, -400), (1500, 9020)]), kind="pier", name_en="Approach causeway",
              name_zh="进港引堤"),
            f("breakwater-west", LineString([(-500, 12500), (300, 13700), (1350, 14100)]), kind="breakwater",
              name_en="West breakwater", name_zh="西防波堤"),
            f("breakwater-east", LineString([(3500, 12500), (2700, 13700), (1650, 14100)]), kind="breakwater",
              name_en="East breakwater", name_zh="东防波堤"),
        ]

    def berths(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        add = self.kit.berth_adder(out)
        for i, (y0, y1) in enumerate([(9900, 10180), (10200, 10480), (10500, 10780)], start=1):
            add(f"B{i:02d}", (700, y0), (700, y1), "right", "bulk", f"Berth {i} (bulk)", f"{i}号泊位（散货）",
                "t-bulk", 12.5, 50000)
        for i, (y0, y1) in enumerate([(11050, 11260), (11280, 11490), (11510, 11720)], start=4):
            add(f"B{i:02d}", (700, y0), (700, y1), "right", "general", f"Berth {i} (general cargo)",
                f"{i}号泊位（杂货）", "t-general", 11.0, 30000)
        for i, (y0, y1) in enumerate([(9900, 10120), (10140, 10360)], start=7):
            add(f"B{i:02d}", (2300, y0), (2300, y1), "left", "multipurpose", f"Berth {i} (multipurpose)",
                f"{i}号泊位（多用途）", "t-multipurpose", 11.0, 30000)
        add("B09", (2300, 10400), (2300, 10620), "left", "container", "Berth 9 (container)", "9号泊位（集装箱）",
            "t-multipurpose", 11.0, 20000)
        for i, (y0, y1) in enumerate([(11750, 11950), (11980, 12180)], start=10):
            add(f"B{i:02d}", (2300, y0), (2300, y1), "left", "liquid_chemical", f"Berth {i} (liquid chemical)",
                f"{i}号泊位（液体化工）", "t-chemical", 11.0, 20000)
        add("S01", (900, 9800), (1050, 9800), "left", "service", "Tug and pilot berth", "拖轮引航泊位", None, 6.0,
            2000)
        return out

    def yard_blocks(self) -> list[dict[str, Any]]:
        out = []
        def add(bid: str, x_west: float, y0: float, y1: float, kind: str, en: str, zh: str, tiers: int = 5,
                width: float = 23.5) -> None:
            axis = ((x_west + width / 2, y0), (x_west + width / 2, y1))
            out.append(self.kit.yard_block(bid, rect(x_west, y0, x_west + width, y1), axis, name_en=en, name_zh=zh,
                                           terminal_id="t-multipurpose", kind=kind, bays=30, rows=6, tiers=tiers))
        for i in range(3):
            x = 2330 + 40 * i
            add(f"A{i + 1:02d}", x, 10350, 10600, "container", f"Block A{i + 1:02d}", f"A{i + 1:02d}箱区")
            add(f"B{i + 1:02d}", x, 10060, 10310, "container", f"Block B{i + 1:02d}", f"B{i + 1:02d}箱区")
        add("D01", 2440, 10920, 11140, "dangerous_goods", "Dangerous goods block D01", "D01危险品箱区", tiers=3)
        add("I01", 2440, 11200, 11420, "inspection", "Inspection block I01", "I01查验箱区", tiers=1, width=16)
        return out

    def cameras(self) -> list[dict[str, Any]]:
        rows = [
            ("CAM01", (740, 9880), 0, 60, 1000, 30, False, "bz_bulk_berths", "Bulk berths 1-3", "1-3号散货泊位",
             ["t-bulk"]),
            ("CAM02", (740, 11030), 0, 60, 800, 30, False, "bz_general_berths", "General cargo berths 4-6",
             "4-6号杂货泊位", ["t-general"]),
            ("CAM03", (2420, 10890), 45, 80, 250, 20, False, "bz_dg_storage", "Dangerous goods storage",
             "危险品堆场", ["dg-storage"]),
            ("CAM04", (2420, 11450), 135, 80, 250, 20, False, "bz_customs", "Customs inspection area", "海关查验区",
             ["customs-inspection"]),
            ("CAM05", (1450, 8690), 180, 60, 200, 12, False, "bz_main_gate", "Port main gate", "港区主大门",
             ["gate-main"]),
            ("CAM06", (2260, 11720), 0, 50, 900, 25, False, "bz_chem_berths", "Chemical berths 10-11",
             "10-11号化工泊位", ["chem-safety-water", "t-chemical"]),
            ("CAM07", (3440, 11520), 315, 80, 900, 25, False, "bz_tank_farm", "Tank farm", "液体化工罐区",
             ["tank-farm"]),
            ("CAM08", (1360, 14090), 20, 50, 3000, 35, True, "bz_entrance", "Harbour entrance (PTZ)",
             "港口口门（云台）", ["channel"]),
            ("CAM09", (2340, 9880), 0, 60, 800, 25, False, "bz_multipurpose", "Multipurpose berths 7-9",
             "7-9号多用途泊位", ["t-multipurpose"]),
        ]
        return [self.kit.camera(*row) for row in rows]

    def write(self, ne_zip: Path) -> None:
        k = self.kit
        k.write("basemap", k.basemap(ne_zip, self.LAND, {
            "coast": ("Binzhou coast", "滨州海岸"), "port": ("Binzhou port area (reclaimed island)",
                                                          "滨州港区（填海人工岛）"),
            "sea": ("Bohai Bay", "渤海湾")}))
        for name in ("zones", "structures", "berths", "yard_blocks", "cameras"):
            k.write(name, getattr(self, name)())


def main(ne_zip: str) -> None:
    for port in (Dongying(), Binzhou()):
        port.write(Path(ne_zip))


if __name__ == "__main__":
    main(sys.argv[1])
