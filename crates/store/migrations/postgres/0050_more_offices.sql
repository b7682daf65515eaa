-- The catalogue's services of taxes, social services, environment and culture (issue 22) are
-- handled by offices every municipality now starts with (`DEFAULT_OFFICES` in the store). The
-- municipalities created before them get them here, in their main AOO, unless they already
-- have an office with the same code. Keep in step with the other dialect's migration.
INSERT INTO offices (ente_id, aoo_id, code, name)
SELECT e.id, (SELECT MIN(a.id) FROM aoo a WHERE a.ente_id = e.id), o.code, o.name
FROM enti e
CROSS JOIN (
    SELECT 'TRIBUTI' AS code, 'Ufficio tributi' AS name
    UNION ALL SELECT 'SOCIALE', 'Servizi sociali'
    UNION ALL SELECT 'AMBIENTE', 'Ufficio ambiente'
    UNION ALL SELECT 'CULTURA', 'Servizi culturali, biblioteca e sport'
) o
WHERE EXISTS (SELECT 1 FROM aoo a WHERE a.ente_id = e.id)
  AND NOT EXISTS (SELECT 1 FROM offices f WHERE f.ente_id = e.id AND f.code = o.code);
