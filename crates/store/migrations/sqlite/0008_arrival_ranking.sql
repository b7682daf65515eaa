-- First come, first served: each filing of a service with a filing window gets its position of
-- arrival in the ente, from a counter moved in the registering transaction (never recounted).
-- Keep in step with ../postgres.
ALTER TABLE applications ADD COLUMN arrival BIGINT;
CREATE TABLE service_counters (
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    service_id TEXT NOT NULL,
    filed BIGINT NOT NULL,
    PRIMARY KEY (ente_id, service_id)
);
CREATE INDEX applications_by_arrival ON applications (ente_id, service_id, arrival);
