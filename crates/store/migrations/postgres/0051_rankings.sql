-- Calls with a ranking (issue 22): the rankings an office approves and publishes. Each approval
-- is kept as it was approved (the call's criteria and every line: position, registration,
-- score): a later approval (after objections, say) is a new row, and the public page shows the
-- latest. Lines name registrations, never people: the ranking is published anonymised. Keep in
-- step with the other dialect's migration.
CREATE TABLE rankings (
    id BIGSERIAL PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    service_id TEXT NOT NULL,
    approved_at BIGINT NOT NULL,
    approved_by BIGINT NOT NULL REFERENCES staff_users (id),
    approver_name TEXT NOT NULL,
    criteria TEXT NOT NULL,
    lines TEXT NOT NULL
);
CREATE INDEX rankings_by_service ON rankings (ente_id, service_id, approved_at);
