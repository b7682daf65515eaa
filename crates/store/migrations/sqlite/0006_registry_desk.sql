-- The registry clerk's desk: how a document arrived and who registered it, and annulment
-- requests waiting for the responsible officer's authorisation. Keep in step with ../postgres.
CREATE TABLE protocol_details (
    registration_id BIGINT PRIMARY KEY REFERENCES protocol_registrations (id),
    channel TEXT NOT NULL,
    file_name TEXT,
    media_type TEXT,
    registered_by TEXT NOT NULL
);

CREATE TABLE annulment_requests (
    registration_id BIGINT PRIMARY KEY REFERENCES protocol_registrations (id),
    requested_by TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    reason TEXT NOT NULL
);

-- The daily registers produced: one per AOO and day (the job records it in job_done too).
CREATE TABLE daily_registers (
    aoo_id BIGINT NOT NULL REFERENCES aoo (id),
    day TEXT NOT NULL,
    registrations BIGINT NOT NULL,
    pdf_sha256 TEXT NOT NULL,
    json_sha256 TEXT NOT NULL,
    produced_at BIGINT NOT NULL,
    PRIMARY KEY (aoo_id, day)
);
