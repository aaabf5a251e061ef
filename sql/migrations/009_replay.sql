-- Replay: the picture as it stood at a past instant, from the history the live tables are made from.

-- Each vessel's last report at or before `at` and not older than `horizon`; with `at` NULL, the live picture.
-- An inlinable SQL function: the branch not taken is pruned when the statement is planned.
CREATE FUNCTION vessel_positions_at(at timestamptz, horizon interval DEFAULT interval '30 minutes')
RETURNS SETOF vessel_latest LANGUAGE sql STABLE AS $$
    SELECT * FROM vessel_latest
    WHERE at IS NULL AND observed_at > now() - horizon
    UNION ALL
    (SELECT DISTINCT ON (mmsi) * FROM vessel_position
     WHERE at IS NOT NULL AND observed_at <= at AND observed_at > at - horizon
     ORDER BY mmsi, observed_at DESC)
$$;

-- An alert's state at an instant, from its action log (raise, acknowledge, suppress, unsuppress, resolve,
-- reopen are every change of state, by the engine or an officer); NULL before it was raised.
CREATE FUNCTION alert_state_at(p_alert_id bigint, p_at timestamptz) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE action WHEN 'acknowledge' THEN 'acknowledged' WHEN 'suppress' THEN 'suppressed'
                       WHEN 'resolve' THEN 'resolved' ELSE 'open' END
    FROM alert_action
    WHERE alert_id = p_alert_id AND acted_at <= p_at
      AND action IN ('raise', 'acknowledge', 'suppress', 'unsuppress', 'resolve', 'reopen')
    ORDER BY acted_at DESC, action_id DESC
    LIMIT 1
$$;

-- The alerts not resolved at `at` (now when NULL) with their state then. An alert resolved before `at` and
-- never reopened has resolved_at <= at; every other alert raised by then is looked up in its log.
CREATE FUNCTION alerts_at(p_port text, p_at timestamptz) RETURNS TABLE (alert_id bigint, state text)
LANGUAGE sql STABLE AS $$
    SELECT a.alert_id, a.state FROM alert a
    WHERE p_at IS NULL AND a.port_id = p_port AND a.state <> 'resolved'
    UNION ALL
    SELECT s.alert_id, s.state FROM (
        SELECT a.alert_id, coalesce(alert_state_at(a.alert_id, p_at), 'open') AS state FROM alert a
        WHERE p_at IS NOT NULL AND a.port_id = p_port AND a.raised_at <= p_at
          AND (a.state <> 'resolved' OR a.resolved_at > p_at)) s
    WHERE s.state <> 'resolved'
$$;

-- Containers in the yard at `at` (now when NULL): arrived by then and not yet gone.
CREATE FUNCTION containers_at(p_port text, p_at timestamptz) RETURNS SETOF container LANGUAGE sql STABLE AS $$
    SELECT * FROM container
    WHERE port_id = p_port AND (
        (p_at IS NULL AND state = 'in_yard')
        OR (p_at IS NOT NULL AND coalesce(arrived_at, updated_at) <= p_at
            AND (departed_at IS NULL OR departed_at > p_at) AND state IN ('in_yard', 'departed', 'on_vessel',
                                                                       'on_truck')))
$$;
