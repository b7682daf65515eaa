-- Applications' status and case state, and the register's direction, as constraints (issue
-- 14): each lists the codes of the domain's enum (`ApplicationStatus`, `CaseState`,
-- `protocol::Direction`); the store's migration test compares them with the enums and with the
-- other dialect. Each is added NOT VALID and validated by 0018 (see 0016). Keep in step with
-- ../sqlite.
ALTER TABLE applications ADD CONSTRAINT applications_status_check CHECK (status IN ('draft', 'submitted', 'withdrawn')) NOT VALID;
ALTER TABLE applications ADD CONSTRAINT applications_case_state_check CHECK (case_state IS NULL OR case_state IN ('bozza', 'protocollata', 'in_istruttoria', 'sospesa_per_integrazione', 'preavviso_di_rigetto', 'accolta', 'respinta', 'conclusa_per_silenzio_assenso', 'scia_efficace', 'scia_inibita', 'ritirata', 'archiviata')) NOT VALID;
ALTER TABLE protocol_registrations ADD CONSTRAINT protocol_registrations_direction_check CHECK (direction IN ('E', 'U')) NOT VALID;
