-- Routing (smistamento, issue 16): the registry clerk sends a registered document to the office
-- that deals with it; someone of the office takes it in charge. One route per registration,
-- replaced when the clerk routes it again. Not part of the registration: the register's chain
-- is untouched. Keep in step with ../postgres.
CREATE TABLE registry_routes (
    registration_id BIGINT PRIMARY KEY REFERENCES protocol_registrations (id),
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    office_code TEXT NOT NULL,
    routed_by TEXT NOT NULL,
    routed_at BIGINT NOT NULL,
    taken_by TEXT,
    taken_at BIGINT
);
CREATE INDEX registry_routes_waiting ON registry_routes (ente_id, taken_at, routed_at);
