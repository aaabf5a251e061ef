"""Settings of the web app (PORTMAP_APP_*), passed in to create_app."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

from sql import DbSettings


class AppSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PORTMAP_APP_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8050
    port_id: str = "weifang"        # which loaded port package to show
    statement_timeout_ms: int = 5000
    debug: bool = False

    def db(self) -> DbSettings:
        return DbSettings.for_role("app", statement_timeout_ms=self.statement_timeout_ms,
                                   application_name="portmap-app")
