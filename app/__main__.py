"""`python -m app`: serve the map on PORTMAP_APP_HOST:PORTMAP_APP_PORT (127.0.0.1:8050).

The app is served by waitress (a production WSGI server: a fixed pool of worker threads, buffered writes)
rather than Flask's development server, which starts a thread per request and writes headers line by line;
with fifty officers polling that overhead was a fifth of the app's time. One process: each browser's live map
state lives in it (app/live.py). `PORTMAP_APP_THREADS` (16) sets the pool; `PORTMAP_APP_ACCESS_LOG=1` logs a
line per request (tokens redacted); `PORTMAP_APP_DEBUG=1` uses Flask's development server with its debugger.
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from collections.abc import Callable, Iterable
from typing import Any

access = logging.getLogger("portmap.access")


def access_log(wsgi: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """One line per request: client, method, path and query (tokens redacted), status and milliseconds."""
    def logged(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        status: list[str] = []

        def start(code: str, headers: Any, exc_info: Any = None) -> Any:
            status.append(code.split(" ", 1)[0])
            return start_response(code, headers, exc_info)

        try:
            return wsgi(environ, start)
        finally:
            query = environ.get("QUERY_STRING")
            access.info("%s %s %s%s %s %.0f ms", environ.get("REMOTE_ADDR"), environ.get("REQUEST_METHOD"),
                        environ.get("PATH_INFO"), f"?{query}" if query else "", status[0] if status else "-",
                        (time.perf_counter() - started) * 1000)
    return logged


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line: --host and --port override PORTMAP_APP_HOST and PORTMAP_APP_PORT."""
    p = argparse.ArgumentParser(prog="portmap-app", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", help="address to listen on (default PORTMAP_APP_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to listen on (default PORTMAP_APP_PORT or 8050)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)         # --help ends here, before the app (or the database) is touched
    from app.server import create_app
    from app.settings import AppSettings
    from app.wall import RedactTokens
    from ingest.runtime import settle_gc

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    settings = AppSettings(**overrides)
    app = create_app(settings)
    settle_gc()         # no 70 ms collector pauses in the map's ticks
    if settings.debug:
        app.run(host=settings.host, port=settings.port, debug=True)
        return 0
    from waitress import serve

    wsgi: Any = app.server
    if os.environ.get("PORTMAP_APP_ACCESS_LOG"):
        access.addFilter(RedactTokens())
        wsgi = access_log(wsgi)
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)     # "task queue depth" under a burst of ticks
    serve(wsgi, host=settings.host, port=settings.port, threads=int(os.environ.get("PORTMAP_APP_THREADS", "16")),
          connection_limit=1000, channel_timeout=60, ident="portmap")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
