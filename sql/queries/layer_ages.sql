-- How old each layer's newest data is: the feeds by kind, the alert engine's last pass, the port package.
SELECT 'feed:' || kind AS source, max(last_message_at) AS newest FROM feed_status GROUP BY kind
UNION ALL
SELECT 'alerts', max(last_seen_at) FROM alert WHERE port_id = %(port_id)s
UNION ALL
SELECT 'port', loaded_at FROM port WHERE port_id = %(port_id)s
