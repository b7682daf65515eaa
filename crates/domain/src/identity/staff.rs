//! Staff roles and the scope (region or one ente) an account acts in.

use crate::tenancy::EnteId;

/// What a staff account may do. A person may hold several roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Role {
    /// Centro servizi: onboards municipalities, keeps the regional catalogue.
    RegionAdmin,
    /// Sets up one ente: offices, staff, adopted services, holidays.
    EnteAdmin,
    /// Istruttore: examines applications.
    Operator,
    /// Protocollista: registers documents.
    RegistryClerk,
    /// Responsabile del procedimento: signs decisions, authorises annulments.
    ResponsibleOfficer,
    /// Operatore PAAS: files on behalf of a citizen who is present, with a recorded mandate.
    PaasOperator,
    /// Responsabile della pubblicazione all'albo: publishes what offices ask to publish —
    /// never what they asked themselves.
    AlboOfficer,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleError {
    #[error("unknown role `{0}`")]
    Unknown(String),
    #[error("region-admin is a role of the region, not of an ente")]
    RegionRoleOnEnte,
    #[error("role {0} needs an ente")]
    EnteRoleWithoutEnte(&'static str),
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::RegionAdmin,
        Role::EnteAdmin,
        Role::Operator,
        Role::RegistryClerk,
        Role::ResponsibleOfficer,
        Role::PaasOperator,
        Role::AlboOfficer,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::RegionAdmin => "region-admin",
            Role::EnteAdmin => "ente-admin",
            Role::Operator => "operator",
            Role::RegistryClerk => "registry-clerk",
            Role::ResponsibleOfficer => "responsible-officer",
            Role::PaasOperator => "paas-operator",
            Role::AlboOfficer => "albo-officer",
        }
    }

    pub fn parse(code: &str) -> Result<Self, RoleError> {
        Self::ALL
            .into_iter()
            .find(|r| r.code() == code)
            .ok_or_else(|| RoleError::Unknown(code.to_string()))
    }

    /// Whether the role administers: the regional catalogue and onboarding (region), or one
    /// ente's adopted services, staff and participatory budgets (ente). A property of the role
    /// in its own right, not inferred from anything else.
    pub fn is_administrator(self) -> bool {
        matches!(self, Role::RegionAdmin | Role::EnteAdmin)
    }

    /// The sign-in policy: which roles must use a second factor. Today every administrator
    /// does; requiring it of another role changes nothing else it may do.
    pub fn requires_second_factor(self) -> bool {
        self.is_administrator()
    }

    /// Whether the role grants a permission. The one place where roles meet permissions:
    /// the app and the web ask [`may`], never a list of roles of their own.
    pub fn grants(self, permission: Permission) -> bool {
        use Permission as P;
        use Role as R;
        match permission {
            P::Administer => self.is_administrator(),
            P::SeeCases => matches!(
                self,
                R::Operator | R::ResponsibleOfficer | R::EnteAdmin | R::RegistryClerk
            ),
            P::ActOnCases => matches!(self, R::Operator | R::ResponsibleOfficer),
            P::ReadRegister => matches!(
                self,
                R::RegistryClerk | R::ResponsibleOfficer | R::EnteAdmin | R::Operator
            ),
            P::Register => self == R::RegistryClerk,
            P::AuthoriseAnnulment => self == R::ResponsibleOfficer,
            P::ApproveRanking => self == R::ResponsibleOfficer,
            P::AssistCitizens => self == R::PaasOperator,
            P::ModerateParticipation => matches!(self, R::Operator) || self.is_administrator(),
            P::RequestPublication => matches!(
                self,
                R::Operator | R::ResponsibleOfficer | R::RegistryClerk | R::EnteAdmin
            ),
            P::Publish => self == R::AlboOfficer,
            P::SeeAlboDesk => self.grants(P::RequestPublication) || self.grants(P::Publish),
            P::ConfigureAlbo => matches!(self, R::AlboOfficer | R::EnteAdmin),
            P::AnswerFeedback => {
                matches!(self, R::Operator | R::ResponsibleOfficer | R::EnteAdmin)
            }
            P::HandleReports => {
                matches!(self, R::Operator | R::ResponsibleOfficer | R::EnteAdmin)
            }
            P::RunBookings => matches!(
                self,
                R::Operator | R::ResponsibleOfficer | R::EnteAdmin | R::RegistryClerk
            ),
        }
    }
}

