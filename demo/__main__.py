"""`python -m demo`: a port at work, fed to the ingest workers over AIS/UDP, Frigate/MQTT and a drop folder."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path

from demo.feed import DemoFeed, Options
from demo.incidents import schedule, wall_minutes_to_start_all
from demo.world import load_world
from portdomain import broker
from portdomain.addresses import parse_address


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__)
    parser.add_argument("--port", default="assets/ports/weifang", help="the port package")
    parser.add_argument("--scenario", help="the scenario TOML (default: demo/scenarios/<port id>.toml)")
    parser.add_argument("--speed", type=float, default=1.0, help="time acceleration (20: an hour in 3 minutes)")
    parser.add_argument("--seed", type=int, default=7, help="the same seed gives the same port, the same incidents")
    parser.add_argument("--vessels", type=int, help="scale mode: drive this many vessels (e.g. 10000)")
    parser.add_argument("--incidents", choices=("on", "off"), default="on")
    parser.add_argument("--ais", default="127.0.0.1:10110", help="where the AIS worker listens (UDP)")
    parser.add_argument("--mqtt", default=f"127.0.0.1:{os.environ.get('PORTMAP_MQTT_PORT', '51883')}",
                        help="the broker, HOST:PORT or mqtt[s]://USER@HOST:PORT (the feed logs in as Frigate)")
    broker.add_arguments(parser)
    parser.add_argument("--topic", default="frigate/events", help="the Frigate events topic")
    parser.add_argument("--jt808", help="the JT/T 808 server (HOST:PORT): drive the port's trucks and vehicles")
    parser.add_argument("--trackers", help="the phone trackers' listener (HOST:PORT): the patrol and boarding teams")
    parser.add_argument("--inbox", default=".data/inbox", help="the drop folder the inbox worker watches")
    parser.add_argument("--incident-log", default=".data/demo/incidents.jsonl")
    parser.add_argument("--duration", type=float, help="stop after this many wall seconds (default: run on)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.speed <= 0:
        parser.error("--speed must be positive")
    try:
        login = broker.from_arguments(args.mqtt, args, broker.FRIGATE_USER)
    except broker.BrokerConfigError as err:
        parser.error(str(err))
    world = load_world(args.port, args.scenario)
    options = Options(speed=args.speed, seed=args.seed, vessels=args.vessels, incidents=args.incidents == "on",
                      ais=parse_address(args.ais), mqtt=(login.host, login.port), mqtt_login=login,
                      topic=args.topic,
                      jt808=parse_address(args.jt808) if args.jt808 else None,
                      trackers=parse_address(args.trackers) if args.trackers else None,
                      inbox=Path(args.inbox),
                      incident_log=Path(args.incident_log) if args.incident_log else None)
    if options.incidents:
        last = wall_minutes_to_start_all(schedule(world.scenario), args.speed)
        logging.info("every incident will have started %.1f wall minutes after the start", last)
    feed = DemoFeed(world, options)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        feed.run(args.duration)
    except KeyboardInterrupt:
        return 130
    finally:
        feed.cameras.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
