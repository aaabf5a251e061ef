"""How an AIS ingest runs: batch bounds, the outage budget, checkpoints, decoder processes.

Its own module, light to import: the parent and each process it starts all need it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CHUNK_BYTES = 400_000       # what one decoder process takes at a time from a log file: about 5,000 lines


@dataclass
class Options:
    """The worker's settings; the CLI sets some (`python -m ingest ais --help`), the rest are these defaults."""

    batch_rows: int = 20_000
    batch_ms: int = 250
    memory_rows: int = 2_000_000          # held in memory while the database is away, then spilled
    spool_dir: Path = Path(".data/spool")
    spool_max_bytes: int | None = 1 << 30    # disk the spool (spilled batches, live journals) may use
    checkpoints: bool = True              # file sources resume where they stopped
    coalesce_rows: int = 100_000          # the most one write transaction takes from the queue
    retention_days: int | None = None     # days of position history kept (the CLI says 30); None: all
    speed: float | None = None            # replay files at this multiple of their recorded pace
    decoders: int = 1                     # decoder processes for a single log file (CLI: one per core)
    chunk_bytes: int = CHUNK_BYTES        # what one decoder process takes at a time
    fast_path: bool = True                # plain position reports decoded a chunk at once (ingest.ais.fastpath)
    shutdown_s: float = 5.0               # after SIGTERM, the writer's time to commit what it holds
    replayable: bool = False              # every source re-reads from its checkpoint (files, journals): on a
                                          # stop with the database away what is held is dropped, not spilled
