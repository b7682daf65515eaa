-- Reports' photos (issue 20): up to three a report, each a PNG or JPEG kept by its digest in the
-- file store, with its text for people who cannot see it. The public sees a photo only once an
-- operator has looked at it and approved it (no faces, no number plates, nothing personal);
-- until then, or if refused, only the reporter and the office see it. Keep in step with the
-- other dialect's migration.
CREATE TABLE report_photos (
    report_id BIGINT NOT NULL REFERENCES reports (id),
    position BIGINT NOT NULL,
    digest TEXT NOT NULL,
    media_type TEXT NOT NULL,
    description TEXT NOT NULL,
    -- 0 waiting, 1 approved, -1 refused.
    review BIGINT NOT NULL DEFAULT 0,
    reviewed_by TEXT,
    reviewed_at BIGINT,
    PRIMARY KEY (report_id, position)
);
