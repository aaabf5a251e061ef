-- Feeds heard in the last day whose verdict (feed_verdict, migration 055: the wall's lights say the same) is not
-- ok: a live feed gone silent, or a quiet-by-nature one past its cadence; and since when.
SELECT source, last_message_at FROM feed_status
WHERE last_message_at > now() - interval '1 day'
  AND feed_verdict(extract(epoch FROM now() - last_message_at), live, cadence_s) <> 'ok'
ORDER BY last_message_at
