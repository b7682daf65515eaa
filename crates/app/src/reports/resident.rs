//! What a resident does with a report besides filing it: supports, the answer to «è stato
//! risolto?», their own reports.

use super::*;

impl Reports<'_> {
    /// A resident supports an open report.
    pub async fn support(
        &self,
        ente: EnteId,
        citizen: &CitizenIdentity,
        year: i64,
        number: i64,
    ) -> Result<Support, AppError> {
        let view = self.by_number(ente, year, number).await?;
        if !view.state.is_open() {
            return Err(ReportProblem::Move(ReportError::NotNow {
                from: view.state,
                event: ReportEventKind::Answer,
            })
            .into());
        }
        if view.row.reporter_fiscal_code.as_deref() == Some(citizen.fiscal_code.as_str()) {
            return Ok(Support::Own);
        }
        let added = self
            .store()
            .tenant(ente)
            .report_support(
                view.row.id,
                &supporter_key(citizen.fiscal_code.as_str()),
                to_millis(self.app.now()),
            )
            .await?;
        Ok(if added {
            Support::Added
        } else {
            Support::Already
        })
    }

    /// Whether this resident already supports the report (or filed it).
    pub async fn supported_by(
        &self,
        ente: EnteId,
        citizen: &CitizenIdentity,
        view: &ReportView,
    ) -> Result<bool, AppError> {
        if view.row.reporter_fiscal_code.as_deref() == Some(citizen.fiscal_code.as_str()) {
            return Ok(true);
        }
        Ok(self
            .store()
            .tenant(ente)
            .report_supported_by(view.row.id, &supporter_key(citizen.fiscal_code.as_str()))
            .await?)
    }

    /// The reporter answers «è stato risolto?»: yes confirms, no reopens (with a word on what
    /// is still wrong).
    pub async fn reporter_says(
        &self,
        ente: EnteId,
        citizen: &CitizenIdentity,
        year: i64,
        number: i64,
        solved: bool,
        text: &str,
    ) -> Result<ReportView, AppError> {
        let view = self.by_number(ente, year, number).await?;
        if view.row.reporter_fiscal_code.as_deref() != Some(citizen.fiscal_code.as_str()) {
            return Err(ReportProblem::Move(ReportError::NotTheReporter).into());
        }
        self.reporter_answers(ente, &view, solved, text).await
    }

    /// The reporter's answer, once they are known to be the reporter.
    pub(super) async fn reporter_answers(
        &self,
        ente: EnteId,
        view: &ReportView,
        solved: bool,
        text: &str,
    ) -> Result<ReportView, AppError> {
        let event = if solved {
            ReportEventKind::Confirm
        } else {
            ReportEventKind::Reopen
        };
        let text: String = text.trim().chars().take(1_000).collect();
        self.apply(ente, view, event, Actor::Reporter, &text, None, None)
            .await
    }

    /// The reports a resident filed, in every ente, newest first, each with its ente's slug
    /// and name.
    pub async fn mine(
        &self,
        citizen: &CitizenIdentity,
    ) -> Result<Vec<(String, String, ReportView)>, AppError> {
        let rows = self
            .store()
            .region_wide()
            .reports_of(citizen.fiscal_code.as_str())
            .await?;
        let mut views = Vec::with_capacity(rows.len());
        for row in rows {
            let ente = self.app.ente_by_id(row.ente()).await?;
            let view = self.view(ente.ente_id(), row).await?;
            views.push((ente.slug, ente.name, view));
        }
        Ok(views)
    }
}
