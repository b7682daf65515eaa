-- Region scale (issue 21): the office queue's counts kept as cases are filed and move, instead
-- of counted over the ente's history on every visit. Keep in step with the other dialect's
-- migration.
--
-- Each filed application (`submitted_at` set: it has its registration) counts once under its
-- ente, service, the state the queue shows and its assignee ('' for nobody). The trigger below
-- appends a row of +1 or -1 for each change — never an update of a shared row: two
-- transactions never wait on one count, so a counter cannot deadlock with the register (a
-- click-day batch takes numbers, then files; an office's move changes a state, then registers
-- its letter). The scheduled jobs fold the rows into one per key now and then
-- (`Store::fold_queue_counts`). A count is the sum of its rows.
-- No filing may commit between the backfill and the trigger (another process still running
-- the previous version): it would be in neither.
LOCK TABLE applications IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE queue_counts (
    id BIGSERIAL PRIMARY KEY,
    ente_id BIGINT NOT NULL,
    service_id TEXT NOT NULL,
    state TEXT NOT NULL,
    assignee TEXT NOT NULL,
    n BIGINT NOT NULL
);
CREATE INDEX queue_counts_by_ente ON queue_counts (ente_id, service_id, state, assignee);

INSERT INTO queue_counts (ente_id, service_id, state, assignee, n)
SELECT ente_id, service_id,
       CASE WHEN status = 'withdrawn' THEN 'ritirata' ELSE COALESCE(case_state, 'protocollata') END,
       COALESCE(CAST(assignee AS TEXT), ''), COUNT(*)
FROM applications WHERE submitted_at IS NOT NULL
GROUP BY 1, 2, 3, 4;

CREATE FUNCTION queue_counts_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A change that leaves the key as it was (a draft's state set as it is filed) writes nothing.
    IF TG_OP = 'UPDATE'
       AND OLD.ente_id IS NOT DISTINCT FROM NEW.ente_id
       AND OLD.service_id IS NOT DISTINCT FROM NEW.service_id
       AND (CASE WHEN OLD.status = 'withdrawn' THEN 'ritirata' ELSE COALESCE(OLD.case_state, 'protocollata') END)
           IS NOT DISTINCT FROM
           (CASE WHEN NEW.status = 'withdrawn' THEN 'ritirata' ELSE COALESCE(NEW.case_state, 'protocollata') END)
       AND OLD.assignee IS NOT DISTINCT FROM NEW.assignee
       AND (OLD.submitted_at IS NULL) = (NEW.submitted_at IS NULL) THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.submitted_at IS NOT NULL THEN
        INSERT INTO queue_counts (ente_id, service_id, state, assignee, n) VALUES (
            OLD.ente_id, OLD.service_id,
            CASE WHEN OLD.status = 'withdrawn' THEN 'ritirata' ELSE COALESCE(OLD.case_state, 'protocollata') END,
            COALESCE(CAST(OLD.assignee AS TEXT), ''), -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.submitted_at IS NOT NULL THEN
        INSERT INTO queue_counts (ente_id, service_id, state, assignee, n) VALUES (
            NEW.ente_id, NEW.service_id,
            CASE WHEN NEW.status = 'withdrawn' THEN 'ritirata' ELSE COALESCE(NEW.case_state, 'protocollata') END,
            COALESCE(CAST(NEW.assignee AS TEXT), ''), 1);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER queue_counts_filed AFTER INSERT OR DELETE ON applications
    FOR EACH ROW EXECUTE FUNCTION queue_counts_move();
CREATE TRIGGER queue_counts_moved
    AFTER UPDATE OF ente_id, service_id, status, case_state, assignee, submitted_at ON applications
    FOR EACH ROW EXECUTE FUNCTION queue_counts_move();
