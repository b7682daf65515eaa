//! The connection to pagoPA (issue 17), in the platform's asynchronous model:
//! - positions are **published** to the Debt Position service (GPD external API v1,
//!   `POST /organizations/{fiscal code}/debtpositions?toPublish=true`) from an outbox written
//!   with the position: a platform that is down is retried with backoff, a position is never
//!   lost and never created twice (a 409 means the platform has it);
//! - a debtor **pays now** through the checkout's cart API (`POST /carts`, answered with a 302
//!   to the checkout page);
//! - **receipts** arrive as the node sends them (`paSendRT`, paForNode.xsd) and are recorded
//!   once by receipt id, before the node is told OK: a process killed in between answers
//!   nothing, the node sends the receipt again, and the second copy changes nothing.
//!
//! The node authenticates to the station with mutual TLS, which the reverse proxy in front of
//! Sportello terminates; the bearer token `pagopa.node_token` the proxy adds stands for it here.

use sportello_domain::identity::CitizenIdentity;
use sportello_domain::payments::{NoticeNumber, PositionState};
use sportello_domain::tenancy::EnteId;
use sportello_domain::Money;
use sportello_store::{OptionRow, PositionRow, ReceiptRecorded, ReceiptRow};

use crate::capabilities::Payments;
use crate::pdf::Line;
use crate::{App, AppError, PagoPaSettings, Refusal};

/// Publications claimed at once, and for how long.
const BATCH: i64 = 50;
const LEASE_MS: i64 = 60_000;

/// The namespace of the node's messages to the creditor's station.
pub const PA_FOR_NODE_NS: &str = "http://pagopa-api.pagopa.gov.it/pa/paForNode.xsd";
const SOAP_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";

/// What one pass of the publication outbox did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Published {
    pub published: u32,
    pub failed: u32,
}

impl App {
    /// Publishes what the outbox holds to the Debt Position service. Without a connection to
    /// pagoPA, nothing (positions are then written payable at the ente and never enqueued).
    pub async fn publish_positions(&self) -> Result<Published, AppError> {
        let mut done = Published::default();
        let Some(pagopa) = self.settings.pagopa.clone() else {
            return Ok(done);
        };
        let now = sportello_store::to_millis(self.now());
        for item in self.store.claim_publications(now, LEASE_MS, BATCH).await? {
            let ente = item.ente();
            let sent = if item.action == "invalidate" {
                self.invalidate_one(&pagopa, ente, item.position_id).await
            } else {
                self.publish_one(&pagopa, ente, item.position_id).await
            };
            match sent {
                Ok(()) => {
                    self.store
                        .publication_done(item.id, item.position_id, now)
                        .await?;
                    done.published = done.published.saturating_add(1);
                }
                Err(why) => {
                    let next = now + crate::jobs::backoff_ms(item.attempts) / 4;
                    tracing::warn!(position = item.position_id, error = %why, "publication to pagoPA failed; retried later");
                    self.store.publication_failed(item.id, next, &why).await?;
                    done.failed = done.failed.saturating_add(1);
                }
            }
        }
        Ok(done)
    }

    /// Whether `token` is the node's (compared in constant time); none without a connection to
    /// pagoPA.
    pub fn is_pagopa_node(&self, token: &str) -> Option<bool> {
        use subtle::ConstantTimeEq as _;
        let pagopa = self.settings.pagopa.as_ref()?;
        Some(!token.is_empty() && bool::from(token.as_bytes().ct_eq(pagopa.node_token.as_bytes())))
    }

    /// A position of the outbox and its ente's creditor data.
    async fn position_and_creditor(
        &self,
        ente: EnteId,
        position_id: i64,
    ) -> Result<(PositionRow, sportello_store::CreditorRow), String> {
        let tenant = self.store.tenant(ente);
        let position = tenant
            .position(position_id)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("the position is gone")?;
        let creditor = tenant
            .creditor()
            .await
            .map_err(|e| e.to_string())?
            .ok_or("the ente has no creditor data")?;
        Ok((position, creditor))
    }

