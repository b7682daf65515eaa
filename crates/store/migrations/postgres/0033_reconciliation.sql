-- Reconciliation of pagoPA payments (issue 17): the reporting flows (flussi di rendicontazione)
-- read from pagoPA's FdR API with their payments, the treasurer's credits read from the bank
-- statement (camt.053), and when each option was reported. Keep in step with the other
-- dialect's migration.
ALTER TABLE payment_options ADD COLUMN reported_at BIGINT;
ALTER TABLE payment_options ADD COLUMN flow_id TEXT;
CREATE TABLE reporting_flows (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    flow_id TEXT NOT NULL,
    revision BIGINT NOT NULL,
    psp_id TEXT NOT NULL,
    flow_date TEXT NOT NULL,
    regulation_id TEXT NOT NULL,
    regulation_date TEXT NOT NULL,
    total_cents BIGINT NOT NULL,
    payments_count BIGINT NOT NULL,
    fetched_at BIGINT NOT NULL,
    cashed_at BIGINT,
    credit_id BIGINT,
    UNIQUE (ente_id, flow_id, revision)
);
CREATE INDEX reporting_flows_by_ente ON reporting_flows (ente_id, fetched_at);
CREATE TABLE reporting_payments (
    flow BIGINT NOT NULL REFERENCES reporting_flows (id),
    idx BIGINT NOT NULL,
    iuv TEXT NOT NULL,
    iur TEXT NOT NULL,
    transfer_no BIGINT NOT NULL,
    amount_cents BIGINT NOT NULL,
    status TEXT NOT NULL,
    pay_date TEXT NOT NULL,
    PRIMARY KEY (flow, idx)
);
CREATE INDEX reporting_payments_by_iuv ON reporting_payments (iuv);
CREATE TABLE treasury_credits (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    statement_id TEXT NOT NULL,
    entry_ref TEXT NOT NULL,
    amount_cents BIGINT NOT NULL,
    booking_date TEXT NOT NULL,
    remittance TEXT NOT NULL,
    flow BIGINT REFERENCES reporting_flows (id),
    imported_at BIGINT NOT NULL,
    imported_by TEXT NOT NULL,
    UNIQUE (ente_id, statement_id, entry_ref)
);
CREATE INDEX treasury_credits_by_ente ON treasury_credits (ente_id, imported_at);
