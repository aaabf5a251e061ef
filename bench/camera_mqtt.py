"""Camera events through a real MQTT broker into PostGIS: events/s end to end.

    .venv/bin/python -m bench.camera_mqtt [--tracks 2000]

Each track is a Frigate new, update and end (3 QoS 1 messages); the figure is messages stored per second
from the first publish until the last row is committed.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time

import paho.mqtt.client as mqtt
import psycopg

from bench.ais_ingest import ROOT, fresh_port_database
from ingest.camera.mqtt import FrigateSubscriber
from portdomain.broker import TEST_USER, BrokerLogin
from sql import DbSettings

CAPTURED = json.loads((ROOT / "tests" / "fixtures" / "camera" / "frigate-events-front_door-person.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tracks", type=int, default=2_000)
    args = parser.parse_args()
    port = int(os.environ.get("PORTMAP_MQTT_PORT", "51883"))
    url = fresh_port_database("portmap_bench_camera")
    client_id = f"bench-{time.time_ns()}"
    sub = FrigateSubscriber("127.0.0.1", port, DbSettings(url=url), "weifang", client_id=client_id,
                            topic="bench/frigate/events", login=BrokerLogin.private(TEST_USER))
    runner = threading.Thread(target=sub.run)
    runner.start()
    while not sub.client.is_connected():
        time.sleep(0.05)
    time.sleep(0.3)                                  # the subscription is in place
    messages = []
    for i in range(args.tracks):
        for template in (CAPTURED[0], CAPTURED[1], CAPTURED[3]):
            doc = json.loads(json.dumps(template))
            doc["after"].update(id=f"bench-{i}", camera="ctn_quay")
            messages.append(json.dumps(doc).encode())
    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"{client_id}-pub")
    BrokerLogin.private(TEST_USER).apply(pub)
    pub.max_inflight_messages_set(1000)
    pub.connect("127.0.0.1", port)
    pub.loop_start()
    started = time.perf_counter()
    infos = [pub.publish("bench/frigate/events", m, qos=1) for m in messages]
    for info in infos:
        info.wait_for_publish(timeout=30)
    deadline = time.monotonic() + 120
    while sub.counts["stored"] < len(messages) and time.monotonic() < deadline:
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    sub.stop()
    runner.join()
    pub.loop_stop()
    with psycopg.connect(url) as conn:
        rows, ended = conn.execute("SELECT count(*), count(end_at) FROM camera_event").fetchone()  # type: ignore[misc]
    print(f"camera events: {sub.counts['stored']:,} of {len(messages):,} messages stored in {elapsed:.2f} s "
          f"({sub.counts['stored'] / elapsed:,.0f} messages/s); {rows:,} tracks, {ended:,} ended")


if __name__ == "__main__":
    main()
