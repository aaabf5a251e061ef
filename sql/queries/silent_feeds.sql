-- Live feeds (feed_status.live, as the source registry declares them) that have gone quiet, and since when.
SELECT source, last_message_at FROM feed_status
WHERE live AND last_message_at > now() - interval '1 day'
  AND last_message_at < now() - make_interval(secs => %(silent_s)s)
ORDER BY last_message_at
