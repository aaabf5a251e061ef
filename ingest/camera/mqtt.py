"""Subscribe to Frigate's MQTT events with QoS 1 and a persistent session; acknowledge only after commit."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import psycopg

from ingest.attempts import AttemptLog
from ingest.batchsplit import write_split
from ingest.camera.frigate import MAX_BYTES
from ingest.camera.store import CameraStore
from ingest.deadletter import PAYLOAD_CAP, cap, dead_letter
from ingest.feeds import record_batch
from ingest.limits import safe_raw
from ingest.metrics import IngestMetrics
from portdomain.broker import CAMERA_USER, BrokerLogin
from sql import DbSettings, connect

log = logging.getLogger(__name__)
Message = tuple[str, bytes, int, int, int]   # topic, payload (at most PAYLOAD_CAP of an oversize one), mid, qos, size
ATTEMPTS = 3        # a message that fails this many times alone, or kills the worker this many times, is dead-lettered


class FrigateSubscriber:
    """Messages are acknowledged to the broker only once their rows are committed, so neither a broker
    restart nor a database outage loses one: an unacknowledged QoS 1 message is delivered again. A message
    refused (bad JSON, too deep, too large, NUL, invalid UTF-8, unknown camera …) is acknowledged once it is in
    the dead-letter table with its reason; one that fails ATTEMPTS times alone (the database refuses it), or
    whose writing the worker did not survive ATTEMPTS times (counted on disk in `state_dir`), is dead-lettered
    too, so the broker never re-delivers a poison message for ever."""

    def __init__(self, host: str, port: int, db: DbSettings, port_id: str, *, topic: str = "frigate/events",
                 client_id: str = "portmap-camera", batch_ms: int = 250,
                 metrics: IngestMetrics | None = None, login: BrokerLogin | None = None,
                 state_dir: Path | None = None) -> None:
        """`login` None: the camera worker's own user on the private broker (portdomain/broker.py)."""
        self.host, self.port, self.topic = host, port, topic
        self.db, self.port_id = db, port_id
        self.source = f"camera:mqtt:{client_id}"
        self.batch_ms = batch_ms
        self.stop_event = threading.Event()
        self.inbox: queue.Queue[Message] = queue.Queue()
        self.store: CameraStore | None = None
        self.dead_since_cap = 0
        self.attempts = AttemptLog(state_dir / f"attempts-{client_id}.json" if state_dir else None)
        self.counts: Counter[str] = Counter()
        self.metrics = metrics
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False)
        self.client.manual_ack_set(True)
        (login or BrokerLogin.private(CAMERA_USER, host, port)).apply(self.client)
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
                pending = []            # (each was acknowledged once it was stored or dead-lettered)
        finally:
            self.client.loop_stop()
            self.client.disconnect()
            self._drop_store()
        return self.counts

    def _write_batch(self, pending: list[Message]) -> None:
        """Write what is pending, acknowledging (and taking out of `pending`) each message once it is stored or
        dead-lettered. A message whose earlier attempts killed the worker ATTEMPTS times is dead-lettered
        unread; one seen before is written alone (it may be the poison); the rest as one batch. Raises
        OperationalError when the database is away (the messages stay pending)."""
        keys = {id(m): self.attempts.key(m[0], m[1]) for m in pending}     # (QoS 0 messages share mid 0)
        given_up = [m for m in pending if self.attempts.get(keys[id(m)]) >= ATTEMPTS]
        if given_up:
            store = self._store()
            with store.conn.transaction():
                for m in given_up:
                    self._give_up(m, f"the worker stopped {self.attempts.get(keys[id(m)])} times while writing it",
                                  ATTEMPTS)
            self._done(pending, given_up, keys)
        suspects = [[m] for m in pending if self.attempts.get(keys[id(m)]) > 0]
        fresh = [m for m in pending if self.attempts.get(keys[id(m)]) == 0]
        for part in [*suspects, fresh]:
            if not part:
                continue
            self.attempts.add(keys[id(m)] for m in part)         # on disk before the write: a crash counts
            try:
                self._write_split(part)
            except psycopg.OperationalError:
                self.attempts.add((keys[id(m)] for m in part), -1)   # an outage is not the message's fault
                raise
            self._done(pending, part, keys)

    def _write_split(self, part: list[Message]) -> None:
        """One transaction: the part, split (bisect) if the database refuses it until only the refused messages
        are left, which are tried alone ATTEMPTS times and then dead-lettered."""
        store = self._store()
        with store.conn.transaction():
            split = write_split(store.conn, part, lambda rows: self._write(list(rows)), ATTEMPTS)
            for refused in split.refused:
                self._give_up(refused.row, refused.reason, refused.attempts)

    def _done(self, pending: list[Message], messages: list[Message], keys: dict[int, str]) -> None:
        for m in messages:
            if m[3] > 0:
                self.client.ack(m[2], m[3])
            pending.remove(m)
        self.attempts.clear(keys[id(m)] for m in messages)

    def _give_up(self, message: Message, detail: str, attempts: int) -> None:
        """Dead-letter a message as failed_N_times, inside the caller's transaction."""
        conn = self._store().conn
        reason = f"failed_{ATTEMPTS}_times"
        dead_letter(conn, self.source, message[0], reason, detail, message[1], attempts, size=message[4])
        record_batch(conn, self.source, "camera", stored=0, reasons={reason: 1},
                     rejects=[(self.source, reason, detail, safe_raw(message[1]))])
        self.counts[reason] += 1
        log.error("message on %s dead-lettered after %d attempts: %s", message[0], attempts, detail)

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
        refusals = sum(n for reason, n in written.items() if reason not in ("stored", "status"))
        self.dead_since_cap += refusals
        if self.dead_since_cap >= 1_000:         # the table is a window: keep it from growing without end
            with store.conn.transaction():
                cap(store.conn, self.source)
            self.dead_since_cap = 0

    def _store(self) -> CameraStore:
        if self.store is None:
            self.store = CameraStore(connect(self.db), self.port_id, self.source)
        return self.store

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
