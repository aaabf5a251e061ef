"""Synthetic AIS traffic as real NMEA (pyais encoding) for benchmarks and load tests.

The mix the AIS issue asks for: 10,000+ MMSIs; of the messages 70 % types 1/2/3, 15 % type 18,
10 % two-part type 5, 5 % types 24/21/4. Every line carries an NMEA 4.0 tag block with the station and
the receive time, so each report has a clock; each vessel reports every few seconds, in time order.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterator
from pathlib import Path

from pyais.encode import encode_dict
from pyais.messages import TagBlock


def recent_start() -> int:
    """The top of the previous hour (UNIX seconds): recent enough for any retention, stable within the hour."""
    return (int(time.time()) // 3600 - 1) * 3600


def _tag(station: str, unix: int) -> str:
    return "\\" + TagBlock.create_str(source_station=station, receiver_timestamp=unix) + "\\"


def messages(count: int, vessels: int = 10_000, per_second: int = 2_000, seed: int = 7,
             station: str = "bench", start: int | None = None) -> Iterator[str]:
    """`count` messages as NMEA lines (a two-part message yields two lines), from `start` (UNIX s)."""
    rng = random.Random(seed)
    start = recent_start() if start is None else start
    base = [412_000_000 + i * 7 for i in range(vessels)]
    lon0 = [119.0 + rng.random() * 0.5 for _ in range(vessels)]
    lat0 = [37.1 + rng.random() * 0.4 for _ in range(vessels)]
    seq = 0
    for n in range(count):
        unix = start + n // per_second
        v = n % vessels
        mmsi = base[v]
        second = unix % 60
        roll = rng.random()
        lon = round(lon0[v] + (n // vessels) * 1e-4, 5)
        lat = round(lat0[v], 5)
        if roll < 0.70:
            data = {"type": rng.choice((1, 2, 3)), "mmsi": mmsi, "lon": lon, "lat": lat, "speed": 12.3,
                    "course": 87.5, "heading": 88, "second": second, "status": 0, "accuracy": 1}
        elif roll < 0.85:
            data = {"type": 18, "mmsi": mmsi + 1, "lon": lon, "lat": lat, "speed": 6.1, "course": 190.0,
                    "heading": 191, "second": second}
        elif roll < 0.95:
            data = {"type": 5, "mmsi": mmsi, "shipname": f"VESSEL {v}", "callsign": f"B{v:05d}",
                    "imo": 9_000_000 + v, "ship_type": 70, "to_bow": 120, "to_stern": 30, "to_port": 12,
                    "to_starboard": 13, "draught": 9.1, "destination": "WEIFANG", "month": 12, "day": 24,
                    "hour": 8, "minute": 30}
        else:
            kind = rng.choice((24, 21, 4))
            if kind == 24:
                data = {"type": 24, "mmsi": mmsi + 1, "partno": 0, "shipname": f"BOAT {v}"}
            elif kind == 21:
                data = {"type": 21, "mmsi": 994_120_000 + v % 500, "aid_type": 1, "name": f"BUOY {v % 500}",
                        "lon": lon, "lat": lat, "second": second}
            else:
                data = {"type": 4, "mmsi": 4_120_000 + v % 20, "year": 2026, "month": 5, "day": 28, "hour": 0,
                        "minute": 0, "second": second, "lon": lon, "lat": lat}
        seq = (seq + 1) % 10
        tag = _tag(station, unix)
        for sentence in encode_dict(data, talker_id="AI", sentence_type="VDM", seq_id=seq if data["type"] == 5
                                    else None, radio_channel="AB"[n % 2]):
            yield tag + sentence


def write_file(path: Path, count: int, **kwargs: object) -> int:
    """Write `count` messages to path; returns the number of lines (sentences)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = 0
    with path.open("w", encoding="ascii") as fh:
        for line in messages(count, **kwargs):  # type: ignore[arg-type]
            fh.write(line + "\n")
            lines += 1
    return lines


def sea_traffic(count: int, vessels: int = 4_000, per_second: int = 5_000, seed: int = 11, station: str = "sea",
                start: int | None = None, area: tuple[float, float, float, float] = (118.3, 36.9, 121.2, 39.0)
                ) -> Iterator[str]:
    """Ships going about their business over a sea area (default: Laizhou Bay and the Bohai Strait, about
    250 × 230 km around Weifang), for load tests where the map must look like a busy coast and not set off
    an alert storm: each has its own course and speed (0–16 kn) and reports where dead reckoning puts it,
    in turn, `per_second` reports a second; 85 % class A positions, 10 % class B, 5 % static data (type 5)."""
    rng = random.Random(seed)
    start = int(time.time()) if start is None else start
    west, south, east, north = area
    ships = []
    for i in range(vessels):
        lat = south + rng.random() * (north - south)
        ships.append((415_000_000 + i * 3, west + rng.random() * (east - west), lat, rng.uniform(0, 360),
                      rng.choice((0.0, 0.0, 4.0, 8.0, 10.0, 12.0, 14.0, 16.0)) * rng.uniform(0.8, 1.0)))
    seq = 0
    for n in range(count):
        t = n / per_second
        unix = start + int(t)
        mmsi, lon0, lat0, cog, sog = ships[n % vessels]
        metres = sog * 1852 / 3600 * t
        lat = lat0 + metres * math.cos(math.radians(cog)) / 111_320
        lon = lon0 + metres * math.sin(math.radians(cog)) / (111_320 * math.cos(math.radians(lat0)))
        roll = rng.random()
        if roll < 0.85:
            data = {"type": 1, "mmsi": mmsi, "lon": round(lon, 5), "lat": round(lat, 5), "speed": round(sog, 1),
                    "course": round(cog, 1), "heading": round(cog) % 360, "second": unix % 60,
                    "status": 0 if sog else 1, "accuracy": 1}
        elif roll < 0.95:
            data = {"type": 18, "mmsi": mmsi, "lon": round(lon, 5), "lat": round(lat, 5), "speed": round(sog, 1),
                    "course": round(cog, 1), "heading": round(cog) % 360, "second": unix % 60}
        else:
            data = {"type": 5, "mmsi": mmsi, "shipname": f"SEA {n % vessels}", "callsign": f"S{n % vessels:05d}",
                    "imo": 9_500_000 + n % vessels, "ship_type": 70, "to_bow": 90, "to_stern": 20, "to_port": 10,
                    "to_starboard": 10, "draught": 7.5, "destination": "WEIFANG", "month": 12, "day": 1,
                    "hour": 8, "minute": 0}
        seq = (seq + 1) % 10
        for sentence in encode_dict(data, talker_id="AI", sentence_type="VDM", seq_id=seq if data["type"] == 5
                                    else None, radio_channel="AB"[n % 2]):
            yield _tag(station, unix) + sentence
