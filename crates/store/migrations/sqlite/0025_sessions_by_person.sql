-- A citizen's sessions (browser sign-ins and API tokens) found by person (issue 15): the
-- SHA-256 of the codice fiscale, so a person keeps a bounded number of live sessions and can
-- end them all ("esci da tutti i dispositivi"). Keep in step with ../postgres.
ALTER TABLE sessions ADD COLUMN person_hash TEXT;
CREATE INDEX sessions_person ON sessions (person_hash);
