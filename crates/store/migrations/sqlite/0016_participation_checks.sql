-- Participatory budgeting's kinds and states as constraints (issue 14): each lists the codes of
-- the domain's enum (`sportello_domain::participation`), and the store's migration test compares
-- them with the enum and with the other dialect. SQLite cannot add a CHECK to an existing table
-- without rebuilding it, so each rule is a pair of triggers named after the PostgreSQL
-- constraint; they refuse the same rows. Keep in step with ../postgres.
CREATE TRIGGER pb_processes_ballot_kind_check_insert BEFORE INSERT ON pb_processes
WHEN NEW.ballot_kind NOT IN ('approval', 'cumulative', 'ordinal')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: pb_processes_ballot_kind_check'); END;
CREATE TRIGGER pb_processes_ballot_kind_check_update BEFORE UPDATE OF ballot_kind ON pb_processes
WHEN NEW.ballot_kind NOT IN ('approval', 'cumulative', 'ordinal')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: pb_processes_ballot_kind_check'); END;
CREATE TRIGGER pb_processes_rule_check_insert BEFORE INSERT ON pb_processes
WHEN NEW.rule NOT IN ('greedy', 'mes')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: pb_processes_rule_check'); END;
CREATE TRIGGER pb_processes_rule_check_update BEFORE UPDATE OF rule ON pb_processes
WHEN NEW.rule NOT IN ('greedy', 'mes')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: pb_processes_rule_check'); END;
CREATE TRIGGER pb_processes_eligibility_check_insert BEFORE INSERT ON pb_processes
WHEN NEW.eligibility NOT IN ('any', 'list')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: pb_processes_eligibility_check'); END;
CREATE TRIGGER pb_processes_eligibility_check_update BEFORE UPDATE OF eligibility ON pb_processes
WHEN NEW.eligibility NOT IN ('any', 'list')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: pb_processes_eligibility_check'); END;
CREATE TRIGGER pb_phases_kind_check_insert BEFORE INSERT ON pb_phases
WHEN NEW.kind NOT IN ('proposals', 'review', 'vote1', 'debate', 'vote2', 'results', 'tracking')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: pb_phases_kind_check'); END;
CREATE TRIGGER pb_phases_kind_check_update BEFORE UPDATE OF kind ON pb_phases
WHEN NEW.kind NOT IN ('proposals', 'review', 'vote1', 'debate', 'vote2', 'results', 'tracking')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: pb_phases_kind_check'); END;
CREATE TRIGGER pb_projects_status_check_insert BEFORE INSERT ON pb_projects
WHEN NEW.status NOT IN ('proposed', 'feasible', 'unfeasible')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: pb_projects_status_check'); END;
CREATE TRIGGER pb_projects_status_check_update BEFORE UPDATE OF status ON pb_projects
WHEN NEW.status NOT IN ('proposed', 'feasible', 'unfeasible')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: pb_projects_status_check'); END;
CREATE TRIGGER pb_projects_execution_check_insert BEFORE INSERT ON pb_projects
WHEN NEW.execution IS NOT NULL AND NEW.execution NOT IN ('planned', 'in_progress', 'done', 'cancelled')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: pb_projects_execution_check'); END;
CREATE TRIGGER pb_projects_execution_check_update BEFORE UPDATE OF execution ON pb_projects
WHEN NEW.execution IS NOT NULL AND NEW.execution NOT IN ('planned', 'in_progress', 'done', 'cancelled')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: pb_projects_execution_check'); END;
CREATE TRIGGER pb_voters_phase_check_insert BEFORE INSERT ON pb_voters
WHEN NEW.phase NOT IN ('vote1', 'vote2')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: pb_voters_phase_check'); END;
CREATE TRIGGER pb_voters_phase_check_update BEFORE UPDATE OF phase ON pb_voters
WHEN NEW.phase NOT IN ('vote1', 'vote2')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: pb_voters_phase_check'); END;
CREATE TRIGGER pb_ballots_phase_check_insert BEFORE INSERT ON pb_ballots
WHEN NEW.phase NOT IN ('vote1', 'vote2')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: pb_ballots_phase_check'); END;
CREATE TRIGGER pb_ballots_phase_check_update BEFORE UPDATE OF phase ON pb_ballots
WHEN NEW.phase NOT IN ('vote1', 'vote2')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: pb_ballots_phase_check'); END;
CREATE TRIGGER pb_sealed_phase_check_insert BEFORE INSERT ON pb_sealed
WHEN NEW.phase NOT IN ('vote1', 'vote2')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: pb_sealed_phase_check'); END;
CREATE TRIGGER pb_sealed_phase_check_update BEFORE UPDATE OF phase ON pb_sealed
WHEN NEW.phase NOT IN ('vote1', 'vote2')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: pb_sealed_phase_check'); END;

-- Ballot keys were an HMAC under the CSRF key: rotating that key mid-vote would have let a
-- voter's new ballot stand beside the old one. They get a key of their own. A database that
-- already holds ballots keeps the value it used, so ballots cast before this migration are
-- still replaced by their voter's next one; a new database gets a random key at start-up.
INSERT INTO secrets (name, value, created_at)
SELECT 'pb_ballot_key', value, created_at FROM secrets
WHERE name = 'csrf_key' AND EXISTS (SELECT 1 FROM pb_ballots);
