"""A progress bar for file imports, drawn on stderr only when it is a terminal."""

from __future__ import annotations

import sys


class Progress:
    def __init__(self, total: int, label: str, width: int = 40) -> None:
        self.total = max(1, total)
        self.label = label
        self.width = width
        self.on = sys.stderr.isatty()

    def update(self, done: int) -> None:
        if not self.on:
            return
        filled = int(self.width * min(done, self.total) / self.total)
        print(f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {min(done, self.total):,}/{self.total:,}",
              end="", file=sys.stderr)

    def done(self) -> None:
        if self.on:
            self.update(self.total)
            print(file=sys.stderr)
