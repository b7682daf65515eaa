//! Positions an office issues in bulk from a CSV file (issue 17): a fine, a fee, a yearly
//! charge for every household — tens of thousands at once. The file is read twice from disk,
//! never whole in memory (the first reading keeps the set of references, to find one used
//! twice): first every row is checked (a report of the refused rows, and
//! nothing written if there is one), then every position is written in one transaction — all
//! or nothing per file — with its notice numbers, and a CSV of the notices comes back for
//! printing and mailing.
//!
//! The format (`;`-separated, UTF-8, a header row):
//! `riferimento;codice_fiscale;debitore;oggetto;importo;scadenza;rata`
//! - `riferimento`: the office's reference of the position, unique in the ente (its IUPD);
//!   consecutive rows with the same reference are the instalments of one position;
//! - `importo` in euro (`123,45` or `123.45`), `scadenza` as `2027-03-31` or `31/03/2027`;
//! - `rata`: empty for a single payment, or `1`, `2`, … for instalments, in order, each due
//!   after the one before.

use std::path::Path;

use sportello_store::{NewOption, NewPosition, TransferRow};

use crate::capabilities::Payments;
use crate::sessions::StaffPrincipal;
use crate::{AppError, Refusal};

/// The columns of the file, in order.
pub const HEADER: [&str; 7] = [
    "riferimento",
    "codice_fiscale",
    "debitore",
    "oggetto",
    "importo",
    "scadenza",
    "rata",
];

/// Refused rows reported at most (the rest are counted).
const REPORTED: usize = 200;
/// Positions handed from the reader to the writer at once.
const CHUNK: usize = 500;

/// What is wrong with a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowProblem {
    /// Not the seven columns (or not the header expected, on line 1).
    Columns,
    Reference,
    FiscalCode,
    Name,
    Subject,
    Amount,
    DueDate,
    /// `rata` not a number, not in order, or mixed with a single payment.
    Instalment,
    /// The reference was used by rows before, not next to these.
    ReferenceRepeated,
    /// The reference is a position the ente already has.
    ReferenceExists,
}

/// One refused row: its line in the file (from 1, the header), the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedRow {
    pub line: u64,
    pub problem: RowProblem,
}

/// What an import did, or would have done.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub positions: u64,
    pub options: u64,
    pub total_cents: i64,
    /// At most 200 of the refused rows, and how many there were.
    pub refused: Vec<RefusedRow>,
    pub refused_count: u64,
    /// Written: the import's batch (its notices are downloaded by it).
    pub batch: Option<String>,
}

/// What the office chose for the whole file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportChoice {
    /// The pagoPA taxonomy code of the revenue (`9/0101108TS/`).
    pub category: String,
    /// The remittance of each payment (what the payer's statement says).
    pub remittance: String,
}

/// One row, read.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    line: u64,
    reference: String,
    fiscal_code: String,
    name: String,
    subject: String,
    amount_cents: i64,
    due: time::Date,
    instalment: Option<u32>,
}

fn cents(text: &str) -> Option<i64> {
    let text = text.trim().replace(['€', ' '], "");
    let normal = if text.contains(',') {
        text.replace('.', "").replace(',', ".")
    } else {
        text
    };
    crate::pagopa::parse_amount(&normal).filter(|c| *c > 0)
}

