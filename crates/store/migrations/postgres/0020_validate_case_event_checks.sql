-- The events already there checked against 0019's constraints, as 0018 does for 0016 and 0017.
-- Keep in step with ../sqlite.
ALTER TABLE case_events VALIDATE CONSTRAINT case_events_kind_check;
ALTER TABLE case_events VALIDATE CONSTRAINT case_events_state_check;
