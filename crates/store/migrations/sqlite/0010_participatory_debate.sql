-- The debate of a participatory budget: comments and replies per project, associations marked
-- as facilitators, and reports of abuse that hide a comment until a moderator decides.
-- Keep in step with the other dialect.
CREATE TABLE pb_comments (
    id TEXT PRIMARY KEY,
    process_id TEXT NOT NULL REFERENCES pb_processes (id),
    project_number BIGINT NOT NULL,
    parent_id TEXT REFERENCES pb_comments (id),
    author_hash TEXT NOT NULL,
    author_name TEXT NOT NULL,
    facilitator TEXT,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    hidden BIGINT NOT NULL DEFAULT 0,
    moderation TEXT
);
CREATE INDEX pb_comments_by_project ON pb_comments (process_id, project_number, created_at);
CREATE TABLE pb_reports (
    comment_id TEXT NOT NULL REFERENCES pb_comments (id),
    reporter_hash TEXT NOT NULL,
    PRIMARY KEY (comment_id, reporter_hash)
);
CREATE TABLE pb_facilitators (
    process_id TEXT NOT NULL REFERENCES pb_processes (id),
    person_hash TEXT NOT NULL,
    organisation TEXT NOT NULL,
    PRIMARY KEY (process_id, person_hash)
);
