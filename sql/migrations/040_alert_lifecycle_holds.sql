-- Issue 32, point 3 (lifecycle traps).
-- An officer resolving a state alert whose condition still holds (the engine saw it within the last 30 s) quiets
-- its dedup key for the port's [alerts] quiet_after_resolve_min: the engine raises it again only if the condition
-- still holds after that (alert_raise.sql looks at quiet_until). The note the officer must give says why. The
-- engine's own clearing (alert_clear.sql: the condition is gone) sets quiet_until to the epoch: nothing to quiet.
ALTER TABLE alert ADD COLUMN quiet_until timestamptz;
CREATE INDEX alert_quiet_idx ON alert (dedup_key, quiet_until) WHERE quiet_until IS NOT NULL;

CREATE OR REPLACE FUNCTION alert_quiet_after_resolve() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    minutes double precision;
BEGIN
    IF NEW.state = 'resolved' AND OLD.state <> 'resolved' AND NEW.quiet_until IS NULL
       AND OLD.last_seen_at > now() - interval '30 seconds' THEN
        SELECT coalesce((p.config -> 'alerts' ->> 'quiet_after_resolve_min')::double precision, 30)
        INTO minutes FROM port p WHERE p.port_id = NEW.port_id;
        IF coalesce(minutes, 30) > 0 THEN
            NEW.quiet_until := now() + make_interval(secs => coalesce(minutes, 30) * 60);
        END IF;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER alert_quiet_after_resolve BEFORE UPDATE OF state ON alert
    FOR EACH ROW EXECUTE FUNCTION alert_quiet_after_resolve();
