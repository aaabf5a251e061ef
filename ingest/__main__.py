"""`python -m ingest …`: the ingest command line (one subcommand per source)."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

# Each command imports what it needs: multiprocessing (spawn) imports this module again in every
# worker process, and a decoder should not carry psycopg, shapely and pyproj it never uses.
T = TypeVar("T")
STOP_DEADLINE_S = 8.0       # the camera and inbox workers exit this soon after SIGTERM, database up or down


def _serve(run: Callable[[], T], stop: Callable[[], None], *, exit_within_s: float | None = None) -> T | None:
    """Run a worker until it ends, or until SIGTERM or Ctrl-C stops it (then None). With `exit_within_s`, a
    worker that has not returned that long after SIGTERM (stuck in a call to a database that does not answer)
    exits anyway: for workers whose input is safe elsewhere until committed (MQTT unacknowledged, a dropped file
    still in its folder)."""
    def on_term(*_: object) -> None:
        if exit_within_s is not None:
            timer = threading.Timer(exit_within_s, _exit_now, (exit_within_s,))
            timer.daemon = True
            timer.start()
        stop()
    signal.signal(signal.SIGTERM, on_term)
    try:
        return run()
    except KeyboardInterrupt:
        stop()
        return None


def _exit_now(after_s: float) -> None:
    logging.getLogger("ingest").error("still running %.0f s after SIGTERM: exiting now (nothing committed is lost)",
                                      after_s)
    os._exit(143)


def cmd_port(args: argparse.Namespace) -> int:
    """Validate and load a port package; refused features are listed and make the exit code 1."""
    import psycopg

    from ingest.errors import PortPackageError
    from ingest.port_load import load_package
    from ingest.port_package import read_package
    from sql import DbSettings, connect

    try:
        package = read_package(Path(args.path))
    except PortPackageError as err:
        print(f"port: {err}", file=sys.stderr)
        return 2
    if args.check:
        report_lines = [str(r) for r in package.refusals]
    else:
        try:
            with connect(DbSettings.for_role("reference")) as conn:
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


def cmd_ais(args: argparse.Namespace) -> int:
    """Ingest AIS NMEA from files, UDP and TCP at once until the files end (or forever when live)."""
    from ingest.ais.journal import Journal, Journaled, SpoolBudget
    from ingest.ais.sources import FileSource, TcpSource, UdpSource
    from ingest.ais.tcpserver import TcpListenSource
    from ingest.ais.worker import AisIngest, Options
    from portdomain.addresses import parse_address
    from portdomain.runtime import settle_gc

    sources: list[object] = []
    for i, path in enumerate(args.file or []):
        station = args.station if len(args.file) == 1 and args.station else f"{args.station or 'file'}-{i}"
        sources.append(FileSource(Path(path), station, follow=args.follow, chunk_lines=20 if args.speed else 2000))
    live: list[Any] = [UdpSource(*parse_address(addr), station=f"{args.station or 'udp'}-{i}")
                       for i, addr in enumerate(args.udp or [])]
    live += [TcpSource(*parse_address(addr), station=f"{args.station or 'tcp'}-{i}", idle_s=args.tcp_idle_s)
             for i, addr in enumerate(args.tcp or [])]
    live += [TcpListenSource(*parse_address(addr), station=f"{args.station or 'tcp-in'}-{i}",
                             idle_s=args.tcp_idle_s, max_connections=args.tcp_max_connections)
             for i, addr in enumerate(args.tcp_listen or [])]
    if args.bus:
        return _publish(args, sources + live)
    spool = Path(args.spool)
    budget = SpoolBudget(spool, args.spool_max_mb << 20 if args.spool_max_mb else None)
    if args.no_checkpoint or args.no_journal:
        sources += live
    else:       # what the listeners accept is on disk before it is decoded: a kill -9 loses none of it
        sources += [Journaled(s, Journal(spool / "journal", s.name, budget)) for s in live]
    if not sources:
        print("ais: give at least one --file, --udp, --tcp or --tcp-listen", file=sys.stderr)
        return 2
    retention = args.retention_days
    if retention is None:       # a replay of files keeps everything; a live feed keeps 30 days
        retention = 30 if live else 0
    options = Options(checkpoints=not args.no_checkpoint, spool_dir=spool, spool_max_bytes=budget.max_bytes,
                      retention_days=retention or None, speed=args.speed, decoders=args.decoders,
                      fast_path=not args.slow_path)
    metrics = None          # counted only where someone can read them (as for cameras)
    if args.metrics:
        from ingest.metrics import IngestMetrics

        metrics = IngestMetrics()
        metrics.serve(*parse_address(args.metrics))
    os.environ.setdefault("PORTMAP_DB_ROLE", "ais")          # the writer process logs in as the AIS writer
    worker = AisIngest(sources, None, options, metrics)    # None: each process reads DATABASE_URL itself
    settle_gc()
    stats = _serve(worker.run, worker.stop)
    if stats is None:
        return 130
    print(f"ais: {stats.lines} lines, {stats.messages} messages in {stats.batches} batches")
    return 0


def _publish(args: argparse.Namespace, sources: list[Any]) -> int:
    """`ingest ais --bus`: the sources' pieces onto JetStream (ingest.ais.bus), until the files end or SIGTERM."""
    from ingest.ais.bus import Publisher

    if not sources:
        print("ais: give at least one --file, --udp, --tcp or --tcp-listen", file=sys.stderr)
        return 2
    publisher = Publisher(args.bus, args.port_id)
    if _serve(lambda: publisher.run(sources), publisher.stop) is None:
        return 130
    print(f"ais: published {publisher.lines} lines in {publisher.published} pieces to the bus")
    return 0


