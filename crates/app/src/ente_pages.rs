//! The municipality's own pages (Designers Italia municipal model): its contacts, its offices'
//! pages, the data protection officer the privacy notices name and the address of its
//! accessibility statement. Ente data, edited by the ente's administrators; what an ente leaves
//! empty the pages fill with the regional defaults.

use sportello_domain::identity::{may, Permission};
use sportello_domain::tenancy::EnteId;
use sportello_store::{to_millis, EnteProfileRow, OfficeDetails, OfficeRow};

use crate::sessions::StaffPrincipal;
use crate::{App, AppError, Refusal};

/// The longest free text a page field takes (descriptions), and a contact.
pub const PAGE_TEXT_MAX: usize = 2_000;
pub const CONTACT_MAX: usize = 200;

/// What an administrator types for the ente's profile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileInput {
    pub address: String,
    pub phone: String,
    pub email: String,
    pub pec: String,
    pub hours: String,
    pub dpo: String,
    pub dpo_email: String,
    pub accessibility_url: String,
}

fn tidy(s: &str) -> String {
    s.trim().to_string()
}

/// A contact field: at most [`CONTACT_MAX`] characters.
fn short(field: &str, value: &str) -> Result<String, AppError> {
    let v = tidy(value);
    if v.chars().count() > CONTACT_MAX {
        return Err(Refusal::PageTextTooLong {
            field: field.into(),
            max: CONTACT_MAX,
        }
        .into());
    }
    Ok(v)
}

/// An e-mail or PEC address, or nothing.
pub(crate) fn email(field: &str, value: &str) -> Result<String, AppError> {
    let v = short(field, value)?;
    let ok = v.is_empty()
        || v.split_once('@').is_some_and(|(user, host)| {
            !user.is_empty()
                && host.contains('.')
                && !host.starts_with('.')
                && !host.ends_with('.')
                && !v
                    .chars()
                    .any(|c| c.is_whitespace() || c == '<' || c == '>' || c == '"')
        });
    if ok {
        Ok(v)
    } else {
        Err(Refusal::EmailInvalid {
            field: field.into(),
        }
        .into())
    }
}

/// A web address the page links to: https only, or nothing.
fn web_address(field: &str, value: &str) -> Result<String, AppError> {
    let v = short(field, value)?;
    let ok = v.is_empty()
        || (v.starts_with("https://")
            && v.len() > "https://".len()
            && !v
                .chars()
                .any(|c| c.is_whitespace() || c == '<' || c == '>' || c == '"'));
    if ok {
        Ok(v)
    } else {
        Err(Refusal::AddressInvalid {
            field: field.into(),
        }
        .into())
    }
}

impl App {
    /// The ente's profile; empty (every field the regional default) if never saved.
    pub async fn ente_profile(&self, ente: EnteId) -> Result<EnteProfileRow, AppError> {
        Ok(self
            .store
            .tenant(ente)
            .ente_profile()
            .await?
            .unwrap_or_default())
    }

    /// The ente's offices with what each says about itself.
    pub async fn office_pages(&self, ente: EnteId) -> Result<Vec<OfficeRow>, AppError> {
        Ok(self.store.tenant(ente).offices().await?)
    }

    /// The ente an administrator edits the pages of: their own.
    fn pages_ente(staff: &StaffPrincipal) -> Result<EnteId, AppError> {
        staff
            .ente
            .filter(|_| may(&staff.roles, Permission::Administer))
            .ok_or(AppError::NotFound)
    }

    /// Saves the ente's profile, checked whole: nothing is saved if a field is refused.
    pub async fn save_ente_profile(
        &self,
        staff: &StaffPrincipal,
        input: &ProfileInput,
    ) -> Result<(), AppError> {
        let ente = Self::pages_ente(staff)?;
        let row = EnteProfileRow {
            address: short("indirizzo", &input.address)?,
            phone: short("telefono", &input.phone)?,
            email: email("email", &input.email)?,
            pec: email("pec", &input.pec)?,
            hours: short("orari", &input.hours)?,
            dpo: short("rpd", &input.dpo)?,
            dpo_email: email("rpd_email", &input.dpo_email)?,
            accessibility_url: web_address("accessibilita", &input.accessibility_url)?,
            updated_by: staff.display_name.clone(),
            updated_at: to_millis(self.now()),
        };
        self.store.tenant(ente).set_ente_profile(&row).await?;
        tracing::info!(staff_id = staff.id, "ente profile saved");
        Ok(())
    }

    /// Saves what one of the ente's offices says about itself, checked whole.
    pub async fn save_office_details(
        &self,
        staff: &StaffPrincipal,
        code: &str,
        input: &OfficeDetails,
    ) -> Result<(), AppError> {
        let ente = Self::pages_ente(staff)?;
        let description = tidy(&input.description);
        if description.chars().count() > PAGE_TEXT_MAX {
            return Err(Refusal::PageTextTooLong {
                field: "descrizione".into(),
                max: PAGE_TEXT_MAX,
            }
            .into());
        }
        let details = OfficeDetails {
            description,
            address: short("indirizzo", &input.address)?,
            hours: short("orari", &input.hours)?,
            phone: short("telefono", &input.phone)?,
            email: email("email", &input.email)?,
            pec: email("pec", &input.pec)?,
        };
        if !self
            .store
            .tenant(ente)
            .set_office_details(code, &details)
            .await?
        {
            return Err(AppError::NotFound);
        }
        tracing::info!(staff_id = staff.id, "office page saved");
        Ok(())
    }

    /// The ente's staff (id, name, office), for its administrators.
    pub async fn ente_staff(
        &self,
        staff: &StaffPrincipal,
    ) -> Result<Vec<(i64, String, Option<String>)>, AppError> {
        let ente = Self::pages_ente(staff)?;
        Ok(self.store.staff_of_ente(ente).await?)
    }

    /// Makes `members` the people of office `code` (see `Store::set_office_members`).
    pub async fn save_office_members(
        &self,
        staff: &StaffPrincipal,
        code: &str,
        members: &[i64],
    ) -> Result<(), AppError> {
        let ente = Self::pages_ente(staff)?;
        if !self.store.set_office_members(ente, code, members).await? {
            return Err(Refusal::MemberUnknown.into());
        }
        tracing::info!(staff_id = staff.id, "office members saved");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked() {
        assert_eq!(
            email("email", " urp@comune.livorno.it ").unwrap(),
            "urp@comune.livorno.it"
        );
        assert_eq!(email("email", "").unwrap(), "");
        for bad in [
            "urp",
            "urp@",
            "@comune.it",
            "urp@comune",
            "u rp@comune.it",
            "a@b.",
            "x@\"y.it",
        ] {
            assert!(email("email", bad).is_err(), "{bad}");
        }
        assert!(web_address("a", "https://form.agid.gov.it/view/abc").is_ok());
        assert!(web_address("a", "").is_ok());
        for bad in [
            "http://x.it",
            "javascript:alert(1)",
            "https://",
            "https://a b",
        ] {
            assert!(web_address("a", bad).is_err(), "{bad}");
        }
        assert!(short("x", &"a".repeat(CONTACT_MAX + 1)).is_err());
    }
}
