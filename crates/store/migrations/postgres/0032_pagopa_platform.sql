-- Payments through pagoPA (issue 17), the platform's side: the outbox that publishes positions
-- to the Debt Position service (GPD), the receipts pagoPA sends (paSendRT, kept as received,
-- idempotent by receipt id), and the anomalies the office resolves. Keep in step with the
-- other dialect's migration.
ALTER TABLE debt_positions ADD COLUMN published_at BIGINT;
CREATE TABLE payment_outbox (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    position_id BIGINT NOT NULL REFERENCES debt_positions (id),
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    action TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_until BIGINT,
    done_at BIGINT,
    last_error TEXT NOT NULL DEFAULT '',
    UNIQUE (position_id, action)
);
CREATE INDEX payment_outbox_due ON payment_outbox (next_attempt_at) WHERE done_at IS NULL;
CREATE TABLE payment_receipts (
    receipt_id TEXT PRIMARY KEY,
    ente_id BIGINT REFERENCES enti (id),
    creditor_fiscal_code TEXT NOT NULL,
    notice_number TEXT NOT NULL,
    iuv TEXT NOT NULL,
    outcome TEXT NOT NULL,
    amount_cents BIGINT NOT NULL,
    fee_cents BIGINT NOT NULL,
    psp_id TEXT NOT NULL,
    psp_name TEXT NOT NULL,
    payment_method TEXT NOT NULL,
    payment_date_time TEXT NOT NULL,
    transfer_date TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    document TEXT NOT NULL
);
CREATE INDEX payment_receipts_by_notice ON payment_receipts (notice_number);
CREATE INDEX payment_receipts_by_ente ON payment_receipts (ente_id, received_at);
CREATE TABLE payment_anomalies (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ente_id BIGINT REFERENCES enti (id),
    kind TEXT NOT NULL,
    reference TEXT NOT NULL,
    notice_number TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    resolved_at BIGINT,
    resolved_by TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    UNIQUE (kind, reference)
);
CREATE INDEX payment_anomalies_open ON payment_anomalies (ente_id, created_at) WHERE resolved_at IS NULL;
