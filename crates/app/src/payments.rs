//! Payments through pagoPA (issue 17), the creditor's side: each ente's creditor data, the
//! debt positions a service's fees make (one per application, however often asked), the
//! resident's debt file across the region, and the payment notice (avviso di pagamento) with
//! its QR code.
//!
//! What is here now: positions are written payable (`valid`) at the ente, with notice numbers
//! that are never reused. Not yet here (issue 17 stays open): publishing them to pagoPA's debt
//! position service through an outbox, the checkout, receipts, reporting flows and the
//! reconciliation with the treasurer's statement, the notice's postal block.

use base64::Engine as _;
use sha2::Digest as _;
use sportello_domain::identity::CitizenIdentity;
use sportello_domain::payments::{
    qr_payload, DebtPosition, Debtor, NoticeNumber, PaymentOption, PositionState, SegregationCode,
    Transfer, TransferTarget, MAX_TRANSFERS,
};
use sportello_domain::tenancy::EnteId;
use sportello_domain::Money;
use sportello_store::{
    CreditorRow, NewOption, NewPosition, OptionRow, PositionRow, TransferRow, Written,
};

use crate::capabilities::Payments;
use crate::pdf::Line;
use crate::sessions::StaffPrincipal;
use crate::{may_administer, AppError, Refusal};

/// The pagoPA taxonomy code of a municipality's secretarial fees (diritti di segreteria).
pub const FEES_CATEGORY: &str = "9/0101108TS/";
/// The type of a digital revenue stamp for the imposta di bollo.
pub const STAMP_TYPE: &str = "01";
/// Days from the notice to its due date, for a service's fees.
pub const FEES_DUE_DAYS: i64 = 30;

/// What an administrator types as the ente's creditor data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreditorInput {
    pub fiscal_code: String,
    pub segregation_code: String,
    pub iban: String,
    pub postal_account: String,
    /// Poste Italiane's authorisation to print the postal block in-house.
    pub postal_authorisation: String,
    pub cbill: String,
}

/// One payment option of the debt file, as the resident reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebtOption {
    pub notice: String,
    pub notice_grouped: String,
    pub amount: Money,
    pub due: time::Date,
    pub instalment: bool,
    pub paid: bool,
    /// When it was paid (the day in Rome).
    pub paid_on: Option<time::Date>,
}

/// One position of the debt file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Debt {
    pub ente_name: String,
    pub ente_slug: String,
    pub subject: String,
    pub state: PositionState,
    pub iupd: String,
    pub application_id: Option<String>,
    pub options: Vec<DebtOption>,
    /// pagoPA holds it: it can be paid now at the checkout.
    pub published: bool,
    /// Its application is still a draft (fees paid before sending).
    pub draft: bool,
    /// Owed by a client of the reader's, a professional who filed for them: the client, as
    /// «name (codice fiscale)».
    pub client: Option<String>,
    /// Where it came from: `service_fee`, `office`, `spontaneous`.
    pub origin: String,
}

impl Debt {
    /// Whether something is still to be paid.
    pub fn open(&self) -> bool {
        self.state.payable()
    }

    /// Whether its debtor may withdraw it: a payment they started themselves, nothing of it
    /// paid yet.
    pub fn cancellable(&self) -> bool {
        self.origin == "spontaneous"
            && self.client.is_none()
            && matches!(self.state, PositionState::Draft | PositionState::Valid)
            && self.options.iter().all(|o| !o.paid)
    }

    /// Whether this option of the position is unpaid past its due date (`today`, in Rome).
    pub fn overdue(&self, option: &DebtOption, today: time::Date) -> bool {
        self.open() && !option.paid && option.due < today
    }
}

/// The ente of a staff member who reads its payments (case office, administrators): anyone
/// else finds nothing.
pub(crate) fn office_ente(staff: &StaffPrincipal) -> Result<EnteId, AppError> {
    use sportello_domain::identity::{may, Permission};
    let ente = staff.ente.ok_or(AppError::NotFound)?;
    if !(may(&staff.roles, Permission::SeeCases) || may(&staff.roles, Permission::Administer)) {
        return Err(AppError::NotFound);
    }
    Ok(ente)
}

