"""The exception family of the ingest package."""


class IngestError(Exception):
    """Base error of the ingest package."""


class PortPackageError(IngestError):
    """A port package, or one of its features, is not acceptable; the message says why."""
