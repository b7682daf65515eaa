-- Cases: the procedure an application opens. Its state, and every event in its life, so that
-- how many procedures end within their term can be published. Keep in step with ../sqlite.
ALTER TABLE applications ADD COLUMN case_state TEXT;
ALTER TABLE enti ADD COLUMN patron_month BIGINT;
ALTER TABLE enti ADD COLUMN patron_day BIGINT;

CREATE TABLE case_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id),
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    actor TEXT NOT NULL
);
CREATE INDEX case_events_by_application ON case_events (application_id, at);