def _bus_arguments(bus: argparse.ArgumentParser) -> None:
    """The options of `python -m ingest ais-bus`."""
    bus.add_argument("--bus", required=True, help="nats://USER@HOST:PORT (password: PORTMAP_NATS_PASSWORD or the "
                     "generated secret)")
    bus.add_argument("--fetch", type=int, default=4, help="pieces per transaction (default 4, ~12,000 lines)")
    bus.add_argument("--idle-exit-s", type=float, default=None, help="exit after this long with nothing to fetch")
    bus.add_argument("--slow-path", action="store_true", help="decode every line with pyais, one by one")
    bus.set_defaults(func=cmd_ais_bus)


def cmd_ais_bus(args: argparse.Namespace) -> int:
    """`ingest ais-bus`: one writer of the bus's AIS pieces (a durable pull consumer), until SIGTERM."""
    from ingest.ais.bus import BusWriter

    os.environ.setdefault("PORTMAP_DB_ROLE", "ais")
    writer = BusWriter(args.bus, fetch=args.fetch, fast_path=not args.slow_path)
    if _serve(lambda: writer.run(args.idle_exit_s), writer.stop, exit_within_s=15) is None:
        return 130
    print(f"ais-bus: {writer.lines} lines, {writer.messages} messages from {writer.committed} pieces; "
          f"{writer.dead} dead-lettered")
    return 0


def cmd_ais_table(args: argparse.Namespace) -> int:
    """MarineCadastre/NOAA AIS CSV or GeoPackage points into the AIS tables; bad rows refused by reason."""
    from ingest.ais.table import import_table
    from sql import DbSettings, connect

    rejected = 0
    with connect(DbSettings()) as conn:
        for path in args.file:
            try:
                report = import_table(conn, Path(path), progress=sys.stderr.isatty())
            except (OSError, ValueError) as err:
                print(f"{path}: {err}", file=sys.stderr)
                rejected += 1
                continue
            print(f"ais-table: {path}: {report.stored} of {report.rows} rows stored, rejected {dict(report.rejects)}")
            rejected += sum(report.rejects.values())
    return 1 if rejected else 0


def cmd_camera(args: argparse.Namespace) -> int:
    """Frigate events from MQTT into camera_event until SIGTERM."""
    from ingest.camera.mqtt import FrigateSubscriber
    from portdomain import broker
    from portdomain.addresses import parse_address
    from portdomain.secrets import data_dir
    from sql import DbSettings

    if args.webhook:
        from ingest.camera.webhook import WebhookServer

        server = WebhookServer(parse_address(args.webhook), DbSettings.for_role("camera"), args.port_id,
                               os.environ.get("PORTMAP_WEBHOOK_TOKEN", ""))
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        vendor_stops = _vendor_listeners(args)
    except (ValueError, OSError) as err:
        print(f"camera: {err}", file=sys.stderr)
        return 2
    try:
        login = broker.from_arguments(args.mqtt, args, broker.CAMERA_USER)
    except broker.BrokerConfigError as err:
        print(f"camera: {err}", file=sys.stderr)
        return 2
    metrics = None
    if args.metrics:
        from ingest.metrics import IngestMetrics

        metrics = IngestMetrics(prefix="portmap_camera")
        metrics.serve(*parse_address(args.metrics))
    state = Path(args.state_dir) if args.state_dir else data_dir() / "spool" / "camera"
    subscriber = FrigateSubscriber(login.host, login.port, DbSettings.for_role("camera"), args.port_id,
                                   topic=args.topic, client_id=args.client_id, metrics=metrics, login=login,
                                   state_dir=state)
    counts = _serve(subscriber.run, subscriber.stop, exit_within_s=STOP_DEADLINE_S)
    for stop in vendor_stops:
        stop()
    if counts is None:
        return 130
    print(f"camera: {dict(counts)}")
    return 0


