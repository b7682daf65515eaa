-- Who asked for an annulment, by staff id (issue 15): the person who asks may not be the one
-- who authorises (DPR 445/2000 art. 54), decided by account, not by display name. Requests
-- made before this migration have none and are compared by name. Keep in step with ../sqlite.
ALTER TABLE annulment_requests ADD COLUMN requested_by_id BIGINT;
