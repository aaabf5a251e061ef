"""The container yard as a terminal operating system sees it, and the files it exports.

Every file goes to the drop folder the `ingest inbox` worker watches, written under a dot-name and then
renamed, so the worker never reads half a file: TOS CSV snapshots (`*.tos.csv`), EDIFACT COARRI for
discharge and loading at the berth and CODECO for the gates (`*.edi`), dangerous-goods declarations
(`*.hazmat.csv`) and gate transactions (`*.gate.csv`).
"""

from __future__ import annotations

import io
import itertools
import json
import random
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from stdnum import iso6346

from demo.world import World
from portdomain import csvsafe
from portdomain.dangerous_goods import code_for

TOS_COLUMNS = ("container_no", "iso_type", "full_empty", "gross_kg", "block", "bay", "row", "tier", "vessel_voyage",
               "arrived_at", "customs_status", "un_number", "imdg_class")
DECLARATION_COLUMNS = ("declaration_id", "subject_kind", "subject_id", "un_number", "imdg_class", "packing_group",
                       "proper_shipping_name", "quantity_kg", "declared_at", "declarant")
GATE_COLUMNS = ("transaction_id", "gate_id", "direction", "truck_plate", "container_no", "passed_at", "declared_un",
                "declared_class", "observed_un", "observed_class")
PROVINCES = "鲁京津冀辽苏沪浙豫"
# EDIFACT travels in ISO 8859-1 (UNOC): the province character of a plate is written in pinyin there.
PINYIN = str.maketrans({"鲁": "LU", "京": "JING", "津": "JIN", "冀": "JI", "辽": "LIAO", "苏": "SU", "沪": "HU",
                        "浙": "ZHE", "豫": "YU"})


@dataclass
class Box:
    number: str
    iso: str
    full: bool
    gross: int
    block: str
    bay: int
    row: int
    tier: int
    voyage: str
    arrived: datetime
    customs: str
    un: int | None = None
    imdg: str | None = None
    shipping_name: str | None = None
    kind: str = "container"           # the yard block kind it belongs in: container, reefer, empty, dangerous_goods


