"""Subscribe to Frigate's MQTT events with QoS 1 and a persistent session; acknowledge only after commit."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from typing import Any

import paho.mqtt.client as mqtt
import psycopg

from ingest.broker import CAMERA_USER, BrokerLogin
from ingest.camera.store import CameraStore
from ingest.metrics import IngestMetrics
from sql import DbSettings, connect

log = logging.getLogger(__name__)


class FrigateSubscriber:
    """Messages are acknowledged to the broker only once their rows are committed, so neither a broker
    restart nor a database outage loses one: an unacknowledged QoS 1 message is delivered again."""

    def __init__(self, host: str, port: int, db: DbSettings, port_id: str, *, topic: str = "frigate/events",
                 client_id: str = "portmap-camera", batch_ms: int = 250,
                 metrics: IngestMetrics | None = None, login: BrokerLogin | None = None) -> None:
        """`login` None: the camera worker's own user on the private broker (ingest/broker.py)."""
        self.host, self.port, self.topic = host, port, topic
        self.db, self.port_id = db, port_id
        self.source = f"camera:mqtt:{client_id}"
        self.batch_ms = batch_ms
        self.stop_event = threading.Event()
        self.inbox: queue.Queue[tuple[str, bytes, int, int]] = queue.Queue()
        self.counts: Counter[str] = Counter()
        self.metrics = metrics
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False)
        self.client.manual_ack_set(True)
        (login or BrokerLogin.private(CAMERA_USER, host, port)).apply(self.client)
        self.client.reconnect_delay_set(min_delay=1, max_delay=5)
        self.client.on_connect = self._on_connect
        self.client.on_message = lambda _c, _u, msg: self.inbox.put((msg.topic, bytes(msg.payload), msg.mid, msg.qos))
        prefix = topic.split("/")[0]
        self.status_topics = (f"{prefix}/available", f"{prefix}/+/status/detect")
        self.reviews_topic = f"{prefix}/reviews"

    def _on_connect(self, client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any) -> None:
        log.info("connected to %s:%s (%s); subscribing to %s", self.host, self.port, reason, self.topic)
        client.subscribe([(self.topic, 1), (self.reviews_topic, 1), *((t, 1) for t in self.status_topics)])

    def run(self) -> Counter[str]:
        self.client.connect_async(self.host, self.port, keepalive=15)
        self.client.loop_start()
        store: CameraStore | None = None
        backoff = 0.5
        pending: list[tuple[str, bytes, int, int]] = []
        try:
            while not self.stop_event.is_set() or pending:
                pending += self._gather()
                if not pending:
                    continue
                try:
                    store = store or CameraStore(connect(self.db), self.port_id, self.source)
                    started = time.perf_counter()
                    written = store.write([p for t, p, _, _ in pending if t == self.topic],
                                          [p for t, p, _, _ in pending if t == self.reviews_topic])
                    self.counts.update(written)
                    self._measure(written, time.perf_counter() - started, len(pending))
                    for t, p, _, _ in pending:
                        if t not in (self.topic, self.reviews_topic):
                            parts = t.split("/")
                            store.set_status(parts[1] if len(parts) == 4 else None, p.decode("utf-8", "replace"))
                            self.counts["status"] += 1
                except psycopg.OperationalError as err:
                    log.warning("database unavailable (%s); retrying in %.1f s", str(err).strip()[:80], backoff)
                    store = None
                    if self.stop_event.wait(backoff):
                        break                   # unacknowledged messages stay with the broker
                    backoff = min(backoff * 2, 5.0)
                    continue
                backoff = 0.5
                for _, _, mid, qos in pending:
                    if qos > 0:
                        self.client.ack(mid, qos)
                pending = []
        finally:
            self.client.loop_stop()
            self.client.disconnect()
        return self.counts

    def _measure(self, written: Counter[str], seconds: float, messages: int) -> None:
        if self.metrics is None:
            return
        m = self.metrics
        m.lines.labels(self.source).inc(messages)
        m.messages.labels(self.source).inc(written.get("stored", 0))
        for reason, n in written.items():
            if reason != "stored":
                m.rejects.labels(self.source, reason).inc(n)
        m.batch_seconds.observe(seconds)
        m.queue_depth.set(self.inbox.qsize())

    def _gather(self) -> list[tuple[str, bytes, int, int]]:
        items: list[tuple[str, bytes, int, int]] = []
        deadline = time.monotonic() + self.batch_ms / 1000
        while time.monotonic() < deadline:
            try:
                items.append(self.inbox.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                break
        return items

    def stop(self) -> None:
        self.stop_event.set()
