-- Accountability (issue 19). Keep in step with the other dialect's migration.
--
-- Times: each ente's cases counted by service and month as they are filed and concluded, in
-- the transaction that files or concludes them, never recounted from the cases. Filings count
-- in the month of filing, conclusions in the month of conclusion (Rome's calendar); a month is
-- 202611 for November 2026. The days each decision took are a histogram by month, from which
-- the median and the 90th percentile of any period are read exactly.
CREATE TABLE case_months (
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    service_id TEXT NOT NULL,
    month BIGINT NOT NULL,
    filed_online BIGINT NOT NULL DEFAULT 0,
    filed_assisted BIGINT NOT NULL DEFAULT 0,
    filed_intermediary BIGINT NOT NULL DEFAULT 0,
    decided BIGINT NOT NULL DEFAULT 0,
    within_term BIGINT NOT NULL DEFAULT 0,
    silent BIGINT NOT NULL DEFAULT 0,
    withdrawn BIGINT NOT NULL DEFAULT 0,
    -- When a count last moved (Unix ms): the open-data dataset's modification date.
    updated_at BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (ente_id, service_id, month)
);
CREATE TABLE case_month_days (
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    service_id TEXT NOT NULL,
    month BIGINT NOT NULL,
    days BIGINT NOT NULL,
    cases BIGINT NOT NULL,
    PRIMARY KEY (ente_id, service_id, month, days)
);
-- A dashboard reads one period: its months' rows, not the ente's whole history.
CREATE INDEX case_months_by_month ON case_months (ente_id, month);
CREATE INDEX case_month_days_by_month ON case_month_days (ente_id, month);
-- The region's: the same sums over every ente, rolled up on schedule (a filing never waits on
-- a row every ente shares).
CREATE TABLE region_case_months (
    service_id TEXT NOT NULL,
    month BIGINT NOT NULL,
    filed_online BIGINT NOT NULL,
    filed_assisted BIGINT NOT NULL,
    filed_intermediary BIGINT NOT NULL,
    decided BIGINT NOT NULL,
    within_term BIGINT NOT NULL,
    silent BIGINT NOT NULL,
    withdrawn BIGINT NOT NULL,
    PRIMARY KEY (service_id, month)
);
CREATE TABLE region_case_month_days (
    service_id TEXT NOT NULL,
    month BIGINT NOT NULL,
    days BIGINT NOT NULL,
    cases BIGINT NOT NULL,
    PRIMARY KEY (service_id, month, days)
);
CREATE INDEX region_case_month_days_by_month ON region_case_month_days (month);
-- One row: whether the cases filed before this migration were counted, and when the region's
-- sums were last rolled up (Unix ms).
CREATE TABLE accountability_state (
    id BIGINT PRIMARY KEY,
    counted BIGINT NOT NULL,
    rolled_at BIGINT NOT NULL
);
INSERT INTO accountability_state (id, counted, rolled_at) VALUES (1, 0, 0);

-- Ratings: anonymous. Nothing of the session, the person or the address is kept with an
-- answer; the comment is kept only after the filter of personal data. Which session rated
-- which page is a keyed hash in `rating_once`, with no link to the answer, forgotten after a
-- month.
CREATE TABLE ratings (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    subject TEXT NOT NULL CHECK (subject IN ('pagina', 'servizio')),
    -- The page's path, or the service's id.
    target TEXT NOT NULL,
    service_id TEXT,
    office_code TEXT,
    month BIGINT NOT NULL,
    at BIGINT NOT NULL,
    stars BIGINT NOT NULL,
    reason BIGINT,
    comment TEXT,
    -- Negative with a comment: a task for the office until it is answered.
    task_open BIGINT NOT NULL,
    answer TEXT,
    answered_by TEXT,
    answered_at BIGINT,
    -- Shown in «avete detto, abbiamo fatto» once answered, if the office chose so.
    public BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX ratings_by_target ON ratings (ente_id, subject, target, id);
CREATE INDEX ratings_tasks ON ratings (ente_id, task_open, id);
CREATE INDEX ratings_public ON ratings (ente_id, public, answered_at);
-- The counts a report reads: stars and follow-up answers by target and month (-1: no answer).
CREATE TABLE rating_months (
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    subject TEXT NOT NULL,
    target TEXT NOT NULL,
    month BIGINT NOT NULL,
    stars BIGINT NOT NULL,
    reason BIGINT NOT NULL,
    ratings BIGINT NOT NULL,
    PRIMARY KEY (ente_id, subject, target, month, stars, reason)
);
CREATE TABLE rating_once (
    key TEXT PRIMARY KEY,
    at BIGINT NOT NULL
);
CREATE INDEX rating_once_by_age ON rating_once (at);
