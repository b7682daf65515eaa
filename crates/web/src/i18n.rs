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
    ("form.invalid", "Richiesta non valida: azione sconosciuta.", "Invalid request: unknown action."),
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
    ("field.required", "Questo campo è obbligatorio.", "This field is required."),
    ("field.must_accept", "Devi confermare per proseguire.", "You must confirm to continue."),
    ("field.too_short", "Inserisci almeno {} caratteri.", "Enter at least {} characters."),
    ("field.too_long", "Inserisci al massimo {} caratteri.", "Enter at most {} characters."),
    ("field.not_number", "Inserisci un numero, ad esempio 12,5.", "Enter a number, for example 12.5."),
    ("field.below_min", "Il valore minimo ammesso è {}.", "The lowest value allowed is {}."),
    ("field.above_max", "Il valore massimo ammesso è {}.", "The highest value allowed is {}."),
    ("field.not_date", "Inserisci una data, ad esempio 31/12/2026.", "Enter a date, for example 31/12/2026."),
    ("field.date_too_early", "La data non può essere precedente al {}.", "The date cannot be before {}."),
    ("field.date_too_late", "La data non può essere successiva al {}.", "The date cannot be after {}."),
    ("field.before_field", "La data non può essere precedente a «{}».", "The date cannot be before «{}»."),
    ("field.not_option", "Scegli una delle opzioni proposte.", "Choose one of the options."),
    ("field.not_email", "Inserisci un indirizzo email valido, ad esempio nome@esempio.it.", "Enter a valid e-mail address, for example name@example.com."),
    ("field.not_phone", "Inserisci un numero di telefono valido, da 6 a 15 cifre.", "Enter a valid phone number, 6 to 15 digits."),
    ("field.invalid_code", "Valore non valido: {}.", "Invalid value: {}."),
    ("field.pattern", "Il formato non è valido: {}.", "The format is not valid: {}."),
    ("field.unknown", "Questo campo non fa parte del modulo.", "This field is not part of the form."),
    ("field.optional", "facoltativo", "optional"),
    ("field.only_if", "Compila solo se in «{}» hai scelto: {}.", "Fill in only if in «{}» you chose: {}."),
    ("field.current_file", "File caricato", "Uploaded file"),
    ("field.replace_file", "Per sostituirlo, scegli un altro file.", "To replace it, choose another file."),
    ("field.accepted_files", "Formati ammessi", "Accepted formats"),
    ("services.title", "Servizi online", "Online services"),
    ("services.lead", "Tutti i servizi che puoi richiedere online al comune.", "Every service you can apply for online."),
    ("services.search", "Cerca un servizio", "Find a service"),
    ("services.category", "Categoria", "Category"),
    ("services.all_categories", "Tutte le categorie", "All categories"),
    ("services.none", "Nessun servizio corrisponde alla ricerca.", "No service matches your search."),
    ("services.see_all", "Vedi tutti i servizi", "See all services"),
    ("category.anagrafe", "Anagrafe e stato civile", "Registry office"),
    ("category.scuola", "Scuola e servizi educativi", "School and education"),
    ("category.mobilita", "Mobilità e trasporti", "Mobility and transport"),
    ("category.territorio", "Territorio e spazi pubblici", "Territory and public spaces"),
    ("category.edilizia", "Edilizia e urbanistica", "Building and planning"),
    ("category.attivita_produttive", "Imprese e commercio", "Business and trade"),
    ("category.contributi", "Contributi e agevolazioni", "Grants and benefits"),
    ("category.trasparenza", "Accesso agli atti e trasparenza", "Access to documents and transparency"),
    ("category.segnalazioni", "Segnalazioni e reclami", "Reports and complaints"),
    ("scheda.who", "A chi è rivolto", "Who it is for"),
    ("scheda.requirements", "Requisiti", "Requirements"),
    ("scheda.documents", "Documenti da allegare", "Documents to attach"),
    ("scheda.cost", "Costi", "Costs"),
    ("scheda.term", "Tempi", "How long it takes"),
    ("scheda.office", "Ufficio responsabile", "Office in charge"),
    ("scheda.legal_basis", "Riferimenti normativi", "Legal basis"),
    ("scheda.outcome", "Cosa si ottiene", "What you get"),
    ("scheda.level", "Accesso richiesto", "Sign-in required"),
    ("scheda.apply", "Compila la domanda", "Fill in the application"),
    ("scheda.sign_in_to_apply", "Per compilare la domanda accedi con SPID o CIE.", "To fill in the application, sign in with SPID or CIE."),
    ("scheda.maturity", "Livello di digitalizzazione", "Digital maturity level"),
    ("scheda.window", "Domande dal {} al {}", "Applications from {} to {}"),
    ("regime.ordinary", "Il comune conclude il procedimento entro {} giorni dalla protocollazione.", "The municipality decides within {} days of registration."),
    ("regime.silent_consent", "Entro {} giorni dalla protocollazione; se il comune non risponde, la domanda è accolta (silenzio-assenso).", "Within {} days of registration; if the municipality does not answer, the application is granted (silent consent)."),
    ("regime.scia", "L'attività può iniziare dal giorno della presentazione; il comune ha {} giorni per i controlli.", "The activity may start on filing; the municipality has {} days to check it."),
    ("regime.immediate", "Si conclude con la presentazione.", "Concluded on filing."),
    ("apply.step", "Passo {} di {}", "Step {} of {}"),
    ("apply.steps", "Passi della domanda", "Steps of the application"),
    ("apply.continue", "Salva e continua", "Save and continue"),
    ("apply.save_exit", "Salva ed esci", "Save and leave"),
    ("apply.back", "Indietro", "Back"),
    ("apply.review", "Riepilogo", "Review"),
    ("apply.review_lead", "Controlla i dati prima di inviare la domanda. Puoi tornare a ogni passo per modificarli.", "Check your answers before sending. You can go back to any step to change them."),
    ("apply.change", "Modifica", "Change"),
    ("apply.declaration", "Dichiaro, consapevole delle sanzioni penali previste dall'art. 76 del D.P.R. 445/2000 per le dichiarazioni mendaci, che i dati e le informazioni indicati sono veri (artt. 46 e 47 del D.P.R. 445/2000).", "I declare, aware of the criminal penalties of art. 76 of DPR 445/2000 for false statements, that the data and information given are true (arts. 46 and 47 of DPR 445/2000)."),
    ("apply.declaration_missing", "Per inviare la domanda devi rendere la dichiarazione.", "To send the application you must make the declaration."),
    ("apply.submit", "Invia la domanda", "Send the application"),
    ("apply.fix_first", "Alcuni dati non sono completi o non sono validi: correggili prima di inviare.", "Some answers are missing or invalid: correct them before sending."),
    ("apply.saved", "Bozza salvata. Puoi riprenderla dall'area personale.", "Draft saved. You can resume it from your personal area."),
    ("apply.file_refused_empty", "Il file è vuoto.", "The file is empty."),
    ("apply.file_refused_type", "Il contenuto del file non è di un formato ammesso (PDF, PDF/A, JPEG, PNG o P7M firmato).", "The file's content is not an accepted format (PDF, PDF/A, JPEG, PNG or signed P7M)."),
    ("apply.file_refused_corrupted", "Il file è danneggiato o incompleto.", "The file is damaged or incomplete."),
    ("apply.file_not_accepted", "Questo tipo di file non è ammesso per questo documento.", "This type of file is not accepted for this document."),
    ("apply.file_too_large", "Il file è troppo grande: il limite è {}.", "The file is too large: the limit is {}."),
    ("apply.window_not_open", "Le domande si possono presentare dal {} al {}.", "Applications may be filed from {} to {}."),
    ("apply.already_filed", "Hai già presentato questa domanda (protocollo n. {}): è ammessa una sola domanda per persona.", "You have already filed this application (registration no. {}): one application per person."),
    ("apply.not_a_draft", "La domanda è già stata inviata e non si può più modificare.", "The application has been sent and can no longer be changed."),
    ("receipt.title", "Domanda inviata", "Application sent"),
    ("receipt.lead", "La domanda è stata protocollata. Conserva questa ricevuta.", "Your application has been registered. Keep this receipt."),
    ("receipt.number", "Numero di protocollo", "Registration number"),
    ("receipt.date", "Data e ora di protocollazione", "Date and time of registration"),
    ("receipt.aoo", "Registro", "Register"),
    ("receipt.digest", "Impronta della domanda (SHA-256)", "Application digest (SHA-256)"),
    ("receipt.attachments", "Allegati e loro impronte", "Attachments and their digests"),
    ("receipt.state", "Stato della pratica", "State of the case"),
    ("receipt.due", "Scadenza del termine", "Due date"),
    ("receipt.term", "Termine del procedimento", "Term of the procedure"),
    ("receipt.office", "Ufficio responsabile", "Office in charge"),
    ("receipt.classification", "Classificazione", "Classification"),
    ("receipt.fascicolo", "Fascicolo", "Case file"),
    ("receipt.pdf", "Scarica la ricevuta (PDF)", "Download the receipt (PDF)"),
    ("receipt.summary", "Dati presentati", "What you filed"),
    ("cases.title", "Le mie pratiche", "My cases"),
    ("cases.drafts", "Bozze", "Drafts"),
    ("cases.filed", "Domande presentate", "Filed applications"),
    ("cases.none", "Non hai ancora domande.", "You have no applications yet."),
    ("cases.resume", "Riprendi", "Resume"),
    ("cases.receipt", "Ricevuta", "Receipt"),
    ("cases.withdraw", "Ritira la domanda", "Withdraw the application"),
    ("cases.status.draft", "Bozza", "Draft"),
    ("cases.status.submitted", "Protocollata", "Registered"),
    ("cases.status.withdrawn", "Ritirata", "Withdrawn"),
    ("cases.updated", "ultima modifica", "last changed"),
    ("ente.services_link", "Tutti i servizi online del comune", "All the municipality's online services"),
    ("staff.catalogue_title", "Servizi offerti dall'ente", "Services the body offers"),
    ("staff.customised", "personalizzato", "customised"),
    ("staff.saved", "Modifiche salvate.", "Changes saved."),
    ("staff.term_days", "Termine del procedimento (giorni)", "Term of the procedure (days)"),
    ("staff.term_hint", "Vuoto per il termine del catalogo regionale; la legge ammette fino a 90 giorni. Catalogo:", "Empty for the regional catalogue's term; the law allows up to 90 days. Catalogue:"),
    ("staff.fees", "Costi dell'ente", "The body's fees"),
    ("staff.fees_hint", "Uno per riga, «importo | causale» (es. 16,00 | Imposta di bollo). Vuoto per i costi del catalogo regionale.", "One per line, «amount | reason» (e.g. 16.00 | Stamp duty). Empty for the regional catalogue's fees."),
    ("staff.extra", "Informazioni aggiuntive dell'ente", "The body's additional information"),
    ("staff.save", "Salva", "Save"),
    ("staff.catalogue_link", "Servizi offerti e personalizzazioni", "Services offered and customisations"),
    ("acting.title", "Per conto di chi presenti la domanda?", "On whose behalf are you applying?"),
    ("acting.myself", "Per me", "For myself"),
    ("acting.company", "Per l'impresa che rappresento:", "For the business I represent:"),
    ("acting.client", "Per un cliente, come professionista o intermediario", "For a client, as a professional or intermediary"),
    ("acting.client_only_if", "Compila solo se presenti per un cliente.", "Fill in only if you apply for a client."),
    ("acting.client_code", "Codice fiscale o partita IVA del cliente", "Client's codice fiscale or partita IVA"),
    ("acting.client_name", "Nome e cognome o ragione sociale del cliente", "Client's name or company name"),
    ("acting.mandate", "Procura firmata dal cliente (PDF o P7M)", "Mandate signed by the client (PDF or P7M)"),
    ("acting.start", "Continua", "Continue"),
    ("acting.choose", "Scegli per conto di chi presenti la domanda.", "Choose on whose behalf you are applying."),
    ("acting.mandate_missing", "Per presentare per un cliente allega la procura firmata.", "To apply for a client, attach the signed mandate."),
    ("acting.bad_client", "Indica un codice fiscale o una partita IVA validi e il nome del cliente.", "Give a valid codice fiscale or partita IVA and the client's name."),
    ("acting.bad_mandate", "La procura deve essere un PDF o un file firmato P7M.", "The mandate must be a PDF or a signed P7M file."),
    ("acting.not_allowed", "Questo servizio non si può presentare in questo modo.", "This service cannot be filed this way."),
    ("cases.on_behalf", "per conto di", "on behalf of"),
    ("paas.title", "Accesso assistito", "Assisted access"),
    ("paas.lead", "Per un cittadino presente allo sportello che chiede aiuto: identificalo con un documento e acquisisci la sua delega firmata. Tutto ciò che presenterai sarà suo e segnato come assistito.", "For a citizen at the desk who asks for help: identify them with a document and take their signed mandate. Everything you file will be theirs and marked as assisted."),
    ("paas.given_name", "Nome del cittadino", "Citizen's given name"),
    ("paas.family_name", "Cognome del cittadino", "Citizen's family name"),
    ("paas.document_checked", "Ho verificato l'identità del cittadino con un documento di riconoscimento valido", "I checked the citizen's identity with a valid identity document"),
    ("paas.mandate", "Delega firmata dal cittadino (PDF, immagine o P7M)", "Mandate signed by the citizen (PDF, image or P7M)"),
    ("paas.start", "Inizia l'assistenza", "Start assisting"),
    ("paas.document_required", "Conferma di aver verificato il documento d'identità.", "Confirm you checked the identity document."),
    ("paas.mandate_required", "Allega la delega firmata dal cittadino.", "Attach the mandate signed by the citizen."),
    ("paas.banner", "Sessione assistita: l'operatore {} agisce per conto di {}, presente allo sportello.", "Assisted session: operator {} acts on behalf of {}, present at the desk."),
    ("paas.link", "Assistenza a un cittadino (PAAS)", "Assist a citizen (PAAS)"),
    ("role.paas-operator", "Operatore di accesso assistito (PAAS)", "Assisted access operator (PAAS)"),
    ("office.title", "Pratiche dell'ufficio", "The office's cases"),
    ("office.filters", "Filtri delle pratiche", "Case filters"),
    ("office.filter_open", "Aperte", "Open"),
    ("office.filter_overdue", "Scadute", "Overdue"),
    ("office.filter_soon", "In scadenza entro 5 giorni", "Due within 5 days"),
    ("office.filter_all", "Tutte", "All"),
    ("office.none", "Nessuna pratica in questo elenco.", "No case in this list."),
    ("office.service", "Servizio", "Service"),
    ("office.applicant", "Richiedente", "Applicant"),
    ("office.days_left", "Giorni rimasti", "Days left"),
    ("office.case", "Pratica", "Case"),
    ("office.timeline", "Cronologia", "Timeline"),
    ("office.link", "Pratiche dell'ufficio", "The office's cases"),
    ("office.filter_state", "Stato", "State"),
    ("office.filter_service", "Servizio", "Service"),
    ("office.filter_assignee", "Assegnatario", "Assignee"),
    ("office.filter_term", "Termine", "Term"),
    ("office.any", "Tutti", "Any"),
    ("office.mine", "Assegnate a me", "Assigned to me"),
    ("office.unassigned", "Non assegnate", "Unassigned"),
    ("office.apply_filters", "Filtra", "Filter"),
    ("office.assignee", "Assegnata a", "Assigned to"),
    ("office.nobody", "nessuno", "nobody"),
    ("office.suspended", "Termine sospeso: alla ripresa restano {} giorni", "Term suspended: {} days left when it resumes"),
    ("office.actions", "Azioni", "Actions"),
    ("office.assign", "Assegna", "Assign"),
    ("office.assign_to", "Assegna la pratica a", "Assign the case to"),
    ("office.text", "Testo", "Text"),
    ("office.action.start", "Avvia il procedimento (comunicazione di avvio)", "Start the procedure (notice of start)"),
    ("office.action.integration", "Richiedi integrazione (sospende il termine, una sola volta)", "Request documents (suspends the term, once)"),
    ("office.action.preavviso", "Invia preavviso di rigetto (art. 10-bis)", "Send notice of intended rejection (art. 10-bis)"),
    ("office.action.accept", "Accogli", "Accept"),
    ("office.action.reject", "Respingi", "Reject"),
    ("office.action.prohibit", "Vieta la prosecuzione dell'attività (SCIA)", "Prohibit the activity (SCIA)"),
    ("office.action.note", "Aggiungi nota interna", "Add internal note"),
    ("office.action.message", "Scrivi al richiedente", "Write to the applicant"),
    ("office.text.integration", "Documenti o chiarimenti richiesti", "Documents or clarifications requested"),
    ("office.text.preavviso", "Motivi ostativi all'accoglimento", "Reasons against acceptance"),
    ("office.text.motivation", "Motivazione", "Reasons"),
    ("office.notes", "Note interne (non visibili al richiedente)", "Internal notes (not shown to the applicant)"),
    ("office.no_actions", "Nessuna azione è possibile ora con il tuo ruolo.", "No action is possible now with your role."),
    ("office.done", "Fatto.", "Done."),
    ("office.kept", "Il testo che hai scritto, per non perderlo:", "The text you wrote, so it is not lost:"),
    ("case.documents", "Documenti", "Documents"),
    ("case.messages", "Messaggi", "Messages"),
    ("case.from_office", "Ufficio", "Office"),
    ("case.from_applicant", "Richiedente", "Applicant"),
    ("case.segnatura", "segnatura XML", "XML segnatura"),
    ("case.outbound", "inviato", "sent"),
    ("case.inbound", "ricevuto", "received"),
    ("case.title", "La tua pratica", "Your case"),
    ("case.follow", "Segui la pratica", "Follow the case"),
    ("case.answer", "Rispondi all'ufficio", "Answer the office"),
    ("case.answer_integration", "L'ufficio ti ha chiesto di integrare la domanda. Il termine è sospeso finché non rispondi (al massimo 30 giorni).", "The office asked you to complete your application. The term is suspended until you answer (30 days at most)."),
    ("case.answer_observations", "L'ufficio ti ha comunicato i motivi che ostano all'accoglimento. Hai 10 giorni per presentare osservazioni e documenti.", "The office told you the reasons against acceptance. You have 10 days to send observations and documents."),
    ("case.message", "Messaggio", "Message"),
    ("case.files", "Documenti da allegare (PDF, immagini o P7M; fino a 5, 10 MB ciascuno)", "Documents to attach (PDF, images or P7M; up to 5, 10 MB each)"),
    ("case.send", "Invia la risposta", "Send the answer"),
    ("case.none", "Nessuno.", "None."),
    ("event.protocollata", "Domanda protocollata", "Application registered"),
    ("event.ritirata", "Domanda ritirata", "Application withdrawn"),
    ("event.assegnata", "Pratica assegnata", "Case assigned"),
    ("event.avvio", "Procedimento avviato", "Procedure started"),
    ("event.richiesta_integrazione", "Richiesta di integrazione: termine sospeso", "Documents requested: term suspended"),
    ("event.integrazione", "Integrazione ricevuta: il termine riprende", "Documents received: the term resumes"),
    ("event.integrazione_non_pervenuta", "Integrazione non pervenuta in 30 giorni: il termine riprende", "No documents within 30 days: the term resumes"),
    ("event.preavviso", "Preavviso di rigetto: termine sospeso", "Notice of intended rejection: term suspended"),
    ("event.osservazioni", "Osservazioni ricevute: il termine riprende", "Observations received: the term resumes"),
    ("event.preavviso_scaduto", "Trascorsi 10 giorni dal preavviso: il termine riprende", "10 days after the notice: the term resumes"),
    ("event.accolta", "Domanda accolta", "Application accepted"),
    ("event.respinta", "Domanda respinta", "Application rejected"),
    ("event.silenzio_assenso", "Conclusa per silenzio-assenso", "Concluded by silent consent"),
    ("event.scia_inibita", "SCIA: prosecuzione vietata", "SCIA: activity prohibited"),
    ("event.scia_consolidata", "SCIA consolidata: termine dei controlli scaduto", "SCIA consolidated: control window over"),
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
