-- The feeds' lights on the wall: every feed heard in the last day, and how long since its last message.
SELECT source, kind, extract(epoch FROM now() - last_message_at)::int AS silent_s, live
FROM feed_status
WHERE last_message_at > now() - interval '1 day'
ORDER BY kind, source
