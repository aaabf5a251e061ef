"""The JT/T 808 platform side over TCP (`python -m ingest vehicles --jt808 HOST:PORT`): asyncio, many terminals at
once, one connection per terminal.

Terminals register (0x0100, answered 0x8100 with an auth code: an HMAC of the phone number under the platform's
secret, so a restart or a second server accepts it), authenticate on each connection (0x0102; locations of a
terminal that has not are refused, reason `unauthenticated`), beat (0x0002) and report (0x0200, 0x0704). Each is
answered with 0x8001; a location report only after it is committed (so what a terminal was told is stored, is),
or with a failure when the writer's buffer is full (the terminal keeps it as blind-area data and sends it again).
A bad frame (check code, escape, length, half frame, garbage, oversized) is refused alone, counted and kept with
its reason; the connection and the other terminals go on.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from ingest.batchwriter import BatchWriter
from ingest.vehicles import jt808
from ingest.vehicles.jt808 import FrameError, Header
from ingest.vehicles.store import Report, TerminalGone, TerminalSeen

log = logging.getLogger(__name__)
IDLE_S = 300.0                # a terminal silent this long is cut off (heartbeats come every 60 s or so)
MAX_CONNECTIONS = 15_000
AUTH_DEADLINE_S = 30.0        # a connection that has not authenticated a terminal by then is cut off
PARTS_TTL_S = 60.0            # sub-packages of a message not completed by then are dropped (counted)


def auth_code(secret: bytes, phone: str) -> str:
    return hmac.new(secret, jt808.canonical_phone(phone).encode(), hashlib.sha256).hexdigest()[:16]


class Counters:
    """What the server refused, by reason, and logged: the first few of each reason, then every power of two."""

    def __init__(self, writer: BatchWriter) -> None:
        self.writer = writer
        self.counts: Counter[str] = Counter()

    def refuse(self, peer: str, err: FrameError, raw: bytes) -> None:
        self.counts[err.reason] += 1
        n = self.counts[err.reason]
        if n <= 5 or n & (n - 1) == 0:
            log.warning("jt808 %s: refused (%s), %d so far: %s", peer, err.reason, n, err.detail)
        self.writer.reject(err.reason, f"{peer}: {err.detail}", raw[:512].hex())


class Terminal(asyncio.Protocol):
    """One connection: its byte stream cut into frames, each decoded and answered on its own."""

    def __init__(self, server: Jt808Server) -> None:
        self.server = server
        self.splitter = jt808.Splitter()
        self.transport: asyncio.Transport | None = None
        self.peer = "?"
        self.authenticated: set[str] = set()
        self.serial = 0
        self.heard_at = self.connected_at = time.monotonic()
        self.parts: dict[tuple[str, int, int], tuple[float, dict[int, bytes]]] = {}

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        peer = transport.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if peer else "?"
        self.server.connections.add(self)
        if len(self.server.connections) > self.server.max_connections:
            self.server.refused["too_many_connections"] += 1
            transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.connections.discard(self)
        left = self.splitter.close()
        if left is not None:
            self.server.counters.refuse(self.peer, left, b"")

    def data_received(self, data: bytes) -> None:
        self.heard_at = time.monotonic()
        for item in self.splitter.feed(data):
            if isinstance(item, FrameError):
                self.server.counters.refuse(self.peer, item, b"")
                continue
            try:
                self.frame(item)
            except FrameError as err:
                self.server.counters.refuse(self.peer, err, item)
            except Exception as err:        # a frame the codec did not foresee: refused alone, the stream goes on
                log.exception("jt808 %s: a frame failed", self.peer)
                self.server.counters.refuse(self.peer, FrameError("undecodable", type(err).__name__), item)

    def send(self, header: Header, msg_id: int, body: bytes) -> None:
        self.serial = (self.serial + 1) & 0xFFFF
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(jt808.encode(msg_id, header.phone, self.serial, body, version=header.version))

    def answer(self, header: Header, result: int) -> None:
        self.send(header, jt808.PLATFORM_ANSWER, jt808.general_answer(header.serial, header.msg_id, result))

    def frame(self, frame: bytes) -> None:
        header, body = jt808.decode(frame)
        if header.encryption:
            self.answer(header, jt808.UNSUPPORTED)
            raise FrameError("encrypted", f"encryption {header.encryption} is not supported")
        if header.packet is not None:
            whole = self.reassemble(header, body)
            self.answer(header, jt808.OK)
            if whole is None:
                return
            body = whole
        self.dispatch(header, body, frame)

    def reassemble(self, header: Header, body: bytes) -> bytes | None:
        total, number = header.packet  # type: ignore[misc]
        key = (header.terminal, header.msg_id, (header.serial - number + 1) & 0xFFFF)
        now = time.monotonic()
        for old in [k for k, (t, _) in self.parts.items() if now - t > PARTS_TTL_S]:
            del self.parts[old]
            self.server.counters.refuse(self.peer, FrameError("incomplete_message", "sub-packages expired"), b"")
        _started, parts = self.parts.setdefault(key, (now, {}))
        parts[number] = body
        if len(parts) < total:
            return None
        del self.parts[key]
        return b"".join(parts[i] for i in range(1, total + 1))

    def dispatch(self, header: Header, body: bytes, frame: bytes) -> None:
        handler = HANDLERS.get(header.msg_id)
        if handler is None:
            if header.msg_id != jt808.TERMINAL_ANSWER:
                self.answer(header, jt808.UNSUPPORTED)
            self.server.counters.counts[f"message_{header.msg_id:04x}"] += 1
            return
        if header.msg_id not in (jt808.REGISTER, jt808.AUTH) and header.terminal not in self.authenticated:
            self.answer(header, jt808.FAILED)
            raise FrameError("unauthenticated", f"{header.msg_id:#06x} from {header.terminal} before 0x0102")
        handler(self, header, body)

    # --- messages ----------------------------------------------------------------------------------------
    def on_register(self, header: Header, body: bytes) -> None:
        reg = jt808.decode_registration(body, header.version)
        result = self.server.registrar.check(header.terminal)
        if result is None:
            raise FrameError("registry_unavailable", "the registry is not read yet: no answer, the terminal retries")
        if result != 0:
            self.send(header, jt808.REGISTER_ANSWER, jt808.registration_answer(header.serial, result))
            raise FrameError("already_registered" if result == 3 else "unknown_terminal", f"terminal {header.terminal}")
        code = auth_code(self.server.secret, header.phone)
        self.server.writer.offer(TerminalSeen(header.terminal, 2019 if header.version is not None else 2013, reg,
                                              self.server.source, datetime.now(UTC)))
        self.send(header, jt808.REGISTER_ANSWER, jt808.registration_answer(header.serial, 0, code))

    def on_auth(self, header: Header, body: bytes) -> None:
        code = jt808.decode_auth(body, header.version)
        if not hmac.compare_digest(code.encode(), auth_code(self.server.secret, header.phone).encode()):
            self.answer(header, jt808.FAILED)
            raise FrameError("bad_auth_code", f"terminal {header.terminal}")
        self.authenticated.add(header.terminal)
        self.answer(header, jt808.OK)

    def on_heartbeat(self, header: Header, body: bytes) -> None:
        self.answer(header, jt808.OK)

    def on_logout(self, header: Header, body: bytes) -> None:
        """0x0003, from an authenticated terminal: its registration is dropped (it may register again)."""
        self.authenticated.discard(header.terminal)
        self.server.registrar.forget(header.terminal)
        self.server.writer.offer(TerminalGone(header.terminal))
        self.answer(header, jt808.OK)

    def on_location(self, header: Header, body: bytes) -> None:
        try:
            loc = jt808.decode_location(body)
            reason = jt808.check_location(loc, datetime.now(UTC))
        except FrameError:
            self.answer(header, jt808.BAD_MESSAGE)
            raise
        if reason is not None:
            self.answer(header, jt808.BAD_MESSAGE)
            raise FrameError(reason, f"terminal {header.terminal} at {loc.observed_at.isoformat()}")
        self.store(header, [loc])

    def on_batch(self, header: Header, body: bytes) -> None:
        try:
            _kind, items = jt808.decode_batch(body)
        except FrameError:
            self.answer(header, jt808.BAD_MESSAGE)
            raise
        now, good = datetime.now(UTC), []
        for item in items:
            reason = item.reason if isinstance(item, FrameError) else jt808.check_location(item, now)
            if reason is None and not isinstance(item, FrameError):
                good.append(item)
            else:
                err = item if isinstance(item, FrameError) else FrameError(reason or "?", "a batch item")
                self.server.counters.refuse(self.peer, err, body)
        self.store(header, good)

    def store(self, header: Header, locations: list[jt808.Location]) -> None:
        """Queue the reports; answer once they are all committed (or at once: failure when the buffer is full)."""
        if not locations:
            self.answer(header, jt808.OK)
            return
        received = datetime.now(UTC)
        waiting = [len(locations)]

        def done(ok: bool) -> None:
            waiting[0] -= 1
            if waiting[0] == 0:
                self.server.acked(self, header)

        for loc in locations:
            if not self.server.writer.offer(Report(header.terminal, received, self.server.source, loc), done):
                self.answer(header, jt808.FAILED)       # (what was queued before is stored; the rest re-sent)
                return


HANDLERS: dict[int, Any] = {jt808.REGISTER: Terminal.on_register, jt808.AUTH: Terminal.on_auth,
                            jt808.HEARTBEAT: Terminal.on_heartbeat, jt808.LOGOUT: Terminal.on_logout,
                            jt808.LOCATION: Terminal.on_location, jt808.BATCH: Terminal.on_batch}


class Registrar:
    """Whom the server registers: with `registry_only`, a terminal in the vehicle registry (*.vehicles.csv), and
    only once (a registered terminal's auth code is not handed out again until it logs out: 0x0003). What the
    database says is read by a thread every `refresh_s`; what this server registers counts at once."""

    def __init__(self, db: Any, registry_only: bool = True, refresh_s: float = 10.0) -> None:
        self.db, self.registry_only, self.refresh_s = db, registry_only, refresh_s
        self.vehicles: set[str] | None = None           # None: not read yet
        self.registered: set[str] = set()
        self.mine: set[str] = set()                     # registered here since the last read
        self.gone: set[str] = set()
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def check(self, phone: str) -> int | None:
        """0 registered now, 3 registered already, 4 not in the registry, None: the database not read yet."""
        with self.lock:
            if self.vehicles is None:
                return None
            if phone in self.registered or phone in self.mine:
                return 3
            if self.registry_only and phone not in self.vehicles:
                return 4
            self.mine.add(phone)
            self.gone.discard(phone)
            return 0

    def forget(self, phone: str) -> None:
        with self.lock:
            self.registered.discard(phone)
            self.mine.discard(phone)
            self.gone.add(phone)

    def refresh(self) -> bool:
        """Read the registry and the registered terminals; False (and a warning) when the database is away."""
        import psycopg

        from ingest.vehicles.store import known
        from sql import connect

        try:
            with connect(self.db) as conn:
                vehicles, registered = known(conn)
        except psycopg.Error as err:
            log.warning("jt808: the registry is not readable (%s)", str(err).strip()[:120])
            return False
        with self.lock:
            self.vehicles, self.registered = vehicles, (registered | self.mine) - self.gone
            self.mine &= self.registered - registered      # until the writer has stored them
            self.gone &= registered                        # until the writer has deleted them
        return True

    def run(self) -> None:
        while not self.stopping.wait(self.refresh_s):
            self.refresh()


class Jt808Server:
    """The listener; `writer` stores what it accepts, `secret` signs the auth codes."""

    def __init__(self, host: str, port: int, writer: BatchWriter, secret: bytes, registrar: Registrar, *,
                 idle_s: float = IDLE_S, max_connections: int = MAX_CONNECTIONS,
                 auth_deadline_s: float = AUTH_DEADLINE_S) -> None:
        if not secret:
            raise ValueError("the JT/T 808 server needs a secret for its auth codes")
        self.host, self.port, self.writer, self.secret, self.registrar = host, port, writer, secret, registrar
        self.source = writer.source
        self.idle_s, self.max_connections, self.auth_deadline_s = idle_s, max_connections, auth_deadline_s
        self.connections: set[Terminal] = set()
        self.counters = Counters(writer)
        self.refused = self.counters.counts
        self.loop: asyncio.AbstractEventLoop | None = None
        self.acks: list[tuple[Terminal, Header]] = []
        self.ack_lock = threading.Lock()
        self.stopping: asyncio.Event | None = None

    def acked(self, terminal: Terminal, header: Header) -> None:
        """From the writer thread: a report's rows are committed; its answer goes out on the loop."""
        with self.ack_lock:
            first = not self.acks
            self.acks.append((terminal, header))
        if first and self.loop is not None:
            self.loop.call_soon_threadsafe(self._send_acks)

    def _send_acks(self) -> None:
        with self.ack_lock:
            acks, self.acks = self.acks, []
        for terminal, header in acks:
            terminal.answer(header, jt808.OK)

    async def serve(self, ready: asyncio.Event | None = None) -> None:
        self.loop = asyncio.get_running_loop()
        self.stopping = asyncio.Event()
        server = await self.loop.create_server(lambda: Terminal(self), self.host, self.port, backlog=1024)
        self.port = server.sockets[0].getsockname()[1]
        log.info("jt808: listening on %s:%d", self.host, self.port)
        if ready is not None:
            ready.set()
        reaper = asyncio.create_task(self._reap())
        try:
            await self.stopping.wait()
        finally:
            reaper.cancel()
            server.close()
            for terminal in list(self.connections):
                if terminal.transport is not None:
                    terminal.transport.close()

    async def _reap(self) -> None:
        """Cut off connections silent for idle_s, and those that authenticated no terminal within auth_deadline_s
        (a connection must log in to hold its place: heartbeats alone do not)."""
        while True:
            await asyncio.sleep(min(10.0, self.idle_s / 2, self.auth_deadline_s / 2))
            now = time.monotonic()
            for terminal in list(self.connections):
                if now - terminal.heard_at > self.idle_s:
                    reason = "idle"
                elif not terminal.authenticated and now - terminal.connected_at > self.auth_deadline_s:
                    reason = "auth_timeout"
                else:
                    continue
                self.counters.refuse(terminal.peer, FrameError(reason, "connection closed"), b"")
                if terminal.transport is not None:
                    terminal.transport.close()

    def stop(self) -> None:
        if self.loop is not None and self.stopping is not None:
            self.loop.call_soon_threadsafe(self.stopping.set)
