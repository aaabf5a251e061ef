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

from ingest.camera.frigate import MAX_BYTES
from ingest.camera.store import CameraStore
from ingest.deadletter import PAYLOAD_CAP, dead_letter
from ingest.feeds import record_batch
from ingest.limits import safe_raw
from ingest.metrics import IngestMetrics
from sql import DbSettings, connect

log = logging.getLogger(__name__)
Message = tuple[str, bytes, int, int, int]   # topic, payload (at most PAYLOAD_CAP of an oversize one), mid, qos, size
ATTEMPTS = 3        # a message that fails this many times alone is dead-lettered (then acknowledged)


class FrigateSubscriber:
    """Messages are acknowledged to the broker only once their rows are committed, so neither a broker
    restart nor a database outage loses one: an unacknowledged QoS 1 message is delivered again. A message
    refused (bad JSON, too deep, too large, NUL, invalid UTF-8, unknown camera …) is acknowledged once it is in
    the dead-letter table with its reason; one that fails ATTEMPTS times alone (the database refuses it, a bug)
    is dead-lettered too, so the broker never re-delivers a poison message for ever."""

    def __init__(self, host: str, port: int, db: DbSettings, port_id: str, *, topic: str = "frigate/events",
                 client_id: str = "portmap-camera", batch_ms: int = 250,
                 metrics: IngestMetrics | None = None) -> None:
        self.host, self.port, self.topic = host, port, topic
        self.db, self.port_id = db, port_id
        self.source = f"camera:mqtt:{client_id}"
        self.batch_ms = batch_ms
        self.stop_event = threading.Event()
        self.inbox: queue.Queue[Message] = queue.Queue()
        self.store: CameraStore | None = None
        self.counts: Counter[str] = Counter()
        self.metrics = metrics
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False)
        self.client.manual_ack_set(True)
        self.client.reconnect_delay_set(min_delay=1, max_delay=5)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        prefix = topic.split("/")[0]
        self.status_topics = (f"{prefix}/available", f"{prefix}/+/status/detect")
        self.reviews_topic = f"{prefix}/reviews"

    def _on_message(self, _client: mqtt.Client, _userdata: Any, msg: mqtt.MQTTMessage) -> None:
        """Queue a message; of one over MAX_BYTES only its head is held (it is refused as too_large anyway)."""
        size = len(msg.payload)
        self.inbox.put((msg.topic, bytes(msg.payload[:PAYLOAD_CAP] if size > MAX_BYTES else msg.payload), msg.mid,
                        msg.qos, size))

    def _on_connect(self, client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any) -> None:
        log.info("connected to %s:%s (%s); subscribing to %s", self.host, self.port, reason, self.topic)
        client.subscribe([(self.topic, 1), (self.reviews_topic, 1), *((t, 1) for t in self.status_topics)])

    def run(self) -> Counter[str]:
        self.client.connect_async(self.host, self.port, keepalive=15)
        self.client.loop_start()
        backoff = 0.5
        pending: list[Message] = []
        try:
            while not self.stop_event.is_set() or pending:
                pending += self._gather()
                if not pending:
                    continue
                try:
                    self._write_batch(pending)
                except psycopg.OperationalError as err:
                    log.warning("database unavailable (%s); retrying in %.1f s", str(err).strip()[:80], backoff)
                    self._drop_store()
                    if self.stop_event.wait(backoff):
                        break                   # unacknowledged messages stay with the broker
                    backoff = min(backoff * 2, 5.0)
                    continue
                backoff = 0.5
                for _, _, mid, qos, _ in pending:
                    if qos > 0:
                        self.client.ack(mid, qos)
                pending = []
        finally:
            self.client.loop_stop()
            self.client.disconnect()
            self._drop_store()
        return self.counts

    def _write_batch(self, pending: list[Message]) -> None:
        """The batch in one transaction; if that fails for anything but an outage, each message alone, so only
        the one that fails (ATTEMPTS times) is dead-lettered. Raises OperationalError when the database is away."""
        try:
            self._write(pending)
            return
        except psycopg.OperationalError:
            raise
        except Exception as err:  # noqa: BLE001 - a data error or a bug: find the message that causes it
            log.warning("a batch of %d messages failed (%s: %s); writing them one at a time", len(pending),
                        type(err).__name__, str(err).strip()[:200])
            self._reset_store()
        for message in pending:
            self._write_alone(message)

    def _write_alone(self, message: Message) -> None:
        error: Exception | None = None
        for attempt in range(1, ATTEMPTS + 1):
            try:
                self._write([message])
                return
            except psycopg.OperationalError:
                raise
            except Exception as err:        # counted; dead-lettered after ATTEMPTS
                error = err
                log.warning("message on %s failed, attempt %d of %d: %s: %s", message[0], attempt, ATTEMPTS,
                            type(err).__name__, str(err).strip()[:200])
                self._reset_store()
                if self.stop_event.wait(0.1 * attempt):
                    raise psycopg.OperationalError("stopping with a message not yet stored") from err
        detail = f"{type(error).__name__}: {str(error).strip()[:300]}"
        with self._store().conn.transaction():
            dead_letter(self._store().conn, self.source, message[0], f"failed_{ATTEMPTS}_times", detail,
                        message[1], ATTEMPTS)
            record_batch(self._store().conn, self.source, "camera", stored=0, reasons={"dead_letter": 1},
                         rejects=[(self.source, "dead_letter", detail, safe_raw(message[1]))])
        self.counts["dead_letter"] += 1
        log.error("message on %s dead-lettered after %d attempts: %s", message[0], ATTEMPTS, detail)

    def _write(self, pending: list[Message]) -> None:
        """Store a batch and dead-letter what it refuses, in one transaction; status messages after it."""
        store = self._store()
        started = time.perf_counter()

        def refused(kind: str, payload: bytes, reason: str, detail: str) -> None:
            dead_letter(store.conn, self.source, self.topic if kind == "event" else self.reviews_topic, reason,
                        detail, payload)
        oversize = [m for m in pending if m[4] > MAX_BYTES]
        fitting = [m for m in pending if m[4] <= MAX_BYTES]
        with store.conn.transaction():
            written = store.write([m[1] for m in fitting if m[0] == self.topic],
                                  [m[1] for m in fitting if m[0] == self.reviews_topic], refused=refused)
            for topic, head, _, _, size in oversize:
                detail = f"{size} bytes (at most {MAX_BYTES})"
                dead_letter(store.conn, self.source, topic, "too_large", detail, head, size=size)
                record_batch(store.conn, self.source, "camera", stored=0, reasons={"too_large": 1},
                             rejects=[(self.source, "too_large", detail, safe_raw(head))])
                written["too_large"] += 1
        for topic, payload, _, _, _ in fitting:
            if topic not in (self.topic, self.reviews_topic):
                parts = topic.split("/")
                store.set_status(parts[1] if len(parts) == 4 else None, payload[:64].decode("utf-8", "replace"))
                written["status"] += 1
        self.counts.update(written)
        self._measure(written, time.perf_counter() - started, len(pending))

    def _store(self) -> CameraStore:
        if self.store is None:
            self.store = CameraStore(connect(self.db), self.port_id, self.source)
        return self.store

    def _reset_store(self) -> None:
        """After a failed transaction: roll back whatever is open (or reconnect if the connection is broken)."""
        if self.store is None:
            return
        try:
            self.store.conn.rollback()
        except psycopg.Error:
            self._drop_store()

    def _drop_store(self) -> None:
        if self.store is not None:
            try:
                self.store.conn.close()
            finally:
                self.store = None

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

    def _gather(self) -> list[Message]:
        items: list[Message] = []
        deadline = time.monotonic() + self.batch_ms / 1000
        while time.monotonic() < deadline:
            try:
                items.append(self.inbox.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                break
        return items

    def stop(self) -> None:
        self.stop_event.set()
