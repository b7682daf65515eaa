//! Reconciliation (issue 17): reporting flows read from pagoPA's FdR API (organizations' side:
//! the list of published flows, each flow, its payments page by page), matched to the receipts;
//! the treasurer's bank statement (ISO 20022 camt.053) imported by the office, each credit
//! matched to its flow by the `/PUR/LGPE-RIVERSAMENTO/URI/<flow id>` remittance, truncated or
//! not; anomalies for what does not match, and for what does not arrive in time.
//!
//! The FdR API's OpenAPI (pagopa/pagopa-fdr) carries no licence we could confirm, so it is not
//! copied into the project: the calls follow its published paths and fields. No XSD of
//! camt.053.001.02 could be obtained here (ISO 20022's message definitions are distributed by
//! iso20022.org): the statement is read namespace-aware and checked field by field.

use sportello_domain::tenancy::EnteId;
use sportello_store::{CreditsRecorded, FlowPayment, NewCredit, NewFlow};

use crate::capabilities::Payments;
use crate::pagopa::parse_amount;
use crate::sessions::StaffPrincipal;
use crate::{App, AppError, PagoPaSettings, Refusal};

/// The camt.053 version read.
pub const CAMT053_NS: &str = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02";
/// The remittance pagoPA's PSPs give the credit of a reporting flow.
const FLOW_REMITTANCE: &str = "/PUR/LGPE-RIVERSAMENTO/URI/";
/// Payments asked per page of a flow.
const PAGE_SIZE: u32 = 1000;
/// Days after which a flow without a credit, or a receipt never reported, is an anomaly.
pub const FLOW_CREDIT_DAYS: i64 = 5;
pub const RECEIPT_REPORT_DAYS: i64 = 10;

/// What one pass of the flows did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlowsRead {
    pub flows: u32,
    pub matched: u32,
    pub anomalies: u32,
    pub failures: u32,
}

/// A bank statement, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub id: String,
    pub credits: Vec<NewCredit>,
}

/// Why a statement was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CamtError {
    #[error("not XML: {0}")]
    NotXml(String),
    #[error("not a camt.053.001.02 statement")]
    NotCamt053,
    #[error("entry {0}: {1}")]
    Entry(usize, &'static str),
}

fn child<'a, 'i>(n: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    n.children().find(|c| {
        c.is_element()
            && c.tag_name().name() == name
            && c.tag_name().namespace() == Some(CAMT053_NS)
    })
}

fn path<'a, 'i>(n: roxmltree::Node<'a, 'i>, names: &[&str]) -> Option<roxmltree::Node<'a, 'i>> {
    names.iter().try_fold(n, |n, name| child(n, name))
}

fn text_at(n: roxmltree::Node<'_, '_>, names: &[&str]) -> Option<String> {
    path(n, names)
        .and_then(|n| n.text())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// A JSON object's member, or null.
fn jv<'a>(v: &'a serde_json::Value, key: &str) -> &'a serde_json::Value {
    v.get(key).unwrap_or(&serde_json::Value::Null)
}

/// The flow id a remittance names, as far as the bank kept it.
pub fn flow_hint(remittance: &str) -> Option<String> {
    let compact: String = remittance.split_whitespace().collect();
    let at = compact.find(FLOW_REMITTANCE)?;
    let rest = compact.get(at + FLOW_REMITTANCE.len()..)?;
    let id: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_' || *c == '.')
        .collect();
    (!id.is_empty()).then_some(id)
}

