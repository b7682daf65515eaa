//! Adopting the regional catalogue: an ente administrator (for their ente) or a region
//! administrator (for any ente) sets what the ente changes — office, term within the law,
//! fees, extra information.

use sportello_domain::catalogue::AdoptionOverrides;
use sportello_domain::identity::{may, Permission};
use sportello_domain::tenancy::EnteId;
use sportello_store::to_millis;

use crate::capabilities::Catalogue;
use crate::sessions::StaffPrincipal;
use crate::AppError;

/// Whether this staff member administers this ente's catalogue.
pub fn may_administer(staff: &StaffPrincipal, ente: EnteId) -> bool {
    // A region-scoped administrator (no ente) administers every ente; an ente's, its own.
    may(&staff.roles, Permission::Administer) && staff.ente.is_none_or(|own| own == ente)
}

impl Catalogue<'_> {
    /// Sets an ente's overrides for a service it offers, after checking them against the law.
    pub async fn set_adoption(
        &self,
        staff: &StaffPrincipal,
        ente: EnteId,
        service_id: &str,
        overrides: &AdoptionOverrides,
    ) -> Result<(), AppError> {
        if !may_administer(staff, ente) {
            return Err(AppError::NotFound);
        }
        let row = self
            .app
            .store
            .tenant(ente)
            .adopted_service(service_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let definition: sportello_domain::catalogue::ServiceDefinition =
            serde_json::from_str(&row.definition).map_err(|e| AppError::Internal(e.to_string()))?;
        overrides.check(&definition)?;
        if let Some(office) = &overrides.office {
            let offices = self.app.store.tenant(ente).offices().await?;
            if !offices.iter().any(|o| &o.code == office) {
                return Err(AppError::from(crate::Refusal::UnknownOffice {
                    office: office.to_string(),
                }));
            }
        }
        let json =
            serde_json::to_string(overrides).map_err(|e| AppError::Internal(e.to_string()))?;
        self.app
            .store
            .tenant(ente)
            .adopt(service_id, &json, to_millis(self.app.now()))
            .await?;
        self.app.hot.forget_service(ente, service_id);
        // The adoption may change the term: the service's open cases keep it anew.
        self.app
            .store
            .tenant(ente)
            .unkeep_open_terms(Some(service_id))
            .await?;
        self.app.keep_open_terms_of(ente).await?;
        tracing::info!(
            staff_id = staff.id,
            service = service_id,
            "adoption overrides changed"
        );
        Ok(())
    }
}