    /// Withdraws a position at GPD (`POST …/debtpositions/{iupd}/invalidate`); one pagoPA
    /// does not have (404) is withdrawn already.
    async fn invalidate_one(
        &self,
        pagopa: &PagoPaSettings,
        ente: EnteId,
        position_id: i64,
    ) -> Result<(), String> {
        let (position, creditor) = self.position_and_creditor(ente, position_id).await?;
        let url = format!(
            "{}/organizations/{}/debtpositions/{}/invalidate",
            pagopa.gpd_url, creditor.fiscal_code, position.iupd
        );
        let answer = self
            .http
            .post(&url)
            .header("Ocp-Apim-Subscription-Key", &pagopa.subscription_key)
            .send()
            .await
            .map_err(|e| format!("GPD not reached: {e}"))?;
        match answer.status().as_u16() {
            200 | 404 => Ok(()),
            s => Err(format!("GPD answered {s} to the invalidation")),
        }
    }

    async fn publish_one(
        &self,
        pagopa: &PagoPaSettings,
        ente: EnteId,
        position_id: i64,
    ) -> Result<(), String> {
        let tenant = self.store.tenant(ente);
        let (position, creditor) = self.position_and_creditor(ente, position_id).await?;
        let ente_row = self.ente_by_id_hot(ente).await.map_err(|e| e.to_string())?;
        let options = tenant
            .options_of(position.id)
            .await
            .map_err(|e| e.to_string())?;
        let mut body_options = Vec::with_capacity(options.len());
        for o in &options {
            let transfers = tenant
                .transfers_of(&o.notice_number)
                .await
                .map_err(|e| e.to_string())?;
            body_options.push(option_json(&position, o, &transfers));
        }
        let body = serde_json::json!({
            "iupd": position.iupd,
            "type": if position.debtor_fiscal_code.len() == 11 { "G" } else { "F" },
            "fiscalCode": position.debtor_fiscal_code,
            "fullName": position.debtor_name,
            "companyName": format!("Comune di {}", ente_row.name),
            // Expired by the platform after the due date where Sportello expires it too.
            "switchToExpired": crate::spontaneous::EXPIRING_ORIGINS.contains(&position.origin.as_str()),
            "paymentOption": body_options,
        });
        let url = format!(
            "{}/organizations/{}/debtpositions?toPublish=true",
            pagopa.gpd_url, creditor.fiscal_code
        );
        let answer = self
            .http
            .post(&url)
            .header("Ocp-Apim-Subscription-Key", &pagopa.subscription_key)
            .json(&body)
            .send()
            .await
            .map_err(|e| format!("GPD not reached: {e}"))?;
        match answer.status().as_u16() {
            201 => Ok(()),
            // The platform has it already: an earlier attempt whose answer was lost.
            409 => Ok(()),
            s => Err(format!("GPD answered {s}")),
        }
    }
}

/// A payment option as GPD's `PaymentOptionModel` has it: amounts in cents, the due date at
/// the end of its day, each transfer to an IBAN or a digital revenue stamp.
fn option_json(
    position: &PositionRow,
    o: &OptionRow,
    transfers: &[sportello_store::TransferRow],
) -> serde_json::Value {
    let transfers: Vec<serde_json::Value> = transfers
        .iter()
        .map(|t| {
            let mut v = serde_json::Map::new();
            v.insert("idTransfer".into(), t.transfer_no.to_string().into());
            v.insert("amount".into(), t.amount_cents.into());
            v.insert(
                "remittanceInformation".into(),
                clip(&t.remittance, 140).into(),
            );
            v.insert("category".into(), t.category.clone().into());
            if t.stamp_type.is_empty() {
                v.insert("iban".into(), t.iban.clone().into());
                v.insert(
                    "organizationFiscalCode".into(),
                    t.creditor_fiscal_code.clone().into(),
                );
            } else {
                v.insert(
                    "stamp".into(),
                    serde_json::json!({
                        "hashDocument": t.stamp_hash,
                        "stampType": t.stamp_type,
                        "provincialResidence": t.stamp_province,
                    }),
                );
            }
            serde_json::Value::Object(v)
        })
        .collect();
    serde_json::json!({
        "nav": o.notice_number,
        "iuv": o.iuv,
        "amount": o.amount_cents,
        "description": clip(&position.subject, 140),
        "isPartialPayment": o.instalment != 0,
        "dueDate": end_of_day_in_rome(&o.due_date),
        "transfer": transfers,
    })
}

