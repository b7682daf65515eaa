-- Region scale (issue 21): the office's open queue filtered, counted and paged by the database.
-- Keep in step with the other dialect's migration.
--
-- A case's legal term depends on its events (suspensions and resumptions) and the ente's
-- calendar, so the queue computed every open case's term in memory on every page: a cost that
-- follows the office's open cases (thousands in a large municipality), which every page of the
-- queue paid for its counts. Each case now keeps its term on its row, rewritten by the
-- application whenever the case moves (sportello_domain::procedure::deadlines::KeptTerm): the
-- due date once an open suspension has run to its legal end (a Julian day number), the day that
-- open suspension ends by law, the days left meanwhile, and whether the applicant's answer awaits
-- the office. `term_kept` is 0 until they are written for the case's present state: rows written
-- before this migration, by the bulk path or by a process of an older version are completed by
-- the application at start and by the jobs (`App::keep_open_terms`).
ALTER TABLE applications ADD COLUMN term_due BIGINT;
ALTER TABLE applications ADD COLUMN term_paused_until BIGINT;
ALTER TABLE applications ADD COLUMN term_days_left BIGINT;
ALTER TABLE applications ADD COLUMN term_answered BIGINT NOT NULL DEFAULT 0;
ALTER TABLE applications ADD COLUMN term_kept BIGINT NOT NULL DEFAULT 0;

-- The open cases alone, newest registration first, with every column the open queue filters
-- and counts on: its pages and counts read this index and nothing else. The predicate is the
-- queue's own (`OPEN_CASES` in the store), as in migration 0046.
DROP INDEX applications_open;
CREATE INDEX applications_open ON applications (ente_id, registered_year, registered_number, id,
        service_id, case_state, status, assignee, term_due, term_paused_until, term_answered, term_kept)
    WHERE status <> 'withdrawn'
      AND COALESCE(case_state, 'protocollata') IN ('bozza', 'protocollata', 'in_istruttoria', 'sospesa_per_integrazione', 'preavviso_di_rigetto', 'scia_efficace');

-- A case reaches its registration through its filing: itself, or for a filing's part the filing
-- it belongs to (migration 0052), whose registration it shares. Joined on the expression
-- `COALESCE(parent_id, id)`, a search that starts from the registrations (a number, a name) found
-- each registration's cases by scanning the ente's applications: no index served the join.
-- The expression is now a column of its own, computed by the database (virtual), and indexed.
ALTER TABLE applications ADD COLUMN filing_id TEXT GENERATED ALWAYS AS (COALESCE(parent_id, id)) VIRTUAL;
CREATE INDEX applications_by_filing ON applications (filing_id);

-- Every case newest registration first, from the registration's year and number each filed
-- application carries (migration 0049): a range of this index read in order, each line's
-- registration then one lookup. Partial (filed applications only, as the queue asks), so that
-- no planner takes it for one service's queue, which has its own.
CREATE INDEX applications_registered ON applications (ente_id, registered_year, registered_number, id)
    WHERE registered_year IS NOT NULL;