def _secret(env: str, name: str) -> bytes:
    from portdomain.secrets import listener_secret

    return listener_secret(env, name)

def cmd_vehicles(args: argparse.Namespace) -> int:
    """JT/T 808 terminals over TCP into vehicle_position and vehicle_latest until SIGTERM."""
    import asyncio

    from ingest.batchwriter import BatchWriter
    from ingest.vehicles import store
    from ingest.vehicles.server import Jt808Server, Registrar
    from portdomain.addresses import parse_address
    from portdomain.runtime import settle_gc
    from sql import DbSettings

    if not args.jt808:
        print("vehicles: give --jt808 HOST:PORT", file=sys.stderr)
        return 2
    db = DbSettings.for_role("ais")
    writer = BatchWriter(db, f"vehicles:jt808:{args.station}", "vehicles", store.flush,
                         prepare=store.prepare, describe=store.describe, max_rows=args.buffer_rows,
                         batch_s=args.batch_s, arrived=store.arrived).start()
    registrar = Registrar(db, registry_only=args.registration == "registry", refresh_s=args.registry_refresh_s)
    days = args.retention_days if args.retention_days is not None else _retention(db, store, args.port_id)
    if days:
        threading.Thread(target=_prune, args=(db, store, days), name="vehicles-retention", daemon=True).start()
    registrar.refresh()         # before the first terminal asks (if the database is away, the thread retries)
    threading.Thread(target=registrar.run, name="jt808-registry", daemon=True).start()
    server = Jt808Server(*parse_address(args.jt808), writer, _secret("PORTMAP_JT808_SECRET", "jt808-secret"),
                         registrar, idle_s=args.idle_s, max_connections=args.max_connections,
                         auth_deadline_s=args.auth_deadline_s)
    settle_gc()
    signal.signal(signal.SIGTERM, lambda *_: server.stop())
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(server.serve())
    writer.stop(STOP_DEADLINE_S)
    stats = writer.stats
    print(f"vehicles: {stats.stored} reports stored in {stats.batches} batches, refused {dict(server.refused)}; "
          f"arrival -> commit p50 {stats.delay_percentile(50) * 1000:.0f} ms, "
          f"p95 {stats.delay_percentile(95) * 1000:.0f} ms")
    return 0


def cmd_trackers(args: argparse.Namespace) -> int:
    """Phone trackers (OsmAnd / Traccar Client over HTTP) into person_position and person_latest until SIGTERM."""
    from ingest.batchwriter import BatchWriter
    from ingest.trackers import store
    from ingest.trackers.server import TrackerServer, device_token
    from portdomain.addresses import parse_address
    from sql import DbSettings

    secret = _secret("PORTMAP_TRACKER_SECRET", "tracker-secret")
    if args.token_for:
        print(device_token(secret, args.token_for))
        return 0
    if not args.http:
        print("trackers: give --http HOST:PORT (or --token-for DEVICE)", file=sys.stderr)
        return 2
    db = DbSettings.for_role("ais")
    writer = BatchWriter(db, store.SOURCE, "people", store.flush, describe=store.describe, batch_s=0.05).start()
    days = args.retention_days if args.retention_days is not None else _retention(db, store, args.port_id)
    server = TrackerServer(parse_address(args.http), writer, secret, retention_days=days,
                           deadline_s=args.connection_deadline_s)
    threading.Thread(target=_prune, args=(db, store, days), daemon=True).start()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stopped = threading.Event()
    _serve(lambda: stopped.wait(), stopped.set)
    server.shutdown()
    writer.stop(STOP_DEADLINE_S)
    print(f"trackers: {writer.stats.stored} positions stored, refused {dict(writer.stats.refused)}")
    return 0


