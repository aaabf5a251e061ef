-- Changes when the dangerous-goods layer may have changed: a container moved or a declaration came in.
SELECT (SELECT max(updated_at) FROM container) AS containers,
       (SELECT count(*) FROM hazmat_declaration) AS declarations,
       (SELECT max(declared_at) FROM hazmat_declaration) AS declared
