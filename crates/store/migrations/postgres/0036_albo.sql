-- The albo pretorio online (issue 18): each ente's publications, numbered per year
-- (`anno/numero`), their documents by digest, the chain of the albo's events and its head with
-- the last heartbeat. Keep in step with the other dialect's migration.
CREATE TABLE albo_entries (
    id BIGSERIAL PRIMARY KEY,
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
    state TEXT NOT NULL CHECK (state IN ('requested', 'published', 'annulled', 'ended')),
    annulment_reason TEXT,
    -- What the privacy check found in the document's text (JSON), and how many.
    findings TEXT NOT NULL,
    privacy_findings BIGINT NOT NULL,
    relata_digest TEXT,
    relata_registration TEXT,
    created_at BIGINT NOT NULL,
    -- Full-text search in Italian: the stems of the subject, the requester and the act's number.
    search tsvector GENERATED ALWAYS AS (
        to_tsvector('italian', subject || ' ' || requester || ' ' || act_number)
    ) STORED,
    UNIQUE (ente_id, year, number)
);
CREATE INDEX albo_entries_current ON albo_entries (ente_id, state, end_ms);
CREATE INDEX albo_entries_by_start ON albo_entries (ente_id, start_ms, id);
CREATE INDEX albo_entries_ending ON albo_entries (state, end_ms);
CREATE INDEX albo_entries_by_type ON albo_entries (ente_id, act_type, start_ms, id);
CREATE INDEX albo_entries_search ON albo_entries USING GIN (search);

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
CREATE FUNCTION albo_events_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the albo''s events are immutable';
END;
$$;
CREATE TRIGGER albo_events_no_update BEFORE UPDATE OR DELETE ON albo_events
    FOR EACH ROW EXECUTE FUNCTION albo_events_immutable();

CREATE TABLE albo_heads (
    ente_id BIGINT PRIMARY KEY REFERENCES enti (id),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    last_beat_ms BIGINT,
    previous_beat_ms BIGINT
);
