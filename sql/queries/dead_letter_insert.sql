INSERT INTO dead_letter (source, channel, reason, detail, attempts, payload, payload_bytes, digest)
VALUES (%(source)s, %(channel)s, %(reason)s, %(detail)s, %(attempts)s, %(payload)s, %(payload_bytes)s, %(digest)s)
