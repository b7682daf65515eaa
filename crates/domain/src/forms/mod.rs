//! Forms: the schema a service's application form is written in (steps → sections → fields,
//! with types, rules, conditional visibility and prefill), and the validation that is the
//! only authority on what is valid. Errors are typed; the web layer words them.

mod schema;
mod shown;
mod validate;
mod values;

pub use schema::{
    Choice, Condition, DateBound, Field, FieldKind, FormSchema, Prefill, SchemaError, Section,
    Step, GROUP_MAX_ROWS,
};
pub use shown::{it_decimal, it_euros, shown_text};
pub(crate) use validate::hundredths;
pub use validate::{ErrorKind, FieldError};
pub use values::{parse_decimal, rows_of, rows_text, without_row, Values};
