//! Reports' photos: who sees which, and the office's review before the public sees any.

use super::*;

impl Reports<'_> {
    /// The photos of a report this viewer may see: the approved ones, and every one of the
    /// viewer's own report.
    pub async fn photos(
        &self,
        ente: EnteId,
        view: &ReportView,
        viewer: Viewer<'_>,
    ) -> Result<Vec<ReportPhoto>, AppError> {
        let all = self.store().tenant(ente).report_photos(view.row.id).await?;
        let own = match viewer {
            Viewer::Resident(c) => {
                view.row.reporter_fiscal_code.as_deref() == Some(c.fiscal_code.as_str())
            }
            Viewer::Public => false,
        };
        Ok(all
            .into_iter()
            .filter(|p| own || p.review == 1)
            .map(|p| ReportPhoto {
                position: p.position,
                description: p.description,
                review: p.review,
            })
            .collect())
    }

    /// Every photo of a report, for the office.
    pub async fn office_photos(
        &self,
        staff: &StaffPrincipal,
        view: &ReportView,
    ) -> Result<Vec<ReportPhoto>, AppError> {
        let ente = staff_ente(staff, Permission::HandleReports)?;
        let all = self.store().tenant(ente).report_photos(view.row.id).await?;
        Ok(all
            .into_iter()
            .map(|p| ReportPhoto {
                position: p.position,
                description: p.description,
                review: p.review,
            })
            .collect())
    }

    /// One photo's bytes and media type, if this viewer may see it (the office: `staff`).
    pub async fn photo(
        &self,
        ente: EnteId,
        year: i64,
        number: i64,
        position: i64,
        viewer: Viewer<'_>,
        staff: Option<&StaffPrincipal>,
    ) -> Result<(Vec<u8>, String), AppError> {
        let view = self.by_number(ente, year, number).await?;
        let office =
            staff.is_some_and(|s| s.ente == Some(ente) && may(&s.roles, Permission::HandleReports));
        let all = self.store().tenant(ente).report_photos(view.row.id).await?;
        let own = match viewer {
            Viewer::Resident(c) => {
                view.row.reporter_fiscal_code.as_deref() == Some(c.fiscal_code.as_str())
            }
            Viewer::Public => false,
        };
        let photo = all
            .into_iter()
            .find(|p| p.position == position && (office || own || p.review == 1))
            .ok_or(AppError::NotFound)?;
        let bytes = self
            .app
            .blobs
            .get(&photo.digest)
            .await
            .map_err(crate::blobs::read_error)?;
        Ok((bytes, photo.media_type))
    }

    /// The office approves a photo for the public, or refuses it (a face, a number plate,
    /// anything personal): the reporter and the office still see it.
    pub async fn review_photo(
        &self,
        staff: &StaffPrincipal,
        year: i64,
        number: i64,
        position: i64,
        approve: bool,
    ) -> Result<(), AppError> {
        let ente = staff_ente(staff, Permission::HandleReports)?;
        let view = self.by_number(ente, year, number).await?;
        let found = self
            .store()
            .tenant(ente)
            .review_report_photo(
                view.row.id,
                position,
                if approve { 1 } else { -1 },
                &staff.username,
                to_millis(self.app.now()),
            )
            .await?;
        if found {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }
}
