"""How a process logs in to the MQTT broker: a user, a password read from a file, TLS with a CA when asked.

`--mqtt` takes HOST:PORT or a URL (`mqtt://user@host:1883`, `mqtts://user@host:8883`: TLS); `--mqtt-user`,
`--mqtt-password-file` and `--mqtt-tls-ca` say the rest. With none of them the private broker of
scripts/services.sh is meant: each process has its own user there (ACL: what it may publish and read) and its
password in `.data/secrets/mqtt-<user>` (root only). A password is never taken from the command line.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from portdomain.secrets import secrets_dir

# The users of the private broker (scripts/services.sh makes them and their ACL): the camera worker reads
# frigate/#; `frigate` is what a Frigate server logs in as (the demo feed, the tests' publishers).
CAMERA_USER = "portmap-camera"
FRIGATE_USER = "frigate"
TEST_USER = "portmap-test"      # the tests and benchmarks, on topics of their own
ALERTS_USER = "portmap-alerts"  # alerts out: publishes portmap/<port>/alerts/<id>


class BrokerConfigError(ValueError):
    """The broker address or login options do not make sense."""


def private_password_file(user: str) -> Path:
    return secrets_dir() / f"mqtt-{user}"


@dataclass(frozen=True)
class BrokerLogin:
    host: str
    port: int
    user: str | None = None
    password: str | None = None
    tls_ca: str | None = None
    tls: bool = False

    @classmethod
    def private(cls, user: str, host: str = "127.0.0.1", port: int | None = None) -> BrokerLogin:
        """The private broker as `user`, with its generated password (none if services.sh has not made it)."""
        port = port if port is not None else int(os.environ.get("PORTMAP_MQTT_PORT", "51883"))
        path = private_password_file(user)
        password = path.read_text(encoding="utf-8").strip() if path.is_file() else None
        return cls(host, port, user if password is not None else None, password)

    def apply(self, client: Any) -> None:
        """Set the login (and TLS) on a paho client before it connects."""
        if self.user is not None:
            client.username_pw_set(self.user, self.password)
        if self.tls or self.tls_ca:
            client.tls_set(ca_certs=self.tls_ca)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mqtt-user", help="the broker login (default: this process's user on the private broker)")
    parser.add_argument("--mqtt-password-file", help="a file holding the broker password (mode 0600)")
    parser.add_argument("--mqtt-tls-ca", help="connect with TLS, checking the broker against this CA file")


def from_arguments(address: str, args: argparse.Namespace, default_user: str) -> BrokerLogin:
    """The login of `--mqtt` and the options of add_arguments; the private broker's user when none is given."""
    return login_for(address, getattr(args, "mqtt_user", None), getattr(args, "mqtt_password_file", None),
                     getattr(args, "mqtt_tls_ca", None), default_user)


def login_for(address: str, user: str | None, password_file: str | None, tls_ca: str | None,
              default_user: str) -> BrokerLogin:
    tls = False
    if "://" in address:
        parts = urlsplit(address)
        if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
            raise BrokerConfigError(f"{address}: the broker URL is mqtt:// or mqtts://")
        if parts.password:
            raise BrokerConfigError("a broker password does not go in the URL: use --mqtt-password-file")
        tls = parts.scheme in ("mqtts", "ssl")
        host = parts.hostname or "127.0.0.1"
        port = parts.port or (8883 if tls else 1883)
        user = user or (unquote(parts.username) if parts.username else None)
    else:
        host, _, port_text = address.rpartition(":")
        if not host or not port_text.isdigit():
            raise BrokerConfigError(f"{address}: expected HOST:PORT or an mqtt:// URL")
        port = int(port_text)
    if user is None and password_file is None:
        private = BrokerLogin.private(default_user, host, port)
        return BrokerLogin(host, port, private.user, private.password, tls_ca, tls)
    password = None
    if password_file:
        path = Path(password_file)
        if not path.is_file():
            raise BrokerConfigError(f"{password_file}: no such password file")
        password = path.read_text(encoding="utf-8").strip()
    return BrokerLogin(host, port, user or default_user, password, tls_ca, tls)
