//! Italian identifiers, parsed so that every value inside a program is already valid:
//! the codice fiscale of a natural person (check character, omocodia), the partita IVA and
//! the IBAN.
//! No dependency on any application; reusable by anyone.

mod codice_fiscale;
mod iban;
mod partita_iva;

pub use codice_fiscale::{CodiceFiscale, CodiceFiscaleError, PersonData, Sex};
pub use iban::{Iban, IbanError};
pub use partita_iva::{PartitaIva, PartitaIvaError};
