"""The port's cameras as a video-analytics server (Frigate) reports them: MQTT `frigate/events` messages
(type new, update, end with before/after objects), QoS 1, with the camera's Frigate name and the port
zones its view covers as Frigate zones. What a camera sees is what is in its view: trucks at the gates,
people and trucks on the quays, boats at the harbour entrance.
"""

from __future__ import annotations

import json
import random
import string
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt

from demo.world import World
from portdomain.broker import FRIGATE_USER, BrokerLogin


@dataclass
class Track:
    event_id: str
    camera: str
    label: str
    zones: list[str]
    start: float                 # wall time
    end: float
    score: float
    box: list[int]
    sub_label: str | None = None
    updated: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class CameraFeed:
    def __init__(self, world: World, rng: random.Random, host: str, port: int, speed: float,
                 topic: str = "frigate/events", client_id: str = "portmap-demo-frigate",
                 login: BrokerLogin | None = None) -> None:
        """`login` None: Frigate's user on the private broker (portdomain/broker.py)."""
        self.world, self.rng, self.speed, self.topic = world, rng, speed, topic
        conf = world.scenario["cameras"]
        self.rate_per_s = float(conf["events_per_camera_per_hour"]) / 3600.0
        self.labels: dict[str, dict[str, float]] = conf["labels"]
        self.cameras = {c.source_name: c for c in world.cameras.values()}
        self.tracks: list[Track] = []
        self.published = 0
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
        self.client.reconnect_delay_set(min_delay=1, max_delay=5)
        (login or BrokerLogin.private(FRIGATE_USER, host, port)).apply(self.client)
        prefix = topic.split("/")[0]
        self.client.will_set(f"{prefix}/available", "offline", qos=1, retain=True)
        self.client.connect_async(host, port, keepalive=30)
        self.client.loop_start()
        self.client.publish(f"{prefix}/available", "online", qos=1, retain=True)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()

    def _id(self, wall: float) -> str:
        return f"{wall:.6f}-{''.join(self.rng.choices(string.ascii_lowercase + string.digits, k=6))}"

    def spawn(self, camera: str, label: str, wall: float, duration_s: float, *, score: float | None = None,
              zones: list[str] | None = None, sub_label: str | None = None) -> Track:
        """An object appears in a camera's view now and stays duration_s (wall seconds)."""
        cam = self.cameras[camera]
        track = Track(self._id(wall), camera, label, zones if zones is not None else list(cam.zone_ids[:1]), wall,
                      wall + duration_s, score or round(self.rng.uniform(0.72, 0.96), 3),
                      [self.rng.randrange(50, 900), self.rng.randrange(50, 500), 0, 0], sub_label)
        track.box[2] = track.box[0] + self.rng.randrange(40, 300)
        track.box[3] = track.box[1] + self.rng.randrange(60, 300)
        self.tracks.append(track)
        self._publish("new", track, wall)
        return track

    def tick(self, dt_sim: float, wall: float) -> None:
        """Spawn what the cameras see in dt_sim simulated seconds; update and end running tracks."""
        for name in self.cameras:
            weights = self.labels.get(name)
            if not weights:
                continue
            if self.rng.random() < self.rate_per_s * dt_sim:
                label = self.rng.choices(list(weights), list(weights.values()))[0]
                self.spawn(name, label, wall, self.rng.uniform(20, 240) / self.speed)
        for track in list(self.tracks):
            if wall >= track.end:
                self._publish("end", track, wall)
                self.tracks.remove(track)
            elif not track.updated and wall >= (track.start + track.end) / 2:
                track.updated = True
                track.score = min(0.99, track.score + 0.02)
                self._publish("update", track, wall)

    def _object(self, t: Track, wall: float, ended: bool) -> dict[str, Any]:
        x0, y0, x1, y1 = t.box
        return {"id": t.event_id, "camera": t.camera, "frame_time": wall, "snapshot": None, "label": t.label,
                "sub_label": [t.sub_label, 0.9] if t.sub_label else None, "top_score": t.score,
                "false_positive": False, "start_time": t.start, "end_time": wall if ended else None,
                "score": t.score, "box": t.box, "area": (x1 - x0) * (y1 - y0), "ratio": round((x1 - x0) / (y1 - y0), 3),
                "region": [max(0, x0 - 60), max(0, y0 - 60), x1 + 60, y1 + 60], "current_zones": t.zones,
                "entered_zones": t.zones, "thumbnail": None, "has_snapshot": True, "has_clip": True,
                "active": not ended, "stationary": False, "motionless_count": 0, "position_changes": 1,
                "attributes": {}, "current_attributes": [], **t.extra}

    def _publish(self, kind: str, t: Track, wall: float) -> None:
        after = self._object(t, wall, kind == "end")
        before = {**after, "end_time": None, "active": True} if kind != "new" else after
        self.client.publish(self.topic, json.dumps({"type": kind, "before": before, "after": after}), qos=1)
        self.published += 1
