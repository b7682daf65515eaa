-- Participatory budgeting (issue 6): processes with phases, proposals that the office's review
-- turns into projects, the eligibility list (salted hashes of codici fiscali only), who has
-- voted, and the ballots, which hold no identity. Keep in step with the other dialect.
CREATE TABLE pb_processes (
    id TEXT PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    slug TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    budget BIGINT NOT NULL,
    ballot_kind TEXT NOT NULL,
    min_projects BIGINT,
    max_projects BIGINT,
    max_points BIGINT,
    rule TEXT NOT NULL,
    eligibility TEXT NOT NULL,
    min_age BIGINT NOT NULL,
    salt TEXT NOT NULL,
    historical BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    UNIQUE (ente_id, slug)
);
CREATE TABLE pb_phases (
    process_id TEXT NOT NULL REFERENCES pb_processes (id),
    kind TEXT NOT NULL,
    opens_on TEXT NOT NULL,
    closes_on TEXT NOT NULL,
    PRIMARY KEY (process_id, kind)
);
CREATE TABLE pb_projects (
    id TEXT PRIMARY KEY,
    process_id TEXT NOT NULL REFERENCES pb_processes (id),
    number BIGINT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    estimated_cost BIGINT NOT NULL,
    cost BIGINT,
    status TEXT NOT NULL,
    review_reason TEXT,
    proposer_hash TEXT,
    created_at BIGINT NOT NULL,
    reviewed_by TEXT,
    UNIQUE (process_id, number)
);
CREATE TABLE pb_eligible (
    process_id TEXT NOT NULL REFERENCES pb_processes (id),
    person_hash TEXT NOT NULL,
    PRIMARY KEY (process_id, person_hash)
);
-- Who has voted in which vote: the salted hash of the codice fiscale, nothing else.
CREATE TABLE pb_voters (
    process_id TEXT NOT NULL REFERENCES pb_processes (id),
    phase TEXT NOT NULL,
    person_hash TEXT NOT NULL,
    assisted BIGINT NOT NULL,
    PRIMARY KEY (process_id, phase, person_hash)
);
-- The ballots: no identity, no time. While the vote is open the key is a keyed hash that lets
-- the voter's later ballot replace the earlier one; when the vote closes the keys are replaced
-- by random ones, and from then on nothing links a ballot to a voter.
CREATE TABLE pb_ballots (
    ballot_key TEXT NOT NULL,
    process_id TEXT NOT NULL REFERENCES pb_processes (id),
    phase TEXT NOT NULL,
    vote TEXT NOT NULL,
    points TEXT NOT NULL,
    assisted BIGINT NOT NULL,
    PRIMARY KEY (process_id, phase, ballot_key)
) WITHOUT ROWID;
CREATE TABLE pb_sealed (
    process_id TEXT NOT NULL REFERENCES pb_processes (id),
    phase TEXT NOT NULL,
    PRIMARY KEY (process_id, phase)
);
