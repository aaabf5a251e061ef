-- Berth work of a voyage (`voyage` as EDIFACT names it, "VESSEL NAME/VOYAGE"; or every voyage of a vessel name):
-- discharges planned (BAPLIE) and done (COARRI), loads done and planned (COPRAR loading order), the rate of the last hour and when, at that rate,
-- the planned discharges would be done.
WITH m AS (
    SELECT vessel_voyage, kind, container_no, moved_at FROM container_move
    WHERE vessel_voyage IS NOT NULL
      AND (vessel_voyage = %(voyage)s OR upper(split_part(vessel_voyage, '/', 1)) = upper(%(vessel)s))
), v AS (
    SELECT vessel_voyage,
           count(DISTINCT container_no) FILTER (WHERE kind = 'expected_discharge') AS planned_discharge,
           count(DISTINCT container_no) FILTER (WHERE kind = 'discharge') AS discharged,
           count(DISTINCT container_no) FILTER (WHERE kind = 'load') AS loaded,
           count(DISTINCT container_no) FILTER (WHERE kind = 'expected_load') AS planned_load,
           max(moved_at) FILTER (WHERE kind IN ('discharge', 'load')) AS last_move
    FROM m GROUP BY vessel_voyage
)
SELECT v.vessel_voyage, v.planned_discharge, v.discharged, v.loaded, v.last_move,
       (SELECT count(*) FROM m WHERE m.vessel_voyage = v.vessel_voyage AND m.kind IN ('discharge', 'load')
          AND m.moved_at > v.last_move - interval '1 hour') AS moves_last_hour,
       v.planned_load
FROM v
ORDER BY v.last_move DESC NULLS LAST
