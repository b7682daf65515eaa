-- Case events' kind and state as constraints (issue 14), as 0016 and 0017 do: a pair of
-- triggers named after the PostgreSQL constraint each. Events are never updated, but both
-- triggers are kept for one shape. Keep in step with ../postgres.
CREATE TRIGGER case_events_kind_check_insert BEFORE INSERT ON case_events
WHEN NEW.kind NOT IN ('protocollata', 'ritirata', 'assegnata', 'avvio', 'richiesta_integrazione', 'integrazione', 'integrazione_non_pervenuta', 'preavviso', 'osservazioni', 'preavviso_scaduto', 'accolta', 'respinta', 'silenzio_assenso', 'scia_inibita', 'scia_consolidata', 'richiesta_conformazione', 'conformazione', 'conformazione_non_pervenuta')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: case_events_kind_check'); END;
CREATE TRIGGER case_events_kind_check_update BEFORE UPDATE OF kind ON case_events
WHEN NEW.kind NOT IN ('protocollata', 'ritirata', 'assegnata', 'avvio', 'richiesta_integrazione', 'integrazione', 'integrazione_non_pervenuta', 'preavviso', 'osservazioni', 'preavviso_scaduto', 'accolta', 'respinta', 'silenzio_assenso', 'scia_inibita', 'scia_consolidata', 'richiesta_conformazione', 'conformazione', 'conformazione_non_pervenuta')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: case_events_kind_check'); END;
CREATE TRIGGER case_events_state_check_insert BEFORE INSERT ON case_events
WHEN NEW.state NOT IN ('bozza', 'protocollata', 'in_istruttoria', 'sospesa_per_integrazione', 'preavviso_di_rigetto', 'accolta', 'respinta', 'conclusa_per_silenzio_assenso', 'scia_efficace', 'scia_inibita', 'ritirata', 'archiviata')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: case_events_state_check'); END;
CREATE TRIGGER case_events_state_check_update BEFORE UPDATE OF state ON case_events
WHEN NEW.state NOT IN ('bozza', 'protocollata', 'in_istruttoria', 'sospesa_per_integrazione', 'preavviso_di_rigetto', 'accolta', 'respinta', 'conclusa_per_silenzio_assenso', 'scia_efficace', 'scia_inibita', 'ritirata', 'archiviata')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: case_events_state_check'); END;
