"""Prometheus metrics of an ingest process, served on its own /metrics endpoint."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server


class IngestMetrics:
    """Counters the decoder updates as it goes and gauges the writer reports after each commit."""

    def __init__(self, prefix: str = "portmap_ais") -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.lines = Counter(f"{prefix}_lines", "Input lines read", ["source"], registry=r)
        self.messages = Counter(f"{prefix}_messages", "Messages decoded and accepted", ["source"], registry=r)
        self.rejects = Counter(f"{prefix}_rejects", "Lines not stored, by reason", ["source", "reason"], registry=r)
        self.queue_depth = Gauge(f"{prefix}_queue_depth", "Batches waiting for the writer", registry=r)
        self.held_rows = Gauge(f"{prefix}_writer_held_rows", "Rows the writer holds in memory", registry=r)
        self.spool_bytes = Gauge(
            f"{prefix}_spool_bytes", "Bytes under the spool folder (spilled batches, journals)",
                                 registry=r)
        self.batch_seconds = Histogram(f"{prefix}_batch_seconds", "Time to commit one write transaction",
                                       buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10), registry=r)
        self.dead_letters = Counter(f"{prefix}_dead_letters", "Rows the database refused alone, dead-lettered",
                                    registry=r)
        self.batch_rows = Counter(f"{prefix}_written_rows", "Rows committed by the writer", registry=r)

    def serve(self, host: str, port: int) -> None:
        start_http_server(port, addr=host, registry=self.registry)
