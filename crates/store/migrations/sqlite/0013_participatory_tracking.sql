-- Public tracking of how the chosen projects are carried out. Keep in step with the other dialect.
ALTER TABLE pb_projects ADD COLUMN execution TEXT;
ALTER TABLE pb_projects ADD COLUMN execution_note TEXT;
