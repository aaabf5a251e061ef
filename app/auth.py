"""Officers' sessions: argon2id password hashes, login and logout, sliding expiry, a login rate limit, and
who is acting (`Actor`) for the app's callbacks. Tokens are random; only their SHA-256 is stored."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

import psycopg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from portdomain.roles import AGENCIES, ROLES, at_least
from sql import query
from sql.alerts import Actor

SESSION_COOKIE = "portmap_session"
IDLE_S = 8 * 3600            # a session left alone for a shift ends
MAX_S = 12 * 3600            # and none outlives a long shift
MIN_PASSWORD = 10
hasher = PasswordHasher()    # argon2id with the library's current parameters
_DUMMY = hasher.hash(secrets.token_urlsafe(16))     # verified against when the user is unknown: same timing


class AuthError(Exception):
    """A user cannot be added or changed as asked (bad name, role, agency or password; unknown user)."""


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str
    agency: str
    csrf: str
    via_token: str | None = None     # "api" or "wall" for a read-only access token, None for a signed-in officer

    def actor(self) -> Actor:
        return Actor(self.username, self.role, self.agency)

    def at_least(self, role: str) -> bool:
        return at_least(self.role, role)


def _token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AuthError(f"a password needs at least {MIN_PASSWORD} characters")


def add_user(conn: psycopg.Connection[Any], username: str, display_name: str, role: str, agency: str,
             password: str) -> int:
    if role not in ROLES:
        raise AuthError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if agency not in AGENCIES:
        raise AuthError(f"unknown agency {agency!r}; one of {', '.join(AGENCIES)}")
    _check_password(password)
    try:
        with conn.transaction():
            rows = query(conn, "user_insert", {"username": username, "display_name": display_name, "role": role,
                                               "agency": agency, "password_hash": hasher.hash(password)})
    except psycopg.errors.UniqueViolation:
        raise AuthError(f"user {username!r} exists") from None
    except psycopg.errors.CheckViolation:
        raise AuthError(f"bad user name {username!r}: 2-64 of a-z 0-9 . _ -") from None
    return int(rows[0][0])


def set_disabled(conn: psycopg.Connection[Any], username: str, disabled: bool) -> None:
    with conn.transaction():
        if not query(conn, "user_set_disabled", {"username": username, "disabled": disabled}):
            raise AuthError(f"no user {username!r}")
        query(conn, "user_sessions_end", {"username": username})


def reset_password(conn: psycopg.Connection[Any], username: str, password: str) -> None:
    _check_password(password)
    with conn.transaction():
        if not query(conn, "user_set_password", {"username": username, "password_hash": hasher.hash(password)}):
            raise AuthError(f"no user {username!r}")
        query(conn, "user_sessions_end", {"username": username})


def login(conn: psycopg.Connection[Any], username: str, password: str) -> tuple[str, User] | None:
    """A new session token and its user, or None for a wrong name or password or a disabled user."""
    rows = query(conn, "user_by_name", {"username": username.strip().lower()})
    stored = rows[0][5] if rows else _DUMMY
    try:
        hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if not rows or rows[0][6]:
        return None
    user_id, name, display, role, agency = rows[0][:5]
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    with conn.transaction():
        query(conn, "session_insert", {"session_hash": _token_hash(token), "user_id": user_id, "csrf_token": csrf,
                                       "ttl_s": IDLE_S})
        if hasher.check_needs_rehash(stored):
            query(conn, "user_set_password", {"username": name, "password_hash": hasher.hash(password)})
    return token, User(name, display, role, agency, csrf)


def session_user(conn: psycopg.Connection[Any], token: str | None) -> User | None:
    if not token:
        return None
    rows = query(conn, "session_get", {"session_hash": _token_hash(token), "ttl_s": IDLE_S, "max_s": MAX_S})
    return User(*rows[0]) if rows else None


class RecentSessions:
    """Sessions checked in the last `recheck_s` seconds. An officer's page makes a few requests a second; each
    would otherwise write to the database (the sliding expiry). A session is checked, and its expiry slid, at most
    that often; a logout here forgets it at once, a disabled user or a session ended elsewhere (another app
    process, `python -m app.users`) within `recheck_s`."""

    def __init__(self, recheck_s: float = 10.0, size: int = 4096) -> None:
        self.recheck_s, self.size = recheck_s, size
        self._items: dict[str, tuple[float, User]] = {}
        self._lock = threading.Lock()

    def get(self, token: str | None) -> User | None:
        if not token:
            return None
        with self._lock:
            hit = self._items.get(token)
        return hit[1] if hit and time.monotonic() - hit[0] < self.recheck_s else None

    def put(self, token: str, user: User) -> None:
        with self._lock:
            if len(self._items) >= self.size:
                self._items.clear()
            self._items[token] = (time.monotonic(), user)

    def forget(self, token: str | None) -> None:
        with self._lock:
            self._items.pop(token or "", None)


def logout(conn: psycopg.Connection[Any], token: str) -> None:
    query(conn, "session_delete", {"session_hash": _token_hash(token)})


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def audit(conn: psycopg.Connection[Any], user: User | Actor | None, action: str, *, object_kind: str | None = None,
          object_id: str | None = None, detail: dict[str, Any] | None = None, client_addr: str | None = None) -> None:
    """One line in the append-only audit log (logins, refusals, exports; alert actions have their own trail)."""
    query(conn, "audit_insert", {
        "actor": getattr(user, "username", None) or "anonymous", "role": getattr(user, "role", None),
        "agency": getattr(user, "agency", None), "action": action, "object_kind": object_kind,
        "object_id": object_id, "detail": json.dumps(detail or {}), "client_addr": client_addr})


TOKEN_KINDS = ("api", "wall")


def add_token(conn: psycopg.Connection[Any], name: str, kind: str, agency: str, created_by: str) -> str:
    """A new read-only access token (shown once; only its hash is kept)."""
    if kind not in TOKEN_KINDS:
        raise AuthError(f"unknown token kind {kind!r}; one of {', '.join(TOKEN_KINDS)}")
    if agency not in AGENCIES:
        raise AuthError(f"unknown agency {agency!r}; one of {', '.join(AGENCIES)}")
    token = f"pm_{kind}_" + secrets.token_urlsafe(32)
    try:
        with conn.transaction():
            query(conn, "token_insert", {"name": name, "kind": kind, "agency": agency,
                                         "token_hash": _token_hash(token), "created_by": created_by})
    except psycopg.errors.UniqueViolation:
        raise AuthError(f"token {name!r} exists") from None
    except psycopg.errors.CheckViolation:
        raise AuthError(f"bad token name {name!r}: 2-64 of a-z 0-9 . _ -") from None
    return token


def revoke_token(conn: psycopg.Connection[Any], name: str) -> None:
    if not query(conn, "token_revoke", {"name": name}):
        raise AuthError(f"no live token {name!r}")


def token_user(conn: psycopg.Connection[Any], token: str | None, kind: str) -> User | None:
    """The read-only viewer a bearer token of that kind stands for; None for an unknown, revoked or other-kind
    token."""
    if not token or not token.startswith(f"pm_{kind}_"):
        return None
    rows = query(conn, "token_get", {"token_hash": _token_hash(token)})
    if not rows or rows[0][1] != kind:
        return None
    name, _kind, agency = rows[0]
    return User(f"token:{name}", name, "viewer", agency, csrf="", via_token=kind)


@dataclass(frozen=True)
class Throttle:
    """The login throttle's policy (migration 036 keeps the counts in the database, shared by every app
    process): per account, `free` failures, then a back-off of base_s, doubling to cap_s, forgotten after
    forget_s without a failure; per address, address_limit failures in address_window_s refuse the address
    until the window ends."""

    free: int = 3
    base_s: float = 1.0
    cap_s: float = 900.0
    forget_s: float = 3600.0
    address_limit: int = 30
    address_window_s: float = 900.0


THROTTLE = Throttle()


def login_wait(conn: psycopg.Connection[Any], username: str, address: str) -> float:
    """Seconds before this account may try to log in from this address (0: now). Asked before the password."""
    return float(query(conn, "login_wait", {"account": username, "address": address})[0][0])


def login_failed(conn: psycopg.Connection[Any], username: str, address: str, policy: Throttle = THROTTLE) -> float:
    """Count a wrong password for the account and the address; returns the seconds to wait now."""
    return float(query(conn, "login_failed", {"account": username, "address": address, "free": policy.free,
                                              "base_s": policy.base_s, "cap_s": policy.cap_s,
                                              "forget_s": policy.forget_s, "address_limit": policy.address_limit,
                                              "address_window_s": policy.address_window_s})[0][0])


def login_succeeded(conn: psycopg.Connection[Any], username: str) -> None:
    query(conn, "login_succeeded", {"account": username})