def _retention(db: Any, store: Any, port_id: str) -> int:
    """Days of history a tracking writer keeps: the port's [retention] (store.retention_days), else its default."""
    import psycopg

    from sql import connect

    try:
        with connect(db) as conn:
            return int(store.retention_days(conn, port_id))
    except psycopg.Error as err:
        logging.getLogger("ingest").warning("retention from port.toml unknown (%s): %d days", err,
                                            store.DEFAULT_RETENTION_DAYS)
        return int(store.DEFAULT_RETENTION_DAYS)


def _prune(db: Any, store: Any, days: int) -> None:
    """Hourly: history older than the retention is deleted (store.prune)."""
    import time

    import psycopg

    from sql import connect

    log = logging.getLogger(store.__name__)
    while True:
        try:
            with connect(db) as conn:
                gone = store.prune(conn, days)
            if gone:
                log.info("retention: %d positions older than %d days deleted", gone, days)
        except psycopg.Error as err:
            log.warning("retention: %s", str(err).strip()[:120])
        time.sleep(3600)

def stream_login(path: str | None) -> Any:
    """The devices' login for event streams: a secrets file `user:password` (one line), else
    PORTMAP_CAMERA_STREAM_USER / PORTMAP_CAMERA_STREAM_PASSWORD."""
    from ingest.camera.streams import Login

    if path:
        user, _, password = Path(path).read_text().strip().partition(":")
        return Login(user, password)
    return Login(os.environ.get("PORTMAP_CAMERA_STREAM_USER", ""), os.environ.get("PORTMAP_CAMERA_STREAM_PASSWORD", ""))


def _vendor_listeners(args: argparse.Namespace) -> list[Callable[[], None]]:
    """Hikvision/Dahua event streams and the GB/T 28181 SIP listener, each in its own threads; their stops."""
    from ingest.camera.vendors import BatchWriter
    from portdomain.addresses import parse_address
    from sql import DbSettings, connect, query

    stops: list[Callable[[], None]] = []
    db = DbSettings.for_role("camera")
    if args.hikvision_stream or args.dahua_stream:
        from ingest.camera.streams import EventStream, dahua_part, hikvision_part

        login = stream_login(args.stream_login)
        for url, parse, source in [(u, hikvision_part, "hikvision:stream") for u in args.hikvision_stream or []] + [
                (u, dahua_part, "dahua:stream") for u in args.dahua_stream or []]:
            device, _, plain = url.partition("=") if "=" in url.split("://")[0] else ("", "", url)
            writer = BatchWriter(db, args.port_id, source).start()
            stream = EventStream(plain, login, parse, writer, device=device or None)
            threading.Thread(target=stream.run, name=f"stream-{source}", daemon=True).start()
            stops += [stream.stop, writer.stop]
    if args.gb28181:
        from ingest.camera.gb28181 import SipListener

        with connect(db) as conn:
            ids = {r[0].removeprefix("gb28181:") for r in query(conn, "camera_vendor_ids", {"port_id": args.port_id})
                   if r[0].startswith("gb28181:")}
        writer = BatchWriter(db, args.port_id, "gb28181").start()
        sip = SipListener(parse_address(args.gb28181), ids, writer,
                          password=os.environ.get("PORTMAP_GB28181_PASSWORD", ""), tz=args.gb28181_tz)
        threading.Thread(target=sip.run, name="gb28181", daemon=True).start()
        sip.serve_tcp(parse_address(args.gb28181))
        stops += [sip.stop, writer.stop]
    return stops


def cmd_yard(args: argparse.Namespace) -> int:
    """Import a TOS CSV snapshot: the yard as the terminal system sees it now."""
    from datetime import datetime

    from ingest.yard.edifact import EdifactError, import_file
    from ingest.yard.tos_csv import import_snapshot
    from sql import DbSettings, connect

    at = datetime.fromisoformat(args.at) if args.at else None
    rejected = 0
    with connect(DbSettings.for_role("yard")) as conn:
        if args.tos:
            report = import_snapshot(conn, Path(args.tos), args.port_id, snapshot_at=at,
                                     progress=sys.stderr.isatty())
            print(f"yard: {report.rows} rows, {report.loaded} loaded ({report.changed} changed), "
                  f"{report.departed} departed, rejected {dict(report.rejects)}")
            rejected += sum(report.rejects.values())
        for path in args.edifact or []:
            try:
                edi = import_file(conn, Path(path), args.port_id)
            except EdifactError as err:
                print(f"{path}: segment {err.segment}: {err.reason}", file=sys.stderr)
                rejected += 1
                continue
            except OSError as err:
                print(f"{path}: {err.strerror or err}", file=sys.stderr)
                rejected += 1
                continue
            print(f"yard: {path}: {dict(edi.messages)}, {edi.moves} moves ({edi.new_moves} new), "
                  f"{edi.declarations} dangerous-goods lines, rejected {dict(edi.rejects)}")
            rejected += sum(edi.rejects.values())
    return 1 if rejected else 0