/// Reads the credits (`CdtDbtInd` CRDT, booked, in euro) of a camt.053.001.02 statement.
pub fn read_camt053(xml: &str) -> Result<Statement, CamtError> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| CamtError::NotXml(e.to_string()))?;
    let root = doc.root_element();
    if !root.has_tag_name((CAMT053_NS, "Document")) {
        return Err(CamtError::NotCamt053);
    }
    let stmt = path(root, &["BkToCstmrStmt", "Stmt"]).ok_or(CamtError::NotCamt053)?;
    let id = text_at(stmt, &["Id"]).ok_or(CamtError::NotCamt053)?;
    let mut credits = Vec::new();
    let entries = stmt
        .children()
        .filter(|c| c.is_element() && c.tag_name().name() == "Ntry");
    for (i, e) in entries.enumerate() {
        let n = i + 1;
        if text_at(e, &["CdtDbtInd"]).as_deref() != Some("CRDT") {
            continue;
        }
        if text_at(e, &["Sts"]).is_some_and(|s| s != "BOOK") {
            continue;
        }
        let amount = child(e, "Amt").ok_or(CamtError::Entry(n, "manca Amt"))?;
        if amount.attribute("Ccy") != Some("EUR") {
            return Err(CamtError::Entry(n, "importo non in euro"));
        }
        let cents = amount
            .text()
            .and_then(parse_amount)
            .ok_or(CamtError::Entry(n, "importo non valido"))?;
        let booked = text_at(e, &["BookgDt", "Dt"])
            .or_else(|| text_at(e, &["ValDt", "Dt"]))
            .ok_or(CamtError::Entry(n, "manca la data di contabilizzazione"))?;
        let remittance: Vec<String> = e
            .descendants()
            .filter(|d| d.is_element() && d.tag_name().name() == "Ustrd")
            .filter_map(|d| d.text().map(|t| t.trim().to_string()))
            .collect();
        let remittance = remittance.join(" ");
        let entry_ref = text_at(e, &["NtryRef"])
            .or_else(|| text_at(e, &["AcctSvcrRef"]))
            .unwrap_or_else(|| format!("ntry-{n}"));
        credits.push(NewCredit {
            entry_ref,
            amount_cents: cents,
            booking_date: booked,
            flow_hint: flow_hint(&remittance),
            remittance,
        });
    }
    Ok(Statement { id, credits })
}

impl App {
    /// Reads the reporting flows pagoPA published for every creditor of the region, and
    /// records those not yet recorded.
    pub async fn read_flows(&self) -> Result<FlowsRead, AppError> {
        let mut done = FlowsRead::default();
        let Some(pagopa) = self.settings.pagopa.clone() else {
            return Ok(done);
        };
        for (ente, fiscal_code) in self.store.region_wide().creditors().await? {
            match self
                .read_flows_of(&pagopa, ente, &fiscal_code, &mut done)
                .await
            {
                Ok(()) => {}
                Err(why) => {
                    tracing::warn!(error = %why, "reporting flows not read; tried again later");
                    done.failures = done.failures.saturating_add(1);
                }
            }
        }
        Ok(done)
    }

    /// Back-fill: for each payment a flow reported without our receipt (the node's `paSendRT`
    /// lost), the receipt is recovered from pagoPA's debt position service — the option's
    /// `idReceipt`, paid date and PSP, as GPD holds them — when it is the one the flow names;
    /// then the option is reported and the anomaly closed. How many were recovered.
    pub async fn backfill_receipts(&self) -> Result<u32, AppError> {
        let Some(pagopa) = self.settings.pagopa.clone() else {
            return Ok(0);
        };
        let mut recovered = 0u32;
        for (ente, fiscal_code) in self.store.region_wide().creditors().await? {
            let tenant = self.store.tenant(ente);
            for missing in tenant.reported_without_receipt(100).await? {
                match self.recover_receipt(&pagopa, &fiscal_code, &missing).await {
                    Ok(Some(receipt)) => {
                        self.payments()
                            .record(&receipt)
                            .await
                            .map_err(|f| AppError::Internal(f.why))?;
                        let now = sportello_store::to_millis(self.now());
                        if tenant
                            .report_recovered(
                                &missing.flow_id,
                                &missing.iuv,
                                &missing.iur,
                                "Ricevuta recuperata dalla posizione debitoria di pagoPA (GPD): \
                                 il pagamento è registrato e rendicontato.",
                                now,
                            )
                            .await?
                        {
                            recovered = recovered.saturating_add(1);
                            tracing::info!(flow = %missing.flow_id, "receipt recovered from GPD");
                        }
                    }
                    Ok(None) => {}
                    Err(why) => {
                        tracing::warn!(error = %why, "receipt not recovered; tried again later");
                    }
                }
            }
        }
        Ok(recovered)
    }

