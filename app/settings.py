"""Settings of the web app (PORTMAP_APP_*), passed in to create_app."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from sql import DbSettings


class AppSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PORTMAP_APP_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8050
    port_id: str = "weifang"        # which loaded port package to show
    statement_timeout_ms: int = 5000
    debug: bool = False
    max_body: int = 1 << 20         # bytes of a request body (1 MB); the app, its WSGI server and docs/deploy's proxy
    max_reports: int = 2            # reports rendering at once in this process; more are answered 429
    read_url: str | None = Field(default=None, validation_alias=AliasChoices("PORTMAP_DB_READ_URL",
                                                                             "PORTMAP_APP_READ_URL"))
    # the live map's tick (assets/live.js): the page asks again only when the last tick was answered, at most every
    # tick_ms; "frozen" only after frozen_s with no answer at all; "slow link" when answers take longer than slow_s
    tick_ms: int = 1000
    frozen_s: float = 10.0
    slow_s: float = 2.5
    tick_delay_s: float = 0.0       # TEST ONLY: hold every live tick's answer this long (a slow link, in tests)
    # behind a reverse proxy (docs/deploy.md): the client's address, the scheme and the host from its headers
    trust_proxy: bool = Field(default=False, validation_alias=AliasChoices("PORTMAP_TRUST_PROXY",
                                                                           "PORTMAP_APP_TRUST_PROXY"))

    def read_db(self) -> DbSettings:
        """The read-only role (portmap_read) that GIS clients are served with; PORTMAP_DB_READ_URL (a replica, say)
        wins, then DATABASE_URL."""
        if self.read_url:
            return DbSettings(url=self.read_url, statement_timeout_ms=self.statement_timeout_ms,
                              application_name="portmap-app-read")
        return DbSettings.for_role("read", statement_timeout_ms=self.statement_timeout_ms,
                                   application_name="portmap-app-read")

    def db(self) -> DbSettings:
        return DbSettings.for_role("app", statement_timeout_ms=self.statement_timeout_ms,
                                   application_name="portmap-app")
