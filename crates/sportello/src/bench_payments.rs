//! `sportello bench payments` (issue 17): an office issues positions from a CSV file with their
//! notices, and a day's payments are reconciled — the receipts pagoPA sends (each read from its
//! `paSendRT` message and recorded in its own transaction, as they arrive), then the PSP's
//! reporting flow naming them all (one transaction). Each is measured at the full size and at a
//! hundredth of it, in the same run on the same database: the ratio of the time per position
//! says whether the cost grows with the size, the peak memory of each phase whether the import
//! holds the file in memory. The last line printed is a JSON object.

use std::io::Write as _;
use std::time::Instant;

use anyhow::Context as _;
use sportello_app::payments_import::ImportChoice;
use sportello_app::sessions::StaffPrincipal;
use sportello_domain::identity::Role;

pub struct PaymentsArgs {
    pub positions: usize,
    /// PostgreSQL (a fresh database) instead of a new SQLite file.
    pub database_url: Option<String>,
}

/// The process's peak resident memory since the last reset (kB).
fn peak_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// Resets the peak to the present (Linux: `5` to clear_refs), so each phase has its own.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// A fictitious, valid codice fiscale for person `n` (the check character computed).
fn fiscal_code(n: usize) -> String {
    const LETTERS: &[u8] = b"BCDFGHLMNPRSTVZ";
    let pick = |k: usize| char::from(LETTERS.get(k % LETTERS.len()).copied().unwrap_or(b'B'));
    let body = format!(
        "{}{}{}{}{}{}{:02}A{:02}E625",
        pick(n),
        pick(n / 15),
        pick(n / 225),
        pick(n / 3375),
        pick(n / 50625),
        pick(n / 759_375),
        40 + n % 60,
        1 + n % 28
    );
    let check = italian_ids_check(&body);
    format!("{body}{check}")
}

/// The codice fiscale's check character (DM 23/12/1976).
fn italian_ids_check(body: &str) -> char {
    const ODD: [u32; 36] = [
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3,
        6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
    ];
    let mut sum = 0u32;
    for (i, c) in body.chars().enumerate() {
        let idx = match c {
            '0'..='9' => c as u32 - '0' as u32,
            _ => c as u32 - 'A' as u32 + 10,
        } as usize;
        let value = if i % 2 == 0 {
            ODD.get(idx).copied().unwrap_or(0)
        } else if idx < 10 {
            idx as u32
        } else {
            idx as u32 - 10
        };
        sum += value;
    }
    char::from(b'A' + u8::try_from(sum % 26).unwrap_or(0))
}

/// Writes an import file of `n` positions (one in ten in two instalments) under `prefix`.
fn write_file(path: &std::path::Path, n: usize, prefix: &str) -> anyhow::Result<usize> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        out,
        "riferimento;codice_fiscale;debitore;oggetto;importo;scadenza;rata"
    )?;
    let mut options = 0;
    for i in 0..n {
        let cf = fiscal_code(i);
        let cents = 5_000 + (i % 400) * 25;
        let amount = format!("{},{:02}", cents / 100, cents % 100);
        if i % 10 == 0 {
            writeln!(
                out,
                "{prefix}-{i};{cf};Contribuente {i};TARI 2027 a rate;{amount};2027-03-31;1"
            )?;
            writeln!(
                out,
                "{prefix}-{i};{cf};Contribuente {i};TARI 2027 a rate;{amount};2027-06-30;2"
            )?;
            options += 2;
        } else {
            writeln!(
                out,
                "{prefix}-{i};{cf};Contribuente {i};TARI 2027;{amount};2027-03-31;"
            )?;
            options += 1;
        }
    }
    out.flush()?;
    Ok(options)
}

/// One phase's figures.
struct Phase {
    seconds: f64,
    items: usize,
    peak_mb: f64,
}

impl Phase {
    fn per_item_us(&self) -> f64 {
        self.seconds * 1e6 / self.items.max(1) as f64
    }

    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "items": self.items,
            "seconds": (self.seconds * 1000.0).round() / 1000.0,
            "per_item_us": (self.per_item_us() * 10.0).round() / 10.0,
            "per_second": (self.items as f64 / self.seconds.max(1e-9)).round(),
            "peak_rss_mb": (self.peak_mb * 10.0).round() / 10.0,
        })
    }
}

