//! Identity: citizens signed in through SPID/CIE (OpenID Connect), staff with roles,
//! the lockout policy for staff passwords, and TOTP second factors.

mod claims;
mod lockout;
mod staff;
pub mod totp;

pub use claims::{
    Assistance, CitizenIdentity, ClaimsError, Company, ExpectedClaims, IdTokenClaims, SpidLevel,
};
pub use lockout::{LockoutDecision, LockoutPolicy};
pub use staff::{may, Permission, Role, RoleError, StaffScope};
