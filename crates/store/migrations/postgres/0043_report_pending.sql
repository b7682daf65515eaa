-- Reports sent without signing in (issue 20): kept aside until the sender confirms from the
-- link sent to their e-mail, then filed as any report. Only the link's SHA-256 is kept. Keep in
-- step with the other dialect's migration.
CREATE TABLE report_pending (
    token_digest TEXT PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    -- What was typed (JSON), and the photos already in the file store (JSON).
    input TEXT NOT NULL,
    photos TEXT NOT NULL,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    -- The report it became.
    report_id BIGINT REFERENCES reports (id)
);
CREATE INDEX report_pending_by_email ON report_pending (email, created_at);
