//! An ente's setup of reports: its categories, its districts, the Open311 keys it issued.

use super::*;

impl Reports<'_> {
    /// Sets how the ente uses one of the region's categories.
    pub async fn set_category(
        &self,
        staff: &StaffPrincipal,
        code: &str,
        in_use: bool,
        term_days: &str,
        office: &str,
    ) -> Result<(), AppError> {
        let ente = staff_ente(staff, Permission::Administer)?;
        let category = reports::category(code).ok_or(ReportProblem::Category)?;
        let term_days: u32 = term_days
            .trim()
            .parse()
            .ok()
            .filter(|d| (reports::MIN_TERM_DAYS..=reports::MAX_TERM_DAYS).contains(d))
            .ok_or(ReportProblem::Setup)?;
        let office = office.trim();
        let office_code = if office.is_empty() {
            None
        } else {
            let offices = self.store().tenant(ente).offices().await?;
            if !offices.iter().any(|o| o.code == office) {
                return Err(ReportProblem::Office.into());
            }
            Some(office.to_string())
        };
        self.store()
            .tenant(ente)
            .set_report_category(
                &ReportCategoryRow {
                    code: category.code.to_string(),
                    in_use: i64::from(in_use),
                    term_days: i64::from(term_days),
                    office_code,
                },
                &staff.username,
                to_millis(self.app.now()),
            )
            .await?;
        Ok(())
    }

    /// Adds a district (or replaces the one with this name): its streets, one a line, and an
    /// outline as «lat lon» corners in decimal degrees, one a line. At least one of the two.
    pub async fn set_district(
        &self,
        staff: &StaffPrincipal,
        name: &str,
        streets: &str,
        outline: &str,
    ) -> Result<(), AppError> {
        let ente = staff_ente(staff, Permission::Administer)?;
        self.set_district_of(ente, name, streets, outline).await
    }

    /// [`Reports::set_district`] for an ente (the demo seed's).
    pub(crate) async fn set_district_of(
        &self,
        ente: EnteId,
        name: &str,
        streets: &str,
        outline: &str,
    ) -> Result<(), AppError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(ReportProblem::Setup.into());
        }
        let streets: Vec<&str> = streets
            .lines()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        let mut corners = Vec::new();
        for line in outline.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let mut parts = line.split(|c: char| c == ';' || c.is_whitespace());
            let (Some(lat), Some(lon)) = (parts.next(), parts.find(|p| !p.is_empty())) else {
                return Err(ReportProblem::Place(PlaceError::BadCoordinate(
                    line.chars().take(40).collect(),
                ))
                .into());
            };
            let p = Point::parse(lat, lon).map_err(ReportProblem::from)?;
            corners.push(format!("{},{}", p.lat, p.lon));
        }
        if streets.is_empty() && corners.len() < 3 {
            return Err(ReportProblem::Setup.into());
        }
        if streets.iter().any(|s| s.chars().count() > 120) || streets.len() > 5_000 {
            return Err(ReportProblem::Setup.into());
        }
        self.store()
            .tenant(ente)
            .set_report_district(name, &streets.join("\n"), &corners.join(";"))
            .await?;
        Ok(())
    }

    /// Issues an Open311 key for a civic app: the key, shown once.
    pub async fn issue_key(&self, staff: &StaffPrincipal, label: &str) -> Result<String, AppError> {
        let ente = staff_ente(staff, Permission::Administer)?;
        self.issue_key_as(ente, label, &staff.username).await
    }

    /// Issues a key for an ente from the command line (`sportello admin open311-key`).
    pub async fn issue_key_for(&self, ente: EnteId, label: &str) -> Result<String, AppError> {
        self.issue_key_as(ente, label, "riga di comando").await
    }

    pub(super) async fn issue_key_as(
        &self,
        ente: EnteId,
        label: &str,
        by: &str,
    ) -> Result<String, AppError> {
        let label = label.trim();
        if label.is_empty() || label.chars().count() > 80 {
            return Err(ReportProblem::Setup.into());
        }
        let key = format!("o311_{}", crate::crypto::random_token(32));
        self.store()
            .tenant(ente)
            .open311_key_add(label, &key_digest(&key), by, to_millis(self.app.now()))
            .await?;
        Ok(key)
    }

    pub async fn keys(
        &self,
        staff: &StaffPrincipal,
    ) -> Result<Vec<sportello_store::Open311KeyRow>, AppError> {
        let ente = staff_ente(staff, Permission::Administer)?;
        Ok(self.store().tenant(ente).open311_keys().await?)
    }

    pub async fn revoke_key(&self, staff: &StaffPrincipal, id: i64) -> Result<bool, AppError> {
        let ente = staff_ente(staff, Permission::Administer)?;
        Ok(self
            .store()
            .tenant(ente)
            .open311_key_revoke(id, to_millis(self.app.now()))
            .await?)
    }

    /// The app an Open311 key belongs to, if it is live and the ente's.
    pub async fn client_of(&self, ente: EnteId, key: &str) -> Result<String, AppError> {
        match self.store().open311_key(&key_digest(key.trim())).await? {
            Some((owner, label)) if owner == ente.get() => Ok(label),
            _ => Err(ReportProblem::ApiKey.into()),
        }
    }
}
