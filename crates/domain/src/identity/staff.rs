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
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleError {
    #[error("ruolo sconosciuto «{0}» (ammessi: region-admin, ente-admin, operator, registry-clerk, responsible-officer, paas-operator)")]
    Unknown(String),
    #[error("il ruolo region-admin vale per la regione, non per un singolo ente")]
    RegionRoleOnEnte,
    #[error("il ruolo {0} richiede un ente")]
    EnteRoleWithoutEnte(&'static str),
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::RegionAdmin,
        Role::EnteAdmin,
        Role::Operator,
        Role::RegistryClerk,
        Role::ResponsibleOfficer,
        Role::PaasOperator,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::RegionAdmin => "region-admin",
            Role::EnteAdmin => "ente-admin",
            Role::Operator => "operator",
            Role::RegistryClerk => "registry-clerk",
            Role::ResponsibleOfficer => "responsible-officer",
            Role::PaasOperator => "paas-operator",
        }
    }

    pub fn parse(code: &str) -> Result<Self, RoleError> {
        Self::ALL
            .into_iter()
            .find(|r| r.code() == code)
            .ok_or_else(|| RoleError::Unknown(code.to_string()))
    }

    /// Administrators must use a second factor.
    pub fn requires_second_factor(self) -> bool {
        matches!(self, Role::RegionAdmin | Role::EnteAdmin)
    }
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
    fn roles_and_scopes() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.code()), Ok(r));
        }
        assert!(Role::parse("root").is_err());
        assert!(StaffScope::Region.check_roles(&[Role::RegionAdmin]).is_ok());
        assert!(StaffScope::Region.check_roles(&[Role::Operator]).is_err());
        assert!(StaffScope::Ente(EnteId(1))
            .check_roles(&[Role::RegionAdmin])
            .is_err());
        assert!(StaffScope::Ente(EnteId(1))
            .check_roles(&[Role::EnteAdmin, Role::Operator])
            .is_ok());
        assert!(Role::EnteAdmin.requires_second_factor());
        assert!(!Role::Operator.requires_second_factor());
    }
}
