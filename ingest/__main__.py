"""`python -m ingest …`: the ingest command line (one subcommand per source)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import psycopg

from ingest.errors import PortPackageError
from ingest.port_load import load_package
from ingest.port_package import read_package
from sql import DbSettings, connect


def cmd_port(args: argparse.Namespace) -> int:
    """Validate and load a port package; refused features are listed and make the exit code 1."""
    try:
        package = read_package(Path(args.path))
    except PortPackageError as err:
        print(f"port: {err}", file=sys.stderr)
        return 2
    if args.check:
        report_lines = [str(r) for r in package.refusals]
    else:
        try:
            with connect(DbSettings()) as conn:
                report = load_package(conn, package)
        except psycopg.Error as err:
            print(f"port: database error: {err}", file=sys.stderr)
            return 2
        report_lines = report.refused
        counts = ", ".join(f"{n} {k}" for k, n in report.loaded.items())
        print(f"port {package.config.id}: loaded {counts}, {report.slots} yard slots")
    for line in report_lines:
        print(f"refused {line}", file=sys.stderr)
    return 1 if report_lines else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    port = sub.add_parser("port", help="validate and load a port package (port.toml + GeoJSON)")
    port.add_argument("path", help="the package folder, e.g. assets/ports/weifang")
    port.add_argument("--check", action="store_true", help="validate only, write nothing")
    port.set_defaults(func=cmd_port)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
