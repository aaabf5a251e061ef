-- Who may do what in the database (issue 24). Not a numbered migration: sql/migrate.py applies this file after
-- every run, so it also covers tables that migrations added later (whatever their number). Idempotent.
--
-- * portmap_owner owns every table, sequence and function of the schema (not PostGIS's) and cannot log in; the
--   SECURITY DEFINER functions of migration 035 run as it. Only the owner (and a superuser) can ALTER a table or
--   disable its triggers; none of the roles below is a superuser, so none can SET session_replication_role.
-- * every process role reads the port's data; the logins, sessions, tokens and audit log only the app reads.
-- * each writes only its own family's tables (WRITES below); audit_log and alert_action are written by nobody
--   directly: audit_append, alert_action_append, officer_act and case_step_complete do it.
-- A table nobody writes and nobody reads fails tests/test_db_roles.py: add it to WRITES (or to SECRET_TABLES).
DO $grants$
DECLARE
    process_roles constant text[] := ARRAY['portmap_app', 'portmap_read', 'portmap_ais', 'portmap_camera',
                                           'portmap_yard', 'portmap_alerts', 'portmap_reference'];
    -- read by the app alone (password hashes, session and token hashes, the supervisors' audit trail)
    secret_tables constant text[] := ARRAY['app_user', 'user_session', 'access_token', 'audit_log',
                                           'login_throttle'];
    -- personal data (issue 29: people's phone trackers): read by the app and the alert engine, and by its writer
    personal_tables constant text[] := ARRAY['person', 'person_position', 'person_latest'];
    personal_readers constant text[] := ARRAY['portmap_app', 'portmap_alerts'];
    -- written (INSERT, UPDATE, DELETE; never TRUNCATE) by each role
    feeds constant text[] := ARRAY['feed_status', 'ingest_reject', 'ingest_reject_count', 'ingest_checkpoint',
                                   'ingest_dead_letter', 'dead_letter'];
    writes constant jsonb := jsonb_build_object(
        'portmap_app', ARRAY['user_session', 'app_user', 'access_token', 'login_throttle'],
        'portmap_ais', ARRAY['vessel', 'vessel_position', 'vessel_latest', 'ais_other_message', 'aton',
                             'base_station', 'sensor_target',     -- the tracking sensors' family
                             'vehicle_position', 'vehicle_latest', 'jt808_terminal',
                             'person_position', 'person_latest'] || feeds,
        'portmap_camera', ARRAY['camera_event', 'camera_review', 'camera', 'camera_picture'] || feeds,
        'portmap_yard', ARRAY['container', 'container_move', 'hazmat_declaration', 'gate_transaction',
                              'berth_plan', 'direct_delivery', 'vehicle', 'person', 'permit'] || feeds,
        'portmap_alerts', ARRAY['alert', 'alert_retrospective', 'retrospective_run', 'hazmat_case',
                                'hazmat_case_step', 'port_stats_hour'] || feeds,
        'portmap_reference', ARRAY['port', 'zone', 'berth', 'yard_block', 'yard_slot', 'camera', 'structure',
                                   'basemap_feature'] || feeds);
    -- the SECURITY DEFINER functions and who may call them (nobody else, PUBLIC included)
    definers constant jsonb := jsonb_build_object(
        'audit_append', ARRAY['portmap_app'],
        'alert_action_append', ARRAY['portmap_alerts'],
        'officer_act', ARRAY['portmap_app'],
        'case_step_complete', ARRAY['portmap_app'],
        'ensure_position_partition', ARRAY['portmap_ais'],
        'ensure_position_partitions', ARRAY['portmap_ais'],
        'drop_position_partitions_older_than', ARRAY['portmap_ais']);
    r text;
    t record;
    fn record;
    is_super boolean := (SELECT rolsuper FROM pg_roles WHERE rolname = current_user);
BEGIN
    -- Roles are the cluster's: scripts/services.sh makes them with passwords; elsewhere a DBA does (LOGIN and a
    -- password are theirs to give). Missing ones are made here without a login so that the grants apply.
    FOREACH r IN ARRAY process_roles || 'portmap_owner'::text LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION', r);
        END IF;
    END LOOP;
    EXECUTE format('GRANT USAGE, CREATE ON SCHEMA public TO portmap_owner');
    FOREACH r IN ARRAY process_roles LOOP
        EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', r);
        EXECUTE format('REVOKE CREATE ON SCHEMA public FROM %I', r);
    END LOOP;

    -- Everything of ours to the owner (a superuser may hand it over; PostGIS's objects stay where they are).
    IF is_super THEN
        FOR t IN
            SELECT c.oid::regclass AS obj, c.relkind FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
              AND NOT c.relispartition
              AND pg_get_userbyid(c.relowner) <> 'portmap_owner'
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                              AND (d.deptype = 'e' OR (c.relkind = 'S' AND d.deptype IN ('i', 'a'))))
        LOOP
            EXECUTE format('ALTER %s %s OWNER TO portmap_owner',
                           CASE t.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                                          WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE'
                                          ELSE 'TABLE' END, t.obj);
        END LOOP;
        FOR t IN    -- partitions too (ALTER TABLE on a parent does not recurse to them)
            SELECT c.oid::regclass AS obj FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relispartition AND pg_get_userbyid(c.relowner) <> 'portmap_owner'
        LOOP
            EXECUTE format('ALTER TABLE %s OWNER TO portmap_owner', t.obj);
        END LOOP;
        FOR fn IN
            SELECT p.oid::regprocedure AS obj, p.prokind FROM pg_proc p
            JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> 'portmap_owner'
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                              AND d.objid = p.oid AND d.deptype = 'e')
        LOOP
            EXECUTE format('ALTER %s %s OWNER TO portmap_owner',
                           CASE fn.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE'
                                           ELSE 'FUNCTION' END, fn.obj);
        END LOOP;
    END IF;

    -- Start from nothing, then grant: a table's privileges are exactly what this file says.
    FOREACH r IN ARRAY process_roles LOOP
        EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %I', r);
        EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM %I', r);
    END LOOP;
    EXECUTE 'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC';
    FOR t IN
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') AND NOT c.relispartition
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                          AND d.objid = c.oid AND d.deptype = 'e')
    LOOP
        FOREACH r IN ARRAY process_roles LOOP
            IF (t.relname <> ALL (secret_tables) OR r = 'portmap_app')
               AND (t.relname <> ALL (personal_tables) OR r = ANY (personal_readers)) THEN
                EXECUTE format('GRANT SELECT ON %I TO %I', t.relname, r);
            END IF;
        END LOOP;
    END LOOP;
    -- PostGIS's spatial_ref_sys (pyproj-free transforms need it) stays readable by everyone.
    IF to_regclass('public.spatial_ref_sys') IS NOT NULL THEN
        EXECUTE 'GRANT SELECT ON spatial_ref_sys TO PUBLIC';
    END IF;
    FOR r IN SELECT jsonb_object_keys(writes) LOOP
        FOR t IN SELECT jsonb_array_elements_text(writes -> r) AS name LOOP
            IF to_regclass(format('public.%I', t.name)) IS NOT NULL THEN
                EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO %I', t.name, r);
            END IF;
        END LOOP;
        EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO %I', r);
    END LOOP;

    -- Functions: a SECURITY DEFINER one only for the roles named above; any other keeps PostgreSQL's default
    -- (EXECUTE for everyone: they run with the caller's rights).
    FOR fn IN
        SELECT p.oid::regprocedure AS obj, p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.prosecdef
    LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', fn.obj);
        FOREACH r IN ARRAY process_roles LOOP
            EXECUTE format('REVOKE ALL ON FUNCTION %s FROM %I', fn.obj, r);
        END LOOP;
        FOR r IN SELECT jsonb_array_elements_text(coalesce(definers -> fn.proname::text, '[]'::jsonb)) LOOP
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', fn.obj, r);
        END LOOP;
    END LOOP;
END
$grants$;
