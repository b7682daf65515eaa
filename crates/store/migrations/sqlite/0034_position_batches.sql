-- Positions an office imports from one file share a batch, so the notices of that import can
-- be downloaded together for printing and mailing (issue 17). Keep in step with the other
-- dialect's migration.
ALTER TABLE debt_positions ADD COLUMN batch TEXT;
CREATE INDEX debt_positions_by_batch ON debt_positions (ente_id, batch) WHERE batch IS NOT NULL;