/// What a staff member may do, by kind of work. Held by roles through [`Role::grants`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Adopt services, create and run participatory budgets, manage the ente.
    Administer,
    /// Open the office's queue and case pages.
    SeeCases,
    /// Take the office's actions on a case (start, integrate, decide).
    ActOnCases,
    /// Search and read the protocol register.
    ReadRegister,
    /// Register documents and ask for annulments (protocollista).
    Register,
    /// Authorise an annulment (DPR 445/2000 art. 54: the responsible officer).
    AuthoriseAnnulment,
    /// Approve and publish a call's ranking (the responsible officer, issue 22).
    ApproveRanking,
    /// Open an assisted session for a citizen who is present (PAAS).
    AssistCitizens,
    /// Review proposals, moderate the debate, record execution in participatory budgets.
    ModerateParticipation,
    /// Ask the albo pretorio to publish an act (issue 18).
    RequestPublication,
    /// Publish on the albo, annul, extend (the publication officer).
    Publish,
    /// Open the albo's desk: who asks and who publishes.
    SeeAlboDesk,
    /// Set the ente's default publication periods, within the law (the publication officer
    /// and the ente's administrator).
    ConfigureAlbo,
    /// Read what residents said of the ente's pages and services, and answer it (issue 19).
    AnswerFeedback,
    /// See residents' reports, take them in charge, work on them, answer and close them; the
    /// ente's administrator also sets their categories, districts and Open311 keys (issue 20).
    HandleReports,
    /// Run the day of the office's booking calendars: the list, check-in, no-shows, walk-ins,
    /// moderated requests (issue 20).
    RunBookings,
}

/// Whether any of these roles grants the permission.
pub fn may(roles: &[Role], permission: Permission) -> bool {
    roles.iter().any(|r| r.grants(permission))
}

/// Where a staff account acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum StaffScope {
    Region,
    Ente(EnteId),
}

impl StaffScope {
    /// Checks that roles fit the scope: region-admin only for the region, every other role
    /// only inside an ente.
    pub fn check_roles(self, roles: &[Role]) -> Result<(), RoleError> {
        for &role in roles {
            match (self, role) {
                (StaffScope::Region, Role::RegionAdmin) => {}
                (StaffScope::Region, other) => {
                    return Err(RoleError::EnteRoleWithoutEnte(other.code()))
                }
                (StaffScope::Ente(_), Role::RegionAdmin) => {
                    return Err(RoleError::RegionRoleOnEnte)
                }
                (StaffScope::Ente(_), _) => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::disallowed_methods)] // an id for a test of scopes, no row behind it
    fn roles_and_scopes() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.code()), Ok(r));
        }
        assert!(Role::parse("root").is_err());
        assert!(StaffScope::Region.check_roles(&[Role::RegionAdmin]).is_ok());
        assert!(StaffScope::Region.check_roles(&[Role::Operator]).is_err());
        assert!(StaffScope::Ente(EnteId::from_stored(1))
            .check_roles(&[Role::RegionAdmin])
            .is_err());
        assert!(StaffScope::Ente(EnteId::from_stored(1))
            .check_roles(&[Role::EnteAdmin, Role::Operator])
            .is_ok());
        assert!(Role::EnteAdmin.requires_second_factor());
        assert!(!Role::Operator.requires_second_factor());
    }

    #[test]
    fn administration_is_a_property_of_the_role() {
        let admins: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.is_administrator())
            .collect();
        assert_eq!(admins, vec![Role::RegionAdmin, Role::EnteAdmin]);
        assert!(may(&[Role::EnteAdmin], Permission::Administer));
        assert!(!may(
            &[Role::Operator, Role::RegistryClerk],
            Permission::Administer
        ));
    }

    #[test]
    fn duties_are_separated() {
        // DPR 445/2000 art. 54: the clerk asks, the responsible officer authorises.
        assert!(may(&[Role::RegistryClerk], Permission::Register));
        assert!(!may(&[Role::RegistryClerk], Permission::AuthoriseAnnulment));
        assert!(may(
            &[Role::ResponsibleOfficer],
            Permission::AuthoriseAnnulment
        ));
        assert!(!may(&[Role::PaasOperator], Permission::SeeCases));
        assert!(!may(&[Role::RegistryClerk], Permission::ActOnCases));
        assert!(may(&[Role::Operator], Permission::ModerateParticipation));
        assert!(!may(&[], Permission::ReadRegister));
    }
}
