-- Least privilege (issue 24): the append-only audit tables (audit_log, alert_action) and the officers' changes to
-- alerts and hazmat cases are written only through these SECURITY DEFINER functions. They run as the schema's
-- owner (portmap_owner, which cannot log in; sql/grants.sql hands it every object and says who may EXECUTE what);
-- the process roles have no INSERT, UPDATE or DELETE on those tables. Each pins its search_path.

-- One line of the audit trail (sign-ins, refusals, searches, exports, reports).
CREATE FUNCTION audit_append(p_actor text, p_role text, p_agency text, p_action text, p_object_kind text,
                             p_object_id text, p_detail jsonb, p_client_addr inet)
RETURNS bigint LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    INSERT INTO audit_log (actor, actor_role, actor_agency, action, object_kind, object_id, detail, client_addr)
    VALUES (p_actor, p_role, p_agency, p_action, p_object_kind, p_object_id, coalesce(p_detail, '{}'::jsonb),
            p_client_addr)
    RETURNING audit_id
$$;

-- One line of an alert's trail (the rule engine's raise/update/escalate, and the officers' actions below).
CREATE FUNCTION alert_action_append(p_alert_id bigint, p_actor text, p_role text, p_agency text, p_action text,
                                    p_note text)
RETURNS bigint LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    INSERT INTO alert_action (alert_id, actor, actor_role, actor_agency, action, note)
    VALUES (p_alert_id, p_actor, p_role, p_agency, p_action, p_note)
    RETURNING action_id
$$;

-- An officer's action on an alert: the state change (if any), its line in the trail and the NOTIFY, in one
-- transaction under the alert's row lock. Who may act is the permission matrix's (sql/alerts.py), checked by the
-- caller; what the alert's state allows is checked here. A refusal raises P0001 with the reason.
-- Returns the alert's severity and, for a suppression, when it wakes.
CREATE FUNCTION officer_act(p_alert_id bigint, p_actor text, p_role text, p_agency text, p_action text,
                            p_note text, p_minutes double precision DEFAULT NULL,
                            OUT severity text, OUT woke_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    a record;
    note text := p_note;
BEGIN
    SELECT al.state, al.evidence_at, al.severity INTO a FROM alert al WHERE al.alert_id = p_alert_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'alert % does not exist', p_alert_id;
    END IF;
    severity := a.severity;
    IF p_action = 'acknowledge' THEN
        IF a.state <> 'open' THEN
            RAISE EXCEPTION 'alert % is %: only an open alert is acknowledged', p_alert_id, a.state;
        END IF;
        UPDATE alert SET state = 'acknowledged', suppressed_until = NULL, resolved_at = NULL
        WHERE alert_id = p_alert_id;
    ELSIF p_action = 'suppress' THEN
        IF p_minutes IS NULL OR p_minutes <= 0 THEN
            RAISE EXCEPTION 'a suppression needs a positive duration';
        END IF;
        IF a.state = 'resolved' THEN
            RAISE EXCEPTION 'alert % is resolved', p_alert_id;
        END IF;
        woke_at := a.evidence_at + make_interval(secs => p_minutes * 60);
        UPDATE alert SET state = 'suppressed', suppressed_until = woke_at, resolved_at = NULL
        WHERE alert_id = p_alert_id;
        note := format('until %s: %s',      -- as Python's isoformat() writes it
                       to_char(woke_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
                       || CASE WHEN extract(microseconds FROM woke_at)::bigint % 1000000 <> 0
                               THEN to_char(woke_at AT TIME ZONE 'UTC', '.US') ELSE '' END || '+00:00',
                       p_note);
    ELSIF p_action = 'resolve' THEN
        IF coalesce(btrim(p_note), '') = '' THEN
            RAISE EXCEPTION 'resolving an alert needs a note';
        END IF;
        IF a.state = 'resolved' THEN
            RAISE EXCEPTION 'alert % is already resolved', p_alert_id;
        END IF;
        UPDATE alert SET state = 'resolved', suppressed_until = NULL, resolved_at = now()
        WHERE alert_id = p_alert_id;
    ELSIF p_action <> 'note' THEN
        RAISE EXCEPTION 'unknown officer action %', p_action;
    END IF;
    PERFORM alert_action_append(p_alert_id, p_actor, p_role, p_agency, p_action, note);
    PERFORM pg_notify('portmap_alerts', json_build_object('alert_id', p_alert_id, 'action', p_action)::text);
END $$;

-- A hazmat case step done by its own agency, in order; the last step closes the case and resolves its alert.
-- Returns true when the case is closed.
CREATE FUNCTION case_step_complete(p_case_id bigint, p_step text, p_actor text, p_role text, p_agency text,
                                   p_outcome text, p_note text DEFAULT NULL)
RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    c record;
    nxt record;
    left_after integer;
BEGIN
    SELECT hc.case_id, hc.alert_id INTO c FROM hazmat_case hc WHERE hc.case_id = p_case_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'case % does not exist', p_case_id;
    END IF;
    SELECT s.step, s.agency INTO nxt FROM hazmat_case_step s
    WHERE s.case_id = p_case_id AND s.done_at IS NULL ORDER BY s.step_no LIMIT 1;
    IF NOT FOUND OR nxt.step <> p_step THEN
        RAISE EXCEPTION 'case %: the next step is %, not %', p_case_id, coalesce(nxt.step, 'none'), p_step;
    END IF;
    IF nxt.agency <> p_agency THEN
        RAISE EXCEPTION 'case %: % belongs to %, not %', p_case_id, p_step, nxt.agency, p_agency;
    END IF;
    UPDATE hazmat_case_step SET done_at = now(), done_by = p_actor, outcome = p_outcome, note = p_note
    WHERE case_id = p_case_id AND step = p_step AND done_at IS NULL;
    IF c.alert_id IS NOT NULL THEN
        PERFORM alert_action_append(c.alert_id, p_actor, p_role, p_agency, 'note',
                                    format('case %s: %s done: %s', p_case_id, p_step, p_outcome));
        PERFORM pg_notify('portmap_alerts', json_build_object('alert_id', c.alert_id, 'action', 'note')::text);
    END IF;
    SELECT count(*) INTO left_after FROM hazmat_case_step WHERE case_id = p_case_id AND done_at IS NULL;
    IF left_after > 0 THEN
        RETURN false;
    END IF;
    UPDATE hazmat_case SET state = 'closed', closed_at = now() WHERE case_id = p_case_id;
    IF c.alert_id IS NOT NULL AND (SELECT state FROM alert WHERE alert_id = c.alert_id) <> 'resolved' THEN
        UPDATE alert SET state = 'resolved', suppressed_until = NULL, resolved_at = now()
        WHERE alert_id = c.alert_id;
        PERFORM alert_action_append(c.alert_id, p_actor, p_role, p_agency, 'resolve',
                                    format('case %s closed: %s', p_case_id, p_outcome));
        PERFORM pg_notify('portmap_alerts', json_build_object('alert_id', c.alert_id, 'action', 'resolve')::text);
    END IF;
    RETURN true;
END $$;

-- The AIS writer makes and drops day partitions of vessel_position: as the owner, not as itself.
ALTER FUNCTION ensure_position_partition(date) SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION ensure_position_partitions(date, date) SECURITY DEFINER SET search_path = public, pg_temp;
ALTER FUNCTION drop_position_partitions_older_than(integer) SECURITY DEFINER SET search_path = public, pg_temp;
