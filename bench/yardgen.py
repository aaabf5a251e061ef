"""Synthetic TOS CSV snapshots for Weifang's container blocks, with valid ISO 6346 numbers."""

from __future__ import annotations

import random
from pathlib import Path

from stdnum import iso6346

from ingest.yard.tos_csv import COLUMNS
from portdomain import csvsafe

BLOCKS = {f"{r}{i:02d}": (40, 6, 5) for r in "AB" for i in range(1, 7)}
OWNERS = ("CSQ", "COS", "OOL", "MSK", "TGH", "CMA")
TYPES = ("22G1", "42G1", "45G1", "22R1", "45R1", "22T0")


def number(i: int) -> str:
    body = f"{OWNERS[i % len(OWNERS)]}U{i:06d}"
    return body + str(iso6346.calc_check_digit(body))


def rows(count: int, seed: int = 3) -> list[dict[str, str]]:
    rng = random.Random(seed)
    slots = [(b, bay, row, tier) for b, (bays, rs, ts) in BLOCKS.items() for bay in range(1, bays + 1)
             for row in range(1, rs + 1) for tier in range(1, ts + 1)]
    rng.shuffle(slots)
    out = []
    for i in range(count):
        block, bay, row, tier = slots[i]
        out.append({"container_no": number(i), "iso_type": TYPES[i % len(TYPES)], "full_empty": "FE"[i % 2],
                    "gross_kg": str(4000 + i % 26000), "block": block, "bay": str(bay), "row": str(row),
                    "tier": str(tier), "vessel_voyage": f"VSL{i % 40:02d}/0{i % 9}", "arrived_at":
                    f"2026-11-{1 + i % 26:02d}T{i % 24:02d}:00:00+00:00", "customs_status": "released",
                    "un_number": "", "imdg_class": ""})
    return out


def write(path: Path, items: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csvsafe.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(items)