class Yard:
    def __init__(self, world: World, rng: random.Random, inbox: Path) -> None:
        self.world, self.rng, self.inbox = world, rng, inbox
        inbox.mkdir(parents=True, exist_ok=True)
        self.boxes: dict[str, Box] = {}
        self.stacks: dict[tuple[str, int, int], list[Box]] = {}
        for b in world.blocks.values():
            for bay in range(1, b.bays + 1):
                for row in range(1, b.rows + 1):
                    self.stacks[(b.block_id, bay, row)] = []
        self.owners: list[str] = list(world.scenario["yard"]["owners"])
        self.dg_stock: list[tuple[str, int, str]] = [tuple(x) for x in world.scenario["yard"]["dg_stock"]]  # type: ignore[misc]
        self._serial = itertools.count(rng.randrange(100000, 800000))
        self._files = itertools.count(1)
        self.files_written = 0

    # --- inventory --------------------------------------------------------------------------
    def new_number(self) -> str:
        body = f"{self.rng.choice(self.owners)}{next(self._serial) % 1_000_000:06d}"
        return body + iso6346.calc_check_digit(body)

    def place(self, box: Box) -> bool:
        stack = self.stacks[(box.block, box.bay, box.row)]
        if len(stack) >= self.world.blocks[box.block].tiers:
            return False
        box.tier = len(stack) + 1
        stack.append(box)
        self.boxes[box.number] = box
        return True

    def free_ground(self, kinds: tuple[str, ...], dg_class: str | None = None) -> tuple[str, int, int] | None:
        """A random stack with room in a block of these kinds; for dangerous goods, one where the box is
        segregated from its neighbours as the IMDG Code asks (a TOS plans the yard that way)."""
        for _ in range(400):
            block = self.rng.choice([b for b in self.world.blocks.values() if b.kind in kinds])
            key = (block.block_id, self.rng.randint(1, block.bays), self.rng.randint(1, block.rows))
            if len(self.stacks[key]) < block.tiers and (dg_class is None or self.segregated(key, dg_class)):
                return key
        return None

    def segregated(self, key: tuple[str, int, int], cls: str) -> bool:
        """No box in this stack needs segregation from `cls`, and none in the next rows needs 'separated from'
        or more (rows are about 4 m apart; bays 6.5 m)."""
        block, bay, row = key
        if any(b.imdg and code_for(cls, b.imdg) for b in self.stacks[key]):
            return False
        return not any(b.imdg and (code_for(cls, b.imdg) or "0") >= "2"
                       for r in (row - 1, row + 1) for b in self.stacks.get((block, bay, r), []))

    def new_box(self, voyage: str, when: datetime, kind: str = "container",
                dg: tuple[str, int, str] | None = None) -> Box:
        """A box that is not in the yard yet (on a ship coming in, or on a truck): no slot."""
        iso = {"reefer": "45R1", "dangerous_goods": "22T6" if dg and dg[0] in ("3", "8") else "22G1"}.get(
            kind, self.rng.choice(["22G1", "42G1", "45G1", "45G1", "22G1"]))
        full = kind != "empty"
        box = Box(self.new_number(), iso, full, self.rng.randint(8000, 28000) if full else 2200, "", 0, 0, 0, voyage,
                  when, self.rng.choices(["released", "pending", "hold", "inspection"], [70, 24, 3, 3])[0],
                  kind=kind)
        if dg:
            box.imdg, box.un, box.shipping_name = dg
        return box

    def ground(self, box: Box, when: datetime) -> bool:
        """Put a box down in a free stack of a block of its kind (segregated, for dangerous goods)."""
        where = self.free_ground((box.kind,), box.imdg)
        if where is None:
            return False
        box.block, box.bay, box.row = where
        box.arrived = when
        return self.place(box)

    def make_box(self, voyage: str, when: datetime, kind: str = "container", dg: tuple[str, int, str] | None = None
                 ) -> Box | None:
        box = self.new_box(voyage, when, kind, dg)
        return box if self.ground(box, when) else None

    def remove(self, box: Box) -> bool:
        """Lift this box out of the yard (the boxes above it come down a tier, as the crane restows them)."""
        stack = self.stacks.get((box.block, box.bay, box.row))
        if box.number not in self.boxes or stack is None or box not in stack:
            return False
        stack.remove(box)
        for tier, b in enumerate(stack, start=1):
            b.tier = tier
        del self.boxes[box.number]
        return True

    def tops(self, n: int, kinds: tuple[str, ...] = ("container",)) -> list[Box]:
        """Up to n different boxes of these kinds, each on top of its stack (a load list picks them)."""
        keys = [k for k, stack in self.stacks.items() if stack and self.world.blocks[k[0]].kind in kinds]
        return [self.stacks[k][-1] for k in self.rng.sample(keys, min(n, len(keys)))]

    def fill(self, fraction: float, when: datetime, voyages: list[str]) -> int:
        capacity = sum(b.bays * b.rows * b.tiers for b in self.world.blocks.values() if b.kind != "inspection")
        target = int(capacity * fraction)
        for kind, share in (("reefer", 0.06), ("empty", 0.1), ("dangerous_goods", 0.05)):
            for _ in range(int(target * share)):
                self.make_box(self.rng.choice(voyages), when, kind,
                              self.rng.choice(self.dg_stock) if kind == "dangerous_goods" else None)
        while len(self.boxes) < target:
            if self.make_box(self.rng.choice(voyages), when) is None:
                break
        return len(self.boxes)

    def take(self, kinds: tuple[str, ...] = ("container",)) -> Box | None:
        """Lift a box off the top of a random stack (for loading or a gate-out)."""
        for _ in range(200):
            key = self.rng.choice(list(self.stacks))
            if self.world.blocks[key[0]].kind in kinds and self.stacks[key]:
                box = self.stacks[key].pop()
                del self.boxes[box.number]
                return box
        return None

    def spot_beside(self, cls: str, conflicts: tuple[str, ...]) -> tuple[tuple[str, int, int], Box] | None:
        """An empty ground slot in a dangerous-goods block next to (same bay, next row) exactly one box whose
        class conflicts, that box being of class `cls`; the rows one further away hold no conflicting box."""
        for (block, bay, row), stack in sorted(self.stacks.items()):
            if stack or self.world.blocks[block].kind != "dangerous_goods":
                continue
            near = [b for r in (row - 1, row + 1) for b in self.stacks.get((block, bay, r), [])
                    if b.imdg in conflicts]
            if len(near) == 1 and near[0].imdg == cls:
                return (block, bay, row), near[0]
        return None

    # --- files ------------------------------------------------------------------------------
    def _write(self, name: str, text: str, when: datetime) -> Path:
        final = self.inbox / f"{when:%Y%m%dT%H%M%S}-{next(self._files):05d}-{name}"
        tmp = final.with_name("." + final.name)
        tmp.write_text(text, encoding="utf-8" if not name.endswith(".edi") else "latin-1")
        tmp.rename(final)
        self.files_written += 1
        return final

    def write_plan(self, calls: list[dict[str, object]], when: datetime) -> Path:
        """The berth plan as the planning system exports it (ingest/ops/berth_plan.py reads it)."""
        return self._write("berth-plan.berthplan.json", json.dumps({"calls": calls}, indent=1), when)

    def write_snapshot(self, when: datetime) -> Path:
        out = io.StringIO()
        w = csvsafe.Writer(out, lineterminator="\n")
        w.writerow(TOS_COLUMNS)
        for b in self.boxes.values():
            w.writerow((b.number, b.iso, "F" if b.full else "E", b.gross, b.block, b.bay, b.row, b.tier, b.voyage,
                        b.arrived.isoformat(), b.customs, b.un or "", b.imdg or ""))
        return self._write("yard.tos.csv", out.getvalue(), when)

    def write_declarations(self, boxes: list[Box], when: datetime, declarant: str = "WEIFANG SHIPPING AGENCY"
                           ) -> Path | None:
        rows = [(f"DG-{b.number}-{b.un}", "container", b.number, f"UN{b.un}", b.imdg, "II", b.shipping_name,
                 round(b.gross * 0.85), when.isoformat(), declarant) for b in boxes if b.un]
        if not rows:
            return None
        out = io.StringIO()
        w = csvsafe.Writer(out, lineterminator="\n")
        w.writerow(DECLARATION_COLUMNS)
        w.writerows(rows)
        return self._write("declarations.hazmat.csv", out.getvalue(), when)

    def write_gate(self, rows: list[tuple[object, ...]], when: datetime) -> Path:
        out = io.StringIO()
        w = csvsafe.Writer(out, lineterminator="\n")
        w.writerow(GATE_COLUMNS)
        w.writerows(rows)
        return self._write("transactions.gate.csv", out.getvalue(), when)

    def plate(self) -> str:
        return f"{self.rng.choice(PROVINCES)}{self.rng.choice('ABCGV')}{self.rng.randrange(10000, 99999)}"

    def write_coarri(self, kind: str, boxes: list[Box], vessel_name: str, voyage: str, callsign: str,
                     when: datetime) -> Path:
        """COARRI D.95B (SMDG ITG): BGM 44 = discharge report, 46 = loading report; one EQD group per box."""
        ref = f"{when:%y%m%d%H%M%S}{next(self._files):04d}"
        code = "44" if kind == "discharge" else "46"
        segs = [f"UNB+UNOC:3+WFTOS+CARRIER+{when:%y%m%d:%H%M}+{ref}",
                f"UNH+{ref}+COARRI:D:95B:UN:ITG13", f"BGM+{code}+{ref}+9",
                f"TDT+20+{voyage}+1+13+WFT:172:20+++{callsign}:103::{vessel_name}",
                f"LOC+{'11' if kind == 'discharge' else '9'}+CNWEF:139:6+WFT:TER:ZZZ",
                f"DTM+133:{when:%Y%m%d%H%M}:203"]
        for b in boxes:
            segs += [f"EQD+CN+{b.number}+{b.iso}:102:5++{'3' if kind == 'discharge' else '2'}+{'5' if b.full else '4'}",
                     f"DTM+203:{when:%Y%m%d%H%M}:203", f"LOC+147+{b.bay:03d}{b.row:02d}{b.tier:02d}::5",
                     f"MEA+AAE+G+KGM:{b.gross}"]
            if b.un:
                segs.append(f"DGS+IMD+{b.imdg}+{b.un}")
        n = len(segs) - 1
        segs += [f"CNT+16:{len(boxes)}", f"UNT+{n + 1}+{ref}", f"UNZ+1+{ref}"]
        return self._write(f"{kind}.edi", "'".join(segs) + "'", when)

    def write_baplie(self, boxes: list[Box], vessel_name: str, voyage: str, callsign: str, last_port: str,
                     when: datetime) -> Path:
        """BAPLIE D.95B (SMDG 2.0) from the last port: the boxes on board for Weifang, each at its stowage cell
        (LOC+147 bay-row-tier), the discharges the terminal plans for (ingest reads them as expected_discharge)."""
        ref = f"{when:%y%m%d%H%M%S}{next(self._files):04d}"
        segs = [f"UNB+UNOC:3+CARRIER+WFTOS+{when:%y%m%d:%H%M}+{ref}", f"UNH+{ref}+BAPLIE:D:95B:UN:SMDG20",
                f"BGM++{ref}+9", f"DTM+137:{when:%Y%m%d%H%M}:203",
                f"TDT+20+{voyage}+++WFT:172:20+++{callsign}:103::{vessel_name}", f"LOC+5+{last_port}:139:6",
                "LOC+61+CNWEF:139:6", f"DTM+132:{when:%Y%m%d%H%M}:203"]
        for i, b in enumerate(boxes):
            bay, row, tier = 2 * (i // 40) + 1, (i // 4) % 10 + 1, 82 + 2 * (i % 4)
            segs += [f"LOC+147+{bay:03d}{row:02d}{tier:02d}::5", f"MEA+WT++KGM:{b.gross}", f"LOC+9+{last_port}:139:6",
                     "LOC+11+CNWEF:139:6", "RFF+BM:1", f"EQD+CN+{b.number}+{b.iso}+++{'5' if b.full else '4'}"]
            if b.un:
                segs.append(f"DGS+IMD+{b.imdg}+{b.un}")
        segs += [f"UNT+{len(segs)}+{ref}", f"UNZ+1+{ref}"]
        return self._write("stowage.edi", "'".join(segs) + "'", when)

    def write_coprar(self, boxes: list[Box], vessel_name: str, voyage: str, callsign: str, when: datetime) -> Path:
        """COPRAR D.95B loading order (BGM 45) from the line's agent: the voyage's load list."""
        ref = f"{when:%y%m%d%H%M%S}{next(self._files):04d}"
        segs = [f"UNB+UNOC:3+LINEAGENT+WFTOS+{when:%y%m%d:%H%M}+{ref}", f"UNH+{ref}+COPRAR:D:95B:UN:ITG14",
                f"BGM+45+{ref}+9", f"DTM+137:{when:%Y%m%d%H%M}:203", f"RFF+XXX:{ref}",
                f"TDT+20+{voyage}+1++WFT:172:20+++{callsign}:103::{vessel_name}", "LOC+9+CNWEF:139:6"]
        for b in boxes:
            segs += [f"EQD+CN+{b.number}+{b.iso}:102:5++2+{'5' if b.full else '4'}", "LOC+11+KRPUS:139:6",
                     f"MEA+AAE+G+KGM:{b.gross}"]
            if b.un:
                segs.append(f"DGS+IMD+{b.imdg}+{b.un}")
        segs += [f"CNT+16:{len(boxes)}", f"UNT+{len(segs)}+{ref}", f"UNZ+1+{ref}"]
        return self._write("loadlist.edi", "'".join(segs) + "'", when)

    def write_direct(self, rows: list[dict[str, object]], when: datetime) -> Path:
        """The direct delivery plan (直提/直装) as the TOS exports it (ingest/ops/direct_delivery.py reads it)."""
        return self._write("plan.direct.json", json.dumps({"containers": rows}, indent=1), when)

    def write_codeco(self, kind: str, box: Box, plate: str, when: datetime) -> Path:
        """CODECO D.95B: BGM 34 = gate-in report, 36 = gate-out report; the truck in TDT+1."""
        ref = f"{when:%y%m%d%H%M%S}{next(self._files):04d}"
        code = "34" if kind == "gate_in" else "36"
        segs = [f"UNB+UNOC:3+WFTOS+CARRIER+{when:%y%m%d:%H%M}+{ref}", f"UNH+{ref}+CODECO:D:95B:UN:ITG14",
                f"BGM+{code}+{ref}+9", "NAD+MS+WFT:172:20",
                f"EQD+CN+{box.number}+{box.iso}:102:5++2+{'5' if box.full else '4'}",
                f"DTM+7:{when:%Y%m%d%H%M}:203", "LOC+165+CNWEF:139:6+WFT:TER:ZZZ", f"MEA+AAE+G+KGM:{box.gross}"]
        if box.un:
            segs.append(f"DGS+IMD+{box.imdg}+{box.un}")
        segs.append(f"TDT+1++3+31++++{plate.translate(PINYIN)}")
        segs += ["CNT+16:1", f"UNT+{len(segs)}+{ref}", f"UNZ+1+{ref}"]
        return self._write(f"{kind}.edi", "'".join(segs) + "'", when)
