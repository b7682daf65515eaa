//! Spontaneous payments (pagamenti spontanei, issue 17): payments a resident starts without a
//! notice from the office — the school canteen's credit, the yearly ZTL permit, a
//! certificate's fees and stamp. The kinds are the region's (`catalogue/payments.toml`); every
//! ente that takes payments online offers them. Starting one writes a debt position for the
//! resident (published to pagoPA like any other), which the debt file then pays or prints.
//!
//! At most one notice waits to be paid for the same payment (the person, the kind, what it is
//! for): its IUPD is that payment's digest and how many of its notices were closed before, and
//! the ente's IUPDs are unique — however many requests arrive at once.

use std::sync::OnceLock;

use base64::Engine as _;
use sha2::Digest as _;
use sportello_domain::identity::CitizenIdentity;
use sportello_domain::payments::{Debtor, Transfer, TransferTarget};
use sportello_domain::tenancy::EnteId;
use sportello_domain::Money;
use sportello_store::{NewOption, NewPosition};

use crate::capabilities::Payments;
use crate::payments::{transfer_row, STAMP_TYPE};
use crate::{AppError, Refusal};

/// What a payment is for, typed by the resident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferenceKind {
    /// A person's codice fiscale (a pupil's), checked with its check character.
    CodiceFiscale,
    /// An Italian vehicle plate (`AB123CD`, or older shapes: letters and digits, 5 to 8).
    Targa,
    /// One of the kind's `choices` (which certificate).
    Choice,
}

/// One kind of spontaneous payment, as the region's catalogue describes it.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentKind {
    pub id: String,
    pub title: String,
    pub summary: String,
    /// The revenue's code in pagoPA's taxonomy (`9/0101108TS/`).
    pub category: String,
    /// What the payer's statement says, before the reference.
    pub remittance: String,
    /// A fixed amount…
    #[serde(default)]
    pub amount_cents: Option<i64>,
    /// …or one the resident types, between these, in whole steps.
    #[serde(default)]
    pub min_cents: Option<i64>,
    #[serde(default)]
    pub max_cents: Option<i64>,
    #[serde(default)]
    pub step_cents: Option<i64>,
    #[serde(default)]
    pub reference: Option<ReferenceKind>,
    #[serde(default)]
    pub reference_label: Option<String>,
    #[serde(default)]
    pub reference_name_label: Option<String>,
    /// What the resident chooses from, for a reference of kind `choice`.
    #[serde(default)]
    pub choices: Vec<String>,
    /// An imposta di bollo, collected as a digital revenue stamp.
    #[serde(default)]
    pub stamp_cents: Option<i64>,
    pub due_days: i64,
}

impl PaymentKind {
    /// The fixed amount, if it is one (the stamp included).
    pub fn fixed_total(&self) -> Option<Money> {
        let own = Money::from_cents(self.amount_cents?).ok()?;
        let stamp = Money::from_cents(self.stamp_cents.unwrap_or(0)).ok()?;
        own.checked_add(stamp)
    }

    /// Whether the resident types the amount.
    pub fn free_amount(&self) -> bool {
        self.amount_cents.is_none()
    }

    /// Whether the reference is chosen from a list.
    pub fn is_choice(&self) -> bool {
        self.reference == Some(ReferenceKind::Choice)
    }

