-- Participatory budgeting's kinds and states as CHECK constraints (issue 14): each lists the
-- codes of the domain's enum (`sportello_domain::participation`), and the store's migration test
-- compares them with the enum and with the other dialect. The ballot key gets a secret of its own.
-- Each constraint is added NOT VALID (new rows are checked at once) and validated against the
-- rows already there by 0018, in a transaction of its own, under a lock that lets reads and
-- writes go on, where a plain ADD CONSTRAINT would stop them while it scans.
-- Keep in step with ../sqlite (where a CHECK cannot be added to an existing table, so the same
-- rule is two triggers of the same name).
ALTER TABLE pb_processes ADD CONSTRAINT pb_processes_ballot_kind_check CHECK (ballot_kind IN ('approval', 'cumulative', 'ordinal')) NOT VALID;
ALTER TABLE pb_processes ADD CONSTRAINT pb_processes_rule_check CHECK (rule IN ('greedy', 'mes')) NOT VALID;
ALTER TABLE pb_processes ADD CONSTRAINT pb_processes_eligibility_check CHECK (eligibility IN ('any', 'list')) NOT VALID;
ALTER TABLE pb_phases ADD CONSTRAINT pb_phases_kind_check CHECK (kind IN ('proposals', 'review', 'vote1', 'debate', 'vote2', 'results', 'tracking')) NOT VALID;
ALTER TABLE pb_projects ADD CONSTRAINT pb_projects_status_check CHECK (status IN ('proposed', 'feasible', 'unfeasible')) NOT VALID;
ALTER TABLE pb_projects ADD CONSTRAINT pb_projects_execution_check CHECK (execution IS NULL OR execution IN ('planned', 'in_progress', 'done', 'cancelled')) NOT VALID;
ALTER TABLE pb_voters ADD CONSTRAINT pb_voters_phase_check CHECK (phase IN ('vote1', 'vote2')) NOT VALID;
ALTER TABLE pb_ballots ADD CONSTRAINT pb_ballots_phase_check CHECK (phase IN ('vote1', 'vote2')) NOT VALID;
ALTER TABLE pb_sealed ADD CONSTRAINT pb_sealed_phase_check CHECK (phase IN ('vote1', 'vote2')) NOT VALID;

-- Ballot keys were an HMAC under the CSRF key: rotating that key mid-vote would have let a
-- voter's new ballot stand beside the old one. They get a key of their own. A database that
-- already holds ballots keeps the value it used, so ballots cast before this migration are
-- still replaced by their voter's next one; a new database gets a random key at start-up.
INSERT INTO secrets (name, value, created_at)
SELECT 'pb_ballot_key', value, created_at FROM secrets
WHERE name = 'csrf_key' AND EXISTS (SELECT 1 FROM pb_ballots);