def cmd_hazmat(args: argparse.Namespace) -> int:
    """Dangerous-goods declarations and gate transactions from CSV or JSON files."""
    from ingest.hazmat.declarations import import_file
    from portdomain.errors import Invalid
    from sql import DbSettings, connect

    rejected = 0
    with connect(DbSettings.for_role("yard")) as conn:
        for what, paths in (("declarations", args.declarations or []), ("gate", args.gate or [])):
            for path in paths:
                try:
                    report = import_file(conn, Path(path), args.port_id, what)
                except Invalid as bad:          # the whole file is unreadable: bad_json, too_deep, bad_header …
                    print(f"hazmat: {path}: refused whole: {bad.args[0]}: {bad.args[-1]}", file=sys.stderr)
                    rejected += 1
                    continue
                print(f"hazmat: {path}: {report.stored} of {report.rows} stored, rejected {dict(report.rejects)}")
                rejected += sum(report.rejects.values())
    return 1 if rejected else 0


def cmd_inbox(args: argparse.Namespace) -> int:
    """Watch a drop folder for TOS snapshots, EDIFACT, declarations and gate transactions."""
    from ingest.inbox import Inbox
    from sql import DbSettings

    inbox = Inbox(Path(args.folder), DbSettings.for_role("yard"), args.port_id, poll_s=args.poll)
    stats = _serve(lambda: inbox.run(until_empty=args.once), inbox.stop_now, exit_within_s=STOP_DEADLINE_S)
    if stats is None:
        return 130
    print(f"inbox: {dict(stats.files)} imported, {stats.failed} failed, {stats.rejected_rows} rows rejected")
    return 1 if stats.failed else 0


def cmd_alerts(args: argparse.Namespace) -> int:
    """Evaluate the alert rules every few seconds, with no browser open; survive database outages."""
    import time

    import psycopg

    from ingest.alerts.engine import AlertEngine
    from portdomain.runtime import settle_gc
    from sql import DbSettings, connect

    if args.from_ or args.to:
        return _retrospective(args)
    stopping = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stopping.update(now=True))
    backoff = 1.0
    settle_gc()     # once: an engine dropped after an outage must stay collectable
    while not stopping["now"]:
        try:
            with connect(DbSettings.for_role("alerts"), autocommit=True) as conn:
                engine = AlertEngine(conn, args.port_id)
                backoff = 1.0
                if args.once:
                    report = engine.cycle()
                    print(f"alerts: {dict(report.findings)}; raised {len(report.raised)}, cleared "
                          f"{len(report.cleared)} in {report.timings_ms['cycle']:.0f} ms")
                    return 0
                engine.run(args.interval, stop=lambda: stopping["now"])
        except psycopg.OperationalError as err:
            logging.getLogger("ingest.alerts").warning("database unavailable (%s); retry in %.0f s",
                                                       str(err).strip().splitlines()[0][:120], backoff)
            time.sleep(backoff)
            backoff = min(backoff * 2, 30.0)
        except KeyboardInterrupt:
            return 130
    return 0


def _retrospective(args: argparse.Namespace) -> int:
    """`ingest alerts --from T1 --to T2`: every rule over history, stored as retrospective alerts."""
    from ingest.alerts.retrospective import Retrospective, parse_step, parse_time
    from sql import DbSettings, connect

    try:
        start, end = parse_time(args.from_ or ""), parse_time(args.to or "")
        step = parse_step(args.step)
    except ValueError as err:
        print(f"alerts: {err} (give --from and --to as ISO 8601, UTC unless an offset is given)", file=sys.stderr)
        return 2
    with connect(DbSettings()) as conn:
        try:
            report = Retrospective(conn, args.port_id, start, end, step, incremental=not args.reference,
                                   port_step_s=parse_step(args.port_step) if args.port_step else None,
                                   ).run(progress=sys.stderr.isatty())
        except ValueError as err:
            print(f"alerts: {err}", file=sys.stderr)
            return 2
        conn.commit()
    print(f"alerts: retrospective run {report.run_id}: {report.steps} steps of {step:g} s over "
          f"{start.isoformat()} .. {end.isoformat()}, raised {dict(report.raised)}; "
          f"{report.speed:,.0f} simulated s per wall s")
    return 0


