//! The message catalogue: every text the user reads, in Italian first and English second.
//! Templates ask for a key; a key missing here is a test failure (see the tests below).

use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    It,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::It => "it",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "it" => Some(Lang::It),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn other(self) -> Self {
        match self {
            Lang::It => Lang::En,
            Lang::En => Lang::It,
        }
    }
}

/// (key, Italian, English)
const MESSAGES: &[(&str, &str, &str)] = &[
    ("site.name", "Sportello digitale", "Digital front desk"),
    ("site.region_portal", "Portale dei servizi dei comuni toscani", "Services portal of the Tuscan municipalities"),
    ("site.skip", "Vai al contenuto principale", "Skip to main content"),
    ("site.demo", "DEMO — ambiente dimostrativo con dati e persone fittizi. Nessuna domanda ha valore legale.", "DEMO — demonstration environment with fictitious people and data. No application has legal effect."),
    ("site.lang_switch", "English", "Italiano"),
    ("site.lang_switch_label", "Switch to English", "Passa all'italiano"),
    ("nav.main", "Menu principale", "Main menu"),
    ("nav.home", "Home", "Home"),
    ("nav.comuni", "Tutti i comuni", "All municipalities"),
    ("nav.personal_area", "Area personale", "Personal area"),
    ("nav.sign_in", "Accedi all'area personale", "Sign in to your personal area"),
    ("nav.staff", "Accesso operatori", "Staff sign-in"),
    ("nav.breadcrumb", "Percorso di navigazione", "Breadcrumb"),
    ("footer.data", "Elenco dei comuni: ISTAT, «Codici statistici delle unità amministrative territoriali», licenza CC BY 3.0 IT.", "List of municipalities: ISTAT, «Statistical codes of territorial administrative units», CC BY 3.0 IT licence."),
    ("footer.api", "API per sviluppatori (OpenAPI)", "Developer API (OpenAPI)"),
    ("footer.software", "Sportello, software libero per la pubblica amministrazione", "Sportello, free software for public administration"),
    ("region.title", "Servizi online dei comuni della Toscana", "Online services of the municipalities of Tuscany"),
    ("region.lead", "Scegli il tuo comune per trovare i servizi, presentare domande e seguire le tue pratiche.", "Choose your municipality to find services, file applications and follow your cases."),
    ("region.search_legend", "Cerca un comune", "Find a municipality"),
    ("region.search_name", "Nome del comune", "Name of the municipality"),
    ("region.search_name_hint", "Anche solo una parte del nome, ad esempio «Livorno» o «San».", "Even part of the name, for example «Livorno» or «San»."),
    ("region.search_province", "Provincia", "Province"),
    ("region.all_provinces", "Tutte le province", "All provinces"),
    ("region.search_submit", "Cerca", "Search"),
    ("region.results", "Comuni trovati", "Municipalities found"),
    ("region.no_results", "Nessun comune corrisponde alla ricerca. Controlla il nome o scegli un'altra provincia.", "No municipality matches your search. Check the name or choose another province."),
    ("region.reset", "Mostra tutti i comuni", "Show all municipalities"),
    ("region.population", "abitanti", "residents"),
    ("region.province", "Provincia di", "Province of"),
    ("region.signed_out", "Sei uscito dall'area personale.", "You have signed out."),
    ("ente.title_prefix", "Comune di", "Municipality of"),
    ("ente.lead", "Sportello digitale del comune: informazioni, servizi online e area personale.", "The municipality's digital front desk: information, online services and personal area."),
    ("ente.facts", "Dati del comune", "About the municipality"),
    ("ente.istat", "Codice ISTAT", "ISTAT code"),
    ("ente.cadastral", "Codice catastale", "Cadastral code"),
    ("ente.province", "Provincia", "Province"),
    ("ente.population", "Popolazione residente", "Resident population"),
    ("ente.aoo", "Area organizzativa omogenea (protocollo)", "Registry area (protocol register)"),
    ("ente.offices", "Uffici", "Offices"),
    ("ente.personal_area", "La tua area personale", "Your personal area"),
    ("ente.personal_area_text", "Accedi con SPID o CIE per seguire le tue pratiche presso il comune.", "Sign in with SPID or CIE to follow your cases with the municipality."),
    ("signin.title", "Accedi all'area personale", "Sign in to your personal area"),
    ("signin.lead", "Per accedere all'area personale usa la tua identità digitale SPID o la Carta d'Identità Elettronica (CIE).", "To sign in use your SPID digital identity or your electronic identity card (CIE)."),
    ("signin.with", "Entra con", "Sign in with"),
    ("signin.level", "Livello di sicurezza richiesto", "Required assurance level"),
    ("signin.no_providers", "Nessun fornitore di identità è configurato. Contatta l'amministratore del servizio.", "No identity provider is configured. Contact the service administrator."),
    ("signin.staff_hint", "Sei un operatore del comune?", "Are you municipal staff?"),
    ("signin.failed_title", "Accesso non riuscito", "Sign-in failed"),
    ("signin.retry", "Riprova ad accedere", "Try signing in again"),
    ("signin.error.state", "La richiesta di accesso è scaduta o è già stata usata. Ricomincia dall'inizio.", "The sign-in request has expired or was already used. Please start again."),
    ("signin.error.refused", "L'accesso è stato annullato o rifiutato dal fornitore di identità.", "The identity provider cancelled or refused the sign-in."),
    ("signin.error.unavailable", "Il fornitore di identità non risponde. Riprova tra qualche minuto.", "The identity provider is not answering. Please try again in a few minutes."),
    ("signin.error.code", "Il fornitore di identità non ha confermato l'accesso. Ricomincia dall'inizio.", "The identity provider did not confirm the sign-in. Please start again."),
    ("signin.error.signature", "La risposta del fornitore di identità non è autentica. Per sicurezza l'accesso è stato bloccato.", "The identity provider's answer is not authentic. For your safety the sign-in was blocked."),
    ("signin.error.claims", "I dati ricevuti dal fornitore di identità non sono validi o sono scaduti. Ricomincia dall'inizio.", "The data received from the identity provider is invalid or expired. Please start again."),
    ("signin.error.level", "Il livello di sicurezza dell'accesso è inferiore a quello richiesto.", "The sign-in's assurance level is lower than required."),
    ("signin.error.fiscal_code", "Il fornitore di identità non ha comunicato un codice fiscale valido.", "The identity provider did not send a valid codice fiscale."),
    ("signin.error.provider", "Fornitore di identità sconosciuto.", "Unknown identity provider."),
    ("personal.title", "Area personale", "Personal area"),
    ("personal.welcome", "Benvenuta/o", "Welcome"),
    ("personal.fiscal_code", "Codice fiscale", "Codice fiscale (tax code)"),
    ("personal.level", "Livello SPID dell'accesso", "SPID level of this sign-in"),
    ("personal.email", "Posta elettronica", "E-mail"),
    ("personal.sign_out", "Esci", "Sign out"),
    ("personal.cases", "Le tue pratiche compariranno qui quando presenterai una domanda.", "Your cases will appear here once you file an application."),
    ("staff.signin_title", "Accesso operatori", "Staff sign-in"),
    ("staff.signin_lead", "Area riservata al personale degli enti e del centro servizi regionale.", "Reserved to the staff of the municipalities and of the regional service centre."),
    ("staff.username", "Nome utente", "Username"),
    ("staff.password", "Password", "Password"),
    ("staff.code", "Codice di verifica (app di autenticazione)", "Verification code (authenticator app)"),
    ("staff.code_hint", "Sei cifre. Obbligatorio per gli amministratori.", "Six digits. Required for administrators."),
    ("staff.submit", "Accedi", "Sign in"),
    ("staff.errors_title", "Non è stato possibile accedere", "Sign-in was not possible"),
    ("staff.error.credentials", "Nome utente, password o codice non corretti.", "Wrong username, password or code."),
    ("staff.error.too_soon", "Troppi tentativi non riusciti. Attendi qualche secondo e riprova.", "Too many failed attempts. Wait a few seconds and try again."),
    ("staff.error.locked", "Account bloccato per troppi tentativi non riusciti. Riprova più tardi o contatta l'amministratore.", "Account locked after too many failed attempts. Try later or contact your administrator."),
    ("staff.error.code_required", "Inserisci il codice di verifica dell'app di autenticazione.", "Enter the verification code from your authenticator app."),
    ("staff.error.not_enrolled", "Il secondo fattore non è attivo per questo account. Contatta l'amministratore.", "The second factor is not set up for this account. Contact your administrator."),
    ("staff.error.username_missing", "Inserisci il nome utente.", "Enter your username."),
    ("staff.error.password_missing", "Inserisci la password.", "Enter your password."),
    ("staff.home_title", "Scrivania", "Desk"),
    ("staff.roles", "Ruoli", "Roles"),
    ("staff.scope", "Ente", "Body"),
    ("staff.scope_region", "Regione Toscana — centro servizi", "Regione Toscana — service centre"),
    ("role.region-admin", "Amministratore regionale", "Region administrator"),
    ("role.ente-admin", "Amministratore dell'ente", "Body administrator"),
    ("role.operator", "Istruttore", "Case officer"),
    ("role.registry-clerk", "Protocollista", "Registry clerk"),
    ("role.responsible-officer", "Responsabile del procedimento", "Responsible officer"),
    ("form.error_summary", "Correggi i seguenti errori:", "Please correct the following errors:"),
    ("form.csrf", "La pagina è scaduta. Ricarica la pagina e riprova.", "The page has expired. Reload the page and try again."),
    ("idp.title", "Fornitore di identità dimostrativo", "Demonstration identity provider"),
    ("idp.lead", "Scegli una persona fittizia e il livello SPID con cui accedere. Nessun dato reale.", "Choose a fictitious person and the SPID level to sign in with. No real data."),
    ("idp.persona", "Persona", "Person"),
    ("idp.level", "Livello SPID", "SPID level"),
    ("idp.level_hint", "Sono elencati solo i livelli pari o superiori a quello richiesto dal servizio.", "Only levels equal to or above the one the service requires are listed."),
    ("idp.approve", "Accedi con questa persona", "Sign in as this person"),
    ("idp.cancel", "Annulla", "Cancel"),
    ("idp.bad_client", "Richiesta di accesso non valida: il servizio richiedente non è registrato presso questo fornitore.", "Invalid sign-in request: the requesting service is not registered with this provider."),
    ("idp.born", "nato/a il", "born"),
    ("level.L1", "Livello 1 — nome utente e password", "Level 1 — username and password"),
    ("level.L2", "Livello 2 — password e secondo fattore", "Level 2 — password and second factor"),
    ("level.L3", "Livello 3 — dispositivo fisico", "Level 3 — physical device"),
    ("error.404_title", "Pagina non trovata", "Page not found"),
    ("error.404_text", "La pagina che cerchi non esiste o è stata spostata. Controlla l'indirizzo o torna alla pagina iniziale.", "The page you are looking for does not exist or has moved. Check the address or go back to the home page."),
    ("error.500_title", "Errore del servizio", "Service error"),
    ("error.500_text", "Si è verificato un errore imprevisto. Nessun dato inserito è andato perso. Riprova tra qualche minuto; se il problema continua, indica all'assistenza il codice della richiesta.", "An unexpected error occurred. No data you entered was lost. Try again in a few minutes; if the problem persists, give support the request code."),
    ("error.request_id", "Codice della richiesta", "Request code"),
    ("error.back_home", "Torna alla pagina iniziale", "Back to the home page"),
    ("error.403_title", "Accesso non consentito", "Access not allowed"),
    ("error.403_text", "Non hai i permessi per questa operazione.", "You are not allowed to do this."),
];

