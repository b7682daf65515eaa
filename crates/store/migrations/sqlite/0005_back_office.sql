-- The back office: who holds a case, the documents it sends and receives (each registered in the
-- protocol, outbound ones with their segnatura), internal notes, messages with the applicant,
-- the registry's annulments and emergency numbers, the notification outbox, and leases that let
-- one process at a time run a scheduled job. Keep in step with ../postgres.
ALTER TABLE applications ADD COLUMN assignee BIGINT REFERENCES staff_users (id);
ALTER TABLE applications ADD COLUMN contact_email TEXT;
ALTER TABLE applications ADD COLUMN applicant_given_name TEXT;
ALTER TABLE applications ADD COLUMN applicant_family_name TEXT;
CREATE INDEX applications_by_case_state ON applications (case_state);

CREATE TABLE case_documents (
    id TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id),
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    kind TEXT NOT NULL,
    direction TEXT NOT NULL,
    registration_id BIGINT NOT NULL REFERENCES protocol_registrations (id),
    sha256 TEXT NOT NULL,
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX case_documents_by_application ON case_documents (application_id, created_at);

CREATE TABLE case_notes (
    id INTEGER PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id),
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    at BIGINT NOT NULL,
    author TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX case_notes_by_application ON case_notes (application_id, at);

CREATE TABLE case_messages (
    id INTEGER PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id),
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    at BIGINT NOT NULL,
    from_office BIGINT NOT NULL,
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    document_id TEXT REFERENCES case_documents (id)
);
CREATE INDEX case_messages_by_application ON case_messages (application_id, at);

-- The segnatura of an outbound registration (AgID, Linee guida 2021, allegato 6), signed.
CREATE TABLE segnature (
    registration_id BIGINT PRIMARY KEY REFERENCES protocol_registrations (id),
    xml TEXT NOT NULL
);

-- Annulment (DPR 445/2000 art. 54): the registration stays as it was; this records who asked,
-- who authorised and why.
CREATE TABLE protocol_annulments (
    registration_id BIGINT PRIMARY KEY REFERENCES protocol_registrations (id),
    at BIGINT NOT NULL,
    requested_by TEXT NOT NULL,
    authorised_by TEXT NOT NULL,
    reason TEXT NOT NULL
);

-- A registration made on the emergency register (art. 63) while the system was down keeps its
-- emergency number beside the one the register gives it on import.
CREATE TABLE protocol_emergency (
    registration_id BIGINT PRIMARY KEY REFERENCES protocol_registrations (id),
    aoo_id BIGINT NOT NULL REFERENCES aoo (id),
    emergency_number TEXT NOT NULL,
    emergency_at TEXT NOT NULL,
    UNIQUE (aoo_id, emergency_number)
);

-- Notifications, written in the transaction of the event that causes them.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    created_at BIGINT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_until BIGINT,
    delivered_at BIGINT,
    last_error TEXT
);
CREATE INDEX outbox_pending ON outbox (delivered_at, next_attempt_at);

-- One holder at a time per scheduled job; a lease that runs out may be taken over.
CREATE TABLE job_leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until BIGINT NOT NULL
);

-- Work a job did once and must never do twice (the daily register of an AOO for a day).
CREATE TABLE job_done (
    job TEXT NOT NULL,
    item TEXT NOT NULL,
    at BIGINT NOT NULL,
    result TEXT NOT NULL,
    PRIMARY KEY (job, item)
);