/// The ente of a staff member who acts on its payments (issues, withdraws, imports, closes
/// anomalies): a case worker; other roles only read.
pub(crate) fn acting_ente(staff: &StaffPrincipal) -> Result<EnteId, AppError> {
    use sportello_domain::identity::{may, Permission};
    let ente = staff.ente.ok_or(AppError::NotFound)?;
    if !may(&staff.roles, Permission::ActOnCases) {
        return Err(Refusal::RoleReadsOnly.into());
    }
    Ok(ente)
}

fn refused(field: &'static str) -> AppError {
    Refusal::PaymentDataInvalid { field }.into()
}

impl Payments<'_> {
    /// The ente's creditor data, if set.
    pub async fn creditor(&self, ente: EnteId) -> Result<Option<CreditorRow>, AppError> {
        Ok(self.app.store.tenant(ente).creditor().await?)
    }

    /// Saves the ente's creditor data, checked whole: the fiscal code (11 digits, with its
    /// check digit), the two-digit segregation code, the IBAN, a postal account of digits, a
    /// CBILL code of five letters or digits.
    pub async fn save_creditor(
        &self,
        staff: &StaffPrincipal,
        ente: EnteId,
        input: &CreditorInput,
    ) -> Result<(), AppError> {
        if !may_administer(staff, ente) {
            return Err(AppError::NotFound);
        }
        let fiscal_code = italian_ids::PartitaIva::parse(input.fiscal_code.trim())
            .map_err(|_| refused("codice_fiscale_ente"))?
            .to_string();
        let segregation = SegregationCode::parse(&input.segregation_code)
            .map_err(|_| refused("codice_segregazione"))?;
        let iban = italian_ids::Iban::parse(input.iban.trim())
            .map_err(|_| refused("iban"))?
            .to_string();
        let postal: String = input.postal_account.split_whitespace().collect();
        if !postal.bytes().all(|b| b.is_ascii_digit()) || postal.len() > 12 {
            return Err(refused("conto_postale"));
        }
        // Poste's authorisation to print the bollettino goes with the account, both ways.
        let authorisation = input.postal_authorisation.trim();
        if !authorisation.is_empty() && postal.is_empty() {
            return Err(refused("conto_postale"));
        }
        if authorisation.chars().count() > 80
            || authorisation.chars().any(char::is_control)
            || (authorisation.is_empty() && !postal.is_empty())
        {
            return Err(refused("autorizzazione_postale"));
        }
        let cbill = input.cbill.trim().to_ascii_uppercase();
        if !(cbill.is_empty()
            || (cbill.len() == 5 && cbill.bytes().all(|b| b.is_ascii_alphanumeric())))
        {
            return Err(refused("cbill"));
        }
        self.app
            .store
            .tenant(ente)
            .set_creditor(&CreditorRow {
                fiscal_code,
                segregation_code: format!("{:02}", segregation.get()),
                iban,
                postal_account: postal,
                postal_authorisation: authorisation.to_string(),
                cbill,
                updated_by: staff.display_name.clone(),
                updated_at: sportello_store::to_millis(self.app.now()),
            })
            .await?;
        tracing::info!(staff_id = staff.id, "creditor data saved");
        Ok(())
    }

    /// The position of the fees of `who`'s application: written the first time it is asked,
    /// the same one every time after (and however many ask at once). Its id.
    pub async fn application_fees(
        &self,
        ente: EnteId,
        application_id: &str,
        who: &CitizenIdentity,
    ) -> Result<i64, AppError> {
        let application = self
            .app
            .application_in_reach(ente, application_id, who)
            .await?
            .ok_or(AppError::NotFound)?;
        let tenant = self.app.store.tenant(ente);
        if let Some(p) = tenant.application_position(application_id).await? {
            return Ok(p.id);
        }
        let creditor = tenant.creditor().await?.ok_or(Refusal::PaymentsNotActive)?;
        let hot = self
            .app
            .offered_service_hot(ente, &application.service_id)
            .await?;
        let definition = &hot.offered.definition;
        if definition.fees.is_empty() {
            return Err(Refusal::NoFees.into());
        }
        let ente_row = self.app.ente_by_id_hot(ente).await?;
        let due = sportello_domain::calendar::in_rome(self.app.now()).date()
            + time::Duration::days(FEES_DUE_DAYS);
        // The ente's own fees in one transfer to its account; each imposta di bollo a digital
        // stamp. The stamp names the document it is for by its digest: here the application
        // (its id, hashed), which the filed application's document will replace when stamps
        // are collected through the platform.
        let mut transfers = Vec::new();
        let own: Vec<&sportello_domain::catalogue::Fee> =
            definition.fees.iter().filter(|f| !f.stamp).collect();
        if !own.is_empty() {
            let amount = Money::sum(own.iter().map(|f| f.amount)).ok_or(Refusal::AmountTooLarge)?;
            transfers.push(Transfer {
                id: 1,
                amount,
                remittance: own
                    .iter()
                    .map(|f| f.reason.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
                category: FEES_CATEGORY.into(),
                target: TransferTarget::Iban {
                    iban: creditor.iban.clone(),
                    creditor_fiscal_code: creditor.fiscal_code.clone(),
                },
            });
        }
        for (i, f) in definition.fees.iter().filter(|f| f.stamp).enumerate() {
            let digest = sha2::Sha256::digest(format!("{application_id}:{i}").as_bytes());
            transfers.push(Transfer {
                id: u8::try_from(transfers.len() + 1).map_err(|_| Refusal::TooManyFees)?,
                amount: f.amount,
                remittance: f.reason.clone(),
                category: String::new(),
                target: TransferTarget::Stamp {
                    document_hash: base64::engine::general_purpose::STANDARD.encode(digest),
                    stamp_type: STAMP_TYPE.into(),
                    province: ente_row.province_code.clone(),
                },
            });
        }
        if transfers.len() > MAX_TRANSFERS {
            return Err(Refusal::TooManyFees.into());
        }
        let amount =
            Money::sum(transfers.iter().map(|t| t.amount)).ok_or(Refusal::AmountTooLarge)?;
        let subject = format!("{} — {}", definition.title, fee_reasons(definition));
        // Checked as the platform would check it, with a stand-in notice number: the real one
        // is allotted when the position is written.
        let debtor = debtor_of(&application, who);
        check_single(&creditor, &debtor, &subject, (amount, due), &transfers)?;
        let publish = self.app.settings.pagopa.is_some();
        let written = tenant
            .write_position(
                &creditor,
                &NewPosition {
                    debtor_fiscal_code: debtor.fiscal_code,
                    debtor_name: debtor.name,
                    subject,
                    // Published to pagoPA through the outbox when the station is connected;
                    // otherwise payable at the ente only.
                    state: crate::payments::first_state(publish),
                    origin: "service_fee".into(),
                    publish,
                    batch: None,
                    application_id: Some(application_id.to_string()),
                    options: vec![NewOption {
                        amount_cents: amount.cents(),
                        due_date: due.to_string(),
                        instalment: false,
                        transfers: transfers.iter().map(transfer_row).collect(),
                    }],
                },
                sportello_store::to_millis(self.app.now()),
            )
            .await?;
        Ok(match written {
            Written::New(id, _) => {
                tracing::info!(position = id, "fees position written");
                id
            }
            Written::Existing(id) => id,
        })
    }

    /// The ente's payment options for its office (case workers, the registry, administrators),
    /// newest first, at most 1,000.
    pub async fn office_lines(
        &self,
        staff: &StaffPrincipal,
    ) -> Result<Vec<sportello_store::PaymentLineRow>, AppError> {
        let ente = crate::payments::office_ente(staff)?;
        Ok(self.app.store.tenant(ente).payment_lines(1000).await?)
    }

    /// The same lines as CSV for the ente's accounting: `;`-separated (what Italian
    /// spreadsheets open), a header row, amounts in cents and in euro, dates as YYYY-MM-DD.
    pub async fn office_csv(&self, staff: &StaffPrincipal) -> Result<String, AppError> {
        let lines = self.office_lines(staff).await?;
        // A byte-order mark first: spreadsheets then read the file as UTF-8.
        let mut out = String::from(
            "\u{feff}iupd;codice_avviso;iuv;debitore_codice_fiscale;debitore;oggetto;origine;\
             importo_centesimi;importo_euro;scadenza;stato;pagato_il\r\n",
        );
        for l in lines {
            let paid = l
                .paid_at
                .map(|ms| crate::model::from_millis(ms).date().to_string())
                .unwrap_or_default();
            let iuv = l.notice_number.get(1..).unwrap_or_default().to_string();
            let cells = [
                l.iupd,
                l.notice_number,
                iuv,
                l.debtor_fiscal_code,
                l.debtor_name,
                l.subject,
                origin_it(&l.origin).to_string(),
                l.amount_cents.to_string(),
                sportello_domain::forms::it_decimal(l.amount_cents, true),
                l.due_date,
                state_it(&l.state).to_string(),
                paid,
            ];
            out.push_str(
                &cells
                    .iter()
                    .map(|c| csv_cell(c))
                    .collect::<Vec<_>>()
                    .join(";"),
            );
            out.push_str("\r\n");
        }
        Ok(out)
    }

    /// `who`'s debt file: every position in every ente of the region, newest first.
    pub async fn my_debts(&self, who: &CitizenIdentity) -> Result<Vec<Debt>, AppError> {
        let rows = self
            .app
            .store
            .region_wide()
            .positions_of_debtor(who.fiscal_code.as_str(), 200)
            .await?;
        let mut debts = Vec::with_capacity(rows.len());
        for p in rows {
            // An assisted session reads only what the desk may print or pay.
            if !self.in_assisted_reach(&p, who).await? {
                continue;
            }
            let ente = p.ente();
            let ente_row = self.app.ente_by_id_hot(ente).await?;
            let options = self.app.store.tenant(ente).options_of(p.id).await?;
            debts.push(debt(&ente_row, p, &options));
        }
        Ok(debts)
    }

    /// What `who`'s clients owe for the applications `who` filed for them as a professional,
    /// in every ente, newest first: each debt names its client.
    pub async fn client_debts(&self, who: &CitizenIdentity) -> Result<Vec<Debt>, AppError> {
        if who.assisted.is_some() {
            return Ok(Vec::new());
        }
        let rows = self
            .app
            .store
            .region_wide()
            .positions_for_clients_of(who.fiscal_code.as_str(), 200)
            .await?;
        let mut debts = Vec::with_capacity(rows.len());
        for p in rows {
            // Written before clients were debtors: already in `who`'s own file.
            if p.debtor_fiscal_code == who.fiscal_code.as_str() {
                continue;
            }
            let ente = p.ente();
            let ente_row = self.app.ente_by_id_hot(ente).await?;
            let options = self.app.store.tenant(ente).options_of(p.id).await?;
            let client = format!("{} ({})", p.debtor_name, p.debtor_fiscal_code);
            let mut d = debt(&ente_row, p, &options);
            d.client = Some(client);
            debts.push(d);
        }
        Ok(debts)
    }

    /// The position of an application of `who`'s, if its fees have one.
    pub async fn application_debt(
        &self,
        ente: EnteId,
        application_id: &str,
        who: &CitizenIdentity,
    ) -> Result<Option<Debt>, AppError> {
        let application = self
            .app
            .application_in_reach(ente, application_id, who)
            .await?
            .ok_or(AppError::NotFound)?;
        let tenant = self.app.store.tenant(ente);
        let Some(p) = tenant.application_position(application_id).await? else {
            return Ok(None);
        };
        let options = tenant.options_of(p.id).await?;
        let ente_row = self.app.ente_by_id_hot(ente).await?;
        let mut debt = debt(&ente_row, p, &options);
        debt.draft = application.status == sportello_domain::procedure::ApplicationStatus::Draft;
        Ok(Some(debt))
    }

    /// The payment notice of one of `who`'s options, as a PDF: the creditor, the debtor, what
    /// for, the amount and the due date, the notice number in groups of four, and the QR code
    /// pagoPA's apps read.
    pub async fn notice_pdf(
        &self,
        ente: EnteId,
        notice: &str,
        who: &CitizenIdentity,
    ) -> Result<(String, Vec<u8>), AppError> {
        let (position, option) = self.debtor_option(ente, notice, who).await?;
        // A withdrawn or expired notice is not handed out to be paid.
        if matches!(
            PositionState::parse(&position.state),
            Some(PositionState::Invalid | PositionState::Expired)
        ) {
            return Err(Refusal::NotPayableOnline.into());
        }
        let notice = NoticeNumber::parse(&option.notice_number).map_err(|_| AppError::NotFound)?;
        let tenant = self.app.store.tenant(ente);
        let creditor = tenant.creditor().await?.ok_or(AppError::NotFound)?;
        let ente_row = self.app.ente_by_id_hot(ente).await?;
        // One notice per plan: what is still to pay of the position — its single payment and
        // its instalments, each with its own notice number and QR code.
        let mut plan: Vec<OptionRow> = tenant
            .options_of(position.id)
            .await?
            .into_iter()
            .filter(|o| o.paid_at.is_none())
            .collect();
        if plan.is_empty() {
            plan.push(option.clone());
        }
        plan.sort_by(|x, y| {
            (x.instalment != 0, &x.due_date, &x.notice_number).cmp(&(
                y.instalment != 0,
                &y.due_date,
                &y.notice_number,
            ))
        });
        let it_day = |d: &str| d.split('-').rev().collect::<Vec<_>>().join("/");
        let euros = |cents: i64| sportello_domain::forms::it_euros(cents);
        let ente_name = format!("Comune di {}", ente_row.name);
        let instalments = plan.iter().filter(|o| o.instalment != 0).count();
        let single = plan.iter().find(|o| o.instalment == 0);
        // The sections of the notice v3, in its order: heading, creditor and addressee, how much
        // and by when, where to pay, then each payment's portion (and its postal bollettino).
        let mut lines = vec![
            Line::Columns(
                0.62,
                vec![
                    Line::Title("Avviso di pagamento".into()),
                    Line::Text(position.subject.clone()),
                ],
                vec![
                    Line::Heading(ente_name.clone()),
                    Line::Text("pagoPA".into()),
                ],
            ),
            Line::Rule,
            Line::Columns(
                0.5,
                vec![
                    Line::Heading("ENTE CREDITORE".into()),
                    Line::Text(ente_name.clone()),
                    Line::Text(format!("Cod. Fiscale {}", creditor.fiscal_code)),
                ],
                vec![
                    Line::Heading("DESTINATARIO AVVISO".into()),
                    Line::Text(position.debtor_name.clone()),
                    Line::Text(format!("Cod. Fiscale {}", position.debtor_fiscal_code)),
                ],
            ),
            Line::Rule,
        ];
        let mut how_much = vec![Line::Heading("QUANTO E QUANDO PAGARE?".into())];
        match single {
            Some(o) => how_much.extend([
                Line::Strong(format!(
                    "{} entro il {}",
                    euros(o.amount_cents),
                    it_day(&o.due_date)
                )),
                Line::Text(if instalments > 0 {
                    format!(
                        "oppure in {instalments} rate, ciascuna entro la sua scadenza (qui sotto)."
                    )
                } else {
                    "L'importo è aggiornato al giorno in cui è stato emesso l'avviso.".into()
                }),
            ]),
            None => how_much.extend([
                Line::Strong(format!("In {instalments} rate")),
                Line::Text(
                    "Ogni rata ha il suo codice avviso e il suo codice QR, da pagare entro la sua \
                     scadenza (qui sotto)."
                        .into(),
                ),
            ]),
        }
        lines.extend([
            Line::Columns(
                0.45,
                how_much,
                vec![
                    Line::Heading("DOVE PAGARE?".into()),
                    Line::Text(
                        "Online: con l'app IO, sul sito del Comune (Sportello) o con l'home \
                         banking e l'app della tua banca (CBILL)."
                            .into(),
                    ),
                    Line::Text(
                        "Di persona: negli uffici postali, in banca, in ricevitoria, dal \
                         tabaccaio e negli altri punti aderenti a pagoPA, in contanti, con carte \
                         o dal conto."
                            .into(),
                    ),
                ],
            ),
            Line::Rule,
            Line::Text(
                "Paga una sola delle parti qui sotto: la rata o l'unica soluzione che scegli, con \
                 il canale che preferisci."
                    .into(),
            ),
        ]);
        let mut rata = 0usize;
        for o in &plan {
            let n = NoticeNumber::parse(&o.notice_number).map_err(|_| AppError::NotFound)?;
            let amount =
                Money::from_cents(o.amount_cents).map_err(|e| AppError::Internal(e.to_string()))?;
            let which = if o.instalment != 0 {
                rata += 1;
                format!("Rata {rata} di {instalments}")
            } else {
                "Rata unica".into()
            };
            let mut data = vec![
                Line::Field("Destinatario".into(), position.debtor_name.clone()),
                Line::Field("Ente Creditore".into(), ente_name.clone()),
                Line::Field("Oggetto del pagamento".into(), position.subject.clone()),
            ];
            if !creditor.cbill.is_empty() {
                data.push(Line::Field("Codice CBILL".into(), creditor.cbill.clone()));
            }
            data.extend([
                Line::Field("Codice Avviso".into(), n.grouped()),
                Line::Field(
                    "Cod. Fiscale Ente Creditore".into(),
                    creditor.fiscal_code.clone(),
                ),
                Line::Strong(format!(
                    "{} entro il {}",
                    euros(amount.cents()),
                    it_day(&o.due_date)
                )),
            ]);
            // A payment's portion on one page.
            lines.push(Line::Together(vec![
                Line::Heading(format!("BANCHE E ALTRI CANALI — {which}")),
                Line::Columns(
                    0.3,
                    vec![
                        Line::Qr(qr_payload(&n, &creditor.fiscal_code, amount)),
                        Line::Text("Inquadra il codice QR con l'app IO o della tua banca".into()),
                    ],
                    data,
                ),
            ]));
            // Where the ente has a postal account, each payment also has its postal bollettino.
            if let Some(matrix) = sportello_domain::payments::postal_data_matrix(
                &n,
                &creditor.postal_account,
                amount,
                &creditor.fiscal_code,
                &position.debtor_fiscal_code,
                &position.debtor_name,
                &position.subject,
            ) {
                let mut postal = vec![
                    Line::Field("Sul C/C n.".into(), creditor.postal_account.clone()),
                    Line::Field("Intestato a".into(), ente_name.clone()),
                    Line::Field("Destinatario".into(), position.debtor_name.clone()),
                    Line::Field("Oggetto del pagamento".into(), position.subject.clone()),
                    Line::Field("Codice Avviso".into(), n.grouped()),
                    Line::Field("Tipo".into(), "P1".into()),
                    Line::Field(
                        "Cod. Fiscale Ente Creditore".into(),
                        creditor.fiscal_code.clone(),
                    ),
                    Line::Strong(format!(
                        "{} entro il {}",
                        euros(amount.cents()),
                        it_day(&o.due_date)
                    )),
                ];
                if !creditor.postal_authorisation.is_empty() {
                    postal.push(Line::Text(format!(
                        "Autorizzazione alla stampa in proprio: {}",
                        creditor.postal_authorisation
                    )));
                }
                // The bollettino is cut off and taken to the post office: one page.
                lines.push(Line::Together(vec![
                    Line::Rule,
                    Line::Heading(format!("BOLLETTINO POSTALE PA — {which}")),
                    Line::Columns(
                        0.3,
                        vec![
                            Line::DataMatrix(matrix),
                            Line::Text(
                                "Inquadra il Data Matrix all'ufficio postale o con l'app di Poste"
                                    .into(),
                            ),
                        ],
                        postal,
                    ),
                ]));
            }
            lines.push(Line::Rule);
        }
        self.mark_demo(&mut lines);
        let pdf = crate::pdf::render(&format!("Avviso di pagamento {}", notice.as_str()), &lines);
        Ok((format!("avviso-{}.pdf", notice.as_str()), pdf))
    }
}

