-- Issue 24, points 5 and 7.
-- Resolve: an alert with an open hazmat case is resolved only by its case (the last step closes the case and
-- resolves the alert: case_step_complete); who may resolve a critical alert is the permission matrix's
-- (sql/alerts.py: a supervisor, as for suppressing one).
CREATE OR REPLACE FUNCTION officer_act(p_alert_id bigint, p_actor text, p_role text, p_agency text, p_action text,
                            p_note text, p_minutes double precision DEFAULT NULL,
                            OUT severity text, OUT woke_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    a record;
    note text := p_note;
    open_case bigint;
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
        SELECT hc.case_id INTO open_case FROM hazmat_case hc
        WHERE hc.alert_id = p_alert_id AND hc.state = 'open' ORDER BY hc.case_id LIMIT 1;
        IF open_case IS NOT NULL THEN
            RAISE EXCEPTION 'alert % belongs to the open hazmat case %: it is resolved by closing the case, '
                            'step by step', p_alert_id, open_case;
        END IF;
        UPDATE alert SET state = 'resolved', suppressed_until = NULL, resolved_at = now()
        WHERE alert_id = p_alert_id;
    ELSIF p_action <> 'note' THEN
        RAISE EXCEPTION 'unknown officer action %', p_action;
    END IF;
    PERFORM alert_action_append(p_alert_id, p_actor, p_role, p_agency, p_action, note);
    PERFORM pg_notify('portmap_alerts', json_build_object('alert_id', p_alert_id, 'action', p_action)::text);
END $$;


-- Login throttling, shared by every app process (the database is the one place they all see). Per account: after
-- a few failures each further one doubles a back-off during which the account's logins are refused before any
-- password is looked at; once it ends the right password works again and resets the count. Per address: too many
-- failures in a window refuse that address until the window ends. The policy's numbers come from the caller
-- (app/auth.py THROTTLE). Rows hold user names and addresses: the app alone reads them (sql/grants.sql).
CREATE TABLE login_throttle (
    scope          text NOT NULL CHECK (scope IN ('account', 'address')),
    key            text NOT NULL,
    failures       integer NOT NULL DEFAULT 0,
    window_start   timestamptz NOT NULL DEFAULT now(),
    last_failed_at timestamptz NOT NULL DEFAULT now(),
    blocked_until  timestamptz,
    PRIMARY KEY (scope, key)
);

-- Seconds until a login of this account from this address may be tried (0: now).
CREATE FUNCTION login_wait(p_account text, p_address text) RETURNS double precision
LANGUAGE sql STABLE AS $$
    SELECT coalesce(max(extract(epoch FROM blocked_until - clock_timestamp())), 0)::double precision
    FROM login_throttle
    WHERE ((scope = 'account' AND key = p_account) OR (scope = 'address' AND key = p_address))
      AND blocked_until > clock_timestamp()
$$;

-- A failed login: count it for the account and the address and set their back-off; returns the seconds to wait.
CREATE FUNCTION login_failed(p_account text, p_address text, p_free integer, p_base_s double precision,
                             p_cap_s double precision, p_forget_s double precision, p_address_limit integer,
                             p_address_window_s double precision) RETURNS double precision
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
    started timestamptz;
    t timestamptz := clock_timestamp();
BEGIN
    INSERT INTO login_throttle AS lt (scope, key, failures, window_start, last_failed_at)
    VALUES ('account', p_account, 1, t, t)
    ON CONFLICT (scope, key) DO UPDATE
        SET failures = CASE WHEN lt.last_failed_at < t - make_interval(secs => p_forget_s) THEN 1
                            ELSE lt.failures + 1 END,
            last_failed_at = t
    RETURNING failures INTO n;
    UPDATE login_throttle SET blocked_until = CASE WHEN n > p_free
        THEN t + make_interval(secs => least(p_cap_s, p_base_s * 2 ^ (n - p_free - 1))) END
    WHERE scope = 'account' AND key = p_account;

    INSERT INTO login_throttle AS lt (scope, key, failures, window_start, last_failed_at)
    VALUES ('address', p_address, 1, t, t)
    ON CONFLICT (scope, key) DO UPDATE
        SET failures = CASE WHEN lt.window_start < t - make_interval(secs => p_address_window_s) THEN 1
                            ELSE lt.failures + 1 END,
            window_start = CASE WHEN lt.window_start < t - make_interval(secs => p_address_window_s) THEN t
                                ELSE lt.window_start END,
            last_failed_at = t
    RETURNING failures, window_start INTO n, started;
    UPDATE login_throttle SET blocked_until = CASE WHEN n >= p_address_limit
        THEN started + make_interval(secs => p_address_window_s) END
    WHERE scope = 'address' AND key = p_address;

    DELETE FROM login_throttle WHERE last_failed_at < t - interval '1 day' AND random() < 0.05;
    RETURN login_wait(p_account, p_address);
END $$;

-- A successful login clears the account's count (not the address's: one good password does not pardon a
-- guesser at the same address).
CREATE FUNCTION login_succeeded(p_account text) RETURNS void
LANGUAGE sql AS $$
    DELETE FROM login_throttle WHERE scope = 'account' AND key = p_account
$$;
