//! The administrative procedure (Law 241/1990): the legal-deadline engine and the case state
//! machine. Pure: "today" and every date are arguments.

pub mod deadlines;
pub mod states;

crate::stored_enum! {
    /// Where an application stands as a document, apart from its case: a draft the applicant
    /// is filling in, filed (registered in the protocol), or withdrawn by the applicant.
    pub enum ApplicationStatus {
        Draft = "draft",
        Submitted = "submitted",
        Withdrawn = "withdrawn",
    }
}