// A tool of the composition root: it records receipts and flows through the store, the same
// functions the node's messages and the FdR reading use, without the HTTP in front.
#[allow(clippy::disallowed_methods)]
pub async fn payments(args: PaymentsArgs) -> anyhow::Result<serde_json::Value> {
    let dir = std::env::temp_dir().join(format!("sportello-bench-payments-{}", std::process::id()));
    let app = crate::bench::region_app(&dir, args.database_url.clone()).await?;
    let livorno = app.ente_by_istat("049009").await?.ente_id();
    let staff = |roles: Vec<Role>| StaffPrincipal {
        id: 0,
        username: "bench".into(),
        display_name: "Bench".into(),
        ente: Some(livorno),
        roles,
        ente_place: None,
        office: None,
    };
    app.payments()
        .save_creditor(
            &staff(vec![Role::EnteAdmin]),
            livorno,
            &sportello_app::payments::CreditorInput {
                fiscal_code: "00104330493".into(),
                segregation_code: "01".into(),
                iban: "IT60X0542811101000000123456".into(),
                ..Default::default()
            },
        )
        .await?;
    let operator = staff(vec![Role::Operator]);
    let choice = ImportChoice {
        category: "9/0101108TS/".into(),
        remittance: "TARI 2027".into(),
    };
    let small = (args.positions / 100).max(100);
    let mut phases = serde_json::Map::new();
    let mut per_item = std::collections::BTreeMap::new();
    for (label, n) in [("small", small), ("full", args.positions)] {
        // The import: the file written, then checked and written by the office's path.
        let file = dir.join(format!("{label}.csv"));
        let options = write_file(&file, n, &format!("B{label}"))?;
        reset_peak();
        let started = Instant::now();
        let report = app
            .payments()
            .import_positions(&operator, &file, &choice)
            .await
            .map_err(|e| anyhow::anyhow!("import: {e}"))?;
        let import = Phase {
            seconds: started.elapsed().as_secs_f64(),
            items: n,
            peak_mb: peak_kb() as f64 / 1024.0,
        };
        anyhow::ensure!(
            report.refused_count == 0,
            "the bench's file was refused: {:?}",
            report.refused
        );
        anyhow::ensure!(report.options as usize == options, "options written");
        let batch = report.batch.context("a batch")?;
        // The notices for printing.
        let started = Instant::now();
        let csv = app
            .payments()
            .batch_csv(&operator, &batch)
            .await
            .map_err(|e| anyhow::anyhow!("notices: {e}"))?;
        let notices_seconds = started.elapsed().as_secs_f64();
        let notice_lines: Vec<(String, i64)> = csv
            .lines()
            .skip(1)
            .filter_map(|l| {
                let mut cells = l.split(';');
                let notice = cells.nth(1)?.to_string();
                let amount = cells.nth(4)?.replace(',', "");
                Some((notice, amount.parse().ok()?))
            })
            .collect();
        drop(csv);
        anyhow::ensure!(notice_lines.len() == options, "one notice per option");

        // The day's receipts, each read from its paSendRT and recorded in its own transaction.
        reset_peak();
        let started = Instant::now();
        let mut receipts = Vec::with_capacity(notice_lines.len());
        for (i, (notice, cents)) in notice_lines.iter().enumerate() {
            let id = format!("{label}{i:030}");
            let xml = send_rt(&id, notice, *cents);
            let sent = sportello_app::pagopa::read_send_rt(&xml, 1)
                .map_err(|f| anyhow::anyhow!("receipt {i}: {}", f.why))?;
            match app.store().record_receipt(&sent.receipt).await? {
                sportello_store::ReceiptRecorded::Applied { .. } => {}
                other => anyhow::bail!("receipt {i}: {other:?}"),
            }
            receipts.push((id, notice.get(1..).unwrap_or_default().to_string(), *cents));
        }
        let receive = Phase {
            seconds: started.elapsed().as_secs_f64(),
            items: receipts.len(),
            peak_mb: peak_kb() as f64 / 1024.0,
        };
        // The PSP's flow reporting every one of them, recorded and matched in one transaction.
        reset_peak();
        let started = Instant::now();
        let total = receipts.iter().map(|r| r.2).sum();
        let flow = sportello_store::NewFlow {
            flow_id: format!("2026-12-06BENCHPSP-{label}"),
            revision: 1,
            psp_id: "BENCHPSP".into(),
            flow_date: "2026-12-06T12:00:00Z".into(),
            regulation_id: format!("SCT-{label}"),
            regulation_date: "2026-12-06".into(),
            total_cents: total,
            payments: receipts
                .iter()
                .enumerate()
                .map(|(i, (id, iuv, cents))| sportello_store::FlowPayment {
                    index: i as i64 + 1,
                    iuv: iuv.clone(),
                    iur: id.clone(),
                    transfer_no: 1,
                    amount_cents: *cents,
                    status: "EXECUTED".into(),
                    pay_date: "2026-12-06T10:00:00Z".into(),
                })
                .collect(),
        };
        let recorded = app.store().tenant(livorno).record_flow(&flow, 2).await?;
        let reconcile = Phase {
            seconds: started.elapsed().as_secs_f64(),
            items: receipts.len(),
            peak_mb: peak_kb() as f64 / 1024.0,
        };
        anyhow::ensure!(
            recorded.matched as usize == receipts.len() && recorded.anomalies == 0,
            "every payment matched: {recorded:?}"
        );
        per_item.insert(
            label,
            (
                import.per_item_us(),
                receive.per_item_us(),
                reconcile.per_item_us(),
            ),
        );
        phases.insert(
            label.into(),
            serde_json::json!({
                "positions": n,
                "options": options,
                "import": import.json(),
                "notices_csv_seconds": (notices_seconds * 1000.0).round() / 1000.0,
                "receipts": receive.json(),
                "flow": reconcile.json(),
            }),
        );
        let _ = std::fs::remove_file(&file);
    }
    let ratio = |f: fn(&(f64, f64, f64)) -> f64| -> f64 {
        let (Some(s), Some(l)) = (per_item.get("small"), per_item.get("full")) else {
            return 0.0;
        };
        (f(l) / f(s).max(1e-9) * 100.0).round() / 100.0
    };
    let backend = if args.database_url.is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    let _ = std::fs::remove_dir_all(&dir);
    Ok(serde_json::json!({
        "bench": "payments",
        "backend": backend,
        "phases": phases,
        "ratio_full_to_small_per_item": {
            "import": ratio(|t| t.0),
            "receipts": ratio(|t| t.1),
            "flow": ratio(|t| t.2),
        },
    }))
}

