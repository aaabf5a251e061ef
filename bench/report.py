"""Time the situation report against the running database (run it with `make demo` going): the HTML (queries
and SVG maps) and the PDF (WeasyPrint), three times each; the issue's target is <= 5 s for the whole report.

    .venv/bin/python -m bench.report [--hours 8] [--lang en]
"""

from __future__ import annotations

import argparse
import statistics
import time

from app.report import situation_html, to_pdf
from sql.db import connect


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--hours", type=float, default=8.0)
    p.add_argument("--lang", default="en")
    p.add_argument("--port", default="weifang")
    a = p.parse_args()
    html_s, pdf_s, sizes = [], [], []
    with connect(autocommit=True) as conn:
        counts = conn.execute("SELECT (SELECT count(*) FROM vessel_latest WHERE observed_at > now() - interval "
                              "'30 minutes'), (SELECT count(*) FROM alert), (SELECT count(*) FROM container "
                              "WHERE state = 'in_yard')").fetchone()
        for _ in range(3):
            t0 = time.perf_counter()
            document = situation_html(conn, a.port, None, a.hours, a.lang, author="bench")
            t1 = time.perf_counter()
            pdf = to_pdf(document)
            t2 = time.perf_counter()
            html_s.append(t1 - t0)
            pdf_s.append(t2 - t1)
            sizes.append(len(pdf))
    total = [h + p for h, p in zip(html_s, pdf_s, strict=True)]
    print(f"situation report ({a.hours:g} h window; {counts[0]} live vessels, {counts[1]} alerts, "
          f"{counts[2]} containers): HTML {statistics.median(html_s):.2f} s + PDF {statistics.median(pdf_s):.2f} s = "
          f"{statistics.median(total):.2f} s median, {max(total):.2f} s worst (target <= 5 s); "
          f"{statistics.median(sizes) / 1024:.0f} KB")


if __name__ == "__main__":
    main()
