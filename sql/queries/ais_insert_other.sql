INSERT INTO ais_other_message (source, received_at, msg_type, mmsi, raw, raw_sha256)
VALUES (%s, %s, %s, %s, %s, sha256(convert_to(%s, 'UTF8')))
ON CONFLICT DO NOTHING
