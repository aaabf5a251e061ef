SELECT drop_position_partitions_older_than(%(keep_days)s)
