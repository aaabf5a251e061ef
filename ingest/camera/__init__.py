"""Camera (video-analytics) events: Frigate over MQTT into camera_event, one row per tracked object."""
