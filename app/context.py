"""AppContext: what every panel and blueprint of the app shares (settings, the pool, the browsers' live state,
the caches shared by officers), and `db_errors`, the one way a callback meets a database that is away."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import psycopg
from dash.exceptions import PreventUpdate
from psycopg_pool import ConnectionPool

from app import live
from app.settings import AppSettings

log = logging.getLogger("app.server")
DB_ERRORS = (psycopg.Error, TimeoutError)
F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class AppContext:
    """Built once by create_app and handed to every `register(app, ctx)` and blueprint."""

    settings: AppSettings
    pool: ConnectionPool
    read_pool: ConnectionPool | None = None     # the read-only role's (portmap_read): the layer API, OGC, tiles
    clients: live.Clients = field(default_factory=live.Clients)    # what each browser's map holds
    failed_since: dict[str, datetime] = field(default_factory=dict)  # since when a panel's last query failed
    caches: dict[str, live.TtlCache] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: AppSettings) -> AppContext:
        db = settings.db()
        pool = ConnectionPool(db.url, min_size=2, max_size=16, open=False, kwargs={
            "options": f"-c statement_timeout={db.statement_timeout_ms} -c timezone=UTC",
            "application_name": db.application_name})
        read = settings.read_db()
        read_pool = ConnectionPool(read.url, min_size=1, max_size=8, open=False, kwargs={
            "options": f"-c statement_timeout={read.statement_timeout_ms} -c timezone=UTC",
            "application_name": read.application_name})
        return cls(settings, pool, read_pool=read_pool)

    @property
    def port_id(self) -> str:
        return self.settings.port_id

    def open_pool(self) -> ConnectionPool:
        """The pool, opened on first use (nothing connects until the first request)."""
        if self.pool.closed:
            self.pool.open(wait=False)
        return self.pool

    def connection(self, timeout: float = 2) -> Any:
        return self.open_pool().connection(timeout=timeout)

    def read_connection(self, timeout: float = 2) -> Any:
        """A connection as the read-only role: what GIS clients are served from (the app's own pool if none)."""
        if self.read_pool is None:
            return self.connection(timeout)
        if self.read_pool.closed:
            self.read_pool.open(wait=False)
        return self.read_pool.connection(timeout=timeout)

    def cache(self, name: str, ttl_s: float) -> live.TtlCache:
        """A cache shared by every officer, made on first ask."""
        if name not in self.caches:
            self.caches[name] = live.TtlCache(ttl_s)
        return self.caches[name]

    def failing(self, what: str) -> datetime:
        """When `what` started failing (now if it just did)."""
        return self.failed_since.setdefault(what, datetime.now(UTC))

    def recovered(self, what: str) -> None:
        self.failed_since.pop(what, None)


def db_errors(what: str, fallback: Callable[..., Any] | None = None) -> Callable[[F], F]:
    """A callback whose database is away (psycopg.Error, or no connection in time) logs `<what> failed: …` and
    answers `fallback(*args)`, or sends nothing (PreventUpdate) without one."""
    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except DB_ERRORS as err:
                log.warning("%s failed: %s", what, err)
                if fallback is None:
                    raise PreventUpdate from err
                return fallback(*args, **kwargs)
        return guarded  # type: ignore[return-value]
    return wrap
