-- The port's statistics by hour, day or month (in the port's time zone) over [since, until), from the hourly
-- roll-up. A call is an arrival alongside; the average stays are vessel-hours per arrival.
SELECT date_trunc(%(grain)s, s.hour AT TIME ZONE p.timezone) AS period,
       sum(berth_arrivals)::int AS calls, sum(berth_arrivals)::int AS arrivals,
       sum(berth_departures)::int AS departures,
       sum(anchorage_arrivals)::int AS anchorage_arrivals,
       round((sum(berth_vessel_hours)::numeric / nullif(sum(berth_arrivals), 0)), 1)::float8 AS avg_berth_h,
       round((sum(anchorage_vessel_hours)::numeric / nullif(sum(anchorage_arrivals), 0)), 1)::float8 AS avg_anchorage_h,
       sum(boxes_moved)::int AS boxes, sum(teu_moved)::float8 AS teu, round(sum(tonnes_moved)::numeric)::float8 AS tonnes,
       sum(gate_in)::int AS gate_in, sum(gate_out)::int AS gate_out,
       sum(dg_boxes_moved)::int AS dg_boxes, sum(dg_gate_passes)::int AS dg_gate
FROM port_stats_hour s
JOIN port p ON p.port_id = s.port_id
WHERE s.port_id = %(port_id)s AND s.hour >= %(since)s AND s.hour < %(until)s
GROUP BY 1
ORDER BY 1