fn table() -> &'static HashMap<&'static str, (&'static str, &'static str)> {
    static TABLE: OnceLock<HashMap<&'static str, (&'static str, &'static str)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        MESSAGES
            .iter()
            .map(|(k, it, en)| (*k, (*it, *en)))
            .collect()
    })
}

/// The text of `key` in `lang`. A missing key shows a marker (and fails the tests).
pub fn t(lang: Lang, key: &str) -> &'static str {
    match table().get(key) {
        Some((it, en)) => match lang {
            Lang::It => it,
            Lang::En => en,
        },
        None => "[?]",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_complete() {
        assert_eq!(table().len(), MESSAGES.len(), "a key is repeated");
        for (k, it, en) in MESSAGES {
            assert!(!it.is_empty() && !en.is_empty(), "{k}");
        }
    }

    /// Every key a template or handler asks for exists in the catalogue.
    #[test]
    fn every_used_key_exists() {
        let dirs = [
            concat!(env!("CARGO_MANIFEST_DIR"), "/templates"),
            concat!(env!("CARGO_MANIFEST_DIR"), "/src/pages"),
        ];
        let mut checked = 0;
        for dir in dirs {
            for entry in std::fs::read_dir(dir).unwrap() {
                let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
                for (i, _) in text.match_indices(".t(\"") {
                    let rest = &text[i + 4..];
                    let key = &rest[..rest.find('"').unwrap()];
                    if key.contains(['{', ' ']) {
                        continue;
                    }
                    assert!(table().contains_key(key), "missing message key {key}");
                    checked += 1;
                }
            }
        }
        assert!(
            checked > 40,
            "only {checked} keys found: the scan is broken"
        );
    }
}
