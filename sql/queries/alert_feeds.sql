SELECT source, kind, live, last_message_at, extract(epoch FROM (%(now)s::timestamptz - last_message_at))::float8 AS age_s
FROM feed_status
