-- The feeds' lights on the wall: every feed heard in the last day, how long since its last message, and its
-- verdict (feed_verdict, migration 055: the same as the map's KPI strip and banner say).
SELECT source, kind, extract(epoch FROM now() - last_message_at)::int AS silent_s, live,
       feed_verdict(extract(epoch FROM now() - last_message_at), live, cadence_s) AS verdict
FROM feed_status
WHERE last_message_at > now() - interval '1 day'
ORDER BY kind, source