/// The last second of a `YYYY-MM-DD` day in Rome, as RFC 3339 with Rome's offset that day.
fn end_of_day_in_rome(day: &str) -> String {
    let Ok(date) = time::Date::parse(day, &time::format_description::well_known::Iso8601::DATE)
    else {
        return format!("{day}T23:59:59+01:00");
    };
    let at = sportello_domain::calendar::from_rome(time::PrimitiveDateTime::new(
        date,
        time::macros::time!(23:59:59),
    ));
    let local = sportello_domain::calendar::in_rome(at);
    local
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| format!("{day}T23:59:59+01:00"))
}

/// At most `n` characters of `text`.
fn clip(text: &str, n: usize) -> String {
    text.chars().take(n).collect()
}

/// A receipt as the demo's platform makes it (PSP «Demo», paid by card now).
pub(crate) fn demo_receipt(
    creditor: &str,
    (notice, amount_cents): (&str, i64),
    at: time::OffsetDateTime,
    id: &str,
    payer: Option<&CitizenIdentity>,
) -> ReceiptRow {
    // The demo's PSP knows who paid: the person signed in (as app IO would).
    let payer = payer.map_or(String::new(), |p| {
        format!(
            "<payer><uniqueIdentifier><entityUniqueIdentifierType>F</entityUniqueIdentifierType>\
             <entityUniqueIdentifierValue>{}</entityUniqueIdentifierValue></uniqueIdentifier>\
             <fullName>{}</fullName></payer>",
            xml_escape(p.fiscal_code.as_str()),
            xml_escape(&format!("{} {}", p.given_name, p.family_name)),
        )
    });
    let local = sportello_domain::calendar::in_rome(at);
    let when = format!(
        "{}T{:02}:{:02}:{:02}",
        local.date(),
        local.hour(),
        local.minute(),
        local.second()
    );
    ReceiptRow {
        receipt_id: format!("demo-{id}"),
        ente_id: None,
        creditor_fiscal_code: creditor.to_string(),
        notice_number: notice.to_string(),
        iuv: notice.get(1..).unwrap_or_default().to_string(),
        outcome: "OK".into(),
        amount_cents,
        fee_cents: 0,
        psp_id: "DEMOPSP".into(),
        psp_name: "PSP dimostrativo".into(),
        payment_method: "creditCard".into(),
        payment_date_time: when,
        transfer_date: local.date().to_string(),
        received_at: sportello_store::to_millis(at),
        document: format!(
            "<receipt><!-- the demo's platform: no real payment -->{payer}</receipt>"
        ),
    }
}

/// The node's message, refused: the SOAP answer's fault code and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeFault {
    pub code: &'static str,
    pub why: String,
}

fn fault(code: &'static str, why: impl Into<String>) -> NodeFault {
    NodeFault {
        code,
        why: why.into(),
    }
}

/// A `paSendRT` request, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendRt {
    pub id_pa: String,
    pub id_broker_pa: String,
    pub id_station: String,
    pub receipt: ReceiptRow,
}

/// An amount as the node writes it (`30.00`, at most two decimals), in cents.
pub fn parse_amount(text: &str) -> Option<i64> {
    let (units, decimals) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
    if units.is_empty()
        || units.len() > 12
        || decimals.len() > 2
        || !units
            .bytes()
            .chain(decimals.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let units: i64 = units.parse().ok()?;
    let mut cents: i64 = if decimals.is_empty() {
        0
    } else {
        decimals.parse().ok()?
    };
    if decimals.len() == 1 {
        cents = cents.checked_mul(10)?;
    }
    units.checked_mul(100)?.checked_add(cents)
}

fn child<'a, 'i>(parent: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    parent
        .children()
        .find(|n| n.is_element() && n.tag_name().name() == name)
}

/// The text of `parent`'s child `name`, required.
fn text(parent: roxmltree::Node<'_, '_>, name: &str) -> Result<String, NodeFault> {
    child(parent, name)
        .and_then(|n| n.text())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| fault("PAA_SINTASSI_XSD", format!("manca {name}")))
}

