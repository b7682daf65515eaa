//! The office's side of reports: the queue, a report's moves with their messages, the
//! districts' view.

use super::*;

impl Reports<'_> {
    /// The office's queue: the ente's reports as filtered, a member of an office seeing their
    /// office's reports and those no office was named for (someone of no office sees all).
    pub async fn desk(
        &self,
        staff: &StaffPrincipal,
        f: &ListFilter,
    ) -> Result<(EnteId, ReportPage), AppError> {
        let ente = staff_ente(staff, Permission::HandleReports)?;
        let f = ListFilter {
            office: staff.office.clone(),
            ..f.clone()
        };
        let page = self.list(ente, &f).await?;
        Ok((ente, page))
    }

    /// A report as the office reads it.
    pub async fn for_office(
        &self,
        staff: &StaffPrincipal,
        year: i64,
        number: i64,
    ) -> Result<(ReportView, Vec<TimelineEvent>), AppError> {
        let ente = staff_ente(staff, Permission::HandleReports)?;
        let view = self.by_number(ente, year, number).await?;
        let timeline = self.timeline(ente, view.row.id).await?;
        Ok((view, timeline))
    }

    /// The office moves a report: takes it in charge, starts work, answers, resolves, closes,
    /// or sends it to another office. `seen` is the state the page showed: if someone moved it
    /// since, nothing is done and the office is told.
    pub async fn office_acts(
        &self,
        staff: &StaffPrincipal,
        year: i64,
        number: i64,
        act: &OfficeAct<'_>,
    ) -> Result<ReportView, AppError> {
        let OfficeAct {
            seen,
            event,
            text,
            office,
        } = *act;
        let ente = staff_ente(staff, Permission::HandleReports)?;
        let view = self.by_number(ente, year, number).await?;
        if view.state.code() != seen {
            return Err(ReportProblem::Changed.into());
        }
        let office = match (event, office.map(str::trim).filter(|o| !o.is_empty())) {
            (ReportEventKind::Reroute, Some(code)) => {
                let offices = self.store().tenant(ente).offices().await?;
                if !offices.iter().any(|o| o.code == code) {
                    return Err(ReportProblem::Office.into());
                }
                Some(code.to_string())
            }
            (ReportEventKind::Reroute, None) => return Err(ReportProblem::Office.into()),
            _ => None,
        };
        let text: String = text.trim().chars().take(2_000).collect();
        self.apply(
            ente,
            &view,
            event,
            Actor::Office,
            &text,
            Some(&staff.username),
            office.as_deref(),
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) async fn apply(
        &self,
        ente: EnteId,
        view: &ReportView,
        event: ReportEventKind,
        actor: Actor,
        text: &str,
        staff: Option<&str>,
        office: Option<&str>,
    ) -> Result<ReportView, AppError> {
        let now = self.app.now();
        let days_since_resolved = view
            .row
            .resolved_at
            .map(|at| (now - from_millis(at)).whole_days());
        let to = reports::transition(
            Standing {
                state: view.state,
                days_since_resolved,
                reopenings: view.row.reopenings,
            },
            event,
            actor,
            !text.is_empty(),
        )
        .map_err(ReportProblem::from)?;
        // A reporter who did not sign in answers «è stato risolto?» with a secret from the
        // resolution's e-mail (only its digest is kept).
        let answer = (to == ReportState::Resolved
            && view.row.reporter_fiscal_code.is_none()
            && view
                .row
                .reporter_email
                .as_deref()
                .is_some_and(|e| e.contains('@')))
        .then(|| crate::crypto::random_token(24));
        let answer_digest = answer
            .as_deref()
            .map(|a| crate::crypto::sha256_hex(a.as_bytes()));
        let notice = self
            .notice(ente, view, event, to, text, answer.as_deref())
            .await?;
        let moved = self
            .store()
            .tenant(ente)
            .report_move(&ReportMove {
                id: view.row.id,
                from: view.state.code(),
                to: to.code(),
                kind: event.code(),
                text,
                staff,
                office_code: office,
                now_ms: to_millis(now),
                notify: notice
                    .as_ref()
                    .map(|(to, subject, body)| (to.as_str(), subject.as_str(), body.as_str())),
                answer_digest: answer_digest.as_deref(),
            })
            .await?;
        if moved == Moved::Changed {
            return Err(ReportProblem::Changed.into());
        }
        self.view_by_id(ente, view.row.id).await
    }

    /// Who is told of a move, and what: the reporter of what the office did (when they left an
    /// address), the office of a reopening (at its e-mail, when it has one). `answer`: the
    /// secret with which a reporter who did not sign in answers a resolution.
    pub(super) async fn notice(
        &self,
        ente: EnteId,
        view: &ReportView,
        event: ReportEventKind,
        to: ReportState,
        text: &str,
        answer: Option<&str>,
    ) -> Result<Option<(String, String, String)>, AppError> {
        let ente_row = self.app.ente_by_id(ente).await?;
        let base = &self.app.settings.public_url;
        let (year, number) = (view.row.year, view.row.number);
        let said = if text.is_empty() {
            String::new()
        } else {
            format!("\n\n«{text}»")
        };
        match event {
            ReportEventKind::Reopen => {
                let office = match &view.row.office_code {
                    Some(code) => self
                        .store()
                        .tenant(ente)
                        .offices()
                        .await?
                        .into_iter()
                        .find(|o| &o.code == code)
                        .map(|o| o.email)
                        .filter(|e| e.contains('@')),
                    None => None,
                };
                Ok(office.map(|to| {
                    (
                        to,
                        format!("Segnalazione {} riaperta da chi l'ha inviata", view.code),
                        format!(
                            "Chi ha inviato la segnalazione «{}» dice che il problema non è risolto.{said}\n\nApri la segnalazione:\n{base}/staff/segnalazioni/{year}/{number}\n\nComune di {} — messaggio automatico.\n",
                            view.row.subject, ente_row.name
                        ),
                    )
                }))
            }
            ReportEventKind::Confirm | ReportEventKind::Reroute | ReportEventKind::Received => {
                Ok(None)
            }
            _ => {
                let Some(address) = view.row.reporter_email.clone().filter(|e| e.contains('@'))
                else {
                    return Ok(None);
                };
                let question = match answer {
                    Some(secret) => format!(
                        "\n\nIl problema è davvero risolto? Diccelo da qui, senza accedere (il link vale finché rispondi): se non lo è, la riapriamo.\n{base}/{}/segnalazioni/risposta/{secret}",
                        ente_row.slug
                    ),
                    None if to == ReportState::Resolved => "\n\nIl problema è davvero risolto? Diccelo dalla pagina della segnalazione, dopo aver fatto l'accesso: se non lo è, la riapriamo.".to_string(),
                    None => String::new(),
                };
                Ok(Some((
                    address,
                    format!("Segnalazione {}: {}", view.code, to.label_it()),
                    format!(
                        "{} — «{}».{said}{question}\n\nSegui la segnalazione:\n{base}/{}/segnalazioni/{year}/{number}\n\nComune di {} — messaggio automatico.\n",
                        event.label_it(),
                        view.row.subject,
                        ente_row.slug,
                        ente_row.name
                    ),
                )))
            }
        }
    }

    /// The districts' view of the last year: by category and district, open, resolved and
    /// closed, and the mean days a resolution took.
    pub async fn counts(&self, ente: EnteId) -> Result<ReportCounts, AppError> {
        let districts = self.districts(ente).await?;
        self.counts_in(ente, &districts, None).await
    }

    /// The districts' view for the ente, or for one of its districts (not found when it is
    /// not one of the ente's). Every figure is counted in SQL; nothing of the ente's reports is
    /// read into memory.
    pub async fn district_view(
        &self,
        ente: EnteId,
        district: Option<i64>,
    ) -> Result<DistrictView, AppError> {
        let districts = self.districts(ente).await?;
        if district.is_some_and(|id| !districts.iter().any(|d| d.id == id)) {
            return Err(AppError::NotFound);
        }
        let counts = self.counts_in(ente, &districts, district).await?;
        // The last twelve months, as Rome's calendar has them.
        let today = sportello_domain::calendar::in_rome(self.app.now()).date();
        // The first days of the last twelve months and of the next one (the upper bound).
        let months_since_zero =
            i64::from(today.year()) * 12 + i64::from(u8::from(today.month())) - 1;
        let firsts = (-11..=1)
            .map(|k| {
                let n = months_since_zero + k;
                let year = i32::try_from(n.div_euclid(12)).unwrap_or(i32::MAX);
                let month = u8::try_from(n.rem_euclid(12) + 1).unwrap_or(1);
                time::Month::try_from(month)
                    .and_then(|m| time::Date::from_calendar_date(year, m, 1))
                    .map_err(|e| AppError::Internal(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let bounds: Vec<i64> = firsts
            .iter()
            .map(|d| to_millis(sportello_domain::calendar::from_rome(d.midnight())))
            .collect();
        let by_period = self
            .store()
            .tenant(ente)
            .report_counts_by_period(&bounds, district)
            .await?;
        let months = firsts
            .iter()
            .take(12)
            .enumerate()
            .map(|(i, first)| {
                let found = by_period
                    .iter()
                    .find(|r| usize::try_from(r.0).ok() == Some(i));
                let (received, resolved, ms) = found.map_or((0, 0, 0), |r| (r.1, r.2, r.3));
                MonthRow {
                    month: *first,
                    received,
                    resolved,
                    mean_days: (resolved > 0).then(|| ms as f64 / resolved as f64 / 86_400_000.0),
                }
            })
            .collect();
        let from = self.app.now() - time::Duration::days(VIEW_DAYS);
        let streets = self
            .store()
            .tenant(ente)
            .report_counts_by_street(to_millis(from), district, VIEW_STREETS)
            .await?;
        Ok(DistrictView {
            counts,
            months,
            streets,
            districts,
        })
    }

    /// The counts by category and district (`districts`: the ente's, to name them).
    async fn counts_in(
        &self,
        ente: EnteId,
        districts: &[District],
        district: Option<i64>,
    ) -> Result<ReportCounts, AppError> {
        let from = self.app.now() - time::Duration::days(VIEW_DAYS);
        let rows = self
            .store()
            .tenant(ente)
            .report_counts(to_millis(from), district)
            .await?;
        let name = |id: Option<i64>| {
            id.and_then(|id| districts.iter().find(|d| d.id == id))
                .map(|d| d.name.clone())
        };
        let mut out: Vec<CountRow> = Vec::new();
        let mut resolved_ms: Vec<i64> = Vec::new();
        for (category, district, state, n, ms) in rows {
            let district = name(district);
            let i = match out
                .iter()
                .position(|r| r.category == category && r.district == district)
            {
                Some(i) => i,
                None => {
                    out.push(CountRow {
                        category: category.clone(),
                        district,
                        open: 0,
                        resolved: 0,
                        closed: 0,
                        mean_days: None,
                    });
                    resolved_ms.push(0);
                    out.len() - 1
                }
            };
            let (Some(row), Some(total_ms)) = (out.get_mut(i), resolved_ms.get_mut(i)) else {
                continue;
            };
            match ReportState::parse(&state) {
                Ok(ReportState::Resolved) => {
                    row.resolved = row.resolved.saturating_add(n);
                    *total_ms = total_ms.saturating_add(ms);
                }
                Ok(ReportState::Closed) => row.closed = row.closed.saturating_add(n),
                _ => row.open = row.open.saturating_add(n),
            }
        }
        for (row, ms) in out.iter_mut().zip(resolved_ms) {
            if row.resolved > 0 {
                row.mean_days = Some(ms as f64 / row.resolved as f64 / 86_400_000.0);
            }
        }
        Ok(ReportCounts { rows: out })
    }
}
