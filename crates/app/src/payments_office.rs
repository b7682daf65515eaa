//! The office's hold on its ente's payments (issue 17): a position looked at and withdrawn
//! (invalid at once, invalidated at pagoPA through the outbox), and the anomaly queue closed
//! with notes.

use sportello_store::{OptionRow, PositionRow};

use crate::capabilities::Payments;
use crate::{AppError, Refusal};

impl Payments<'_> {
    /// One of the ente's positions, for the office to look at before withdrawing it.
    pub async fn office_position(
        &self,
        staff: &crate::sessions::StaffPrincipal,
        iupd: &str,
    ) -> Result<(PositionRow, Vec<OptionRow>), AppError> {
        let ente = crate::payments::acting_ente(staff)?;
        let tenant = self.app.store.tenant(ente);
        let position = tenant
            .position_by_iupd(iupd)
            .await?
            .ok_or(AppError::NotFound)?;
        let options = tenant.options_of(position.id).await?;
        Ok((position, options))
    }

    /// The office withdraws one of its ente's unpaid positions (a notice issued by mistake, a
    /// fine annulled): invalid here at once, and at pagoPA through the outbox.
    pub async fn invalidate(
        &self,
        staff: &crate::sessions::StaffPrincipal,
        iupd: &str,
    ) -> Result<(), AppError> {
        let ente = crate::payments::acting_ente(staff)?;
        let withdrawn = self
            .app
            .store
            .tenant(ente)
            .invalidate_position(iupd, sportello_store::to_millis(self.app.now()))
            .await?;
        if !withdrawn {
            return Err(Refusal::NotWithdrawable.into());
        }
        tracing::info!(staff_id = staff.id, "position withdrawn");
        Ok(())
    }

    /// The ente's payment anomalies for its office, open first (at most 200).
    pub async fn anomalies(
        &self,
        staff: &crate::sessions::StaffPrincipal,
    ) -> Result<Vec<sportello_store::AnomalyRow>, AppError> {
        let ente = crate::payments::office_ente(staff)?;
        Ok(self.app.store.tenant(ente).anomalies(200).await?)
    }

    /// Closes an open anomaly of the staff member's ente, saying how it was resolved.
    pub async fn resolve_anomaly(
        &self,
        staff: &crate::sessions::StaffPrincipal,
        id: i64,
        note: &str,
    ) -> Result<(), AppError> {
        let ente = crate::payments::acting_ente(staff)?;
        let note = note.trim();
        if note.chars().count() < 5 {
            return Err(Refusal::TextMissing(crate::OfficeText::Note).into());
        }
        if note.chars().count() > 10_000 {
            return Err(Refusal::TextTooLong(crate::OfficeText::Note).into());
        }
        let closed = self
            .app
            .store
            .tenant(ente)
            .resolve_anomaly(
                id,
                &staff.display_name,
                note,
                sportello_store::to_millis(self.app.now()),
            )
            .await?;
        if !closed {
            return Err(AppError::NotFound);
        }
        tracing::info!(staff_id = staff.id, anomaly = id, "payment anomaly closed");
        Ok(())
    }
}