def _ais_arguments(ais: argparse.ArgumentParser) -> None:
    """The options of `python -m ingest ais`."""
    ais.add_argument("--file", action="append", help="a log file (repeatable)")
    ais.add_argument("--follow", action="store_true", help="keep reading what is appended to the files")
    ais.add_argument("--udp", action="append", help="listen for datagrams on HOST:PORT (repeatable)")
    ais.add_argument("--tcp", action="append", help="connect to HOST:PORT and read lines (repeatable)")
    ais.add_argument("--tcp-listen", action="append", help="accept receivers' TCP connections on HOST:PORT and "
                     "read lines from all of them (repeatable)")
    ais.add_argument("--tcp-idle-s", type=float, default=60.0, help="close a TCP connection silent this long "
                     "(a half-open peer); a --tcp feed is then dialled again (default 60)")
    ais.add_argument("--tcp-max-connections", type=int, default=64, help="connections --tcp-listen keeps open; "
                     "one more closes the one silent the longest (default 64)")
    ais.add_argument("--station", help="station id of the source (default: file-N, udp-N, tcp-N, tcp-in-N)")
    ais.add_argument("--no-checkpoint", action="store_true", help="read files from the start, record nothing")
    ais.add_argument("--spool", default=".data/spool/ais", help="where batches wait while the database is away, "
                     "and the journal of what UDP and TCP sources accepted")
    ais.add_argument("--spool-max-mb", type=int, default=1024, help="disk the spool may use (0: no limit); when "
                     "it is used up, live sources refuse new lines (counted as spool_full)")
    ais.add_argument("--no-journal", action="store_true", help="decode UDP and TCP input straight from memory "
                     "(a kill -9 then loses what was not yet committed)")
    ais.add_argument("--speed", type=float, help="replay files at X times their recorded pace (tag blocks, "
                     "$PGHP); without it, as fast as possible")
    ais.add_argument("--metrics", help="serve Prometheus /metrics on HOST:PORT (e.g. 127.0.0.1:9101)")
    ais.add_argument("--retention-days", type=int, default=None,
                     help="keep this many days of history before the newest data stored (0: all; default 30 "
                          "with --udp/--tcp, all for a replay of files); a run never drops what it stored")
    ais.add_argument("--decoders", type=int, default=os.cpu_count() or 1,
                     help="decoder processes for a single log file (default: one per core)")
    ais.add_argument("--slow-path", action="store_true", help="decode every line with pyais, one by one (without "
                     "it, plain position reports of types 1, 2, 3 and 18 are decoded a chunk at once, into the "
                     "same rows)")
    ais.add_argument("--bus", help="publish what the sources accept to NATS JetStream at nats://USER@HOST:PORT "
                     "instead of decoding it here (writers: `ingest ais-bus`); the password from "
                     "PORTMAP_NATS_PASSWORD or the generated secret")
    ais.add_argument("--port-id", default="weifang", help="with --bus: the port whose subject it publishes on")
    ais.set_defaults(func=cmd_ais)


def _alerts_out_arguments(out: argparse.ArgumentParser) -> None:
    from portdomain.broker import add_arguments as broker_arguments
    out.add_argument("--mqtt", default=f"127.0.0.1:{os.environ.get('PORTMAP_MQTT_PORT', '51883')}",
                     help="the broker, HOST:PORT or mqtt[s]://USER@HOST:PORT")
    out.add_argument("--port-id", default="weifang")
    out.add_argument("--poll", type=float, default=2.0, help="seconds between looks when no NOTIFY wakes it")
    out.add_argument("--client-id", default="portmap-alerts-out", help="MQTT client id (the persistent session)")
    broker_arguments(out)
    out.set_defaults(func=cmd_alerts_out)


def cmd_alerts_out(args: argparse.Namespace) -> int:
    """Publish alert state changes on MQTT until SIGTERM (ingest/alerts/outbound.py)."""
    from ingest.alerts.outbound import AlertPublisher
    from portdomain import broker
    from sql import DbSettings

    try:
        login = broker.from_arguments(args.mqtt, args, broker.ALERTS_USER)
    except broker.BrokerConfigError as err:
        print(f"alerts-out: {err}", file=sys.stderr)
        return 2
    publisher = AlertPublisher(DbSettings.for_role("alerts"), login, args.port_id, poll_s=args.poll,
                               client_id=args.client_id)
    counts = _serve(publisher.run, publisher.stop, exit_within_s=STOP_DEADLINE_S)
    print(f"alerts-out: {dict(counts or {})}")
    return 0


