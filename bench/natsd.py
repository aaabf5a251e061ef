"""A private NATS server with JetStream on disk and a password, for the bus's tests and benchmark (the
deployment runs its own: docs/scaling.md)."""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Natsd:
    store: Path
    port: int = 0
    user: str = "portmap"
    password: str = ""
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The URL the processes are given (the password goes in PORTMAP_NATS_PASSWORD, not here)."""
        return f"nats://{self.user}@127.0.0.1:{self.port}"

    def start(self) -> Natsd:
        binary = shutil.which("nats-server") or "/usr/sbin/nats-server"
        self.port = self.port or free_port()
        self.password = self.password or secrets.token_urlsafe(18)
        self.store.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen([binary, "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.store),
                                      "--user", self.user, "--pass", self.password],
                                     stdout=subprocess.DEVNULL, stderr=(self.store / "natsd.log").open("ab"))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("nats-server did not start")

    def kill(self) -> None:
        """kill -9: what JetStream wrote to disk must survive it."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None
