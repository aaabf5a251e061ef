"""Vehicles: JT/T 808 terminals in trucks and port vehicles (the codec, the TCP server, the writer, the registry)."""
