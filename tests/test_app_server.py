"""The app's own server wiring (app/__main__.py): the access log it writes when asked."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from app.__main__ import access, access_log
from app.wall import RedactTokens

pytestmark = pytest.mark.unit


def test_the_access_log_names_each_request_with_its_status_and_never_a_token(caplog: pytest.LogCaptureFixture
                                                                           ) -> None:
    def hello(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("302 Found", [("Location", "/wall")])
        return [b""]

    app = access_log(hello)
    redact = RedactTokens()
    access.addFilter(redact)
    try:
        with caplog.at_level(logging.INFO, logger="portmap.access"):
            statuses: list[str] = []
            body = app({"REMOTE_ADDR": "10.1.2.3", "REQUEST_METHOD": "GET", "PATH_INFO": "/wall",
                        "QUERY_STRING": "token=s3cr3t-wall-token&lang=zh"}, lambda s, h, e=None: statuses.append(s))
    finally:
        access.removeFilter(redact)
    assert list(body) == [b""] and statuses == ["302 Found"]
    line = caplog.records[-1].getMessage()
    assert line.startswith("10.1.2.3 GET /wall?token=") and " 302 " in line and line.endswith(" ms")
    assert "s3cr3t" not in line and "lang=zh" in line