def _tracking_arguments(sub: Any) -> None:
    """The options of `python -m ingest trackers` and `python -m ingest vehicles`."""
    trk = sub.add_parser("trackers", help="phone trackers of people (OsmAnd / Traccar Client protocol over HTTP)")
    trk.add_argument("--http", help="serve the protocol on HOST:PORT (each device's token: --token-for)")
    trk.add_argument("--token-for", metavar="DEVICE", help="print the token of a device id and exit (signed with "
                     "PORTMAP_TRACKER_SECRET, else .data/secrets/tracker-secret)")
    trk.add_argument("--port-id", default="weifang", help="the port whose [retention] people_days applies")
    trk.add_argument("--retention-days", type=int, default=None, help="days people's positions are kept "
                     "(default: port.toml [retention] people_days, else 7)")
    trk.add_argument("--connection-deadline-s", type=float, default=20.0, help="no connection lives longer")
    trk.set_defaults(func=cmd_trackers)
    veh = sub.add_parser("vehicles", help="JT/T 808 (2013 and 2019) vehicle terminals over TCP")
    veh.add_argument("--jt808", help="accept terminals' TCP connections on HOST:PORT (auth codes signed with "
                     "PORTMAP_JT808_SECRET, else .data/secrets/jt808-secret)")
    veh.add_argument("--station", default="jt808-0", help="the listener's name in feed_status (vehicles:jt808:NAME)")
    veh.add_argument("--idle-s", type=float, default=300.0, help="close a terminal's connection silent this long")
    veh.add_argument("--max-connections", type=int, default=15000)
    veh.add_argument("--auth-deadline-s", type=float, default=30.0, help="close a connection that has not "
                     "authenticated a terminal this long after it opened")
    veh.add_argument("--registration", choices=("registry", "open"), default="registry",
                     help="registry: only terminals in the vehicle registry (*.vehicles.csv) may register (others "
                          "are answered 4, no such terminal); open: any terminal. Either way a terminal registers "
                          "once (again: answered 3) until it logs out (0x0003)")
    veh.add_argument("--registry-refresh-s", type=float, default=10.0, help="how often the registry is read")
    veh.add_argument("--port-id", default="weifang", help="the port whose [retention] position_days applies")
    veh.add_argument("--retention-days", type=int, default=None, help="days of vehicle history kept (0: all; "
                     "default: port.toml [retention] position_days, else 30)")
    veh.add_argument("--batch-s", type=float, default=0.05, help="the longest a report waits to be written "
                     "(batches also end at 5,000 reports)")
    veh.add_argument("--buffer-rows", type=int, default=500_000, help="reports held while the database is away; "
                     "beyond, terminals are answered 'failed' and keep them (blind-area data)")
    veh.set_defaults(func=cmd_vehicles)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    port = sub.add_parser("port", help="validate and load a port package (port.toml + GeoJSON)")
    port.add_argument("path", help="the package folder, e.g. assets/ports/weifang")
    port.add_argument("--check", action="store_true", help="validate only, write nothing")
    port.set_defaults(func=cmd_port)
    _ais_arguments(sub.add_parser("ais", help="ingest AIS NMEA 0183 from files, UDP and TCP"))
    _bus_arguments(sub.add_parser("ais-bus", help="write AIS from the NATS JetStream bus (any number of these, "
                                                  "anywhere)"))
    table = sub.add_parser("ais-table", help="AIS from a MarineCadastre/NOAA CSV or a GeoPackage of points "
                                              "(MMSI, BaseDateTime, LAT, LON, SOG, COG, Heading, VesselName, …)")
    table.add_argument("file", nargs="+", help="a .csv or .gpkg file (repeatable)")
    table.set_defaults(func=cmd_ais_table)
    cam = sub.add_parser("camera", help="Frigate camera events from MQTT")
    cam.add_argument("--mqtt", default=f"127.0.0.1:{os.environ.get('PORTMAP_MQTT_PORT', '51883')}",
                     help="the broker, HOST:PORT or mqtt[s]://USER@HOST:PORT")
    cam.add_argument("--port-id", default="weifang", help="the loaded port whose cameras the events name")
    cam.add_argument("--topic", default="frigate/events")
    cam.add_argument("--client-id", default="portmap-camera", help="MQTT client id (the persistent session)")
    cam.add_argument("--webhook", help="also serve POST /api/v1/camera-events on HOST:PORT "
                     "(token from PORTMAP_WEBHOOK_TOKEN)")
    cam.add_argument("--metrics", help="serve Prometheus /metrics on HOST:PORT (e.g. 127.0.0.1:9102)")
    from portdomain.broker import add_arguments as broker_arguments
    broker_arguments(cam)
    cam.add_argument("--state-dir", help="where attempts at unacknowledged messages are counted, so a message "
                     "the worker does not survive is dead-lettered after 3 tries (default: $PORTMAP_DATA or .data, "
                     "then spool/camera)")
    cam.add_argument("--hikvision-stream", action="append", metavar="URL",
                     help="read a Hikvision /ISAPI/Event/notification/alertStream (digest login: --stream-login)")
    cam.add_argument("--dahua-stream", action="append", metavar="[DEVICE=]URL",
                     help="read a Dahua /cgi-bin/eventManager.cgi?action=attach&codes=[All] stream; DEVICE is the "
                     "device part of the cameras' dahua: vendor ids (default: the URL's host)")
    cam.add_argument("--stream-login", metavar="FILE", help="the devices' user:password (one line; else "
                     "PORTMAP_CAMERA_STREAM_USER and PORTMAP_CAMERA_STREAM_PASSWORD)")
    cam.add_argument("--gb28181", metavar="HOST:PORT", help="listen for GB/T 28181 SIP MESSAGE alarms and "
                     "keepalives over UDP and TCP (devices of the package only; digest REGISTER with "
                     "PORTMAP_GB28181_PASSWORD)")
    cam.add_argument("--gb28181-tz", default="Asia/Shanghai", help="the time zone of the devices' local times")
    cam.set_defaults(func=cmd_camera)
    yard = sub.add_parser("yard", help="import a TOS CSV snapshot of the container yard")
    yard.add_argument("--tos", help="a TOS CSV snapshot")
    yard.add_argument("--edifact", action="append", help="a COARRI, CODECO or BAPLIE file (repeatable)")
    yard.add_argument("--port-id", default="weifang")
    yard.add_argument("--at", help="when the snapshot was taken (ISO 8601; default: the file's time)")
    yard.set_defaults(func=cmd_yard)
    _tracking_arguments(sub)
    haz = sub.add_parser("hazmat", help="dangerous-goods declarations and gate transactions (CSV or JSON)")
    haz.add_argument("--declarations", action="append", help="a declarations file (repeatable)")
    haz.add_argument("--gate", action="append", help="a gate transactions file (repeatable)")
    haz.add_argument("--port-id", default="weifang")
    haz.set_defaults(func=cmd_hazmat)

    box = sub.add_parser("inbox", help="import the files dropped in a folder (*.tos.csv, *.edi, *.hazmat.csv|json, "
                                       "*.gate.csv|json, *.vehicles.csv, …), then move them to done/ or failed/")
    box.add_argument("folder")
    box.add_argument("--port-id", default="weifang")
    box.add_argument("--poll", type=float, default=1.0, help="seconds between looks at the folder")
    box.add_argument("--once", action="store_true", help="import what is there now, then exit")
    box.set_defaults(func=cmd_inbox)

    alerts = sub.add_parser("alerts", help="the alert engine: evaluate every rule every few seconds")
    alerts.add_argument("--port-id", default="weifang")
    alerts.add_argument("--interval", type=float, default=1.0, help="seconds between evaluation cycles")
    alerts.add_argument("--once", action="store_true", help="one cycle, print what it found, exit")
    alerts.add_argument("--from", dest="from_", help="retrospective: evaluate every rule over history from this "
                        "instant (ISO 8601, UTC unless an offset is given) ...")
    alerts.add_argument("--to", help="... to this one, and store what they raise as retrospective alerts")
    alerts.add_argument("--step", default="2s", help="retrospective: simulated time between evaluations (2s)")
    alerts.add_argument("--port-step", help="retrospective: how often the rules that read the port's other tables "
                        "(camera events, yard, gates, plans) are evaluated (default: every step)")
    alerts.add_argument("--reference", action="store_true", help="retrospective: every rule over the whole "
                        "picture at every step, instead of only what changed (slower; the same alerts)")
    alerts.set_defaults(func=cmd_alerts)
    _alerts_out_arguments(sub.add_parser("alerts-out", help="publish every alert state change on MQTT "
                                                         "(portmap/<port>/alerts/<id>, retained JSON)"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("pydifact").setLevel(logging.WARNING)     # it names the syntax of every file it reads
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
