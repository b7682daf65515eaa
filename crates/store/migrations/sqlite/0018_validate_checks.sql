-- The rows already there checked against the rules 0016 and 0017 added as triggers (which see
-- only new rows), as PostgreSQL's VALIDATE CONSTRAINT does: a row with an unknown code stops
-- the migration here, by the constraint's name, on both dialects alike. Keep in step with
-- ../postgres.
CREATE TEMP TABLE existing_rows_check (
    constraint_name TEXT NOT NULL,
    bad_rows BIGINT NOT NULL CHECK (bad_rows = 0)
);
INSERT INTO existing_rows_check (constraint_name, bad_rows) SELECT 'pb_processes_ballot_kind_check', COUNT(*) FROM pb_processes WHERE NOT (ballot_kind IN ('approval', 'cumulative', 'ordinal'));
INSERT INTO existing_rows_check (constraint_name, bad_rows) SELECT 'pb_processes_rule_check', COUNT(*) FROM pb_processes WHERE NOT (rule IN ('greedy', 'mes'));
INSERT INTO existing_rows_check (constraint_name, bad_rows) SELECT 'pb_processes_eligibility_check', COUNT(*) FROM pb_processes WHERE NOT (eligibility IN ('any', 'list'));
INSERT INTO existing_rows_check (constraint_name, bad_rows) SELECT 'pb_phases_kind_check', COUNT(*) FROM pb_phases WHERE NOT (kind IN ('proposals', 'review', 'vote1', 'debate', 'vote2', 'results', 'tracking'));
INSERT INTO existing_rows_check (constraint_name, bad_rows) SELECT 'pb_projects_status_check', COUNT(*) FROM pb_projects WHERE NOT (status IN ('proposed', 'feasible', 'unfeasible'));
INSERT INTO existing_rows_check (constraint_name, bad_rows) SELECT 'pb_projects_execution_check', COUNT(*) FROM pb_projects WHERE NOT (execution IS NULL OR execution IN ('planned', 'in_progress', 'done', 'cancelled'));
INSERT INTO existing_rows_check (constraint_name, bad_rows) SELECT 'pb_voters_phase_check', COUNT(*) FROM pb_voters WHERE NOT (phase IN ('vote1', 'vote2'));
INSERT INTO existing_rows_check (constraint_name, bad_rows) SELECT 'pb_ballots_phase_check', COUNT(*) FROM pb_ballots WHERE NOT (phase IN ('vote1', 'vote2'));
INSERT INTO existing_rows_check (constraint_name, bad_rows) SELECT 'pb_sealed_phase_check', COUNT(*) FROM pb_sealed WHERE NOT (phase IN ('vote1', 'vote2'));
INSERT INTO existing_rows_check (constraint_name, bad_rows) SELECT 'applications_status_check', COUNT(*) FROM applications WHERE NOT (status IN ('draft', 'submitted', 'withdrawn'));
INSERT INTO existing_rows_check (constraint_name, bad_rows) SELECT 'applications_case_state_check', COUNT(*) FROM applications WHERE NOT (case_state IS NULL OR case_state IN ('bozza', 'protocollata', 'in_istruttoria', 'sospesa_per_integrazione', 'preavviso_di_rigetto', 'accolta', 'respinta', 'conclusa_per_silenzio_assenso', 'scia_efficace', 'scia_inibita', 'ritirata', 'archiviata'));
INSERT INTO existing_rows_check (constraint_name, bad_rows) SELECT 'protocol_registrations_direction_check', COUNT(*) FROM protocol_registrations WHERE NOT (direction IN ('E', 'U'));
DROP TABLE existing_rows_check;
