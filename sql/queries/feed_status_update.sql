INSERT INTO feed_status AS f (source, kind, last_message_at, rate_per_s, messages_total, rejects_total, errors_total,
                              state, updated_at, live, cadence_s)
VALUES (%(source)s, %(kind)s, %(last_message_at)s, %(rate_per_s)s, %(messages)s, %(rejects)s, 0, 'ok', now(),
        %(live)s, %(cadence_s)s)
ON CONFLICT (source) DO UPDATE SET
    last_message_at = greatest(f.last_message_at, EXCLUDED.last_message_at), rate_per_s = EXCLUDED.rate_per_s,
    messages_total = f.messages_total + EXCLUDED.messages_total,
    rejects_total = f.rejects_total + EXCLUDED.rejects_total, state = 'ok', updated_at = now(), live = EXCLUDED.live,
    cadence_s = EXCLUDED.cadence_s
