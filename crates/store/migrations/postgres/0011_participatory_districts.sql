-- A participatory budget split by district: each district has its own budget and projects,
-- and a ballot is cast for the projects of one district. Keep in step with the other dialect.
CREATE TABLE pb_districts (
    process_id TEXT NOT NULL REFERENCES pb_processes (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    budget BIGINT NOT NULL,
    PRIMARY KEY (process_id, code)
);
ALTER TABLE pb_projects ADD COLUMN district TEXT;
ALTER TABLE pb_ballots ADD COLUMN district TEXT NOT NULL DEFAULT '';
