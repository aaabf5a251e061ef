-- The KPI strip: the port now (or at `at` in a replay), in one round trip (vessels heard in the last 30 minutes).
-- Feed health is always now: feeds keep no history.
WITH v AS (
    SELECT l.mmsi, l.geom, l.sog_kn, l.nav_status
    FROM vessel_positions_at(%(at)s, interval '30 minutes') l JOIN port p ON p.port_id = %(port_id)s
    WHERE l.geom IS NOT NULL AND l.geom && p.bbox
), at_berth AS (
    SELECT DISTINCT ON (v.mmsi) v.mmsi, b.berth_id
    FROM v JOIN berth b ON b.port_id = %(port_id)s AND ST_Intersects(b.area, v.geom)
    WHERE coalesce(v.sog_kn, 0) < 1
), anchored AS (
    SELECT v.mmsi FROM v
    WHERE v.nav_status = 1 OR EXISTS (SELECT 1 FROM zone z WHERE z.port_id = %(port_id)s AND z.kind = 'anchorage'
                                      AND ST_Within(v.geom, z.geom) AND coalesce(v.sog_kn, 0) < 1)
)
SELECT
    (SELECT count(*) FROM v) AS vessels,
    (SELECT count(*) FROM v WHERE coalesce(v.sog_kn, 0) >= 0.5 AND v.nav_status IS DISTINCT FROM 1
                              AND v.nav_status IS DISTINCT FROM 5) AS underway,
    (SELECT count(*) FROM anchored) AS at_anchor,
    (SELECT count(*) FROM at_berth) AS at_berth,
    (SELECT count(DISTINCT berth_id) FROM at_berth) AS berths_occupied,
    (SELECT count(*) FROM berth WHERE port_id = %(port_id)s) AS berths,
    (SELECT count(*) FROM containers_at(%(port_id)s, %(at)s)) AS containers,
    (SELECT sum(bays * rows_ * tiers) FROM yard_block WHERE port_id = %(port_id)s) AS yard_capacity,
    (SELECT count(DISTINCT c.container_no) FROM containers_at(%(port_id)s, %(at)s) c JOIN hazmat_declaration h
       ON h.subject_kind = 'container' AND h.subject_id = c.container_no) AS dg_containers,
    (SELECT count(*) FROM alerts_at(%(port_id)s, %(at)s) s JOIN alert a USING (alert_id)
     WHERE a.severity = 'critical') AS alerts_critical,
    (SELECT count(*) FROM alerts_at(%(port_id)s, %(at)s) s JOIN alert a USING (alert_id)
     WHERE a.severity = 'warning') AS alerts_warning,
    (SELECT count(*) FROM feed_status WHERE live
       AND last_message_at > now() - interval '1 day') AS feeds,
    (SELECT count(*) FROM feed_status WHERE live
       AND last_message_at > now() - interval '1 day'
       AND feed_verdict(extract(epoch FROM now() - last_message_at), live, cadence_s) <> 'ok') AS feeds_silent