/// Who owes an application's fees: its applicant — or, for an application a professional filed
/// for a client (mode `professional`, `acting_for` = «name (codice fiscale or partita IVA)»),
/// the client, whose receipt it is; the professional pays it on their behalf.
fn debtor_of(application: &sportello_store::ApplicationRow, who: &CitizenIdentity) -> Debtor {
    let client = (application.mode == "professional")
        .then_some(application.acting_for.as_deref())
        .flatten()
        .and_then(|a| {
            let (name, id) = a.rsplit_once(" (")?;
            let id = id.strip_suffix(')')?;
            let id = italian_ids::CodiceFiscale::parse(id)
                .map(|c| c.to_string())
                .or_else(|_| italian_ids::PartitaIva::parse(id).map(|p| p.to_string()))
                .ok()?;
            Some(Debtor {
                fiscal_code: id,
                name: name.trim().to_string(),
            })
        });
    client.unwrap_or_else(|| Debtor {
        fiscal_code: who.fiscal_code.to_string(),
        name: format!("{} {}", who.given_name, who.family_name),
    })
}

/// A CSV cell: quoted when it holds the separator, a quote or a line break; a leading `=`,
/// `+`, `-` or `@` is neutralised with an apostrophe, so a spreadsheet never runs a cell as a
/// formula.
pub fn csv_cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// A position's state as the accounting's CSV says it.
fn state_it(code: &str) -> &str {
    match code {
        "draft" => "in pubblicazione",
        "valid" => "da pagare",
        "invalid" => "annullato",
        "expired" => "scaduto",
        "partially_paid" => "pagato in parte",
        "paid" => "pagato",
        "reported" => "rendicontato",
        other => other,
    }
}

