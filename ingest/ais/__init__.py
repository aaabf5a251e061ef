"""AIS ingest: NMEA 0183 from UDP, TCP and log files into PostGIS."""
