//! The month's applications: who filed what, where and when, and what the office did.

use crate::applications::ActingFor;

/// The ISTAT codes of the three municipalities the month happens in.
pub(super) const LIVORNO: &str = "049009";
pub(super) const FIRENZE: &str = "048017";
pub(super) const PISA: &str = "050026";

/// One application of the month, and what the office did with it.
pub(super) struct Story {
    pub(super) istat: &'static str,
    pub(super) service: &'static str,
    pub(super) person: Who,
    pub(super) acting: ActingFor,
    /// A client the person files for as a professional (codice fiscale, name), with a mandate.
    pub(super) client: Option<(&'static str, &'static str)>,
    /// Days before today it was filed (10:00 Italian time, plus the story's minutes).
    pub(super) filed: i64,
    pub(super) values: &'static [(&'static str, &'static str)],
    pub(super) files: &'static [(&'static str, &'static str, Kind)],
    /// (days before today, what the office did); the officer decides, the operator does the rest.
    pub(super) steps: &'static [(i64, Step)],
}

#[derive(Clone, Copy)]
pub(super) enum Who {
    Persona(&'static str),
    /// A numbered test person (`prova-N` at the demo provider).
    Numbered(u32, &'static str, &'static str),
}

#[derive(Clone, Copy)]
pub(super) enum Kind {
    Pdf,
    Png,
}

#[derive(Clone, Copy)]
pub(super) enum Step {
    Start,
    Integration(&'static str),
    Answer(&'static str),
    Preavviso(&'static str),
    Accept(&'static str),
    Reject(&'static str),
    Withdraw,
}

pub(super) fn stories() -> Vec<Story> {
    use Step::*;
    vec![
        // Livorno: silent consent, its 45 days long run out.
        Story {
            istat: LIVORNO,
            service: "cambio-residenza",
            person: Who::Persona("omar-haddad"),
            acting: ActingFor::Myself,
            client: None,
            filed: 75,
            values: &[
                ("provenienza", "altro_comune"),
                ("comune_provenienza", "Prato"),
                ("indirizzo", "Via della Madonna 31, Livorno"),
                ("titolo_occupazione", "locazione"),
                (
                    "familiari",
                    r#"[{"nome":"Samira","cognome":"Haddad","codice_fiscale":"HDDSMR85H60G999D","relazione":"coniuge"},{"nome":"Leila","cognome":"Haddad","codice_fiscale":"HDDLLE12C54E625X","relazione":"figlio"},{"nome":"Youssef","cognome":"Haddad","codice_fiscale":"HDDYSF15P02E625L","relazione":"figlio"}]"#,
                ),
            ],
            files: &[("contratto", "contratto-locazione.pdf", Kind::Pdf)],
            steps: &[(74, Start)],
        },
        // Livorno: waiting for Anna Neri's document.
        Story {
            istat: LIVORNO,
            service: "contrassegno-disabili",
            person: Who::Persona("anna-neri"),
            acting: ActingFor::Myself,
            client: None,
            filed: 28,
            values: &[("tipo_richiesta", "primo_rilascio"), ("durata", "permanente")],
            files: &[
                ("certificato_usl", "certificato-usl.pdf", Kind::Pdf),
                ("fototessera", "fototessera.png", Kind::Png),
            ],
            steps: &[
                (27, Start),
                (
                    25,
                    Integration(
                        "Allegare il certificato dell'ufficio medico-legale dell'ASL con la data della visita: quello inviato è privo di data.",
                    ),
                ),
            ],
        },
        // Livorno: accepted.
        Story {
            istat: LIVORNO,
            service: "occupazione-suolo-pubblico",
            person: Who::Numbered(101, "Paola", "Mancini"),
            acting: ActingFor::Myself,
            client: None,
            filed: 18,
            values: &[
                ("email", "paola.mancini@example.invalid"),
                ("in_qualita_di", "privato"),
                ("motivo", "trasloco"),
                ("indirizzo", "Via Grande 48"),
                ("superficie", "12,5"),
            ],
            files: &[("planimetria", "planimetria.pdf", Kind::Pdf)],
            steps: &[
                (17, Start),
                (
                    10,
                    Accept("L'occupazione, di due giorni, è compatibile con la viabilità e con il regolamento comunale."),
                ),
            ],
        },
        // Livorno: preavviso di rigetto, then refused.
        Story {
            istat: LIVORNO,
            service: "passo-carrabile",
            person: Who::Numbered(102, "Giorgio", "Bellini"),
            acting: ActingFor::Myself,
            client: None,
            filed: 26,
            values: &[
                ("indirizzo", "Via Provinciale Pisana 210, Livorno"),
                ("larghezza", "2,4"),
                ("titolo", "proprietario"),
            ],
            files: &[
                ("planimetria", "planimetria.pdf", Kind::Pdf),
                ("foto", "ingresso.png", Kind::Png),
            ],
            steps: &[
                (25, Start),
                (
                    20,
                    Preavviso("L'accesso si apre a meno di 12 metri da un'intersezione (art. 46 del regolamento del Codice della strada)."),
                ),
                (
                    5,
                    Reject("Trascorsi i 10 giorni senza osservazioni, restano i motivi comunicati con il preavviso: l'accesso è troppo vicino all'incrocio."),
                ),
            ],
        },
        // Livorno: the office asked, the applicant answered — on the desk as an answer to read.
        Story {
            istat: LIVORNO,
            service: "accesso-atti",
            person: Who::Numbered(103, "Elena", "Fabbri"),
            acting: ActingFor::Myself,
            client: None,
            filed: 12,
            values: &[
                ("email", "elena.fabbri@example.invalid"),
                ("documenti", "Verbale della conferenza dei servizi sul parcheggio di piazza Cavour"),
                ("motivazione", "Sono proprietaria di un immobile confinante e intendo valutare un ricorso."),
                ("modalita", "copia_digitale"),
            ],
            files: &[],
            steps: &[
                (11, Start),
                (9, Integration("Indicare la data della conferenza dei servizi o il numero del verbale.")),
                (6, Answer("La conferenza si è tenuta il 14 ottobre 2026.")),
            ],
        },
        // Livorno: new, to start.
        Story {
            istat: LIVORNO,
            service: "segnalazione-reclamo",
            person: Who::Numbered(104, "Marco", "Gentili"),
            acting: ActingFor::Myself,
            client: None,
            filed: 5,
            values: &[
                ("tipo", "strade"),
                ("oggetto", "Buca in via Grande"),
                ("descrizione", "Una buca profonda davanti al civico 12, pericolosa per chi va in bicicletta."),
            ],
            files: &[],
            steps: &[],
        },
        // Livorno: filed, then withdrawn.
        Story {
            istat: LIVORNO,
            service: "accesso-civico-generalizzato",
            person: Who::Numbered(105, "Sofia", "Marchi"),
            acting: ActingFor::Myself,
            client: None,
            filed: 4,
            values: &[
                ("email", "sofia.marchi@example.invalid"),
                ("oggetto", "Contratti di manutenzione del verde pubblico 2025"),
                ("formato", "aperto"),
            ],
            files: &[],
            steps: &[(3, Withdraw)],
        },
        // Livorno: a SCIA, effective on filing.
        Story {
            istat: LIVORNO,
            service: "scia-esercizio-vicinato",
            person: Who::Persona("francesco-esposito"),
            acting: ActingFor::Company,
            client: None,
            filed: 20,
            values: &[
                ("pec", "esposito.costruzioni@pec.example"),
                ("indirizzo", "Via Ricasoli 12, Livorno"),
                ("settore", "non_alimentare"),
                ("superficie_vendita", "85"),
                ("requisiti_morali", "true"),
            ],
            files: &[("planimetria", "planimetria-negozio.pdf", Kind::Pdf)],
            steps: &[],
        },
        // Livorno: a CILA, its SUE fees paid with pagoPA before sending (the demo's checkout).
        Story {
            istat: LIVORNO,
            service: "cila",
            person: Who::Numbered(107, "Chiara", "Conti"),
            acting: ActingFor::Myself,
            client: None,
            filed: 9,
            values: &[
                ("indirizzo", "Via Marradi 40, Livorno"),
                ("foglio", "31"),
                ("particella", "412"),
                ("subalterno", "5"),
                ("descrizione", "Rifacimento degli impianti e dei bagni, senza opere strutturali"),
                ("codice_fiscale_tecnico", "HDDSMR85H60G999D"),
            ],
            files: &[
                ("relazione_asseverata", "relazione-tecnica-asseverata.pdf", Kind::Pdf),
                ("elaborati", "elaborati-grafici.pdf", Kind::Pdf),
            ],
            steps: &[],
        },
        // Livorno: an architect files a CILA for her client, and pays its fees for him before
        // sending (his debt, his receipt: in her «Per i tuoi clienti»).
        Story {
            istat: LIVORNO,
            service: "cila",
            person: Who::Persona("chiara-conti"),
            acting: ActingFor::Myself,
            client: Some(("RSSMRA80A01E625I", "Mario Rossi")),
            filed: 4,
            values: &[
                ("indirizzo", "Via Grande 18, Livorno"),
                ("foglio", "27"),
                ("particella", "208"),
                ("subalterno", ""),
                ("descrizione", "Manutenzione straordinaria degli infissi e delle finiture interne"),
                ("codice_fiscale_tecnico", "CNTCHR88L47A390H"),
            ],
            files: &[
                ("relazione_asseverata", "relazione-tecnica-asseverata.pdf", Kind::Pdf),
                ("elaborati", "elaborati-grafici.pdf", Kind::Pdf),
            ],
            steps: &[],
        },
        // Livorno: started, in the office's hands.
        Story {
            istat: LIVORNO,
            service: "occupazione-suolo-pubblico",
            person: Who::Numbered(106, "Luigi", "Ferrari"),
            acting: ActingFor::Myself,
            client: None,
            filed: 2,
            values: &[
                ("email", "luigi.ferrari@example.invalid"),
                ("in_qualita_di", "privato"),
                ("motivo", "ponteggio"),
                ("indirizzo", "Scali Manzoni 7"),
                ("superficie", "20"),
            ],
            files: &[("planimetria", "ponteggio.pdf", Kind::Pdf)],
            steps: &[(1, Start)],
        },
        // Livorno: just filed, to start.
        Story {
            istat: LIVORNO,
            service: "accesso-civico-generalizzato",
            person: Who::Numbered(107, "Tommaso", "Galli"),
            acting: ActingFor::Myself,
            client: None,
            filed: 1,
            values: &[
                ("email", "tommaso.galli@example.invalid"),
                ("oggetto", "Dati sugli accessi alla ZTL nel 2025, mese per mese"),
                ("formato", "aperto"),
            ],
            files: &[],
            steps: &[],
        },
        // Firenze: Mario Rossi's driveway, accepted.
        Story {
            istat: FIRENZE,
            service: "passo-carrabile",
            person: Who::Persona("mario-rossi"),
            acting: ActingFor::Myself,
            client: None,
            filed: 30,
            values: &[
                ("indirizzo", "Via Bolognese 118, Firenze"),
                ("larghezza", "3"),
                ("titolo", "proprietario"),
            ],
            files: &[
                ("planimetria", "planimetria.pdf", Kind::Pdf),
                ("foto", "cancello.png", Kind::Png),
            ],
            steps: &[
                (29, Start),
                (14, Accept("L'accesso rispetta le distanze e la visibilità richieste; cartello n. 4512 da ritirare all'URP.")),
            ],
        },
        // Firenze: new.
        Story {
            istat: FIRENZE,
            service: "segnalazione-reclamo",
            person: Who::Numbered(201, "Andrea", "Bruni"),
            acting: ActingFor::Myself,
            client: None,
            filed: 1,
            values: &[
                ("tipo", "verde"),
                ("oggetto", "Rami pericolanti"),
                ("descrizione", "Nel giardino di piazza Tasso un ramo grande è spezzato sopra i giochi dei bambini."),
            ],
            files: &[],
            steps: &[],
        },
        // Pisa: started.
        Story {
            istat: PISA,
            service: "accesso-civico-generalizzato",
            person: Who::Numbered(301, "Irene", "Pellegrini"),
            acting: ActingFor::Myself,
            client: None,
            filed: 9,
            values: &[
                ("email", "irene.pellegrini@example.invalid"),
                ("oggetto", "Spese per la manutenzione delle piste ciclabili 2024-2026"),
                ("formato", "aperto"),
            ],
            files: &[],
            steps: &[(8, Start)],
        },
    ]
}
