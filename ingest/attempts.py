"""Attempts at inputs that may be poison, counted on disk: a message that kills its worker (a crash, the OOM killer)
is known as such after the supervisor's restart, so it is given up instead of replayed for ever."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)
MAX_ENTRIES = 10_000        # only unacknowledged inputs are counted; this bounds the file if that ever fails


class AttemptLog:
    """Counts by key, saved (write, then rename) on every change; `path` None keeps them in memory only."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.counts: dict[str, int] = self._load() if path is not None else {}

    @staticmethod
    def key(channel: str, payload: bytes) -> str:
        return hashlib.sha256(channel.encode("utf-8", "replace") + b"\0" + payload).hexdigest()[:32]

    def get(self, key: str) -> int:
        return self.counts.get(key, 0)

    def add(self, keys: Iterable[str], delta: int = 1) -> None:
        for k in keys:
            n = self.counts.get(k, 0) + delta
            if n > 0:
                self.counts[k] = n
            else:
                self.counts.pop(k, None)
        self._save()

    def clear(self, keys: Iterable[str]) -> None:
        for k in keys:
            self.counts.pop(k, None)
        self._save()

    def _load(self) -> dict[str, int]:
        assert self.path is not None
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as err:
            log.warning("attempts file %s unreadable (%s): starting afresh", self.path, err)
            return {}
        if not isinstance(doc, dict):
            return {}
        return {str(k): v for k, v in doc.items() if isinstance(v, int) and not isinstance(v, bool) and v > 0}

    def _save(self) -> None:
        if self.path is None:
            return
        if len(self.counts) > MAX_ENTRIES:
            self.counts = dict(list(self.counts.items())[-MAX_ENTRIES:])
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        tmp.write_text(json.dumps(self.counts), encoding="utf-8")
        os.replace(tmp, self.path)