    /// The receipt GPD holds for a reported payment, if it is the one the flow names.
    async fn recover_receipt(
        &self,
        pagopa: &PagoPaSettings,
        fiscal_code: &str,
        missing: &sportello_store::UnreceivedPayment,
    ) -> Result<Option<sportello_store::ReceiptRow>, String> {
        let answer = self
            .http
            .get(format!(
                "{}/organizations/{fiscal_code}/debtpositions/{}",
                pagopa.gpd_url, missing.iupd
            ))
            .header("Ocp-Apim-Subscription-Key", &pagopa.subscription_key)
            .send()
            .await
            .map_err(|e| format!("GPD not reached: {e}"))?;
        if !answer.status().is_success() {
            return Err(format!("GPD answered {}", answer.status()));
        }
        let position: serde_json::Value = answer
            .json()
            .await
            .map_err(|e| format!("GPD answer: {e}"))?;
        let Some(option) = position
            .get("paymentOption")
            .and_then(|o| o.as_array())
            .and_then(|o| {
                o.iter()
                    .find(|o| o.get("iuv").and_then(|v| v.as_str()) == Some(missing.iuv.as_str()))
            })
        else {
            return Ok(None);
        };
        let paid = matches!(
            option.get("status").and_then(|v| v.as_str()),
            Some("PO_PAID" | "PO_REPORTED" | "PO_PARTIALLY_REPORTED")
        );
        if !paid || option.get("idReceipt").and_then(|v| v.as_str()) != Some(missing.iur.as_str()) {
            return Ok(None);
        }
        let amount = option
            .get("amount")
            .and_then(|v| v.as_i64())
            .filter(|a| *a > 0)
            .ok_or("GPD: an option without its amount")?;
        let when: String = option
            .get("paymentDate")
            .and_then(|v| v.as_str())
            .ok_or("GPD: a paid option without its date")?
            .chars()
            .take(19)
            .collect();
        if when.len() != 19 {
            return Err("GPD: a payment date not in ISO 8601".into());
        }
        Ok(Some(sportello_store::ReceiptRow {
            receipt_id: missing.iur.clone(),
            ente_id: None,
            creditor_fiscal_code: fiscal_code.to_string(),
            notice_number: missing.notice_number.clone(),
            iuv: missing.iuv.clone(),
            outcome: "OK".into(),
            amount_cents: amount,
            fee_cents: option
                .get("fee")
                .and_then(|v| v.as_i64())
                .unwrap_or(0)
                .max(0),
            psp_id: String::new(),
            psp_name: option
                .get("pspCompany")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string(),
            payment_method: option
                .get("paymentMethod")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string(),
            transfer_date: when.chars().take(10).collect(),
            payment_date_time: when,
            received_at: sportello_store::to_millis(self.now()),
            // Not the node's receipt: what GPD answered for the option, kept as read.
            document: option.to_string(),
        }))
    }

    async fn fdr_get(
        &self,
        pagopa: &PagoPaSettings,
        path: &str,
    ) -> Result<serde_json::Value, String> {
        let answer = self
            .http
            .get(format!("{}{path}", pagopa.fdr_url))
            .header("Ocp-Apim-Subscription-Key", &pagopa.subscription_key)
            .send()
            .await
            .map_err(|e| format!("FdR not reached: {e}"))?;
        if !answer.status().is_success() {
            return Err(format!("FdR answered {}", answer.status()));
        }
        answer.json().await.map_err(|e| format!("FdR answer: {e}"))
    }

