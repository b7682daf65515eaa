//! Errors of use cases, in terms the web layer can map to a page or a problem document.

use sportello_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// Input that breaks a rule; the message is for the user (Italian).
    #[error("{0}")]
    Invalid(String),
    /// An action the law or the user's role does not allow now; the reason is for the user
    /// (Italian). Nothing changed.
    #[error("{0}")]
    Refused(String),
    /// More filings are waiting than the server takes on: try again shortly. Nothing was
    /// stored.
    #[error("overloaded")]
    Overloaded,
    #[error("sign-in refused: {0}")]
    SignIn(#[from] crate::oidc::SignInError),
    #[error("staff sign-in refused: {0}")]
    StaffLogin(#[from] crate::staff::StaffLoginError),
    #[error("application: {0}")]
    Apply(#[from] crate::applications::ApplyError),
    /// A ballot that breaks its process's rules; the web says which in the person's language.
    #[error("ballot refused: {0}")]
    Ballot(#[from] sportello_domain::participation::BallotError),
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    #[error("internal: {0}")]
    Internal(String),
}