fn date(text: &str) -> Option<time::Date> {
    let t = text.trim();
    let iso = time::format_description::well_known::Iso8601::DATE;
    if let Ok(d) = time::Date::parse(t, &iso) {
        return Some(d);
    }
    let mut parts = t.split('/');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
    time::Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

fn read_row(line: u64, record: &csv::StringRecord) -> Result<Row, RowProblem> {
    if record.len() != HEADER.len() {
        return Err(RowProblem::Columns);
    }
    let cell = |i: usize| record.get(i).unwrap_or_default().trim().to_string();
    let reference = cell(0);
    if reference.is_empty()
        || reference.len() > 35
        || !reference
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
    {
        return Err(RowProblem::Reference);
    }
    let code = cell(1).to_ascii_uppercase();
    let fiscal_code = if code.len() == 11 {
        italian_ids::PartitaIva::parse(&code)
            .map(|p| p.to_string())
            .ok()
    } else {
        italian_ids::CodiceFiscale::parse(&code)
            .map(|c| c.to_string())
            .ok()
    }
    .ok_or(RowProblem::FiscalCode)?;
    let name = cell(2);
    if name.is_empty() || name.chars().count() > 70 {
        return Err(RowProblem::Name);
    }
    let subject = cell(3);
    if subject.is_empty() || subject.chars().count() > 140 {
        return Err(RowProblem::Subject);
    }
    let amount_cents = cents(&cell(4)).ok_or(RowProblem::Amount)?;
    let due = date(&cell(5)).ok_or(RowProblem::DueDate)?;
    let instalment = match cell(6).as_str() {
        "" => None,
        n => Some(
            n.parse::<u32>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or(RowProblem::Instalment)?,
        ),
    };
    Ok(Row {
        line,
        reference,
        fiscal_code,
        name,
        subject,
        amount_cents,
        due,
        instalment,
    })
}

/// A position's rows, checked together: one single payment, or instalments 1..n each due
/// after the one before, all of one debtor.
fn check_group(rows: &[Row]) -> Result<(), (u64, RowProblem)> {
    let Some(first) = rows.first() else {
        return Ok(());
    };
    if rows.len() == 1 && first.instalment.is_none() {
        return Ok(());
    }
    let mut previous: Option<time::Date> = None;
    for (i, r) in rows.iter().enumerate() {
        let expected = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if r.instalment != Some(expected) || previous.is_some_and(|p| r.due <= p) {
            return Err((r.line, RowProblem::Instalment));
        }
        if r.fiscal_code != first.fiscal_code {
            return Err((r.line, RowProblem::FiscalCode));
        }
        previous = Some(r.due);
    }
    Ok(())
}

/// The refused rows: the first 200, and how many.
#[derive(Debug, Default)]
struct Refusals {
    rows: Vec<RefusedRow>,
    count: u64,
}

impl Refusals {
    fn add(&mut self, line: u64, problem: RowProblem) {
        self.count += 1;
        if self.rows.len() < REPORTED {
            self.rows.push(RefusedRow { line, problem });
        }
    }
}

/// Reads the file's rows in positions (groups of consecutive rows of one reference), calling
/// `each` with each group (it says whether to go on). Problems go to `refused`.
fn read_groups(
    path: &Path,
    mut each: impl FnMut(Vec<Row>, &mut Refusals) -> bool,
    refused: &mut Refusals,
) -> Result<(), AppError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .map_err(|e| AppError::Internal(format!("import file: {e}")))?;
    let mut group: Vec<Row> = Vec::new();
    let mut line = 0u64;
    for record in reader.records() {
        line += 1;
        let Ok(record) = record else {
            refused.add(line, RowProblem::Columns);
            continue;
        };
        if line == 1 {
            let header: Vec<String> = record.iter().map(|c| c.trim().to_lowercase()).collect();
            let header: Vec<&str> = header
                .iter()
                .map(|h| h.trim_start_matches('\u{feff}'))
                .collect();
            if header != HEADER {
                refused.add(1, RowProblem::Columns);
                return Ok(());
            }
            continue;
        }
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let row = match read_row(line, &record) {
            Ok(r) => r,
            Err(p) => {
                refused.add(line, p);
                continue;
            }
        };
        if group.first().is_some_and(|g| g.reference != row.reference) {
            let done = std::mem::take(&mut group);
            if let Err((l, p)) = check_group(&done) {
                refused.add(l, p);
            }
            if !each(done, refused) {
                return Ok(());
            }
        }
        group.push(row);
    }
    if !group.is_empty() {
        if let Err((l, p)) = check_group(&group) {
            refused.add(l, p);
        }
        each(group, refused);
    }
    if line <= 1 && refused.count == 0 {
        refused.add(1, RowProblem::Columns);
    }
    refused.rows.sort_by_key(|r| r.line);
    Ok(())
}

