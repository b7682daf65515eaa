//! Reports sent without signing in: kept aside until the sender confirms from the link sent
//! to their e-mail, then filed once.

use super::*;

impl Reports<'_> {
    /// A report sent without signing in: checked as any report, then kept aside and a link
    /// sent to the e-mail given; it is filed when its sender opens the link and confirms
    /// ([`Reports::confirm_unsigned`]). At most [`UNSIGNED_PER_DAY`] from one address a day.
    pub async fn send_unsigned(
        &self,
        ente: EnteId,
        input: &ReportInput,
        photos: &[(crate::blobs::Upload, String)],
        email: &str,
        name: &str,
    ) -> Result<Result<(), Vec<ReportProblem>>, AppError> {
        let email = email.trim().to_lowercase();
        let name: String = name.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut problems = Vec::new();
        let valid_email = email.len() <= 254
            && !email.contains(char::is_whitespace)
            && email
                .split_once('@')
                .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'));
        if !valid_email {
            problems.push(ReportProblem::Email);
        }
        if name.chars().count() > 120 {
            problems.push(ReportProblem::Name);
        }
        let checked = match self.check(ente, input, photos).await? {
            Ok(c) => Some(c),
            Err(more) => {
                problems.extend(more);
                None
            }
        };
        let Some(checked) = checked.filter(|_| problems.is_empty()) else {
            return Ok(Err(problems));
        };
        let now = self.app.now();
        let since = to_millis(now - time::Duration::days(1));
        if self.store().report_pending_count(&email, since).await? >= UNSIGNED_PER_DAY {
            return Err(ReportProblem::TooMany.into());
        }
        let mut kept = Vec::with_capacity(checked.photos.len());
        for (upload, kind, description) in &checked.photos {
            kept.push(KeptPhoto {
                digest: self.app.keep_upload(upload).await?,
                media_type: kind.media_type().to_owned(),
                description: description.clone(),
            });
        }
        let token = crate::crypto::random_token(24);
        let ente_row = self.app.ente_by_id(ente).await?;
        let input_json =
            serde_json::to_string(input).map_err(|e| AppError::Internal(e.to_string()))?;
        let photos_json =
            serde_json::to_string(&kept).map_err(|e| AppError::Internal(e.to_string()))?;
        let subject = format!(
            "Conferma la tua segnalazione al Comune di {}",
            ente_row.name
        );
        let body = format!(
            "Hai inviato una segnalazione al Comune di {}: «{}».\n\nPer inviarla davvero, apri questo indirizzo entro 48 ore e conferma:\n{}/{}/segnalazioni/conferma/{token}\n\nSe non sei stato tu, ignora questo messaggio: senza conferma la segnalazione non viene inviata.\n\nComune di {} — messaggio automatico.\n",
            ente_row.name,
            checked.text.subject,
            self.app.settings.public_url,
            ente_row.slug,
            ente_row.name,
        );
        let mut tx = self.store().begin().await?;
        Store::report_pending_add(
            &mut tx,
            &crate::crypto::sha256_hex(token.as_bytes()),
            &sportello_store::PendingReport {
                ente_id: ente.get(),
                input: &input_json,
                photos: &photos_json,
                email: &email,
                name: &name,
                now_ms: to_millis(now),
                expires_ms: to_millis(now + time::Duration::hours(UNSIGNED_HOURS)),
            },
        )
        .await?;
        Store::enqueue_notification(&mut tx, to_millis(now), &email, &subject, &body).await?;
        tx.commit()
            .await
            .map_err(sportello_store::StoreError::from)?;
        Ok(Ok(()))
    }

    /// The sender of a report sent without signing in confirms it from the link: it is filed
    /// (once, however often or concurrently the link is confirmed) and its view returned.
    pub async fn confirm_unsigned(
        &self,
        ente: EnteId,
        token: &str,
    ) -> Result<ReportView, AppError> {
        let digest = crate::crypto::sha256_hex(token.trim().as_bytes());
        let pending = self
            .store()
            .report_pending(&digest)
            .await?
            .filter(|p| p.ente_id == ente.get())
            .ok_or(AppError::NotFound)?;
        if let Some(id) = pending.report_id {
            let row = self
                .store()
                .tenant(ente)
                .report_by_id(id)
                .await?
                .ok_or(AppError::NotFound)?;
            return self.view(ente, row).await;
        }
        if pending.expires_at < to_millis(self.app.now()) {
            return Err(ReportProblem::Expired.into());
        }
        let input: ReportInput =
            serde_json::from_str(&pending.input).map_err(|e| AppError::Internal(e.to_string()))?;
        let kept: Vec<KeptPhoto> =
            serde_json::from_str(&pending.photos).map_err(|e| AppError::Internal(e.to_string()))?;
        // Checked again: the ente's streets or categories may have changed meanwhile.
        let mut checked = match self.check(ente, &input, &[]).await? {
            Ok(c) => c,
            Err(problems) => {
                return Err(problems
                    .into_iter()
                    .next()
                    .unwrap_or(ReportProblem::Category)
                    .into())
            }
        };
        checked.kept = kept
            .into_iter()
            .map(|k| sportello_store::ReportPhotoRow {
                position: 0,
                digest: k.digest,
                media_type: k.media_type,
                description: k.description,
                review: 0,
            })
            .collect();
        let name = Some(pending.name.as_str()).filter(|n| !n.is_empty());
        match self
            .file_in(
                ente,
                Reporter::Email {
                    email: &pending.email,
                    name,
                },
                &checked,
                Some(&digest),
            )
            .await
        {
            Err(AppError::Report(ReportProblem::Changed)) => {
                // Confirmed at the same moment from another tab: that one filed it.
                let filed = self
                    .store()
                    .report_pending(&digest)
                    .await?
                    .and_then(|p| p.report_id)
                    .ok_or(AppError::NotFound)?;
                self.view_by_id(ente, filed).await
            }
            other => other,
        }
    }

    /// The resolved report a reporter who did not sign in answers, by the secret in the
    /// resolution's e-mail. Not found once answered, or when the office moved it on.
    pub async fn by_answer(&self, ente: EnteId, secret: &str) -> Result<ReportView, AppError> {
        let row = self
            .store()
            .tenant(ente)
            .report_by_answer(&crate::crypto::sha256_hex(secret.as_bytes()))
            .await?
            .ok_or(AppError::NotFound)?;
        self.view(ente, row).await
    }

    /// That reporter's answer to «è stato risolto?»: yes confirms, no reopens (with a word on
    /// what is still wrong). The secret is spent by the answer.
    pub async fn answer_by_link(
        &self,
        ente: EnteId,
        secret: &str,
        solved: bool,
        text: &str,
    ) -> Result<ReportView, AppError> {
        let view = self.by_answer(ente, secret).await?;
        self.reporter_answers(ente, &view, solved, text).await
    }
}
