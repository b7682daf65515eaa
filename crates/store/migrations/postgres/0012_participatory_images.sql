-- Images attached to a participatory-budgeting proposal, kept in the blob store by digest, each
-- with its text alternative. Keep in step with the other dialect.
CREATE TABLE pb_project_images (
    project_id TEXT NOT NULL REFERENCES pb_projects (id),
    position BIGINT NOT NULL,
    digest TEXT NOT NULL,
    media_type TEXT NOT NULL,
    description TEXT NOT NULL,
    PRIMARY KEY (project_id, position)
);