/// The position of a group of rows: one transfer each, to the ente's IBAN.
fn position_of(
    group: &[Row],
    creditor: &sportello_store::CreditorRow,
    choice: &ImportChoice,
    remittance: &str,
    publish: bool,
    batch: Option<String>,
) -> NewPosition {
    let first = group.first();
    NewPosition {
        debtor_fiscal_code: first.map(|r| r.fiscal_code.clone()).unwrap_or_default(),
        debtor_name: first.map(|r| r.name.clone()).unwrap_or_default(),
        subject: first.map(|r| r.subject.clone()).unwrap_or_default(),
        // Published to pagoPA through the outbox when connected; payable at the ente otherwise.
        state: crate::payments::first_state(publish),
        origin: "office".into(),
        application_id: None,
        publish,
        batch,
        options: group
            .iter()
            .map(|r| NewOption {
                amount_cents: r.amount_cents,
                due_date: r.due.to_string(),
                instalment: r.instalment.is_some(),
                transfers: vec![TransferRow {
                    notice_number: String::new(),
                    transfer_no: 1,
                    amount_cents: r.amount_cents,
                    remittance: remittance.to_string(),
                    category: choice.category.trim().to_string(),
                    iban: creditor.iban.clone(),
                    creditor_fiscal_code: creditor.fiscal_code.clone(),
                    stamp_type: String::new(),
                    stamp_hash: String::new(),
                    stamp_province: String::new(),
                }],
            })
            .collect(),
    }
}

/// The taxonomy code's shape: `9/` and seven digits and two letters, then `/`.
pub(crate) fn taxonomy_ok(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 12
        && b.first() == Some(&b'9')
        && b.get(1) == Some(&b'/')
        && b.get(2..9)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
        && b.get(9..11)
            .is_some_and(|l| l.iter().all(u8::is_ascii_uppercase))
        && b.get(11) == Some(&b'/')
}

