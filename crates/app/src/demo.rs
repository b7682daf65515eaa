//! The demo region: fictitious personas for the demo identity provider, demo staff accounts,
//! and loading the 273 Tuscan municipalities.

use italian_ids::{CodiceFiscale, PartitaIva, PersonData, Sex};
use sportello_domain::identity::Role;
use time::macros::date;
use time::Date;

use crate::staff::NewStaff;
use crate::{App, AppError};

/// A fictitious person the demo identity provider can sign in as.
#[derive(Debug, Clone)]
pub struct Persona {
    pub key: &'static str,
    pub given_name: &'static str,
    pub family_name: &'static str,
    pub birth_date: Date,
    pub sex: Sex,
    /// Cadastral code of the place of birth.
    pub birthplace: &'static str,
    pub birthplace_name: &'static str,
    pub email: &'static str,
    /// Who this persona is, for the person choosing (Italian, English).
    pub about: (&'static str, &'static str),
    /// A business this persona legally represents: name and partita IVA body (10 digits).
    pub company: Option<(&'static str, [u32; 10])>,
}

impl Persona {
    pub fn fiscal_code(&self) -> Result<CodiceFiscale, italian_ids::CodiceFiscaleError> {
        CodiceFiscale::compute(&PersonData {
            surname: self.family_name,
            name: self.given_name,
            birth_date: self.birth_date,
            sex: self.sex,
            birthplace: self.birthplace,
        })
    }