/// Where a position came from, as the accounting's CSV says it.
fn origin_it(code: &str) -> &str {
    match code {
        "service_fee" => "costi di un servizio",
        "office" => "emesso dall'ufficio",
        "spontaneous" => "pagamento spontaneo",
        other => other,
    }
}

/// The reasons of every fee of the service, as the position's subject names them.
fn fee_reasons(definition: &sportello_domain::catalogue::ServiceDefinition) -> String {
    definition
        .fees
        .iter()
        .map(|f| f.reason.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks a position of one single payment as the platform would check it, with a stand-in
/// notice number: the real one is allotted when the position is written.
pub(crate) fn check_single(
    creditor: &CreditorRow,
    debtor: &Debtor,
    subject: &str,
    (amount, due): (Money, time::Date),
    transfers: &[Transfer],
) -> Result<(), AppError> {
    let stand_in = NoticeNumber::issue(
        SegregationCode::parse(&creditor.segregation_code)
            .map_err(|_| refused("codice_segregazione"))?,
        0,
    )
    .map_err(|e| AppError::Internal(e.to_string()))?;
    DebtPosition {
        iupd: String::new(),
        creditor_fiscal_code: creditor.fiscal_code.clone(),
        debtor: debtor.clone(),
        subject: subject.to_string(),
        options: vec![PaymentOption {
            notice: stand_in,
            amount,
            due,
            instalment: false,
            transfers: transfers.to_vec(),
        }],
    }
    .check()
    .map_err(|e| AppError::Internal(format!("position: {e}")))
}

/// The state a new position is written in: a draft when it is to be published to pagoPA
/// through the outbox (valid once the platform has it), payable at the ente at once otherwise.
pub(crate) fn first_state(publish: bool) -> String {
    if publish {
        PositionState::Draft
    } else {
        PositionState::Valid
    }
    .code()
    .into()
}

pub(crate) fn transfer_row(t: &Transfer) -> TransferRow {
    let (iban, creditor, stamp_type, stamp_hash, province) = match &t.target {
        TransferTarget::Iban {
            iban,
            creditor_fiscal_code,
        } => (
            iban.clone(),
            creditor_fiscal_code.clone(),
            String::new(),
            String::new(),
            String::new(),
        ),
        TransferTarget::Stamp {
            document_hash,
            stamp_type,
            province,
        } => (
            String::new(),
            String::new(),
            stamp_type.clone(),
            document_hash.clone(),
            province.clone(),
        ),
    };
    TransferRow {
        notice_number: String::new(),
        transfer_no: i64::from(t.id),
        amount_cents: t.amount.cents(),
        remittance: t.remittance.clone(),
        category: t.category.clone(),
        iban,
        creditor_fiscal_code: creditor,
        stamp_type,
        stamp_hash,
        stamp_province: province,
    }
}

fn debt(ente: &sportello_store::EnteRow, p: PositionRow, options: &[OptionRow]) -> Debt {
    Debt {
        ente_name: ente.name.clone(),
        ente_slug: ente.slug.clone(),
        subject: p.subject,
        state: PositionState::parse(&p.state).unwrap_or(PositionState::Valid),
        iupd: p.iupd,
        application_id: p.application_id,
        client: None,
        origin: p.origin.clone(),
        published: p.published_at.is_some(),
        draft: false,
        options: options
            .iter()
            .filter_map(|o| {
                let n = NoticeNumber::parse(&o.notice_number).ok()?;
                Some(DebtOption {
                    notice_grouped: n.grouped(),
                    notice: o.notice_number.clone(),
                    amount: Money::from_cents(o.amount_cents).ok()?,
                    due: time::Date::parse(
                        &o.due_date,
                        &time::format_description::well_known::Iso8601::DATE,
                    )
                    .ok()?,
                    instalment: o.instalment != 0,
                    paid: o.paid_at.is_some(),
                    paid_on: o.paid_at.map(|ms| {
                        sportello_domain::calendar::in_rome(crate::model::from_millis(ms)).date()
                    }),
                })
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn csv_cells_are_quoted_and_never_formulas() {
        assert_eq!(csv_cell("Mario Rossi"), "Mario Rossi");
        assert_eq!(csv_cell("a;b"), "\"a;b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_cell("-1,5"), "'-1,5");
        assert_eq!(
            csv_cell("82,00"),
            "82,00",
            "a decimal comma is no separator here"
        );
    }

    #[test]
    fn overdue_means_unpaid_and_past_its_day() {
        let option = DebtOption {
            notice: "347164993070184562".into(),
            notice_grouped: String::new(),
            amount: Money::from_cents(100).unwrap(),
            due: date!(2026 - 12 - 05),
            instalment: false,
            paid: false,
            paid_on: None,
        };
        let mut debt = Debt {
            ente_name: "Livorno".into(),
            ente_slug: "livorno".into(),
            subject: String::new(),
            state: PositionState::Valid,
            iupd: String::new(),
            application_id: None,
            options: vec![option.clone()],
            published: false,
            draft: false,
            client: None,
            origin: "office".into(),
        };
        assert!(
            !debt.overdue(&option, date!(2026 - 12 - 05)),
            "due today is not late"
        );
        assert!(debt.overdue(&option, date!(2026 - 12 - 06)));
        let paid = DebtOption {
            paid: true,
            ..option.clone()
        };
        assert!(!debt.overdue(&paid, date!(2026 - 12 - 06)));
        debt.state = PositionState::Invalid;
        assert!(
            !debt.overdue(&option, date!(2026 - 12 - 06)),
            "withdrawn: nothing to pay"
        );
    }
}