impl Payments<'_> {
    /// Imports a CSV of positions (see the module's note). Checks everything first; writes
    /// nothing if any row is refused.
    pub async fn import_positions(
        &self,
        staff: &StaffPrincipal,
        file: &Path,
        choice: &ImportChoice,
    ) -> Result<ImportReport, AppError> {
        let ente = crate::payments::acting_ente(staff)?;
        if !taxonomy_ok(choice.category.trim()) {
            return Err(Refusal::PaymentDataInvalid { field: "categoria" }.into());
        }
        let remittance = choice.remittance.trim().to_string();
        if remittance.is_empty() || remittance.chars().count() > 140 {
            return Err(Refusal::PaymentDataInvalid { field: "causale" }.into());
        }
        let tenant = self.app.store.tenant(ente);
        let creditor = tenant.creditor().await?.ok_or(Refusal::NotPayableOnline)?;

        // First reading: every row checked, counted.
        let path = file.to_path_buf();
        let first = tokio::task::spawn_blocking(move || {
            let mut report = ImportReport::default();
            let mut refused = Refusals::default();
            let mut references = std::collections::HashSet::new();
            let mut overflow = false;
            read_groups(
                &path,
                |group, refused| {
                    let Some(first) = group.first() else {
                        return true;
                    };
                    if !references.insert(first.reference.clone()) {
                        refused.add(first.line, RowProblem::ReferenceRepeated);
                    }
                    report.positions += 1;
                    report.options += group.len() as u64;
                    for r in &group {
                        match report.total_cents.checked_add(r.amount_cents) {
                            Some(t) => report.total_cents = t,
                            None => overflow = true,
                        }
                    }
                    true
                },
                &mut refused,
            )?;
            report.refused = refused.rows;
            report.refused_count = refused.count;
            Ok::<_, AppError>((report, overflow))
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
        let (mut report, overflow) = first;
        if overflow {
            return Err(Refusal::AmountTooLarge.into());
        }
        if report.refused_count > 0 || report.positions == 0 {
            return Ok(report);
        }

        // Second reading: written in one transaction, a chunk of positions at a time handed
        // over from the reader, which waits while the writer is behind.
        let publish = self.app.settings.pagopa.is_some();
        let now = sportello_store::to_millis(self.app.now());
        let mut bulk = tenant
            .bulk_positions(&creditor, report.options, now)
            .await?;
        let (send, mut receive) = tokio::sync::mpsc::channel::<Vec<Vec<Row>>>(2);
        let path = file.to_path_buf();
        let reader = tokio::task::spawn_blocking(move || {
            let mut chunk = Vec::with_capacity(CHUNK);
            let mut refused = Refusals::default();
            read_groups(
                &path,
                |group, _| {
                    chunk.push(group);
                    if chunk.len() == CHUNK {
                        let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                        return send.blocking_send(full).is_ok();
                    }
                    true
                },
                &mut refused,
            )?;
            if !chunk.is_empty() {
                let _ = send.blocking_send(chunk);
            }
            Ok::<_, AppError>(())
        });
        let batch = format!(
            "{}-{}",
            crate::model::from_millis(now).date(),
            crate::crypto::random_token(6)
        );
        while let Some(chunk) = receive.recv().await {
            for group in chunk {
                let Some(first) = group.first() else {
                    continue;
                };
                let position = position_of(
                    &group,
                    &creditor,
                    choice,
                    &remittance,
                    publish,
                    Some(batch.clone()),
                );
                match bulk.add(&first.reference, &position).await {
                    Ok(_) => {}
                    Err(e) if e.is_unique_violation() => {
                        // Nothing is kept: the transaction goes with `bulk`.
                        report.refused = vec![RefusedRow {
                            line: first.line,
                            problem: RowProblem::ReferenceExists,
                        }];
                        report.refused_count = 1;
                        return Ok(report);
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
        reader
            .await
            .map_err(|e| AppError::Internal(e.to_string()))??;
        bulk.commit().await?;
        tracing::info!(
            staff_id = staff.id,
            positions = report.positions,
            "positions imported"
        );
        report.batch = Some(batch);
        Ok(report)
    }

    /// [`Self::import_positions`] of a file the office uploaded.
    pub async fn import_upload(
        &self,
        staff: &StaffPrincipal,
        file: &crate::blobs::Upload,
        choice: &ImportChoice,
    ) -> Result<ImportReport, AppError> {
        self.import_positions(staff, file.path(), choice).await
    }

    /// An office issues one position: the same checks as a row of an import (`fields`: the
    /// columns after `riferimento`, without `rata`). Its notice number, or the problem.
    pub async fn issue_position(
        &self,
        staff: &StaffPrincipal,
        fields: [&str; 5],
        choice: &ImportChoice,
    ) -> Result<Result<String, RowProblem>, AppError> {
        let ente = crate::payments::acting_ente(staff)?;
        if !taxonomy_ok(choice.category.trim()) {
            return Err(Refusal::PaymentDataInvalid { field: "categoria" }.into());
        }
        let remittance = choice.remittance.trim();
        if remittance.is_empty() || remittance.chars().count() > 140 {
            return Err(Refusal::PaymentDataInvalid { field: "causale" }.into());
        }
        let reference = format!("AVV-{}", crate::crypto::random_token(12));
        let [fiscal_code, name, subject, amount, due] = fields;
        let record = csv::StringRecord::from(vec![
            reference.as_str(),
            fiscal_code,
            name,
            subject,
            amount,
            due,
            "",
        ]);
        let row = match read_row(2, &record) {
            Ok(r) => r,
            Err(p) => return Ok(Err(p)),
        };
        let tenant = self.app.store.tenant(ente);
        let creditor = tenant.creditor().await?.ok_or(Refusal::NotPayableOnline)?;
        let publish = self.app.settings.pagopa.is_some();
        let now = sportello_store::to_millis(self.app.now());
        let position = position_of(&[row], &creditor, choice, remittance, publish, None);
        let mut bulk = tenant.bulk_positions(&creditor, 1, now).await?;
        let notices = bulk.add(&reference, &position).await?;
        bulk.commit().await?;
        tracing::info!(staff_id = staff.id, "position issued");
        let notice = notices
            .into_iter()
            .next()
            .ok_or_else(|| AppError::Internal("a position without its notice".into()))?;
        Ok(Ok(notice))
    }

    /// The notices of one import as CSV, for printing and mailing: reference, notice number,
    /// IUV, debtor, amount, due date, and the QR code's text.
    pub async fn batch_csv(&self, staff: &StaffPrincipal, batch: &str) -> Result<String, AppError> {
        let ente = crate::payments::office_ente(staff)?;
        let tenant = self.app.store.tenant(ente);
        let creditor = tenant.creditor().await?.ok_or(AppError::NotFound)?;
        let lines = tenant.batch_lines(batch, 1_000_000).await?;
        if lines.is_empty() {
            return Err(AppError::NotFound);
        }
        let mut out = String::from(
            "\u{feff}riferimento;codice_avviso;iuv;codice_fiscale;debitore;oggetto;importo;scadenza;rata;qr_code\r\n",
        );
        let mut rata = (String::new(), 0u32);
        for l in lines {
            // Instalments of one position are consecutive, in order.
            if l.instalment != 0 {
                rata = if rata.0 == l.iupd {
                    (l.iupd.clone(), rata.1.saturating_add(1))
                } else {
                    (l.iupd.clone(), 1)
                };
            }
            let number = if l.instalment != 0 {
                rata.1.to_string()
            } else {
                String::new()
            };
            let qr = sportello_domain::payments::NoticeNumber::parse(&l.notice_number)
                .ok()
                .and_then(|n| {
                    sportello_domain::Money::from_cents(l.amount_cents)
                        .ok()
                        .map(|m| {
                            sportello_domain::payments::qr_payload(&n, &creditor.fiscal_code, m)
                        })
                })
                .unwrap_or_default();
            let cells = [
                l.iupd,
                l.notice_number.clone(),
                l.notice_number.get(1..).unwrap_or_default().to_string(),
                l.debtor_fiscal_code,
                l.debtor_name,
                l.subject,
                sportello_domain::forms::it_decimal(l.amount_cents, true),
                l.due_date,
                number,
                qr,
            ];
            out.push_str(
                &cells
                    .iter()
                    .map(|c| crate::payments::csv_cell(c))
                    .collect::<Vec<_>>()
                    .join(";"),
            );
            out.push_str("\r\n");
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> std::path::PathBuf {
        let path = std::env::temp_dir().join(format!(
            "sportello-import-{}-{}.csv",
            std::process::id(),
            crate::crypto::random_token(6)
        ));
        std::fs::write(&path, text).unwrap();
        path
    }

    fn check(text: &str) -> (u64, Vec<RefusedRow>) {
        let path = write(text);
        let mut refused = Refusals::default();
        let mut positions = 0;
        read_groups(
            &path,
            |_, _| {
                positions += 1;
                true
            },
            &mut refused,
        )
        .unwrap();
        std::fs::remove_file(path).unwrap();
        (positions, refused.rows)
    }

    const HEAD: &str = "riferimento;codice_fiscale;debitore;oggetto;importo;scadenza;rata\n";

    #[test]
    fn rows_are_read_in_positions_and_refused_by_line() {
        let ok = format!(
            "{HEAD}TARI-1;RSSMRA80A01E625I;Mario Rossi;TARI 2027;120,50;2027-03-31;\n\
             TARI-2;RSSMRA80A01E625I;Mario Rossi;TARI 2027 rate;60,00;31/03/2027;1\n\
             TARI-2;RSSMRA80A01E625I;Mario Rossi;TARI 2027 rate;60,00;30/06/2027;2\n"
        );
        assert_eq!(check(&ok), (2, vec![]));
        let bad = format!(
            "{HEAD}A;RSSMRA80A01E625X;Mario Rossi;TARI;1,00;2027-03-31;\n\
             B;RSSMRA80A01E625I;Mario Rossi;TARI;zero;2027-03-31;\n\
             C;RSSMRA80A01E625I;Mario Rossi;TARI;1,00;31/02/2027;\n\
             D;RSSMRA80A01E625I;Mario Rossi;TARI;1,00;2027-03-31;2\n\
             E;RSSMRA80A01E625I;;TARI;1,00;2027-03-31;\n\
             F;RSSMRA80A01E625I;Mario Rossi\n"
        );
        let (_, refused) = check(&bad);
        let problems: Vec<(u64, RowProblem)> =
            refused.iter().map(|r| (r.line, r.problem)).collect();
        assert_eq!(
            problems,
            vec![
                (2, RowProblem::FiscalCode),
                (3, RowProblem::Amount),
                (4, RowProblem::DueDate),
                (5, RowProblem::Instalment),
                (6, RowProblem::Name),
                (7, RowProblem::Columns),
            ]
        );
        let (_, refused) = check("codice;importo\nA;1\n");
        assert_eq!(refused[0].problem, RowProblem::Columns);
        assert_eq!(cents("1.234,56"), Some(123_456));
        assert_eq!(cents("12.5"), Some(1250));
        assert_eq!(cents("0"), None);
        assert!(taxonomy_ok("9/0101108TS/") && !taxonomy_ok("9/01011TS/"));
    }
}
