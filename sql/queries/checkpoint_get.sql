SELECT position, file_identity FROM ingest_checkpoint WHERE source = %(source)s
