"""Login throttling in the database (issue 24, point 7), through the real app from real client addresses (the
loopback network is 127.0.0.0/8: each guesser binds an address of its own). Per account, back-off after a few
failures, checked before any password is looked at, with the right password working once it ends; per address,
a guesser is refused after too many failures; every app process shares the counts."""

from __future__ import annotations

import http.client
import re
import time
import urllib.parse
from typing import Any

import psycopg
import pytest

from app import auth
from tests.conftest import PASSWORD

pytestmark = pytest.mark.db


class Client:
    """A browser at one address: the login page's CSRF cookie and field, then POSTs of the form."""

    def __init__(self, base: str, address: str) -> None:
        self.base = base
        self.host, port = urllib.parse.urlsplit(base).netloc.split(":")
        self.port, self.address = int(port), address
        status, headers, body = self._send("GET", "/login", None, {})
        assert status == 200
        self.cookie = headers["set-cookie"].split(";", 1)[0]
        found = re.search(r'name="csrf" value="([^"]+)"', body)
        assert found, body[:500]
        self.csrf = found.group(1)

    def _send(self, method: str, path: str, body: str | None, headers: dict[str, str]) -> tuple[int, Any, str]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=20, source_address=(self.address, 0))
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read().decode()
        finally:
            conn.close()

    def login(self, username: str, password: str) -> tuple[int, Any]:
        form = urllib.parse.urlencode({"username": username, "password": password, "csrf": self.csrf, "lang": "en"})
        status, headers, _ = self._send("POST", "/login", form, {
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": self.cookie, "Origin": self.base})
        return status, headers


def _reset(db_url: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("DELETE FROM login_throttle")


def test_forty_addresses_times_four_guesses_are_throttled_and_the_right_password_then_works(
        app_url: str, db_url: str, officers: dict[str, Any]) -> None:
    _reset(db_url)
    guessers = [Client(app_url, f"127.0.{1 + i // 200}.{2 + i % 200}") for i in range(40)]
    statuses: list[int] = []
    for round_ in range(4):
        for i, guesser in enumerate(guessers):
            status, _ = guesser.login("duty", f"guess-{round_}-{i}")
            statuses.append(status)
    checked = statuses.count(401)                # a password was looked at (and was wrong)
    throttled = statuses.count(429)
    assert checked + throttled == 160
    # 3 free failures, then each one doubles the wait: a few seconds of guessing reach the password a few times
    assert checked <= 3 + 8 and throttled >= 149, (checked, throttled)
    with psycopg.connect(db_url) as conn:
        wait = auth.login_wait(conn, "duty", "127.0.0.1")
        logged = conn.execute("SELECT count(*) FROM audit_log WHERE action = 'login_throttled' "
                              "AND object_id = 'duty'").fetchone()
    assert 0 < wait <= 2 ** (checked - 3) and logged is not None and logged[0] >= throttled
    owner = Client(app_url, "127.0.0.1")
    status, headers = owner.login("duty", PASSWORD)
    assert status == 429 and int(headers["retry-after"]) >= 1            # the back-off holds for everyone ...
    time.sleep(wait + 0.2)
    status, headers = owner.login("duty", PASSWORD)
    assert status == 302 and headers["location"].endswith("/"), status   # ... and then the right password works
    with psycopg.connect(db_url) as conn:
        assert auth.login_wait(conn, "duty", "127.0.0.1") == 0
    _reset(db_url)


def test_one_address_guessing_many_accounts_is_refused(app_url: str, db_url: str,
                                                       officers: dict[str, Any]) -> None:
    _reset(db_url)
    guesser = Client(app_url, "127.0.9.9")
    statuses = [guesser.login(f"name{i:02d}", "guess")[0] for i in range(auth.THROTTLE.address_limit + 5)]
    assert statuses[:auth.THROTTLE.address_limit] == [401] * auth.THROTTLE.address_limit
    assert set(statuses[auth.THROTTLE.address_limit:]) == {429}
    status, _ = Client(app_url, "127.0.9.10").login("watch", PASSWORD)    # the next address is not held up
    assert status == 302
    _reset(db_url)


def test_the_counts_are_shared_by_every_app_process(db_url: str, officers: dict[str, Any]) -> None:
    """Two connections stand for two app processes: what one counts the other sees."""
    _reset(db_url)
    with psycopg.connect(db_url, autocommit=True) as one, psycopg.connect(db_url, autocommit=True) as two:
        for _ in range(auth.THROTTLE.free):
            assert auth.login_failed(one, "super", "10.0.0.1") == 0
        assert auth.login_failed(two, "super", "10.0.0.2") > 0
        assert auth.login_wait(one, "super", "10.0.0.3") > 0
        auth.login_succeeded(two, "super")
        assert auth.login_wait(one, "super", "10.0.0.3") == 0
    _reset(db_url)
