-- The report's vehicles: per kind, the vehicles that reported in the window, their reports, the emergency alarms
-- among them (JT/T 808 alarm bit 0) and the top speed.
SELECT coalesce(v.kind, 'unregistered') AS kind, count(DISTINCT h.terminal_phone) AS vehicles, count(*) AS reports,
       count(*) FILTER (WHERE h.alarm & 1 = 1) AS emergencies, max(h.speed_kmh) AS top_kmh
FROM vehicle_position h
LEFT JOIN vehicle v USING (terminal_phone)
WHERE h.observed_at >= %(from)s AND h.observed_at <= %(to)s
GROUP BY 1
ORDER BY vehicles DESC, kind
