-- Payments through pagoPA (issue 17), the creditor's side: each ente's creditor data, the IUV
-- bases never reused (per creditor fiscal code and segregation code, allotted inside the
-- transaction that writes the position), debt positions with their payment options and
-- transfers. Amounts in cents. Keep in step with the other dialect's migration.
CREATE TABLE creditors (
    ente_id BIGINT PRIMARY KEY REFERENCES enti (id),
    fiscal_code TEXT NOT NULL,
    segregation_code TEXT NOT NULL,
    iban TEXT NOT NULL,
    postal_account TEXT NOT NULL DEFAULT '',
    cbill TEXT NOT NULL DEFAULT '',
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE iuv_sequences (
    creditor_fiscal_code TEXT NOT NULL,
    segregation_code TEXT NOT NULL,
    next_base BIGINT NOT NULL,
    PRIMARY KEY (creditor_fiscal_code, segregation_code)
);
CREATE TABLE debt_positions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ente_id BIGINT NOT NULL REFERENCES enti (id),
    iupd TEXT NOT NULL,
    debtor_fiscal_code TEXT NOT NULL,
    debtor_name TEXT NOT NULL,
    subject TEXT NOT NULL,
    state TEXT NOT NULL,
    origin TEXT NOT NULL,
    application_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (ente_id, iupd)
);
-- A service's fees: one position per application, whoever asks and however often.
CREATE UNIQUE INDEX debt_positions_one_per_application
    ON debt_positions (ente_id, application_id) WHERE application_id IS NOT NULL;
CREATE INDEX debt_positions_by_debtor ON debt_positions (debtor_fiscal_code, created_at);
CREATE TABLE payment_options (
    notice_number TEXT PRIMARY KEY,
    position_id BIGINT NOT NULL REFERENCES debt_positions (id),
    iuv TEXT NOT NULL UNIQUE,
    amount_cents BIGINT NOT NULL,
    due_date TEXT NOT NULL,
    instalment BIGINT NOT NULL,
    paid_at BIGINT,
    receipt_id TEXT
);
CREATE INDEX payment_options_by_position ON payment_options (position_id);
CREATE TABLE payment_transfers (
    notice_number TEXT NOT NULL REFERENCES payment_options (notice_number),
    transfer_no BIGINT NOT NULL,
    amount_cents BIGINT NOT NULL,
    remittance TEXT NOT NULL,
    category TEXT NOT NULL,
    iban TEXT NOT NULL DEFAULT '',
    creditor_fiscal_code TEXT NOT NULL DEFAULT '',
    stamp_type TEXT NOT NULL DEFAULT '',
    stamp_hash TEXT NOT NULL DEFAULT '',
    stamp_province TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (notice_number, transfer_no)
);