/// A `paSendRT` request for a paid notice, as the node sends it.
fn send_rt(id: &str, notice: &str, cents: i64) -> String {
    let iuv = notice.get(1..).unwrap_or_default();
    format!(
        "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" \
         xmlns:pafn=\"http://pagopa-api.pagopa.gov.it/pa/paForNode.xsd\"><soapenv:Body>\
         <pafn:paSendRTReq><idPA>00104330493</idPA><idBrokerPA>80001234567</idBrokerPA>\
         <idStation>80001234567_01</idStation><receipt><receiptId>{id}</receiptId>\
         <noticeNumber>{notice}</noticeNumber><fiscalCode>00104330493</fiscalCode>\
         <outcome>OK</outcome><creditorReferenceId>{iuv}</creditorReferenceId>\
         <paymentAmount>{}.{:02}</paymentAmount><description>TARI 2027</description>\
         <companyName>Comune di Livorno</companyName><debtor><uniqueIdentifier>\
         <entityUniqueIdentifierType>F</entityUniqueIdentifierType>\
         <entityUniqueIdentifierValue>RSSMRA80A01E625I</entityUniqueIdentifierValue>\
         </uniqueIdentifier><fullName>Contribuente</fullName></debtor><transferList>\
         <transfer><idTransfer>1</idTransfer><transferAmount>{}.{:02}</transferAmount>\
         <fiscalCodePA>00104330493</fiscalCodePA><IBAN>IT60X0542811101000000123456</IBAN>\
         <remittanceInformation>TARI 2027</remittanceInformation>\
         <transferCategory>9/0101108TS/</transferCategory></transfer></transferList>\
         <idPSP>BENCHPSP</idPSP><PSPCompanyName>PSP</PSPCompanyName><idChannel>BENCH_01</idChannel>\
         <channelDescription>app</channelDescription><paymentMethod>creditCard</paymentMethod>\
         <fee>0.00</fee><paymentDateTime>2026-12-06T10:00:00</paymentDateTime>\
         <applicationDate>2026-12-06</applicationDate><transferDate>2026-12-07</transferDate>\
         </receipt></pafn:paSendRTReq></soapenv:Body></soapenv:Envelope>",
        cents / 100,
        cents % 100,
        cents / 100,
        cents % 100
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bench_makes_valid_fiscal_codes() {
        for n in [0, 1, 14, 15, 999, 123_456, 99_999] {
            let cf = fiscal_code(n);
            assert!(italian_ids::CodiceFiscale::parse(&cf).is_ok(), "{n}: {cf}");
        }
        assert_ne!(fiscal_code(1), fiscal_code(2));
    }
}
