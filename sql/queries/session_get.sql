-- A live session of an enabled user; each use slides its expiry (idle timeout), up to the absolute limit.
UPDATE user_session s
SET last_seen_at = now(),
    expires_at = least(now() + make_interval(secs => %(ttl_s)s), s.created_at + make_interval(secs => %(max_s)s))
FROM app_user u
WHERE s.session_hash = %(session_hash)s AND s.expires_at > now() AND u.user_id = s.user_id AND NOT u.disabled
RETURNING u.username, u.display_name, u.role, u.agency, s.csrf_token
