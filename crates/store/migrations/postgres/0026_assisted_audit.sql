-- What was done in assisted sessions (issue 15): every use of a session a PAAS operator opened
-- for a person who was present, which the person reads in their personal area. Keep in step
-- with ../sqlite.
CREATE TABLE assisted_uses (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_hash TEXT NOT NULL,
    ente_id BIGINT,
    operator_id BIGINT NOT NULL,
    operator TEXT NOT NULL,
    at BIGINT NOT NULL,
    action TEXT NOT NULL,
    path TEXT NOT NULL
);
CREATE INDEX assisted_uses_person ON assisted_uses (person_hash, at);
