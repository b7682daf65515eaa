-- The events already there checked against 0019's rules, as 0018 does: a row with an unknown
-- code stops the migration here, by the constraint's name. Keep in step with ../postgres.
CREATE TEMP TABLE existing_rows_check (
    constraint_name TEXT NOT NULL,
    bad_rows BIGINT NOT NULL CHECK (bad_rows = 0)
);
INSERT INTO existing_rows_check (constraint_name, bad_rows) SELECT 'case_events_kind_check', COUNT(*) FROM case_events WHERE NOT (kind IN ('protocollata', 'ritirata', 'assegnata', 'avvio', 'richiesta_integrazione', 'integrazione', 'integrazione_non_pervenuta', 'preavviso', 'osservazioni', 'preavviso_scaduto', 'accolta', 'respinta', 'silenzio_assenso', 'scia_inibita', 'scia_consolidata', 'richiesta_conformazione', 'conformazione', 'conformazione_non_pervenuta'));
INSERT INTO existing_rows_check (constraint_name, bad_rows) SELECT 'case_events_state_check', COUNT(*) FROM case_events WHERE NOT (state IN ('bozza', 'protocollata', 'in_istruttoria', 'sospesa_per_integrazione', 'preavviso_di_rigetto', 'accolta', 'respinta', 'conclusa_per_silenzio_assenso', 'scia_efficace', 'scia_inibita', 'ritirata', 'archiviata'));
DROP TABLE existing_rows_check;
