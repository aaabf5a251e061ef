"""A whole stack as `make demo` runs it, in a folder and on ports of its own: the private PostgreSQL and MQTT
broker (scripts/services.sh with PORTMAP_DATA) and every worker under scripts/daemon.sh's supervisor. The fault
tests, the poison-input tests and `bench.chaos` run on it; so do the senders they share."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import psycopg

from portdomain.broker import FRIGATE_USER, BrokerLogin

ROOT = Path(__file__).resolve().parent.parent
WEBHOOK_TOKEN = "faults-webhook-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(what: str, check: Callable[[], bool], timeout_s: float = 60, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(every)


class Stack:
    """services.sh and daemon.sh as make demo uses them, in a folder and on ports of their own."""

    def __init__(self) -> None:
        self.data = Path(f"/var/tmp/portmap-faults-{uuid.uuid4().hex[:8]}")
        self.ports = {k: free_port() for k in ("pg", "mqtt", "udp", "tcp", "app", "webhook", "metrics")}
        # the admin login (its password in the stack's own secrets, as services.sh made them); the workers log in
        # as their own roles
        self.url = (f"postgresql://postgres@127.0.0.1:{self.ports['pg']}/portmap"
                    f"?passfile={self.data / 'secrets' / 'pgpass'}")
        self.env = {**{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PORTMAP_DB_URL")},
                    "PORTMAP_DATA": str(self.data), "PORTMAP_RUN": str(self.data / "run"),
                    "PORTMAP_PG_PORT": str(self.ports["pg"]), "PORTMAP_MQTT_PORT": str(self.ports["mqtt"]),
                    "PORTMAP_APP_PORT": str(self.ports["app"]), "PORTMAP_WEBHOOK_TOKEN": WEBHOOK_TOKEN}
        self.inbox = self.data / "inbox"
        self.base = f"http://127.0.0.1:{self.ports['app']}"

    def sh(self, *args: str) -> None:
        subprocess.run(["bash", *args], cwd=ROOT, env=self.env, check=True, capture_output=True, timeout=120)

    def py(self, *args: str) -> None:
        subprocess.run([sys.executable, *args], cwd=ROOT, env=self.env, check=True, capture_output=True,
                       timeout=300)

    def daemon(self, name: str, *cmd: str) -> None:
        self.sh("scripts/daemon.sh", "restart", name, sys.executable, *cmd)

    WORKERS = ("ais", "camera", "inbox", "alerts", "app")

    def start(self) -> None:
        self.sh("scripts/services.sh", "start")
        self.py("-m", "sql.migrate")
        self.py("-m", "ingest", "port", "assets/ports/weifang")
        with psycopg.connect(self.url, autocommit=True) as conn:       # the camera Frigate's real payloads name
            conn.execute("""INSERT INTO camera (port_id, camera_id, name_en, name_zh, source_name, bearing_deg,
                                fov_deg, range_m, zone_ids, geom, fov)
                            SELECT port_id, 'CAM-FD', 'Front door', '前门', 'front_door', bearing_deg, fov_deg,
                                   range_m, zone_ids, geom, fov FROM camera WHERE camera_id = 'CAM01'""")
        p = self.ports
        self.daemon("ais", "-m", "ingest", "ais", "--udp", f"127.0.0.1:{p['udp']}", "--tcp-listen",
                    f"127.0.0.1:{p['tcp']}", "--station", "faults",
                    "--spool", str(self.data / "spool" / "ais"), "--metrics", f"127.0.0.1:{p['metrics']}")
        self.daemon("camera", "-m", "ingest", "camera", "--mqtt", f"127.0.0.1:{p['mqtt']}",
                    "--webhook", f"127.0.0.1:{p['webhook']}", "--client-id", "faults-camera")
        self.daemon("inbox", "-m", "ingest", "inbox", str(self.inbox))
        self.daemon("alerts", "-m", "ingest", "alerts", "--port-id", "weifang")
        self.daemon("app", "-m", "app")
        self.sh("scripts/daemon.sh", "wait-http", f"{self.base}/healthz", "60")
        self.sh("scripts/daemon.sh", "wait-http", f"http://127.0.0.1:{p['metrics']}/metrics", "60")

    def stop(self) -> None:
        subprocess.run(["bash", "scripts/daemon.sh", "stop", *self.WORKERS], cwd=ROOT, env=self.env,
                       capture_output=True, check=False, timeout=120)
        subprocess.run(["bash", "scripts/services.sh", "stop"], cwd=ROOT, env=self.env, capture_output=True,
                       check=False, timeout=120)
        shutil.rmtree(os.path.realpath(self.data / "pg"), ignore_errors=True)
        shutil.rmtree(self.data, ignore_errors=True)

    def log(self, name: str) -> str:
        path = self.data / "run" / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def worker(self, name: str) -> int:
        """The pid of the supervised process (not the supervisor, not its backoff sleep)."""
        supervisor = int((self.data / "run" / f"{name}.pid").read_text())
        out = subprocess.run(["pgrep", "-P", str(supervisor), "-f", sys.executable], capture_output=True,
                             text=True).stdout.split()
        return int(out[0]) if out else 0

    def kill9(self, name: str) -> int:
        """kill -9 the worker and everything it started (the AIS writer process too); wait for its successor."""
        pid = self.worker(name)
        assert pid, f"{name} is not running"
        family = [pid, *map(int, subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                                                text=True).stdout.split())]
        for p in family:
            os.kill(p, signal.SIGKILL)
        wait_for(f"the supervisor to restart {name}", lambda: self.worker(name) not in (0, pid), 30)
        return self.worker(name)

    def query(self, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url, connect_timeout=3) as conn:
            return conn.execute(sql, params).fetchall()

    def up(self, url: str) -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return bool(r.status == 200)
        except (OSError, urllib.error.HTTPError):
            return False


def send_ais(port: int, lines: list[str], rate: int, during: Callable[[int], None] | None = None) -> None:
    """One datagram per line to udp://127.0.0.1:port, paced at `rate` a second; `during(i)` after line i."""
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    started = time.monotonic()
    for i, line in enumerate(lines):
        sender.sendto(line.encode() + b"\r\n", ("127.0.0.1", port))
        if during is not None:
            during(i)
        pause = started + (i + 1) / rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    sender.close()



class Publisher:
    """A Frigate-like publisher: QoS 1 with a persistent session, reconnecting; paho queues what is published
    while the broker is away (the call then says "not connected") and sends it on reconnect."""

    def __init__(self, port: int, data: Path) -> None:
        """`data`: the stack's folder, whose broker password for Frigate's user this publisher logs in with."""
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:6]}",
                                  clean_session=False)
        password = (data / "secrets" / f"mqtt-{FRIGATE_USER}").read_text().strip()
        BrokerLogin("127.0.0.1", port, FRIGATE_USER, password).apply(self.client)
        self.client.reconnect_delay_set(min_delay=1, max_delay=2)
        self.acked: set[int] = set()
        self.client.on_publish = lambda _c, _u, mid, _rc, _p: self.acked.add(mid)
        self.client.connect("127.0.0.1", port, keepalive=5)
        self.client.loop_start()
        self.infos: list[mqtt.MQTTMessageInfo] = []

    def publish(self, payload: bytes) -> None:
        self.infos.append(self.client.publish("frigate/events", payload, qos=1))

    def close(self) -> None:
        wait_for("the broker to take every message", lambda: {i.mid for i in self.infos} <= self.acked, 60)
        self.client.loop_stop()
        self.client.disconnect()
