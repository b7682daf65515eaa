-- The rows already there checked against the constraints 0016 and 0017 added NOT VALID: in a
-- transaction of its own, under SHARE UPDATE EXCLUSIVE, so reads and writes go on while each
-- table is scanned. A row with an unknown code stops the migration here, by name. Keep in step
-- with ../sqlite.
ALTER TABLE pb_processes VALIDATE CONSTRAINT pb_processes_ballot_kind_check;
ALTER TABLE pb_processes VALIDATE CONSTRAINT pb_processes_rule_check;
ALTER TABLE pb_processes VALIDATE CONSTRAINT pb_processes_eligibility_check;
ALTER TABLE pb_phases VALIDATE CONSTRAINT pb_phases_kind_check;
ALTER TABLE pb_projects VALIDATE CONSTRAINT pb_projects_status_check;
ALTER TABLE pb_projects VALIDATE CONSTRAINT pb_projects_execution_check;
ALTER TABLE pb_voters VALIDATE CONSTRAINT pb_voters_phase_check;
ALTER TABLE pb_ballots VALIDATE CONSTRAINT pb_ballots_phase_check;
ALTER TABLE pb_sealed VALIDATE CONSTRAINT pb_sealed_phase_check;
ALTER TABLE applications VALIDATE CONSTRAINT applications_status_check;
ALTER TABLE applications VALIDATE CONSTRAINT applications_case_state_check;
ALTER TABLE protocol_registrations VALIDATE CONSTRAINT protocol_registrations_direction_check;