    fn check(&self) -> Result<(), String> {
        let fail = |why: &str| Err(format!("payment kind {}: {why}", self.id));
        let slug_ok = !self.id.is_empty()
            && self
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !slug_ok {
            return fail("the id is not a slug");
        }
        if self.title.trim().is_empty() || self.summary.trim().is_empty() {
            return fail("a title and a summary are needed");
        }
        if !crate::payments_import::taxonomy_ok(&self.category) {
            return fail("the category is not a pagoPA taxonomy code");
        }
        if self.remittance.trim().is_empty() || self.remittance.chars().count() > 100 {
            return fail("the remittance must be 1 to 100 characters");
        }
        match (self.amount_cents, self.min_cents, self.max_cents) {
            (Some(a), None, None) if a > 0 => {}
            (None, Some(min), Some(max)) if 0 < min && min <= max => {
                let step = self.step_cents.unwrap_or(1);
                if step <= 0 || min % step != 0 || max % step != 0 {
                    return fail("the limits are not whole steps");
                }
            }
            _ => return fail("either a fixed amount or a minimum and a maximum"),
        }
        if self.reference.is_some() != self.reference_label.is_some() {
            return fail("a reference needs its label, and a label its reference");
        }
        if self.reference_name_label.is_some() && self.reference.is_none() {
            return fail("a name goes with a reference");
        }
        if self.is_choice() {
            let fine = |c: &String| !c.trim().is_empty() && c.chars().count() <= 80;
            if self.choices.len() < 2 || !self.choices.iter().all(fine) {
                return fail("a choice needs two or more options of 1 to 80 characters");
            }
        } else if !self.choices.is_empty() {
            return fail("options go with a reference of kind choice");
        }
        if self.stamp_cents.is_some_and(|c| c <= 0) {
            return fail("a stamp has an amount");
        }
        if !(1..=365).contains(&self.due_days) {
            return fail("due in 1 to 365 days");
        }
        Ok(())
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Catalogue {
    payment: Vec<PaymentKind>,
}

fn parse(text: &str) -> Result<Vec<PaymentKind>, String> {
    let catalogue: Catalogue = toml::from_str(text).map_err(|e| e.to_string())?;
    for (i, k) in catalogue.payment.iter().enumerate() {
        k.check()?;
        if catalogue.payment.iter().take(i).any(|o| o.id == k.id) {
            return Err(format!("payment kind {} twice", k.id));
        }
    }
    Ok(catalogue.payment)
}

/// The region's kinds of spontaneous payment, in the catalogue's order.
pub fn kinds() -> &'static [PaymentKind] {
    static KINDS: OnceLock<Vec<PaymentKind>> = OnceLock::new();
    KINDS.get_or_init(|| {
        // The file is part of the build and checked by this module's tests.
        parse(include_str!("../../../catalogue/payments.toml")).unwrap_or_else(|e| {
            tracing::error!("catalogue/payments.toml: {e}");
            Vec::new()
        })
    })
}

pub fn kind(id: &str) -> Option<&'static PaymentKind> {
    kinds().iter().find(|k| k.id == id)
}

/// What the resident typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpontaneousInput {
    /// The amount in euro, when the kind's is free.
    pub amount: String,
    pub reference: String,
    pub reference_name: String,
    /// The form's one-time token (a form made by Sportello's page, not a replayed request).
    pub token: String,
}

/// What starting a payment did: a new notice, or the one of the same payment still to pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Started {
    New(String),
    Waiting(String),
}

impl Started {
    pub fn notice(&self) -> &str {
        match self {
            Started::New(n) | Started::Waiting(n) => n,
        }
    }
}

/// What is wrong with the form (every problem at once, in the form's order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpontaneousProblem {
    /// Not an amount in euro.
    Amount,
    /// Below the kind's minimum.
    AmountLow,
    /// Above the kind's maximum.
    AmountHigh,
    /// Not in whole steps (whole euro).
    AmountStep,
    ReferenceMissing,
    Reference,
    ReferenceName,
}

/// An Italian vehicle plate, without spaces, upper case: letters and digits, 5 to 8, with at
/// least one of each.
fn plate(text: &str) -> Option<String> {
    let p: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_ascii_uppercase();
    ((5..=8).contains(&p.len())
        && p.bytes().all(|b| b.is_ascii_alphanumeric())
        && p.bytes().any(|b| b.is_ascii_digit())
        && p.bytes().any(|b| b.is_ascii_alphabetic()))
    .then_some(p)
}

/// The input read against the kind: the amount, the reference, its name — or every problem.
fn read(
    kind: &PaymentKind,
    input: &SpontaneousInput,
) -> Result<(Money, Option<String>, Option<String>), Vec<SpontaneousProblem>> {
    let mut problems = Vec::new();
    let reference = match kind.reference {
        None => None,
        Some(_) if input.reference.trim().is_empty() => {
            problems.push(SpontaneousProblem::ReferenceMissing);
            None
        }
        Some(ReferenceKind::CodiceFiscale) => {
            let typed: String = input.reference.split_whitespace().collect();
            match italian_ids::CodiceFiscale::parse(&typed) {
                Ok(cf) => Some(cf.to_string()),
                Err(_) => {
                    problems.push(SpontaneousProblem::Reference);
                    None
                }
            }
        }
        Some(ReferenceKind::Targa) => {
            let p = plate(&input.reference);
            if p.is_none() {
                problems.push(SpontaneousProblem::Reference);
            }
            p
        }
        Some(ReferenceKind::Choice) => {
            let chosen = kind
                .choices
                .iter()
                .find(|c| c.as_str() == input.reference.trim())
                .cloned();
            if chosen.is_none() {
                problems.push(SpontaneousProblem::Reference);
            }
            chosen
        }
    };
    let name = match kind.reference_name_label {
        None => None,
        Some(_) => {
            let n = input.reference_name.split_whitespace().collect::<Vec<_>>();
            let n = n.join(" ");
            let len = n.chars().count();
            if !(3..=70).contains(&len) || n.chars().any(char::is_control) {
                problems.push(SpontaneousProblem::ReferenceName);
                None
            } else {
                Some(n)
            }
        }
    };
    let amount = match kind.amount_cents {
        Some(fixed) => Money::from_cents(fixed).ok(),
        None => match Money::parse(input.amount.trim()) {
            Ok(m) => {
                let (min, max) = (kind.min_cents.unwrap_or(0), kind.max_cents.unwrap_or(0));
                if m.cents() < min {
                    problems.push(SpontaneousProblem::AmountLow);
                } else if m.cents() > max {
                    problems.push(SpontaneousProblem::AmountHigh);
                } else if m.cents() % kind.step_cents.unwrap_or(1).max(1) != 0 {
                    problems.push(SpontaneousProblem::AmountStep);
                }
                Some(m)
            }
            Err(_) => {
                problems.push(SpontaneousProblem::Amount);
                None
            }
        },
    };
    match amount {
        Some(a) if problems.is_empty() => Ok((a, reference, name)),
        _ => Err(problems),
    }
}

