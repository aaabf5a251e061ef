"""Alerts out over MQTT: every state change of the port's alerts (raise, acknowledge, suppress, unsuppress,
resolve, reopen, escalate) published as JSON on `portmap/<port>/alerts/<id>`, retained, QoS 1, in the order the
changes were made, so that a subscriber that comes later still gets each alert's current state. The engine's and the
officers' NOTIFYs wake it; it also looks every `poll_s`. What was published is checkpointed (ingest_checkpoint) only
once the broker has acknowledged it, so a restart or a broker outage publishes everything once more at worst, never
less. It never blocks the alert engine: it is a process of its own that reads what the engine wrote.

    python -m ingest alerts-out --mqtt 127.0.0.1:1883 [--port-id weifang]
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from typing import Any

import paho.mqtt.client as mqtt
import psycopg

from portdomain.broker import BrokerLogin
from sql import DbSettings, connect, query

log = logging.getLogger(__name__)
BATCH = 500


def topic(port_id: str, alert_id: int) -> str:
    return f"portmap/{port_id}/alerts/{alert_id}"


class AlertPublisher:
    """Publishes the alert changes after its checkpoint until stopped."""

    def __init__(self, db: DbSettings, login: BrokerLogin, port_id: str, *, poll_s: float = 2.0,
                 client_id: str = "portmap-alerts-out", ack_timeout_s: float = 10.0) -> None:
        self.db, self.login, self.port_id = db, login, port_id
        self.poll_s, self.ack_timeout_s = poll_s, ack_timeout_s
        self.checkpoint_key = f"alerts-out:mqtt:{port_id}"
        self.counts: Counter[str] = Counter()
        self._stop = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False)
        login.apply(self.client)
        self.client.reconnect_delay_set(1, 30)

    def run(self) -> Counter[str]:
        self.client.connect_async(self.login.host, self.login.port, keepalive=30)
        self.client.loop_start()
        try:
            while not self._stop.is_set():
                try:
                    self._serve()
                except (psycopg.Error, OSError) as err:        # the database away: back off, then again
                    log.warning("alerts-out: %s; again in %.0f s", err, self.poll_s)
                    self.counts["db_errors"] += 1
                    self._stop.wait(self.poll_s)
        finally:
            self.client.loop_stop()
            self.client.disconnect()
        return self.counts

    def _serve(self) -> None:
        with connect(self.db, autocommit=True) as conn:
            query(conn, "alert_listen")
            while not self._stop.is_set():
                while self.publish_pending(conn) == BATCH:
                    pass
                for _ in conn.notifies(timeout=self.poll_s, stop_after=1):
                    pass

    def publish_pending(self, conn: psycopg.Connection[Any]) -> int:
        """Publish what changed after the checkpoint, in order, and advance it past what the broker acknowledged;
        stop at the first change it did not (it is tried again next time). Returns how many were published."""
        rows = query(conn, "checkpoint_get", {"source": self.checkpoint_key})
        after = int(rows[0][0]) if rows else None
        changes = query(conn, "alert_out_changes", {"port_id": self.port_id, "after": after, "limit": BATCH})
        published = 0
        for action_id, payload, alert_id in changes:
            info = self.client.publish(topic(self.port_id, alert_id), payload, qos=1, retain=True)
            try:
                info.wait_for_publish(self.ack_timeout_s)
            except (RuntimeError, ValueError) as err:           # not connected, or the queue refused it
                log.warning("alerts-out: alert %s not published: %s", alert_id, err)
            if not info.is_published():
                self.counts["unacknowledged"] += 1
                break
            query(conn, "checkpoint_set", {"source": self.checkpoint_key, "position": action_id,
                                           "file_identity": None})
            published += 1
        self.counts["published"] += published
        return published

    def stop(self) -> None:
        self._stop.set()
