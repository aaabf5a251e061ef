-- Changes whenever a report reached the live picture (10,000 rows: about a millisecond).
SELECT max(received_at), count(*) FROM vessel_latest