    pub fn company_vat(&self) -> Option<(String, PartitaIva)> {
        self.company
            .map(|(name, body)| (name.to_string(), PartitaIva::from_body(&body)))
    }
}

/// The demo personas: different ages (one a minor), sexes, places of birth (one abroad), and
/// one legal representative of a business.
pub fn personas() -> Vec<Persona> {
    vec![
        Persona {
            key: "mario-rossi",
            given_name: "Mario",
            family_name: "Rossi",
            birth_date: date!(1980 - 01 - 01),
            sex: Sex::M,
            birthplace: "E625",
            birthplace_name: "Livorno",
            email: "mario.rossi@example.invalid",
            about: (
                "Impiegato, 46 anni, residente a Livorno",
                "Clerk, 46, lives in Livorno",
            ),
            company: None,
        },
        Persona {
            key: "giulia-bianchi",
            given_name: "Giulia",
            family_name: "Bianchi",
            birth_date: date!(1992 - 05 - 14),
            sex: Sex::F,
            birthplace: "D612",
            birthplace_name: "Firenze",
            email: "giulia.bianchi@example.invalid",
            about: (
                "Madre di due bambini, 34 anni, Firenze",
                "Mother of two, 34, Florence",
            ),
            company: None,
        },
        Persona {
            key: "luca-verdi",
            given_name: "Luca",
            family_name: "Verdi",
            birth_date: date!(2010 - 03 - 22),
            sex: Sex::M,
            birthplace: "G702",
            birthplace_name: "Pisa",
            email: "luca.verdi@example.invalid",
            about: (
                "Studente minorenne, 16 anni, Pisa",
                "Student, a minor, 16, Pisa",
            ),
            company: None,
        },
        Persona {
            key: "anna-neri",
            given_name: "Anna",
            family_name: "Neri",
            birth_date: date!(1948 - 09 - 30),
            sex: Sex::F,
            birthplace: "I726",
            birthplace_name: "Siena",
            email: "anna.neri@example.invalid",
            about: ("Pensionata, 78 anni, Siena", "Retired, 78, Siena"),
            company: None,
        },
        Persona {
            key: "francesco-esposito",
            given_name: "Francesco",
            family_name: "Esposito",
            birth_date: date!(1975 - 11 - 02),
            sex: Sex::M,
            birthplace: "E715",
            birthplace_name: "Lucca",
            email: "francesco.esposito@example.invalid",
            about: (
                "Legale rappresentante di Esposito Costruzioni S.r.l., Lucca",
                "Legal representative of Esposito Costruzioni S.r.l., Lucca",
            ),
            company: Some((
                "Esposito Costruzioni S.r.l.",
                [0, 2, 4, 6, 8, 1, 3, 5, 7, 9],
            )),
        },
        Persona {
            key: "chiara-conti",
            given_name: "Chiara",
            family_name: "Conti",
            birth_date: date!(1988 - 07 - 07),
            sex: Sex::F,
            birthplace: "A390",
            birthplace_name: "Arezzo",
            email: "chiara.conti@example.invalid",
            about: (
                "Architetta libera professionista, Arezzo",
                "Freelance architect, Arezzo",
            ),
            company: None,
        },
        Persona {
            key: "omar-haddad",
            given_name: "Omar",
            family_name: "Haddad",
            birth_date: date!(1995 - 02 - 18),
            sex: Sex::M,
            birthplace: "Z330",
            birthplace_name: "Marocco",
            email: "omar.haddad@example.invalid",
            about: (
                "Nato in Marocco, residente a Prato",
                "Born in Morocco, lives in Prato",
            ),
            company: None,
        },
    ]
}

/// The codice fiscale of numbered test person `n` (`prova-N` at the demo provider): distinct
/// for every `n` below 26⁶, well formed, with a valid check character.
pub fn test_person_fiscal_code(n: u32) -> Option<String> {
    let mut letters = [b'A'; 6];
    let mut rest = n;
    for slot in letters.iter_mut().rev() {
        *slot = b'A' + u8::try_from(rest % 26).ok()?;
        rest /= 26;
    }
    let body = format!("{}80A01E625", std::str::from_utf8(&letters).ok()?);
    (b'A'..=b'Z')
        .map(|c| format!("{body}{}", char::from(c)))
        .find(|code| CodiceFiscale::parse(code).is_ok())
}

pub fn persona(key: &str) -> Option<Persona> {
    personas().into_iter().find(|p| p.key == key)
}

/// The demo staff accounts: one per role, in Livorno, plus the region's administrator.
/// Passwords are public by design — this is a demo — and are printed at start.
pub const DEMO_STAFF_PASSWORD: &str = "demo-sportello-2026";

/// The demo's staff: fictitious named persons, as the acts they sign must name them.
pub fn demo_staff() -> Vec<(&'static str, &'static str, Option<&'static str>, Role)> {
    vec![
        ("regione.admin", "Giovanni Lazzeri", None, Role::RegionAdmin),
        (
            "livorno.admin",
            "Laura Bini",
            Some("049009"),
            Role::EnteAdmin,
        ),
        (
            "livorno.istruttore",
            "Chiara Martini",
            Some("049009"),
            Role::Operator,
        ),
        (
            "livorno.sue",
            "Elena Fabbri",
            Some("049009"),
            Role::Operator,
        ),
        (
            "livorno.protocollo",
            "Paolo Galli",
            Some("049009"),
            Role::RegistryClerk,
        ),
        (
            "livorno.responsabile",
            "Marco Ferri",
            Some("049009"),
            Role::ResponsibleOfficer,
        ),
        (
            "livorno.paas",
            "Silvia Conti",
            Some("049009"),
            Role::PaasOperator,
        ),
        (
            "livorno.albo",
            "Giorgio Neri",
            Some("049009"),
            Role::AlboOfficer,
        ),
        (
            "firenze.responsabile",
            "Sara Lombardi",
            Some("048017"),
            Role::ResponsibleOfficer,
        ),
        (
            "pisa.responsabile",
            "Davide Ricci",
            Some("050026"),
            Role::ResponsibleOfficer,
        ),
    ]
}

/// The demo's staff who work in one office: the documents routed to it wait for them. The
/// others work for every office.
pub const DEMO_STAFF_OFFICES: [(&str, &str); 1] = [("livorno.sue", "SUE")];

/// A demo staff member's work address, on a reserved domain (RFC 2606): nothing is delivered
/// anywhere real.
fn demo_email(name: &str, istat: Option<&str>) -> String {
    let local: String = name
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(".");
    let domain = match istat {
        Some("049009") => "comune.livorno.example",
        Some("048017") => "comune.firenze.example",
        Some("050026") => "comune.pisa.example",
        Some(_) => "comune.example",
        None => "regione.toscana.example",
    };
    format!("{local}@{domain}")
}

/// A demo TOTP secret for demo administrators, printed at start so the demo can be used.
pub const DEMO_TOTP_SECRET: &str = "KRUGS4ZANFZSAYJAMRSW23ZAONSWG4TF";

impl App {
    /// Creates the demo staff accounts that do not exist yet. Returns how many were created.
    pub async fn seed_demo_staff(&self) -> Result<usize, AppError> {
        let mut created = 0;
        for (username, display_name, istat, role) in demo_staff() {
            if self.store.staff_user_by_username(username).await?.is_some() {
                continue;
            }
            let totp = role
                .requires_second_factor()
                .then_some(DEMO_TOTP_SECRET.to_string());
            self.identity()
                .create_staff(NewStaff {
                    istat: istat.map(str::to_string),
                    username: username.to_string(),
                    display_name: display_name.to_string(),
                    password: DEMO_STAFF_PASSWORD.to_string(),
                    roles: vec![role],
                    totp_secret: totp,
                    email: demo_email(display_name, istat),
                })
                .await?;
            if let Some((_, office)) = DEMO_STAFF_OFFICES.iter().find(|(u, _)| *u == username) {
                if let (Some(user), Some(istat)) =
                    (self.store.staff_user_by_username(username).await?, istat)
                {
                    let ente = self.ente_by_istat(istat).await?.ente_id();
                    let mut members: Vec<i64> = self
                        .store
                        .staff_of_ente(ente)
                        .await?
                        .into_iter()
                        .filter(|(_, _, o)| o.as_deref() == Some(*office))
                        .map(|(id, _, _)| id)
                        .collect();
                    members.push(user.id);
                    self.store
                        .set_office_members(ente, office, &members)
                        .await?;
                }
            }
            created += 1;
        }
        Ok(created)
    }
}

impl App {
    /// Livorno's own words for its decisions of acceptance (fictitious, like all demo data):
    /// the demo shows an ente's adapted act beside the region's texts. Left as it is once there.
    pub async fn seed_demo_acts(&self) -> Result<(), AppError> {
        use sportello_domain::procedure::acts::{ActKind, ActTemplate};
        let livorno = match self.ente_by_istat("049009").await {
            Ok(e) => e.ente_id(),
            Err(AppError::NotFound) => return Ok(()),
            Err(e) => return Err(e),
        };
        let kind = ActKind::Accoglimento;
        if self.store.tenant(livorno).act_text(kind).await?.is_some() {
            return Ok(());
        }
        let region = crate::acts::default_act(kind);
        let template = ActTemplate {
            body: format!(
                "{}\n## Ritiro\nL'atto si scarica dall'area personale; chi ne vuole una copia su carta la chiede all'URP, piazza del Municipio 1, dal lunedì al venerdì dalle 8:30 alle 13.",
                region.body
            ),
            ..region
        };
        self.save_act_text(livorno, kind, template, "Laura Bini")
            .await
    }
}

impl App {
    /// Anna Neri's visit to Livorno's assisted-access desk three days ago — the operator showed
    /// her two services' pages — as her personal area shows it («Accessi assistiti»):
    /// fictitious, like all demo data. Left as it is once there.
    pub async fn seed_demo_assisted_visit(&self) -> Result<(), AppError> {
        let livorno = match self.ente_by_istat("049009").await {
            Ok(e) => e.ente_id(),
            Err(AppError::NotFound) => return Ok(()),
            Err(e) => return Err(e),
        };
        let Some(anna) = persona("anna-neri") else {
            return Ok(());
        };
        let cf = anna
            .fiscal_code()
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let person = crate::sessions::person_hash(cf.as_str());
        if !self.store.assisted_uses(&person, 1).await?.is_empty() {
            return Ok(());
        }
        let Some(operator) = self.store.staff_user_by_username("livorno.paas").await? else {
            return Ok(());
        };
        let operator_name = format!("{} ({})", operator.display_name, operator.username);
        let start = sportello_store::to_millis(self.now() - time::Duration::days(3));
        let minute = 60_000;
        for (after, action, path) in [
            (0, "open", "/staff/assistenza"),
            (1, "GET /{slug}/servizi", "/livorno/servizi"),
            (
                2,
                "GET /{slug}/servizi/{id}",
                "/livorno/servizi/segnalazione-reclamo",
            ),
            (
                4,
                "GET /{slug}/servizi/{id}",
                "/livorno/servizi/contrassegno-disabili",
            ),
            (9, "POST /esci", "/esci"),
        ] {
            self.store
                .record_assisted_use(sportello_store::NewAssistedUse {
                    person_hash: &person,
                    ente_id: Some(livorno.get()),
                    operator_id: operator.id,
                    operator: &operator_name,
                    at: start + after * minute,
                    action,
                    path,
                })
                .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_test_persons_have_distinct_valid_codes() {
        let codes: std::collections::BTreeSet<String> =
            (0..2000).filter_map(test_person_fiscal_code).collect();
        assert_eq!(codes.len(), 2000);
        assert!(codes.iter().all(|c| CodiceFiscale::parse(c).is_ok()));
        assert!(test_person_fiscal_code(9_999_999).is_some());
    }

    #[test]
    fn personas_have_valid_distinct_codes() {
        let today = date!(2026 - 11 - 24);
        let all = personas();
        assert!(all.len() >= 6);
        let mut codes: Vec<String> = all
            .iter()
            .map(|p| p.fiscal_code().unwrap().as_str().to_string())
            .collect();
        for (p, code) in all.iter().zip(&codes) {
            let cf = CodiceFiscale::parse(code).unwrap();
            assert_eq!(cf.birth_date(today), Some(p.birth_date), "{}", p.key);
        }
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
        assert!(all
            .iter()
            .any(|p| p.fiscal_code().unwrap().age_on(today).unwrap() < 18));
        assert!(all.iter().any(|p| p.company_vat().is_some()));
        let (_, vat) = persona("francesco-esposito")
            .unwrap()
            .company_vat()
            .unwrap();
        assert!(PartitaIva::parse(vat.as_str()).is_ok());
    }
}
