-- Applications' status and case state, and the register's direction, as constraints (issue
-- 14), as 0016 does: a pair of triggers named after the PostgreSQL constraint each (SQLite
-- cannot add a CHECK to an existing table). The register's rows are never updated (0003), so
-- its direction needs only the insert trigger's rule; both are kept for one shape.
-- Keep in step with ../postgres.
CREATE TRIGGER applications_status_check_insert BEFORE INSERT ON applications
WHEN NEW.status NOT IN ('draft', 'submitted', 'withdrawn')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: applications_status_check'); END;
CREATE TRIGGER applications_status_check_update BEFORE UPDATE OF status ON applications
WHEN NEW.status NOT IN ('draft', 'submitted', 'withdrawn')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: applications_status_check'); END;
CREATE TRIGGER applications_case_state_check_insert BEFORE INSERT ON applications
WHEN NEW.case_state IS NOT NULL AND NEW.case_state NOT IN ('bozza', 'protocollata', 'in_istruttoria', 'sospesa_per_integrazione', 'preavviso_di_rigetto', 'accolta', 'respinta', 'conclusa_per_silenzio_assenso', 'scia_efficace', 'scia_inibita', 'ritirata', 'archiviata')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: applications_case_state_check'); END;
CREATE TRIGGER applications_case_state_check_update BEFORE UPDATE OF case_state ON applications
WHEN NEW.case_state IS NOT NULL AND NEW.case_state NOT IN ('bozza', 'protocollata', 'in_istruttoria', 'sospesa_per_integrazione', 'preavviso_di_rigetto', 'accolta', 'respinta', 'conclusa_per_silenzio_assenso', 'scia_efficace', 'scia_inibita', 'ritirata', 'archiviata')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: applications_case_state_check'); END;
CREATE TRIGGER protocol_registrations_direction_check_insert BEFORE INSERT ON protocol_registrations
WHEN NEW.direction NOT IN ('E', 'U')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: protocol_registrations_direction_check'); END;
CREATE TRIGGER protocol_registrations_direction_check_update BEFORE UPDATE OF direction ON protocol_registrations
WHEN NEW.direction NOT IN ('E', 'U')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: protocol_registrations_direction_check'); END;
