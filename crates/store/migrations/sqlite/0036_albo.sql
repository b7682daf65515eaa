-- The albo pretorio online (issue 18): each ente's publications, numbered per year
-- (`anno/numero`), their documents by digest, the chain of the albo's events and its head with
-- the last heartbeat. Keep in step with the other dialect's migration.
CREATE TABLE albo_entries (
    id INTEGER PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    -- The register number, given at publication (a request has none yet).
    year BIGINT,
    number BIGINT,
    act_type TEXT NOT NULL,
    subject TEXT NOT NULL,
    act_number TEXT NOT NULL,
    act_date TEXT,
    requester TEXT NOT NULL,
    responsible TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_by_id BIGINT NOT NULL,
    published_by TEXT,
    published_by_id BIGINT,
    document_name TEXT NOT NULL,
    document_digest TEXT NOT NULL,
    extract BIGINT NOT NULL,
    attachments TEXT NOT NULL,
    days BIGINT NOT NULL,
    start_ms BIGINT,
    end_ms BIGINT,
    outage_ms BIGINT NOT NULL DEFAULT 0,
    immediately_executive BIGINT NOT NULL,
    state TEXT NOT NULL,
    annulment_reason TEXT,
    -- What the privacy check found in the document's text (JSON), and how many.
    findings TEXT NOT NULL,
    privacy_findings BIGINT NOT NULL,
    relata_digest TEXT,
    relata_registration TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (ente_id, year, number)
);
-- The states are the domain's `albo::AlboState`, checked by a pair of triggers named after
-- PostgreSQL's constraint (as in 0016).
CREATE TRIGGER albo_entries_state_check_insert BEFORE INSERT ON albo_entries
WHEN NEW.state NOT IN ('requested', 'published', 'annulled', 'ended')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: albo_entries_state_check'); END;
CREATE TRIGGER albo_entries_state_check_update BEFORE UPDATE OF state ON albo_entries
WHEN NEW.state NOT IN ('requested', 'published', 'annulled', 'ended')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: albo_entries_state_check'); END;
CREATE INDEX albo_entries_current ON albo_entries (ente_id, state, end_ms);
CREATE INDEX albo_entries_by_start ON albo_entries (ente_id, start_ms, id);
CREATE INDEX albo_entries_ending ON albo_entries (state, end_ms);
CREATE INDEX albo_entries_by_type ON albo_entries (ente_id, act_type, start_ms, id);

CREATE TABLE albo_counters (
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    year BIGINT NOT NULL,
    last_number BIGINT NOT NULL,
    PRIMARY KEY (ente_id, year)
);

CREATE TABLE albo_events (
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    entry TEXT NOT NULL,
    detail TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (ente_id, seq)
);
CREATE TRIGGER albo_events_no_update BEFORE UPDATE ON albo_events
BEGIN
    SELECT RAISE(ABORT, 'the albo''s events are immutable');
END;
CREATE TRIGGER albo_events_no_delete BEFORE DELETE ON albo_events
BEGIN
    SELECT RAISE(ABORT, 'the albo''s events are never deleted');
END;

CREATE TABLE albo_heads (
    ente_id BIGINT PRIMARY KEY REFERENCES enti (id),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    last_beat_ms BIGINT,
    previous_beat_ms BIGINT
);

-- Full-text search in Italian: FTS5, accents folded; its rowid is the entry's id.
-- The `ente` column holds `e<ente id>`, so a search is of one ente's words.
CREATE VIRTUAL TABLE albo_text USING fts5 (
    subject, requester, act_number, ente,
    tokenize = 'unicode61 remove_diacritics 2'
);