/// The text of `parent`'s child `name`, or nothing.
fn optional(parent: roxmltree::Node<'_, '_>, name: &str) -> String {
    child(parent, name)
        .and_then(|n| n.text())
        .map(|t| t.trim().to_string())
        .unwrap_or_default()
}

/// Who paid, as a receipt says (`payer`: fiscal code and name), when it says — a PSP knows the
/// payer when they signed in (app IO, home banking); often it does not.
pub fn payer_of(document: &str) -> Option<(String, String)> {
    let doc = roxmltree::Document::parse(document).ok()?;
    let payer = doc
        .descendants()
        .find(|n| n.is_element() && n.tag_name().name() == "payer")?;
    let id = child(payer, "uniqueIdentifier")
        .map(|u| optional(u, "entityUniqueIdentifierValue"))
        .unwrap_or_default();
    let name = optional(payer, "fullName");
    (!id.is_empty()).then_some((id, name))
}

/// Reads a `paSendRT` SOAP request. `received_at` is when it arrived (milliseconds).
pub fn read_send_rt(xml: &str, received_at: i64) -> Result<SendRt, NodeFault> {
    let doc = roxmltree::Document::parse(xml)
        .map_err(|e| fault("PAA_SINTASSI_XSD", format!("XML non leggibile: {e}")))?;
    let root = doc.root_element();
    if !root.has_tag_name((SOAP_NS, "Envelope")) {
        return Err(fault("PAA_SINTASSI_XSD", "manca la SOAP Envelope"));
    }
    let req = root
        .children()
        .find(|n| n.has_tag_name((SOAP_NS, "Body")))
        .and_then(|b| b.children().find(|n| n.is_element()))
        .filter(|n| n.has_tag_name((PA_FOR_NODE_NS, "paSendRTReq")))
        .ok_or_else(|| fault("PAA_SINTASSI_XSD", "il corpo non è una paSendRTReq"))?;
    let receipt =
        child(req, "receipt").ok_or_else(|| fault("PAA_SINTASSI_XSD", "manca receipt"))?;
    let amount = parse_amount(&text(receipt, "paymentAmount")?)
        .ok_or_else(|| fault("PAA_SINTASSI_XSD", "paymentAmount non valido"))?;
    let fee = match child(receipt, "fee").and_then(|n| n.text()) {
        Some(t) => parse_amount(t).ok_or_else(|| fault("PAA_SINTASSI_XSD", "fee non valido"))?,
        None => 0,
    };
    let notice = text(receipt, "noticeNumber")?;
    if notice.len() != 18 || !notice.bytes().all(|b| b.is_ascii_digit()) {
        return Err(fault("PAA_SINTASSI_XSD", "noticeNumber non valido"));
    }
    let document = xml
        .get(receipt.range())
        .map(str::to_string)
        .unwrap_or_default();
    Ok(SendRt {
        id_pa: text(req, "idPA")?,
        id_broker_pa: text(req, "idBrokerPA")?,
        id_station: text(req, "idStation")?,
        receipt: ReceiptRow {
            receipt_id: text(receipt, "receiptId")?,
            ente_id: None,
            creditor_fiscal_code: text(receipt, "fiscalCode")?,
            notice_number: notice,
            iuv: text(receipt, "creditorReferenceId")?,
            outcome: text(receipt, "outcome")?,
            amount_cents: amount,
            fee_cents: fee,
            psp_id: text(receipt, "idPSP")?,
            psp_name: optional(receipt, "PSPCompanyName"),
            payment_method: optional(receipt, "paymentMethod"),
            payment_date_time: optional(receipt, "paymentDateTime"),
            transfer_date: optional(receipt, "transferDate"),
            received_at,
            document,
        },
    })
}

