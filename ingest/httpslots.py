"""A limit on the connections an HTTP listener serves at once (the camera webhook, the phone trackers): one
slot a connection; with none free, the connection is answered the server's `busy_reply` (a 503) at once and
closed, without a thread. The server's process_request_thread releases the slot when the connection ends."""

from __future__ import annotations

import threading
from typing import Any


class SlotLimited:
    """Mixed in before ThreadingHTTPServer; the server sets `slots` (a BoundedSemaphore) in its __init__."""

    slots: threading.BoundedSemaphore
    busy = 0                    # connections answered busy
    busy_reply: bytes = b""

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.slots.acquire(blocking=False):
            self.busy += 1
            try:
                request.setblocking(False)      # a new connection's send buffer takes these bytes at once
                request.send(self.busy_reply)
            except OSError:
                pass
            self.shutdown_request(request)  # type: ignore[attr-defined]
            return
        try:
            super().process_request(request, client_address)  # type: ignore[misc]
        except Exception:
            self.slots.release()
            raise
