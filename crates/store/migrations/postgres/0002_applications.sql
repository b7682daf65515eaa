-- Applying online: the regional catalogue, adoptions by enti, applications, uploaded files,
-- and the protocol register (DPR 445/2000). Keep in step with ../sqlite.

CREATE TABLE services (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    definition TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE adoptions (
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    service_id TEXT NOT NULL REFERENCES services (id),
    overrides TEXT NOT NULL,
    adopted_at BIGINT NOT NULL,
    PRIMARY KEY (ente_id, service_id)
);

CREATE TABLE applications (
    id TEXT PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    service_id TEXT NOT NULL REFERENCES services (id),
    service_version BIGINT NOT NULL,
    applicant TEXT NOT NULL,
    acting_for TEXT,
    mode TEXT NOT NULL,
    status TEXT NOT NULL,
    step BIGINT NOT NULL,
    data TEXT NOT NULL,
    idempotency_key TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    submitted_at BIGINT
);
CREATE INDEX applications_by_applicant ON applications (applicant, status);
CREATE INDEX applications_by_ente ON applications (ente_id, service_id, status);
CREATE UNIQUE INDEX applications_idempotency ON applications (applicant, idempotency_key);

CREATE TABLE application_files (
    application_id TEXT NOT NULL REFERENCES applications (id),
    field TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    uploaded_at BIGINT NOT NULL,
    PRIMARY KEY (application_id, field)
);

-- One row per AOO: the current year's last number and the head of the hash chain.
CREATE TABLE protocol_registers (
    aoo_id BIGINT PRIMARY KEY REFERENCES aoo (id),
    year BIGINT NOT NULL,
    last_number BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);

CREATE TABLE protocol_registrations (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    aoo_id BIGINT NOT NULL REFERENCES aoo (id),
    year BIGINT NOT NULL,
    number BIGINT NOT NULL,
    registered_at TEXT NOT NULL,
    direction TEXT NOT NULL,
    correspondent TEXT NOT NULL,
    subject TEXT NOT NULL,
    sender_reference TEXT,
    document_digest TEXT NOT NULL,
    attachments TEXT NOT NULL,
    previous_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    classification TEXT NOT NULL,
    fascicolo TEXT NOT NULL,
    application_id TEXT REFERENCES applications (id),
    UNIQUE (aoo_id, year, number),
    UNIQUE (application_id)
);
