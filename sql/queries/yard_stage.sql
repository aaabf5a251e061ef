CREATE TEMP TABLE IF NOT EXISTS stg_container (
    container_no text, iso_type text, full_empty text, gross_kg integer, block_id text, bay smallint,
    row_ smallint, tier smallint, vessel_voyage text, arrived_at timestamptz, customs_status text
) ON COMMIT DELETE ROWS
;
TRUNCATE stg_container
