//! The administrative procedure (Law 241/1990): the legal-deadline engine and the case state
//! machine. Pure: "today" and every date are arguments.

pub mod deadlines;
pub mod states;