/// The station's answer to `paSendRT`: OK, or KO with its fault.
pub fn send_rt_response(result: &Result<(), NodeFault>, station: &str) -> String {
    let body = match result {
        Ok(()) => "<outcome>OK</outcome>".to_string(),
        Err(f) => format!(
            "<outcome>KO</outcome><fault><faultCode>{}</faultCode><faultString>{}</faultString>\
             <id>{}</id></fault>",
            f.code,
            xml_escape(&f.why),
            xml_escape(station)
        ),
    };
    format!(
        "<soapenv:Envelope xmlns:soapenv=\"{SOAP_NS}\" xmlns:paf=\"{PA_FOR_NODE_NS}\">\
         <soapenv:Header/><soapenv:Body><paf:paSendRTRes>{body}</paf:paSendRTRes>\
         </soapenv:Body></soapenv:Envelope>"
    )
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl Payments<'_> {
    /// A receipt the node sent (`paSendRT`): recorded once, whatever happens to it after. The
    /// caller answers the node with [`send_rt_response`] only after this returned.
    pub async fn receive_receipt(&self, xml: &str) -> Result<(), NodeFault> {
        let Some(pagopa) = self.app.settings.pagopa.as_ref() else {
            return Err(fault("PAA_SYSTEM_ERROR", "stazione non configurata"));
        };
        let now = sportello_store::to_millis(self.app.now());
        let sent = read_send_rt(xml, now)?;
        if sent.id_broker_pa != pagopa.broker_fiscal_code {
            return Err(fault(
                "PAA_ID_INTERMEDIARIO_ERRATO",
                "idBrokerPA sconosciuto",
            ));
        }
        if sent.id_station != pagopa.station_id {
            return Err(fault("PAA_STAZIONE_INT_ERRATA", "idStation sconosciuta"));
        }
        self.record(&sent.receipt).await
    }

    /// Records a receipt read from the node (or made by the demo's seed).
    pub(crate) async fn record(&self, receipt: &ReceiptRow) -> Result<(), NodeFault> {
        match self.app.store.record_receipt(receipt).await {
            Ok(ReceiptRecorded::Applied { position_id, .. }) => {
                tracing::info!(position = position_id, "receipt recorded: paid");
                Ok(())
            }
            Ok(ReceiptRecorded::Duplicate) => Ok(()),
            Ok(ReceiptRecorded::Anomaly { kind, .. }) => {
                tracing::warn!(%kind, "receipt recorded as an anomaly");
                Ok(())
            }
            Err(e) => {
                tracing::error!(error = %e, "receipt not recorded");
                Err(fault(
                    "PAA_SYSTEM_ERROR",
                    "ricevuta non registrata, riprovare",
                ))
            }
        }
    }

    /// One of `who`'s payment options by its notice number, with its position.
    pub(crate) async fn debtor_option(
        &self,
        ente: EnteId,
        notice: &str,
        who: &CitizenIdentity,
    ) -> Result<(PositionRow, OptionRow), AppError> {
        let notice = NoticeNumber::parse(notice).map_err(|_| AppError::NotFound)?;
        let tenant = self.app.store.tenant(ente);
        let position = tenant
            .position_of_notice(notice.as_str())
            .await?
            .ok_or(AppError::NotFound)?;
        if !self.reads_position(&position, who).await? {
            return Err(AppError::NotFound);
        }
        if !self.in_assisted_reach(&position, who).await? {
            return Err(AppError::NotFound);
        }
        let option = tenant
            .options_of(position.id)
            .await?
            .into_iter()
            .find(|o| o.notice_number == notice.as_str())
            .ok_or(AppError::NotFound)?;
        Ok((position, option))
    }

    /// Whether `who` reads (and pays) this position: they owe it, or it is the fees of an
    /// application they filed for a client as a professional (the client owes it; the
    /// professional pays on their behalf).
    async fn reads_position(
        &self,
        position: &PositionRow,
        who: &CitizenIdentity,
    ) -> Result<bool, AppError> {
        if position.debtor_fiscal_code == who.fiscal_code.as_str() {
            return Ok(true);
        }
        let Some(application) = position.application_id.as_deref() else {
            return Ok(false);
        };
        Ok(self
            .app
            .application_in_reach(position.ente(), application, who)
            .await?
            .is_some_and(|a| a.mode == "professional"))
    }

    /// Whether a position of `who`'s is within their session's reach. A person signed in
    /// themselves reaches all of theirs. An assisted session (PAAS) reaches, in the operator's
    /// ente only, what is still to be paid — the desk prints or pays its notices — and what was
    /// started in this visit; never the person's paid history, nor other enti's positions.
    pub(crate) async fn in_assisted_reach(
        &self,
        position: &PositionRow,
        who: &CitizenIdentity,
    ) -> Result<bool, AppError> {
        let Some(a) = &who.assisted else {
            return Ok(true);
        };
        if a.ente_id != Some(position.ente_id) {
            return Ok(false);
        }
        let open = PositionState::parse(&position.state).is_some_and(|s| s.payable());
        if open || (position.application_id.is_none() && position.created_at >= a.opened_at) {
            return Ok(true);
        }
        Ok(match position.application_id.as_deref() {
            Some(application) => self
                .app
                .application_in_reach(position.ente(), application, who)
                .await?
                .is_some(),
            None => false,
        })
    }

    /// In the demo, a document says first that it is one: fictitious data, no value.
    pub(crate) fn mark_demo(&self, lines: &mut Vec<Line>) {
        if self.app.settings.demo {
            lines.insert(
                0,
                Line::Heading(
                    "DOCUMENTO DIMOSTRATIVO — dati fittizi, nessun valore legale o contabile"
                        .into(),
                ),
            );
        }
    }

    /// Whether notices can be paid online: a connection to pagoPA, or the demo's own platform.
    pub fn online(&self) -> bool {
        self.app.settings.pagopa.is_some() || self.app.settings.demo
    }

    /// The demo's platform: `who` pays a notice of theirs at the demo's checkout, and the
    /// receipt is recorded as pagoPA's would be (a receipt id, the PSP, the time). Only in the
    /// demo without a connection to pagoPA.
    pub async fn demo_pay(
        &self,
        ente: EnteId,
        notice: &str,
        who: &CitizenIdentity,
    ) -> Result<(), AppError> {
        if !self.app.settings.demo || self.app.settings.pagopa.is_some() {
            return Err(AppError::NotFound);
        }
        let (position, option) = self.debtor_option(ente, notice, who).await?;
        let state = PositionState::parse(&position.state).unwrap_or(PositionState::Draft);
        if !state.payable() || option.receipt_id.is_some() {
            return Err(Refusal::NotPayableOnline.into());
        }
        let creditor = self
            .app
            .store
            .tenant(ente)
            .creditor()
            .await?
            .ok_or(Refusal::NotPayableOnline)?;
        let receipt = demo_receipt(
            &creditor.fiscal_code,
            (&option.notice_number, option.amount_cents),
            self.app.now(),
            &crate::crypto::random_token(16),
            Some(who),
        );
        self.record(&receipt)
            .await
            .map_err(|f| AppError::Internal(f.why))
    }

    /// Whether `service`'s fees are paid before sending at `ente`: the service says so, and the
    /// ente takes pagoPA payments through Sportello (creditor data, a connection to pagoPA).
    pub async fn pay_first(
        &self,
        ente: EnteId,
        service: &sportello_domain::catalogue::ServiceDefinition,
    ) -> Result<bool, AppError> {
        Ok(
            service.fees_due == sportello_domain::catalogue::FeesDue::BeforeSubmission
                && !service.fees.is_empty()
                && self.online()
                && self.app.store.tenant(ente).creditor().await?.is_some(),
        )
    }

    /// Whether an application may be sent as far as its fees go: yes, unless its service wants
    /// them paid before sending, the ente takes pagoPA payments through Sportello, and the
    /// application's position is not paid (`FeesUnpaid`).
    pub async fn fees_settled(
        &self,
        ente: EnteId,
        application_id: &str,
        service: &sportello_domain::catalogue::ServiceDefinition,
    ) -> Result<(), AppError> {
        if !self.pay_first(ente, service).await? {
            return Ok(());
        }
        let tenant = self.app.store.tenant(ente);
        let paid = tenant
            .application_position(application_id)
            .await?
            .and_then(|p| PositionState::parse(&p.state))
            .is_some_and(|s| matches!(s, PositionState::Paid | PositionState::Reported));
        if paid {
            Ok(())
        } else {
            Err(crate::applications::ApplyError::FeesUnpaid.into())
        }
    }

    /// Whether the notice is one of `who`'s (within an assisted session's reach): `NotFound`
    /// otherwise.
    pub async fn is_theirs(
        &self,
        ente: EnteId,
        notice: &str,
        who: &CitizenIdentity,
    ) -> Result<(), AppError> {
        self.debtor_option(ente, notice, who).await.map(|_| ())
    }

    /// Starts paying one of `who`'s notices at pagoPA's checkout: the address to send the
    /// browser to. `back` is the page the checkout returns to (`?esito=ok|annullato|errore`
    /// is added).
    pub async fn checkout(
        &self,
        ente: EnteId,
        notice: &str,
        who: &CitizenIdentity,
        back: &str,
    ) -> Result<String, AppError> {
        let (position, option) = self.debtor_option(ente, notice, who).await?;
        let state = PositionState::parse(&position.state).unwrap_or(PositionState::Draft);
        if !state.payable() || option.receipt_id.is_some() {
            return Err(Refusal::NotPayableOnline.into());
        }
        let Some(pagopa) = self.app.settings.pagopa.as_ref() else {
            // The demo is its own platform: its checkout is a page of Sportello's.
            if self.app.settings.demo {
                let ente_row = self.app.ente_by_id_hot(ente).await?;
                return Ok(format!(
                    "{}/demo-pagopa/{}/{}?torna={back}",
                    self.app.settings.public_url, ente_row.slug, option.notice_number
                ));
            }
            return Err(Refusal::NotPayableOnline.into());
        };
        // Only what the platform holds can be paid there; a draft is still being published.
        if position.published_at.is_none() {
            return Err(Refusal::NotPayableOnline.into());
        }
        let creditor = self
            .app
            .store
            .tenant(ente)
            .creditor()
            .await?
            .ok_or(Refusal::NotPayableOnline)?;
        let ente_row = self.app.ente_by_id_hot(ente).await?;
        let back = format!("{}{back}", self.app.settings.public_url);
        let cart = serde_json::json!({
            "paymentNotices": [{
                "noticeNumber": option.notice_number,
                "fiscalCode": creditor.fiscal_code,
                "amount": option.amount_cents,
                "companyName": clip(&format!("Comune di {}", ente_row.name), 140),
                "description": clip(&position.subject, 140),
            }],
            "returnUrls": {
                "returnOkUrl": format!("{back}?esito=ok"),
                "returnCancelUrl": format!("{back}?esito=annullato"),
                "returnErrorUrl": format!("{back}?esito=errore"),
            },
        });
        let answer = self
            .app
            .http
            .post(format!("{}/carts", pagopa.checkout_url))
            .json(&cart)
            .send()
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "checkout not reached");
                Refusal::CheckoutUnavailable
            })?;
        let to = answer
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .filter(|_| answer.status().is_redirection())
            .map(str::to_string);
        match to {
            Some(to) if to.starts_with("https://") || to.starts_with("http://") => Ok(to),
            _ => {
                tracing::warn!(status = %answer.status(), "checkout refused the cart");
                Err(Refusal::CheckoutUnavailable.into())
            }
        }
    }

    /// The receipt of one of `who`'s paid notices, as a PDF.
    pub async fn receipt_pdf(
        &self,
        ente: EnteId,
        notice: &str,
        who: &CitizenIdentity,
    ) -> Result<(String, Vec<u8>), AppError> {
        let (position, option) = self.debtor_option(ente, notice, who).await?;
        let receipt = self
            .app
            .store
            .tenant(ente)
            .receipt_of_notice(&option.notice_number)
            .await?
            .ok_or(AppError::NotFound)?;
        let ente_row = self.app.ente_by_id_hot(ente).await?;
        let n = NoticeNumber::parse(&option.notice_number).map_err(|_| AppError::NotFound)?;
        let amount = Money::from_cents(receipt.amount_cents)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let paid = receipt
            .payment_date_time
            .split_once('T')
            .map(|(d, t)| {
                format!(
                    "{} alle {}",
                    d.split('-').rev().collect::<Vec<_>>().join("/"),
                    t.get(..5).unwrap_or(t)
                )
            })
            .unwrap_or_else(|| receipt.payment_date_time.clone());
        let mut lines = vec![
            Line::Title("Ricevuta di pagamento".into()),
            Line::Text(format!("Comune di {} — pagoPA", ente_row.name)),
            Line::Blank,
            Line::Field(
                "Ente creditore".into(),
                format!("Comune di {}", ente_row.name),
            ),
            Line::Field(
                "Codice fiscale ente creditore".into(),
                receipt.creditor_fiscal_code.clone(),
            ),
            Line::Field(
                "Debitore".into(),
                format!("{} ({})", position.debtor_name, position.debtor_fiscal_code),
            ),
        ];
        // Who paid, when the receipt says and it is not the debtor (a professional, a parent).
        if let Some((id, name)) = payer_of(&receipt.document)
            .filter(|(id, _)| !id.eq_ignore_ascii_case(&position.debtor_fiscal_code))
        {
            lines.push(Line::Field(
                "Pagato da".into(),
                if name.is_empty() {
                    id
                } else {
                    format!("{name} ({id})")
                },
            ));
        }
        lines.extend([
            Line::Field("Oggetto del pagamento".into(), position.subject.clone()),
            Line::Field(
                "Importo pagato".into(),
                sportello_domain::forms::it_euros(amount.cents()),
            ),
        ]);
        if receipt.fee_cents > 0 {
            lines.push(Line::Field(
                "Commissione del prestatore".into(),
                sportello_domain::forms::it_euros(receipt.fee_cents),
            ));
        }
        lines.extend([
            Line::Field("Pagato il".into(), paid),
            Line::Field(
                "Prestatore di servizi di pagamento".into(),
                if receipt.psp_name.is_empty() {
                    receipt.psp_id.clone()
                } else {
                    format!("{} ({})", receipt.psp_name, receipt.psp_id)
                },
            ),
            Line::Field("Codice avviso".into(), n.grouped()),
            Line::Field("IUV".into(), receipt.iuv.clone()),
            Line::Field("Identificativo ricevuta".into(), receipt.receipt_id.clone()),
            Line::Blank,
            Line::Text(
                "Ricevuta emessa dalla piattaforma pagoPA e conservata dall'ente creditore.".into(),
            ),
        ]);
        self.mark_demo(&mut lines);
        let pdf = crate::pdf::render(
            &format!("Ricevuta di pagamento {}", option.notice_number),
            &lines,
        );
        Ok((format!("ricevuta-{}.pdf", option.notice_number), pdf))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_dates_end_in_romes_time() {
        assert_eq!(
            end_of_day_in_rome("2026-12-31"),
            "2026-12-31T23:59:59+01:00"
        );
        assert_eq!(
            end_of_day_in_rome("2026-07-31"),
            "2026-07-31T23:59:59+02:00"
        );
    }

    #[test]
    fn amounts_are_read_in_cents_or_refused() {
        assert_eq!(parse_amount("30.00"), Some(3000));
        assert_eq!(parse_amount("30.5"), Some(3050));
        assert_eq!(parse_amount("30"), Some(3000));
        assert_eq!(parse_amount("0.01"), Some(1));
        for bad in [
            "",
            "-1.00",
            "1.000",
            "1,00",
            "1e3",
            "9999999999999.00",
            ".5",
        ] {
            assert_eq!(parse_amount(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_official_example_receipt_is_read() {
        let xml = include_str!("../../sportello/tests/schemas/pagopa/ReqPaSendRT.xml");
        let sent = read_send_rt(xml, 1).unwrap();
        assert_eq!(sent.id_station, "77777777777_01");
        assert_eq!(sent.receipt.receipt_id, "c110729d258c4ab1b765fe902aae41d6");
        assert_eq!(sent.receipt.amount_cents, 3000);
        assert_eq!(sent.receipt.fee_cents, 200);
        assert_eq!(sent.receipt.iuv, "11111111112222222");
        assert!(sent.receipt.document.starts_with("<receipt>"));
        assert!(sent.receipt.document.ends_with("</receipt>"));
        // Who paid, as the receipt says.
        assert_eq!(
            payer_of(&sent.receipt.document),
            Some(("JHNDOE00A01F205N".into(), "John Doe".into()))
        );
        assert_eq!(payer_of("<receipt/>"), None);
        let wrong = xml.replace("paSendRTReq", "paGetPaymentReq");
        assert_eq!(
            read_send_rt(&wrong, 1).unwrap_err().code,
            "PAA_SINTASSI_XSD"
        );
        assert!(read_send_rt("<a>", 1).is_err());
    }
}
