-- Wake alerts-out on every NOTIFY of an alert change (the engine, officer_act; migration 035).
LISTEN portmap_alerts
