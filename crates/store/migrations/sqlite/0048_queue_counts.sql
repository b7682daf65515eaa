-- Region scale (issue 21): the office queue's counts kept as cases are filed and move, instead
-- of counted over the ente's history on every visit. Keep in step with the other dialect's
-- migration.
--
-- Each filed application (`submitted_at` set: it has its registration) counts once under its
-- ente, service, the state the queue shows and its assignee ('' for nobody). The triggers below
-- append a row of +1 or -1 for each change (never an update of a shared row: on PostgreSQL two
-- transactions never wait on one count, so a counter cannot deadlock with the register); the
-- scheduled jobs fold the rows into one per key now and then (`Store::fold_queue_counts`). A
-- count is the sum of its rows.
CREATE TABLE queue_counts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
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

CREATE TRIGGER queue_counts_filed AFTER INSERT ON applications
WHEN NEW.submitted_at IS NOT NULL
BEGIN
    INSERT INTO queue_counts (ente_id, service_id, state, assignee, n) VALUES (
        NEW.ente_id, NEW.service_id,
        CASE WHEN NEW.status = 'withdrawn' THEN 'ritirata' ELSE COALESCE(NEW.case_state, 'protocollata') END,
        COALESCE(CAST(NEW.assignee AS TEXT), ''), 1);
END;

CREATE TRIGGER queue_counts_moved AFTER UPDATE OF ente_id, service_id, status, case_state, assignee, submitted_at ON applications
WHEN (OLD.submitted_at IS NOT NULL OR NEW.submitted_at IS NOT NULL)
 AND NOT (OLD.ente_id IS NEW.ente_id AND OLD.service_id IS NEW.service_id
          AND (CASE WHEN OLD.status = 'withdrawn' THEN 'ritirata' ELSE COALESCE(OLD.case_state, 'protocollata') END)
              IS (CASE WHEN NEW.status = 'withdrawn' THEN 'ritirata' ELSE COALESCE(NEW.case_state, 'protocollata') END)
          AND OLD.assignee IS NEW.assignee
          AND (OLD.submitted_at IS NULL) IS (NEW.submitted_at IS NULL))
BEGIN
    INSERT INTO queue_counts (ente_id, service_id, state, assignee, n)
    SELECT OLD.ente_id, OLD.service_id,
           CASE WHEN OLD.status = 'withdrawn' THEN 'ritirata' ELSE COALESCE(OLD.case_state, 'protocollata') END,
           COALESCE(CAST(OLD.assignee AS TEXT), ''), -1
    WHERE OLD.submitted_at IS NOT NULL;
    INSERT INTO queue_counts (ente_id, service_id, state, assignee, n)
    SELECT NEW.ente_id, NEW.service_id,
           CASE WHEN NEW.status = 'withdrawn' THEN 'ritirata' ELSE COALESCE(NEW.case_state, 'protocollata') END,
           COALESCE(CAST(NEW.assignee AS TEXT), ''), 1
    WHERE NEW.submitted_at IS NOT NULL;
END;

CREATE TRIGGER queue_counts_removed AFTER DELETE ON applications
WHEN OLD.submitted_at IS NOT NULL
BEGIN
    INSERT INTO queue_counts (ente_id, service_id, state, assignee, n) VALUES (
        OLD.ente_id, OLD.service_id,
        CASE WHEN OLD.status = 'withdrawn' THEN 'ritirata' ELSE COALESCE(OLD.case_state, 'protocollata') END,
        COALESCE(CAST(OLD.assignee AS TEXT), ''), -1);
END;
