-- Issue 28: cameras named by their vendor's ids (Hikvision device/channel, Dahua device/channel, GB/T 28181
-- 20-digit ids), and the pictures some vendors push with an event (size-capped, kept for a while).
ALTER TABLE camera ADD COLUMN vendor_ids text[] NOT NULL DEFAULT '{}';
CREATE INDEX camera_vendor_ids_idx ON camera USING gin (vendor_ids);

-- A vendor's event is "open" by (camera, source, topic) until its inactive/Stop; this finds it fast.
CREATE INDEX camera_event_open_topic_idx ON camera_event (port_id, camera_id, source, (raw->>'topic'))
    WHERE end_at IS NULL;

CREATE TABLE camera_picture (
    event_id      text PRIMARY KEY REFERENCES camera_event ON DELETE CASCADE,
    content_type  text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    picture       bytea NOT NULL CHECK (octet_length(picture) <= 524288),
    stored_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX camera_picture_stored_idx ON camera_picture (stored_at);
