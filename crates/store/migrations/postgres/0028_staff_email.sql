-- A staff member's work e-mail (issue 16): the person a case is assigned to is told when its
-- applicant answers. Empty when not given. Keep in step with ../sqlite.
ALTER TABLE staff_users ADD COLUMN email TEXT NOT NULL DEFAULT '';