/// A form's one-time token: 16 to 64 letters, digits, `-` or `_`.
fn token_ok(token: &str) -> bool {
    (16..=64).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
}

/// Where positions expire at their due date: payments a resident started (a top-up not made
/// is started again); what an office or a service asks for stays payable late.
pub const EXPIRING_ORIGINS: [&str; 1] = ["spontaneous"];

impl crate::App {
    /// Expires the positions of [`EXPIRING_ORIGINS`] wholly unpaid past their due date (the
    /// jobs). How many.
    pub async fn expire_positions(&self) -> Result<u32, AppError> {
        let today = sportello_domain::calendar::in_rome(self.now()).date();
        let n = self
            .store
            .region_wide()
            .expire_positions(
                &EXPIRING_ORIGINS,
                &today.to_string(),
                sportello_store::to_millis(self.now()),
            )
            .await?;
        if n > 0 {
            tracing::info!(expired = n, "positions expired");
        }
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }
}

impl Payments<'_> {
    /// Whether `ente` takes spontaneous payments: its creditor data is set.
    pub async fn takes_spontaneous(&self, ente: EnteId) -> Result<bool, AppError> {
        Ok(self.app.store.tenant(ente).creditor().await?.is_some())
    }

    /// The enti that take payments online, as (slug, name), by name.
    pub async fn enti_taking_payments(&self) -> Result<Vec<(String, String)>, AppError> {
        let mut out = Vec::new();
        for (ente, _) in self.app.store.region_wide().creditors().await? {
            let row = self.app.ente_by_id_hot(ente).await?;
            out.push((row.slug, row.name));
        }
        out.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(out)
    }

    /// `who` starts a spontaneous payment of `kind` to `ente`: the position is written (the
    /// same one for the same form sent again) and its notice number returned — or what is
    /// wrong with the form.
    pub async fn start_spontaneous(
        &self,
        ente: EnteId,
        kind: &PaymentKind,
        who: &CitizenIdentity,
        input: &SpontaneousInput,
    ) -> Result<Result<Started, Vec<SpontaneousProblem>>, AppError> {
        crate::sessions::reaches_ente(who, ente)?;
        if !token_ok(&input.token) {
            return Err(Refusal::PaymentDataInvalid { field: "token" }.into());
        }
        let (own, reference, name) = match read(kind, input) {
            Ok(read) => read,
            Err(problems) => return Ok(Err(problems)),
        };
        let tenant = self.app.store.tenant(ente);
        let creditor = tenant.creditor().await?.ok_or(Refusal::PaymentsNotActive)?;
        let ente_row = self.app.ente_by_id_hot(ente).await?;
        // At most one notice still to pay for the same payment (the person, the kind, what it is
        // for): its IUPD is that payment's digest and how many of its notices were closed
        // before. The same form sent again — or another with another amount while one waits —
        // finds the one to pay; once it is paid (or expired), the next is a new position. The
        // ente's IUPDs are unique, so this holds however many requests arrive at once.
        let payment = {
            let digest = sha2::Sha256::digest(
                format!(
                    "{}\u{1f}{}\u{1f}{}",
                    who.fiscal_code.as_str(),
                    kind.id,
                    reference.as_deref().unwrap_or("")
                )
                .as_bytes(),
            );
            let hex: String = digest.iter().take(10).map(|b| format!("{b:02x}")).collect();
            format!("SPO-{hex}-")
        };
        let closed = tenant.closed_with_prefix(&payment).await?;
        let iupd = format!("{payment}{}", closed.saturating_add(1));
        if let Some(done) = self.spontaneous_done(ente, &iupd, who).await? {
            return Ok(Ok(Started::Waiting(done)));
        }
        let about = match (&name, &reference) {
            (Some(n), Some(r)) => format!(" — {n} ({r})"),
            (None, Some(r)) => format!(" — {r}"),
            _ => String::new(),
        };
        let subject = format!("{}{about}", kind.title);
        let remittance: String = format!("{}{about}", kind.remittance)
            .chars()
            .take(140)
            .collect();
        let mut transfers = vec![Transfer {
            id: 1,
            amount: own,
            remittance: remittance.clone(),
            category: kind.category.clone(),
            target: TransferTarget::Iban {
                iban: creditor.iban.clone(),
                creditor_fiscal_code: creditor.fiscal_code.clone(),
            },
        }];
        if let Some(stamp) = kind.stamp_cents {
            let digest = sha2::Sha256::digest(iupd.as_bytes());
            transfers.push(Transfer {
                id: 2,
                amount: Money::from_cents(stamp).map_err(|_| Refusal::AmountTooLarge)?,
                remittance: "Imposta di bollo".into(),
                category: String::new(),
                target: TransferTarget::Stamp {
                    document_hash: base64::engine::general_purpose::STANDARD.encode(digest),
                    stamp_type: STAMP_TYPE.into(),
                    province: ente_row.province_code.clone(),
                },
            });
        }
        let amount =
            Money::sum(transfers.iter().map(|t| t.amount)).ok_or(Refusal::AmountTooLarge)?;
        let due = sportello_domain::calendar::in_rome(self.app.now()).date()
            + time::Duration::days(kind.due_days);
        let debtor = Debtor {
            fiscal_code: who.fiscal_code.to_string(),
            name: format!("{} {}", who.given_name, who.family_name),
        };
        crate::payments::check_single(&creditor, &debtor, &subject, (amount, due), &transfers)?;
        let publish = self.app.settings.pagopa.is_some();
        let position = NewPosition {
            debtor_fiscal_code: debtor.fiscal_code,
            debtor_name: debtor.name,
            subject,
            // Published to pagoPA through the outbox when connected; payable at the ente
            // otherwise.
            state: crate::payments::first_state(publish),
            origin: "spontaneous".into(),
            application_id: None,
            publish,
            batch: None,
            options: vec![NewOption {
                amount_cents: amount.cents(),
                due_date: due.to_string(),
                instalment: false,
                transfers: transfers.iter().map(transfer_row).collect(),
            }],
        };
        let now = sportello_store::to_millis(self.app.now());
        let written = async {
            let mut bulk = tenant.bulk_positions(&creditor, 1, now).await?;
            let notices = bulk.add(&iupd, &position).await?;
            bulk.commit().await?;
            Ok::<_, sportello_store::StoreError>(notices)
        }
        .await;
        match written {
            Ok(notices) => {
                tracing::info!(kind = %kind.id, "spontaneous position written");
                notices
                    .into_iter()
                    .next()
                    .map(|n| Ok(Started::New(n)))
                    .ok_or_else(|| AppError::Internal("a position without its notice".into()))
            }
            // The same payment, written at the same time by another request: that one.
            Err(e) if e.is_unique_violation() => self
                .spontaneous_done(ente, &iupd, who)
                .await?
                .map(|n| Ok(Started::Waiting(n)))
                .ok_or_else(|| e.into()),
            Err(e) => Err(e.into()),
        }
    }

    /// `who` withdraws a payment they started and have not paid (made by mistake, or not
    /// wanted any more): the position is invalid here and, through the outbox, at pagoPA.
    pub async fn cancel_spontaneous(
        &self,
        ente: EnteId,
        notice: &str,
        who: &CitizenIdentity,
    ) -> Result<(), AppError> {
        let (position, _) = self.debtor_option(ente, notice, who).await?;
        let own = position.origin == "spontaneous"
            && position.debtor_fiscal_code == who.fiscal_code.as_str();
        if !own {
            return Err(Refusal::NotWithdrawable.into());
        }
        let withdrawn = self
            .app
            .store
            .tenant(ente)
            .invalidate_position(&position.iupd, sportello_store::to_millis(self.app.now()))
            .await?;
        if !withdrawn {
            return Err(Refusal::NotWithdrawable.into());
        }
        tracing::info!("spontaneous position withdrawn by its debtor");
        Ok(())
    }

    /// The notice of the position `iupd`, when it exists and is `who`'s.
    async fn spontaneous_done(
        &self,
        ente: EnteId,
        iupd: &str,
        who: &CitizenIdentity,
    ) -> Result<Option<String>, AppError> {
        let tenant = self.app.store.tenant(ente);
        let Some(p) = tenant.position_by_iupd(iupd).await? else {
            return Ok(None);
        };
        if p.debtor_fiscal_code != who.fiscal_code.as_str() {
            return Err(AppError::NotFound);
        }
        Ok(tenant
            .options_of(p.id)
            .await?
            .into_iter()
            .next()
            .map(|o| o.notice_number))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_regional_list_of_payments_is_valid() {
        let kinds = parse(include_str!("../../../catalogue/payments.toml")).unwrap();
        assert!(kinds.len() >= 3);
        assert_eq!(super::kinds().len(), kinds.len());
        let canteen = kind("ricarica-mensa").unwrap();
        assert!(canteen.free_amount());
        let certificate = kind("diritti-certificato").unwrap();
        assert_eq!(certificate.fixed_total().unwrap().cents(), 52 + 1600);
        assert!(certificate.is_choice() && certificate.choices.len() >= 5);
    }

    #[test]
    fn a_kind_that_does_not_hold_is_refused() {
        let base = "[[payment]]\nid = \"x\"\ntitle = \"X\"\nsummary = \"S\"\n\
                    remittance = \"R\"\ndue_days = 10\n";
        for bad in [
            "category = \"9/0101108TS/\"\n",                   // no amount
            "category = \"9/0101108TS/\"\namount_cents = 0\n", // zero
            "category = \"0101108TS\"\namount_cents = 100\n",  // not a code
            "category = \"9/0101108TS/\"\nmin_cents = 500\nmax_cents = 100\n", // upside down
            "category = \"9/0101108TS/\"\namount_cents = 100\nreference = \"targa\"\n",
            // a choice of one, and options without a choice
            "category = \"9/0101108TS/\"\namount_cents = 100\nreference = \"choice\"\n\
             reference_label = \"L\"\nchoices = [\"A\"]\n",
            "category = \"9/0101108TS/\"\namount_cents = 100\nchoices = [\"A\", \"B\"]\n",
            "category = \"9/0101108TS/\"\namount_cents = 100\nmin_cents = 5\nmax_cents = 9\n",
        ] {
            assert!(parse(&format!("{base}{bad}")).is_err(), "{bad}");
        }
        assert!(parse(&format!(
            "{base}category = \"9/0101108TS/\"\namount_cents = 100\n"
        ))
        .is_ok());
    }

    #[test]
    fn what_is_typed_is_read_whole_or_every_problem_is_named() {
        let canteen = kind("ricarica-mensa").unwrap();
        let input = |amount: &str, cf: &str, name: &str| SpontaneousInput {
            amount: amount.into(),
            reference: cf.into(),
            reference_name: name.into(),
            token: "t".repeat(20),
        };
        let (amount, cf, name) = read(
            canteen,
            &input("25,00", "rssmra80a01h501u", "  Giulia   Rossi "),
        )
        .unwrap();
        assert_eq!(amount.cents(), 2500);
        assert_eq!(cf.as_deref(), Some("RSSMRA80A01H501U"));
        assert_eq!(name.as_deref(), Some("Giulia Rossi"));
        assert_eq!(
            read(canteen, &input("venti", "RSSMRA80A01H501X", "G")).unwrap_err(),
            vec![
                SpontaneousProblem::Reference,
                SpontaneousProblem::ReferenceName,
                SpontaneousProblem::Amount
            ]
        );
        assert_eq!(
            read(canteen, &input("4,99", "RSSMRA80A01H501U", "Giulia Rossi")).unwrap_err(),
            vec![SpontaneousProblem::AmountLow]
        );
        assert_eq!(
            read(
                canteen,
                &input("500,01", "RSSMRA80A01H501U", "Giulia Rossi")
            )
            .unwrap_err(),
            vec![SpontaneousProblem::AmountHigh]
        );
        assert_eq!(
            read(canteen, &input("20,50", "RSSMRA80A01H501U", "Giulia Rossi")).unwrap_err(),
            vec![SpontaneousProblem::AmountStep]
        );
        let ztl = kind("permesso-ztl-annuale").unwrap();
        let (amount, plate, _) = read(ztl, &input("", "ab 123 cd", "")).unwrap();
        assert_eq!((amount.cents(), plate.as_deref()), (6000, Some("AB123CD")));
        assert_eq!(
            read(ztl, &input("", "ABCDEF", "")).unwrap_err(),
            vec![SpontaneousProblem::Reference]
        );
    }
}
