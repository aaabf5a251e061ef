"""EDIFACT import: containers/s for a COARRI loading report of N containers (built from the real D.95B one).

    .venv/bin/python -m bench.edifact_import [--containers 5000]
"""

from __future__ import annotations

import argparse
import time

import psycopg

from bench.ais_ingest import ROOT, fresh_port_database
from bench.yardgen import number
from ingest.yard.edifact import import_file

GROUP = ("EQD+CN+{no}+45G1:102:5++2+5'TMD+3'DTM+203:201602041{m:03d}:203'LOC+11+CNWEF:139:6'"
         "LOC+147+0{bay:02d}0{row:02d}8::5'MEA+AAE+VGM+KGM:{kg}'SEL+SI+CA'FTX+AAA+++GENERAL CARGO'")


def coarri(count: int) -> str:
    head = ("UNB+UNOA:2+WFPTOS+CARRIER+261127:0800+4711'UNH+1+COARRI:D:95B:UN:ITG13'BGM+46+LOAD0001+9'"
            "TDT+20+101N+1+13+COS:172:20+++BWEF1:103::WEIFANG TRADER'LOC+9+CNWEF:139:6'"
            "DTM+132:202611270800:203'")
    body = "".join(GROUP.format(no=number(i), m=i % 60, bay=1 + i % 40, row=1 + i % 12, kg=10000 + i % 20000)
                   for i in range(count))
    return head + body + f"CNT+16:{count}'UNT+{7 + 8 * count}+1'UNZ+1+4711'"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--containers", type=int, default=5_000)
    args = parser.parse_args()
    path = ROOT / ".data" / "bench" / f"coarri_{args.containers}.edi"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(coarri(args.containers), encoding="latin-1")
    url = fresh_port_database("portmap_bench_edifact")
    with psycopg.connect(url) as conn:
        started = time.perf_counter()
        report = import_file(conn, path, "weifang")
        elapsed = time.perf_counter() - started
    print(f"EDIFACT COARRI: {report.new_moves:,} of {args.containers:,} containers in {elapsed:.2f} s "
          f"({report.new_moves / elapsed:,.0f} containers/s), rejected {dict(report.rejects)}")


if __name__ == "__main__":
    main()
