-- The report's dangerous goods at `to`: containers by IMDG class and yard block.
SELECT h.imdg_class, c.block_id, count(DISTINCT c.container_no) AS containers,
       array_agg(DISTINCT h.un_number ORDER BY h.un_number) AS un_numbers
FROM containers_at(%(port_id)s, %(to)s) c
JOIN hazmat_declaration h ON h.subject_kind = 'container' AND h.subject_id = c.container_no
GROUP BY h.imdg_class, c.block_id
ORDER BY h.imdg_class, c.block_id