    async fn read_flows_of(
        &self,
        pagopa: &PagoPaSettings,
        ente: EnteId,
        fiscal_code: &str,
        done: &mut FlowsRead,
    ) -> Result<(), String> {
        let tenant = self.store.tenant(ente);
        let mut page = 1u32;
        loop {
            let list = self
                .fdr_get(
                    pagopa,
                    &format!("/organizations/{fiscal_code}/fdrs?page={page}&size=100"),
                )
                .await?;
            for item in jv(&list, "data").as_array().into_iter().flatten() {
                let (Some(fdr), Some(psp)) = (jv(item, "fdr").as_str(), jv(item, "pspId").as_str())
                else {
                    continue;
                };
                let revision = jv(item, "revision").as_i64().unwrap_or(1);
                if tenant
                    .has_flow(fdr, revision)
                    .await
                    .map_err(|e| e.to_string())?
                {
                    continue;
                }
                let flow = self
                    .read_flow(pagopa, fiscal_code, fdr, revision, psp)
                    .await?;
                let recorded = tenant
                    .record_flow(&flow, sportello_store::to_millis(self.now()))
                    .await
                    .map_err(|e| e.to_string())?;
                if !recorded.duplicate {
                    done.flows = done.flows.saturating_add(1);
                    done.matched = done.matched.saturating_add(recorded.matched);
                    done.anomalies = done.anomalies.saturating_add(recorded.anomalies);
                }
            }
            let pages = jv(jv(&list, "metadata"), "totPage").as_u64().unwrap_or(1);
            if u64::from(page) >= pages {
                return Ok(());
            }
            page = page.saturating_add(1);
        }
    }

    async fn read_flow(
        &self,
        pagopa: &PagoPaSettings,
        fiscal_code: &str,
        fdr: &str,
        revision: i64,
        psp: &str,
    ) -> Result<NewFlow, String> {
        let base =
            format!("/organizations/{fiscal_code}/fdrs/{fdr}/revisions/{revision}/psps/{psp}");
        let head = self.fdr_get(pagopa, &base).await?;
        let cents = |v: &serde_json::Value| -> Option<i64> {
            match v {
                serde_json::Value::Number(n) => parse_amount(&n.to_string()),
                serde_json::Value::String(s) => parse_amount(s),
                _ => None,
            }
        };
        let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
        let mut payments = Vec::new();
        let mut page = 1u32;
        loop {
            let list = self
                .fdr_get(
                    pagopa,
                    &format!("{base}/payments?page={page}&size={PAGE_SIZE}"),
                )
                .await?;
            for p in jv(&list, "data").as_array().into_iter().flatten() {
                payments.push(FlowPayment {
                    index: jv(p, "index").as_i64().ok_or("a payment without index")?,
                    iuv: text(jv(p, "iuv")),
                    iur: text(jv(p, "iur")),
                    transfer_no: jv(p, "idTransfer").as_i64().unwrap_or(1),
                    amount_cents: cents(jv(p, "pay")).ok_or("a payment without a valid amount")?,
                    status: text(jv(p, "payStatus")),
                    pay_date: text(jv(p, "payDate")),
                });
            }
            let pages = jv(jv(&list, "metadata"), "totPage").as_u64().unwrap_or(1);
            if u64::from(page) >= pages {
                break;
            }
            page = page.saturating_add(1);
        }
        Ok(NewFlow {
            flow_id: fdr.to_string(),
            revision,
            psp_id: psp.to_string(),
            flow_date: text(jv(&head, "fdrDate")),
            regulation_id: text(jv(&head, "regulation")),
            regulation_date: text(jv(&head, "regulationDate")),
            total_cents: cents(jv(&head, "sumPayments")).ok_or("a flow without a valid total")?,
            payments,
        })
    }

    /// Opens the anomalies of time for every creditor: flows not credited, receipts not
    /// reported.
    pub async fn overdue_reconciliation(&self) -> Result<u32, AppError> {
        let now = sportello_store::to_millis(self.now());
        let day = 86_400_000i64;
        let mut opened = 0u32;
        for (ente, _) in self.store.region_wide().creditors().await? {
            opened = opened.saturating_add(
                self.store
                    .tenant(ente)
                    .overdue_reconciliation(
                        now - FLOW_CREDIT_DAYS * day,
                        now - RECEIPT_REPORT_DAYS * day,
                        now,
                    )
                    .await?,
            );
        }
        Ok(opened)
    }
}

