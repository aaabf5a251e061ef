"""Ingest workers: decode, validate, batch and write each source into PostGIS; the port-package loader."""
