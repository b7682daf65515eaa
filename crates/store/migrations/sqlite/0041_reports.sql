-- Reports (segnalazioni, issue 20): the ente's categories and districts, the reports with their
-- public timeline and supports, and the Open311 keys. Keep in step with the other dialect's migration.
-- An ente's adaptation of the region's report categories (the domain's `reports::CATEGORIES`):
-- no row is the region's default (in use, the region's term, no office named).
CREATE TABLE report_categories (
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    code TEXT NOT NULL,
    in_use BIGINT NOT NULL,
    term_days BIGINT NOT NULL,
    -- The office that handles the category's reports (offices.code), if the ente named one.
    office_code TEXT,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (ente_id, code)
);

-- The ente's districts (circoscrizioni, quartieri): streets as written, one a line, and an
-- outline as «lat,lon» corners in microdegrees separated by «;» (either may be empty).
CREATE TABLE report_districts (
    id INTEGER PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    name TEXT NOT NULL,
    streets TEXT NOT NULL,
    outline TEXT NOT NULL,
    UNIQUE (ente_id, name)
);

CREATE TABLE report_counters (
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    year BIGINT NOT NULL,
    last_number BIGINT NOT NULL,
    PRIMARY KEY (ente_id, year)
);

CREATE TABLE reports (
    id INTEGER PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    year BIGINT NOT NULL,
    number BIGINT NOT NULL,
    category TEXT NOT NULL,
    subject TEXT NOT NULL,
    description TEXT NOT NULL,
    street TEXT,
    street_folded TEXT,
    house_number TEXT,
    -- Microdegrees (WGS84).
    lat BIGINT,
    lon BIGINT,
    district_id BIGINT REFERENCES report_districts (id),
    office_code TEXT,
    -- Hidden from the public (never from the office).
    anonymous BIGINT NOT NULL,
    -- Who reported it: a signed-in resident (fiscal code), or an Open311 client's user (e-mail
    -- and name as the client sent them, and the client's key label).
    reporter_fiscal_code TEXT,
    reporter_email TEXT,
    reporter_name TEXT,
    client TEXT,
    state TEXT NOT NULL,
    -- The office's term, a date (AAAA-MM-GG) from the category's days and the legal calendar.
    due_date TEXT NOT NULL,
    protocol_ref TEXT,
    supports BIGINT NOT NULL DEFAULT 0,
    reopenings BIGINT NOT NULL DEFAULT 0,
    resolved_at BIGINT,
    -- The Open311 token a client may ask about (GET tokens/{token}).
    token TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (ente_id, year, number)
);
CREATE INDEX reports_by_state ON reports (ente_id, state, id);
CREATE INDEX reports_by_category ON reports (ente_id, category, id);
CREATE INDEX reports_by_district ON reports (ente_id, district_id, id);
CREATE INDEX reports_by_street ON reports (ente_id, street_folded, id);
CREATE INDEX reports_by_reporter ON reports (reporter_fiscal_code, id);
CREATE INDEX reports_by_update ON reports (ente_id, updated_at, id);

-- A report's public timeline. `by_office`: the office wrote it (else the reporter). The
-- staff member's name is kept for the office, never shown to the public.
CREATE TABLE report_events (
    report_id BIGINT NOT NULL REFERENCES reports (id),
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    text TEXT NOT NULL,
    staff TEXT,
    at_ms BIGINT NOT NULL,
    PRIMARY KEY (report_id, seq)
);

-- Residents who said «anche io»: a digest of who they are, once each.
CREATE TABLE report_supports (
    report_id BIGINT NOT NULL REFERENCES reports (id),
    supporter TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    PRIMARY KEY (report_id, supporter)
);

-- Open311 API keys, issued by the ente's administrators to civic apps. Only the key's SHA-256
-- is kept; the key is shown once.
CREATE TABLE open311_keys (
    id INTEGER PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    label TEXT NOT NULL,
    key_digest TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX open311_keys_by_ente ON open311_keys (ente_id, id);

CREATE TRIGGER reports_state_check_insert BEFORE INSERT ON reports
WHEN NEW.state NOT IN ('received', 'in-charge', 'in-progress', 'resolved', 'closed')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: reports_state_check'); END;
CREATE TRIGGER reports_state_check_update BEFORE UPDATE OF state ON reports
WHEN NEW.state NOT IN ('received', 'in-charge', 'in-progress', 'resolved', 'closed')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: reports_state_check'); END;
CREATE TRIGGER report_events_kind_check_insert BEFORE INSERT ON report_events
WHEN NEW.kind NOT IN ('received', 'take-charge', 'start', 'resolve', 'close', 'answer', 'reroute', 'reopen', 'confirm')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: report_events_kind_check'); END;
CREATE TRIGGER report_events_kind_check_update BEFORE UPDATE OF kind ON report_events
WHEN NEW.kind NOT IN ('received', 'take-charge', 'start', 'resolve', 'close', 'answer', 'reroute', 'reopen', 'confirm')
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: report_events_kind_check'); END;