impl Payments<'_> {
    /// The office imports the treasurer's statement (camt.053): each credit matched to its
    /// flow, all or nothing.
    pub async fn import_statement(
        &self,
        staff: &StaffPrincipal,
        xml: &str,
    ) -> Result<CreditsRecorded, AppError> {
        let ente = crate::payments::acting_ente(staff)?;
        let statement = read_camt053(xml).map_err(|e| {
            tracing::info!(error = %e, "statement refused");
            Refusal::StatementInvalid
        })?;
        let done = self
            .app
            .store
            .tenant(ente)
            .record_credits(
                &statement.id,
                &statement.credits,
                &staff.display_name,
                sportello_store::to_millis(self.app.now()),
            )
            .await?;
        tracing::info!(
            staff_id = staff.id,
            matched = done.matched,
            unmatched = done.unmatched,
            "statement imported"
        );
        Ok(done)
    }

    /// The same, from a file the office uploaded (read whole: a statement is a few megabytes).
    pub async fn import_statement_file(
        &self,
        staff: &StaffPrincipal,
        file: &crate::blobs::Upload,
    ) -> Result<CreditsRecorded, AppError> {
        let bytes = tokio::fs::read(file.path())
            .await
            .map_err(|e| AppError::Internal(format!("statement: {e}")))?;
        let xml = String::from_utf8(bytes).map_err(|_| Refusal::StatementInvalid)?;
        self.import_statement(staff, &xml).await
    }

    /// What the office's reconciliation page shows: flows, credits, the accounting by day.
    pub async fn reconciliation(
        &self,
        staff: &StaffPrincipal,
    ) -> Result<
        (
            Vec<sportello_store::FlowRow>,
            Vec<sportello_store::CreditRow>,
            Vec<sportello_store::AccountingRow>,
        ),
        AppError,
    > {
        let ente = crate::payments::office_ente(staff)?;
        let tenant = self.app.store.tenant(ente);
        Ok((
            tenant.flows(200).await?,
            tenant.credits(200).await?,
            tenant.accounting(400).await?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flow_is_found_in_the_remittance_even_truncated() {
        assert_eq!(
            flow_hint("/PUR/LGPE-RIVERSAMENTO/URI/2026-12-06SIMPSP01-0001").as_deref(),
            Some("2026-12-06SIMPSP01-0001")
        );
        assert_eq!(
            flow_hint("BONIFICO /PUR/LGPE-RIVERSAMENTO/URI/2026-12-06SIM").as_deref(),
            Some("2026-12-06SIM")
        );
        assert_eq!(
            flow_hint("/PUR/LGPE-RIVERSAMENTO /URI/2026-12-06SIMPSP01-0001").as_deref(),
            Some("2026-12-06SIMPSP01-0001"),
            "a space the bank put in"
        );
        assert_eq!(flow_hint("Canone di locazione"), None);
        assert_eq!(flow_hint("/PUR/LGPE-RIVERSAMENTO/URI/"), None);
    }

    #[test]
    fn a_statement_gives_its_booked_credits_in_cents() {
        let xml = format!(
            r#"<?xml version="1.0"?><Document xmlns="{CAMT053_NS}"><BkToCstmrStmt><GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-12-07T08:00:00</CreDtTm></GrpHdr><Stmt><Id>EC-1</Id>
            <Ntry><NtryRef>1</NtryRef><Amt Ccy="EUR">82.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-12-07</Dt></BookgDt><NtryDtls><TxDtls><RmtInf><Ustrd>/PUR/LGPE-RIVERSAMENTO/URI/2026-12-06SIMPSP01-0001</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
            <Ntry><NtryRef>2</NtryRef><Amt Ccy="EUR">10.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-12-07</Dt></BookgDt></Ntry>
            </Stmt></BkToCstmrStmt></Document>"#
        );
        let s = read_camt053(&xml).unwrap();
        assert_eq!(s.id, "EC-1");
        assert_eq!(s.credits.len(), 1, "debits are not credits");
        assert_eq!(s.credits[0].amount_cents, 8200);
        assert_eq!(
            s.credits[0].flow_hint.as_deref(),
            Some("2026-12-06SIMPSP01-0001")
        );
        assert_eq!(read_camt053("<Document/>"), Err(CamtError::NotCamt053));
        assert!(read_camt053(&xml.replace("82.00", "82,00")).is_err());
        assert!(read_camt053(&xml.replace("EUR\">82", "USD\">82")).is_err());
    }
}
