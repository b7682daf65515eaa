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
    /// A step on a part of the filing (procedimento unico), by its place in the service's
    /// parts, taken by that part's office.
    OnPart(usize, &'static Step),
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
        // Livorno: Nadia Ricci, a family of four renting, asks for the rent contribution of
        // the annual call — in the office's hands until the ranking.
        Story {
            istat: LIVORNO,
            service: "contributo-affitto",
            person: Who::Numbered(113, "Nadia", "Ricci"),
            acting: ActingFor::Myself,
            client: None,
            filed: 24,
            values: &[
                ("email", "nadia.ricci@example.invalid"),
                ("telefono", "+39 347 118 2290"),
                ("componenti", "4"),
                ("indirizzo_alloggio", "Via Grande 120, Livorno"),
                ("tipo_alloggio", "privato"),
                (
                    "estremi_registrazione",
                    "Serie 3T n. 4587, Ufficio territoriale di Livorno",
                ),
                ("data_registrazione", "2026-09-10"),
                ("canone_annuo", "7800,00"),
                ("ise", "24230,00"),
                ("isee", "9850,00"),
                ("protocollo_dsu", "INPS-ISEE-2026-L0473K912-00"),
                ("iban", "IT94M0542811101000004718203"),
                ("dichiarazione_registrazione", "true"),
                ("dichiarazione", "true"),
            ],
            files: &[("contratto_file", "contratto-locazione-registrato.pdf", Kind::Pdf)],
            steps: &[(23, Start)],
        },
        // Livorno: a business asks for the refund of an IMU instalment paid twice (filed for
        // the company by its legal representative; 180 days to decide, under way).
        Story {
            istat: LIVORNO,
            service: "rimborso-tributi",
            person: Who::Persona("francesco-esposito"),
            acting: ActingFor::Company,
            client: None,
            filed: 16,
            values: &[
                ("in_qualita_di", "legale_rappresentante"),
                ("email", "esposito.costruzioni@pec.example"),
                ("telefono", "0583 491220"),
                ("tributo", "imu"),
                (
                    "versamenti",
                    r#"[{"anno":"2025","data_versamento":"2025-12-16","importo_versato":"2480,00","importo_richiesto":"1240,00"}]"#,
                ),
                (
                    "motivo",
                    "Il saldo IMU 2025 del magazzino di via dell'Artigianato 22 è stato pagato due volte lo stesso giorno, con due F24: uno dalla società e uno dallo studio del commercialista.",
                ),
                ("iban", "IT53E0542811101000002265914"),
                ("intestatario_conto", "Esposito Costruzioni S.r.l."),
                ("dichiarazione_veridicita", "true"),
            ],
            files: &[("ricevute", "ricevute-f24-imu-2025.pdf", Kind::Pdf)],
            steps: &[(15, Start)],
        },
        // Livorno: a declaration of hospitality, done on filing (no steps).
        Story {
            istat: LIVORNO,
            service: "dichiarazione-ospitalita",
            person: Who::Persona("mario-rossi"),
            acting: ActingFor::Myself,
            client: None,
            filed: 6,
            values: &[
                ("dichiari_per", "persona"),
                ("titolo_dichiarante", "proprietario"),
                ("telefono", "+39 328 771 0452"),
                ("tipo_comunicazione", "ospitalita"),
                ("titolo_cessione", "ospitalita_gratuita"),
                ("indirizzo", "Viale Carducci 57, Livorno"),
                ("piano_interno", "Secondo piano, interno 5"),
                (
                    "elenco_persone",
                    r#"[{"cognome":"Hoxha","nome":"Elira","data_nascita":"1998-04-17","luogo_nascita":"Tirana (Albania)","cittadinanza":"albanese","tipo_documento":"passaporto","numero_documento":"BF4821937","rilasciato_da":"Repubblica d'Albania","scadenza_documento":"2031-06-09"}]"#,
                ),
                ("identita_accertata", "true"),
                ("dichiarazione_veridicita", "true"),
            ],
            files: &[],
            steps: &[],
        },
        // Livorno: a bulky-waste pickup booked, done on filing (the operator sets the day).
        Story {
            istat: LIVORNO,
            service: "ritiro-ingombranti",
            person: Who::Numbered(108, "Roberta", "Lami"),
            acting: ActingFor::Myself,
            client: None,
            filed: 2,
            values: &[
                ("email", "roberta.lami@example.invalid"),
                ("telefono", "+39 333 402 1187"),
                ("indirizzo", "Corso Amedeo 112, Livorno"),
                ("posizione", "strada"),
                (
                    "oggetti",
                    r#"[{"tipo":"divano","descrizione":"Divano a tre posti in tessuto","quantita":"1"},{"tipo":"materasso","descrizione":"Materasso matrimoniale","quantita":"1"},{"tipo":"grande_elettrodomestico","descrizione":"Lavatrice guasta","quantita":"1"}]"#,
                ),
                ("note", "Citofono Lami: al mattino sono sempre in casa."),
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
        // Firenze: Giulia Bianchi's maternity allowance for her newborn, accepted and passed
        // to INPS for payment.
        Story {
            istat: FIRENZE,
            service: "assegno-maternita",
            person: Who::Persona("giulia-bianchi"),
            acting: ActingFor::Myself,
            client: None,
            filed: 22,
            values: &[
                ("email", "giulia.bianchi@example.invalid"),
                ("telefono", "+39 340 556 2817"),
                ("ruolo", "madre"),
                ("cittadinanza", "italiana"),
                ("evento", "nascita"),
                ("nome_bambino", "Pietro Santini"),
                ("codice_fiscale_bambino", "SNTPTR26R19D612U"),
                ("isee", "14320,50"),
                ("protocollo_dsu", "INPS-ISEE-2026-F7719B204-00"),
                ("indennita", "no"),
                ("iban", "IT34U0542811101000000937150"),
                ("dichiarazione", "true"),
            ],
            files: &[],
            steps: &[
                (21, Start),
                (
                    9,
                    Accept("ISEE entro la soglia dell'anno e domanda presentata entro sei mesi dalla nascita: l'assegno è concesso e i dati vanno all'INPS per il pagamento."),
                ),
            ],
        },
        // Firenze: a pine leaning over the neighbour's wall, felled with a replanting
        // prescription (its stamp duty due after filing).
        Story {
            istat: FIRENZE,
            service: "abbattimento-alberi",
            person: Who::Numbered(202, "Lorenzo", "Bartolini"),
            acting: ActingFor::Myself,
            client: None,
            filed: 20,
            values: &[
                ("email", "lorenzo.bartolini@example.invalid"),
                ("telefono", "+39 055 578 3012"),
                ("titolo", "proprietario"),
                ("indirizzo", "Viale Volta 88, Firenze"),
                ("foglio", "58"),
                ("particella", "387"),
                ("vincolo", "non_so"),
                (
                    "elenco_alberi",
                    r#"[{"specie":"Pino domestico (Pinus pinea)","circonferenza":"210","altezza":"18"}]"#,
                ),
                ("motivo", "instabilita"),
                (
                    "descrizione_motivo",
                    "Dopo il temporale di ottobre il pino si è inclinato verso la casa del vicino e le radici hanno sollevato il muro di cinta.",
                ),
                ("reimpianto", "si"),
                ("reimpianto_descrizione", "Un leccio alto tre metri nello stesso giardino, a sei metri dal muro."),
            ],
            files: &[
                ("foto", "pino-inclinato.png", Kind::Png),
                ("relazione_tecnica", "relazione-agronomo.pdf", Kind::Pdf),
                ("planimetria", "posizione-albero.pdf", Kind::Pdf),
            ],
            steps: &[
                (19, Start),
                (
                    7,
                    Accept("La relazione dell'agronomo conferma il rischio di cedimento e l'area non è vincolata: abbattimento autorizzato, con l'obbligo di piantare il leccio entro sei mesi."),
                ),
            ],
        },
        // Firenze: a TARI registration for a rented flat, done on filing.
        Story {
            istat: FIRENZE,
            service: "tari-dichiarazione",
            person: Who::Numbered(203, "Martina", "Cecchi"),
            acting: ActingFor::Myself,
            client: None,
            filed: 17,
            values: &[
                ("tipo_utenza", "domestica"),
                ("email", "martina.cecchi@example.invalid"),
                ("telefono", "+39 333 918 4406"),
                ("tipo_dichiarazione", "iscrizione"),
                ("data_evento", "2026-11-01"),
                ("indirizzo", "Via dei Serragli 64, Firenze"),
                ("foglio", "162"),
                ("particella", "418"),
                ("subalterno", "7"),
                ("superficie", "68"),
                ("occupanti", "2"),
                ("titolo", "locazione"),
                ("proprietario", "Giovanna Pratesi"),
                ("dichiarazione_veridicita", "true"),
            ],
            files: &[],
            steps: &[],
        },
        // Firenze: school-meal concessions refused after a preavviso: the ISEE is above the
        // threshold, and no observations came in the 10 days.
        Story {
            istat: FIRENZE,
            service: "agevolazioni-scolastiche",
            person: Who::Numbered(204, "Alessandro", "Fantoni"),
            acting: ActingFor::Myself,
            client: None,
            filed: 26,
            values: &[
                ("email", "alessandro.fantoni@example.invalid"),
                ("telefono", "+39 347 661 0923"),
                (
                    "figli",
                    r#"[{"nome":"Bianca Fantoni","codice_fiscale":"FNTBNC17E63D612M","scuola":"Primaria «Vittorino da Feltre», classe 4ª A","servizio":"mensa"},{"nome":"Leonardo Fantoni","codice_fiscale":"FNTLRD14P02D612U","scuola":"Secondaria «Pier Capponi», classe 2ª C","servizio":"entrambi"}]"#,
                ),
                ("isee", "31480,00"),
                ("protocollo_dsu", "INPS-ISEE-2026-A9031C552-00"),
                ("dichiarazione", "true"),
            ],
            files: &[],
            steps: &[
                (25, Start),
                (
                    19,
                    Preavviso("L'ISEE indicato, 31.480,00 €, supera la soglia di 27.000,00 € fissata dal Comune per le tariffe agevolate."),
                ),
                (
                    6,
                    Reject("Trascorsi i 10 giorni senza osservazioni, restano i motivi del preavviso: l'ISEE supera la soglia e si applica la tariffa intera."),
                ),
            ],
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
        // Pisa: an association asks for a room for a book presentation; the office asked, the
        // applicant answered, back in the office's hands.
        Story {
            istat: PISA,
            service: "concessione-sala-comunale",
            person: Who::Numbered(302, "Giovanni", "Orlandi"),
            acting: ActingFor::Myself,
            client: None,
            filed: 11,
            values: &[
                ("email", "giovanni.orlandi@example.invalid"),
                ("telefono", "+39 349 220 8813"),
                ("in_qualita_di", "associazione"),
                ("denominazione", "Associazione culturale Amici delle Mura"),
                ("codice_fiscale_ente", "93045120503"),
                ("sala_richiesta", "Sala riunioni del Centro civico di Porta a Lucca"),
                ("ora_inizio", "16:30"),
                ("ora_fine", "20:00"),
                ("finalita", "conferenza"),
                (
                    "descrizione",
                    "Presentazione del libro «Le mura di Pisa, otto secoli di storia» con l'autore, seguita da un dibattito.",
                ),
                ("persone_previste", "60"),
                ("accesso_pubblico", "aperta_gratuita"),
                ("attrezzature", "Proiettore, due microfoni e sessanta sedie"),
                ("responsabile", "Giovanni Orlandi"),
                ("telefono_responsabile", "+39 349 220 8813"),
                ("impegno", "true"),
            ],
            files: &[("programma", "locandina-presentazione.pdf", Kind::Pdf)],
            steps: &[
                (10, Start),
                (
                    8,
                    Integration("Indicare se durante la presentazione è prevista la vendita di libri: in sala è ammessa solo con l'autorizzazione del Comune."),
                ),
                (5, Answer("Nessuna vendita: i libri saranno soltanto esposti.")),
            ],
        },
        // Pisa: the school bus for a primary pupil, accepted with the stop assigned.
        Story {
            istat: PISA,
            service: "trasporto-scolastico",
            person: Who::Numbered(303, "Federica", "Landi"),
            acting: ActingFor::Myself,
            client: None,
            filed: 14,
            values: &[
                ("email", "federica.landi@example.invalid"),
                ("telefono", "+39 338 145 7720"),
                ("nome_alunno", "Giacomo"),
                ("cognome_alunno", "Landi"),
                ("codice_fiscale_alunno", "LNDGCM18B11G702G"),
                ("ordine_scuola", "primaria"),
                ("plesso", "Primaria «G. Toniolo»"),
                ("classe", "3ª B"),
                ("tragitto", "andata_ritorno"),
                ("indirizzo", "Via di Pratale 36, Pisa"),
                ("fermata", "Via di Pratale, angolo via Sant'Agostino"),
                ("delegati", r#"[{"nome":"Rosanna Landi","telefono":"+39 050 971 204"}]"#),
                ("isee", "18500,00"),
                ("protocollo_dsu", "INPS-ISEE-2026-P3308D611-00"),
                ("dichiarazione", "true"),
            ],
            files: &[],
            steps: &[
                (13, Start),
                (
                    6,
                    Accept("Ammesso al servizio, con la tariffa agevolata per l'ISEE indicato: linea 2, fermata di via di Pratale angolo via Sant'Agostino, alle 7:40 all'andata e alle 16:35 al ritorno."),
                ),
            ],
        },
        // Pisa: a father signs his daughter up at the library, done on filing.
        Story {
            istat: PISA,
            service: "iscrizione-biblioteca",
            person: Who::Numbered(304, "Michele", "Rossetti"),
            acting: ActingFor::Myself,
            client: None,
            filed: 8,
            values: &[
                ("email", "michele.rossetti@example.invalid"),
                ("indirizzo", "Via San Martino 48, Pisa"),
                ("per_chi", "figlio"),
                ("nome_minore", "Matilde Rossetti"),
                ("codice_fiscale_minore", "RSSMLD16C48G702P"),
                ("data_nascita_minore", "2016-03-08"),
                ("biblioteca", "SMS Biblio, via San Michele degli Scalzi 178"),
                ("accettazione", "true"),
            ],
            files: &[],
            steps: &[],
        },
        // Pisa: Anna Neri's quarterly tourist-tax return for the flat she lets, done on filing.
        Story {
            istat: PISA,
            service: "imposta-soggiorno-dichiarazione",
            person: Who::Persona("anna-neri"),
            acting: ActingFor::Myself,
            client: None,
            filed: 27,
            values: &[
                ("tipo_gestore", "privato"),
                ("email", "anna.neri@example.invalid"),
                ("nome_struttura", "Appartamento sul Lungarno"),
                ("tipologia", "locazione_breve"),
                ("indirizzo", "Lungarno Pacinotti 22, Pisa"),
                ("codice_identificativo", "IT050026C2MB4KQ7XZ"),
                ("data_inizio", "2026-07-01"),
                ("data_fine", "2026-09-30"),
                ("ospiti", "46"),
                ("pernottamenti_imponibili", "131"),
                ("pernottamenti_esenti", "9"),
                ("motivi_esenzione", "Tre bambini sotto i 10 anni, per 9 notti in tutto."),
                ("imposta_dovuta", "327,50"),
                ("imposta_versata", "327,50"),
                ("data_versamento", "2026-10-14"),
                ("riferimento_versamento", "IUV 010002664517093"),
                ("dichiarazione_veridicita", "true"),
            ],
            files: &[],
            steps: &[],
        },
        // Livorno's nursery call (a call with a ranking, issue 22): three families, scored by
        // the call's criteria; the officer publishes the ranking at the end of the seed.
        Story {
            istat: LIVORNO,
            service: "iscrizione-asilo-nido",
            person: Who::Numbered(110, "Chiara", "Fontana"),
            acting: ActingFor::Myself,
            client: None,
            filed: 21,
            values: &[
                ("email", "chiara.fontana@example.it"),
                ("telefono", "0586 214455"),
                ("condizione_lavorativa", "entrambi"),
                ("nome_bambino", "Pietro"),
                ("codice_fiscale_bambino", "HDDYSF15P02E625L"),
                ("nido_preferito", "Il Girasole, via Roma"),
                ("orario", "tempo_pieno"),
                ("isee", "14200"),
            ],
            files: &[],
            steps: &[],
        },
        Story {
            istat: LIVORNO,
            service: "iscrizione-asilo-nido",
            person: Who::Numbered(111, "Davide", "Greco"),
            acting: ActingFor::Myself,
            client: None,
            filed: 19,
            values: &[
                ("email", "davide.greco@example.it"),
                ("telefono", "0586 332211"),
                ("condizione_lavorativa", "monogenitore"),
                ("nome_bambino", "Alice"),
                ("codice_fiscale_bambino", "HDDLLE12C54E625X"),
                ("nido_preferito", "La Coccinella, Ardenza"),
                ("orario", "tempo_corto"),
                ("isee", "8300"),
            ],
            files: &[],
            steps: &[],
        },
        Story {
            istat: LIVORNO,
            service: "iscrizione-asilo-nido",
            person: Who::Numbered(112, "Irene", "Bruni"),
            acting: ActingFor::Myself,
            client: None,
            filed: 17,
            values: &[
                ("email", "irene.bruni@example.it"),
                ("telefono", "0586 905577"),
                ("condizione_lavorativa", "uno"),
                ("nome_bambino", "Tommaso"),
                ("codice_fiscale_bambino", "HDDYSF15P02E625L"),
                ("nido_preferito", "Il Girasole, via Roma"),
                ("orario", "tempo_pieno"),
                ("isee", "27500"),
            ],
            files: &[],
            steps: &[],
        },
        // Livorno: a restaurant opened with one filing (procedimento unico). The SCIA is in
        // force; the health notification registered; the police granted the outdoor seating;
        // the SUAP asks for the sign's sketch to scale.
        Story {
            istat: LIVORNO,
            service: "apertura-ristorante-bar",
            person: Who::Persona("francesco-esposito"),
            acting: ActingFor::Company,
            client: None,
            filed: 12,
            values: &[
                ("ruolo", "titolare"),
                ("pec", "esposito.costruzioni@pec.example.invalid"),
                ("zona_tutelata", "on"),
                ("insegna", "Trattoria del Porto"),
                ("tipologia", "ristorante"),
                ("indirizzo", "Scali del Corso 4, Livorno"),
                ("superficie_somministrazione", "60"),
                ("descrizione", "Ristorante con cucina propria, 40 coperti"),
                ("dichiarazione_requisiti", "on"),
                ("ha_insegna", "si"),
                ("testo_insegna", "Trattoria del Porto"),
                ("posizione", "facciata"),
                ("tipo_strada", "comunale"),
                ("dimensioni", "200 x 50 cm"),
                ("luminoso", "illuminato"),
                ("dichiarazione_stabilita", "on"),
                ("dichiarazione_canone", "on"),
                ("dehors", "si"),
                ("superficie_esterna", "18"),
                ("dichiarazione_onorabilita", "on"),
                ("chi_requisiti_professionali", "titolare"),
                ("titolo_professionale", "Corso regionale per la somministrazione di alimenti e bevande, 2019"),
                ("dichiarazione_locali", "on"),
                ("dichiarazione_veridicita", "on"),
            ],
            files: &[
                ("planimetria", "planimetria-locali.pdf", Kind::Pdf),
                ("bozzetto_insegna", "bozzetto-insegna.pdf", Kind::Pdf),
                ("fotoinserimento_insegna", "fotoinserimento.pdf", Kind::Pdf),
                ("planimetria_insegna", "posizione-insegna.pdf", Kind::Pdf),
                ("planimetria_dehors", "planimetria-dehors.pdf", Kind::Pdf),
            ],
            steps: &[
                (11, OnPart(1, &Start)),
                (11, OnPart(2, &Start)),
                (
                    9,
                    OnPart(
                        1,
                        &Integration("Allegare il bozzetto dell'insegna in scala 1:20, con le misure e i colori."),
                    ),
                ),
                (
                    6,
                    OnPart(
                        2,
                        &Accept("Il dehors di 18 m² lascia libero il passaggio pedonale ed è conforme al regolamento del canone unico."),
                    ),
                ),
            ],
        },
    ]
}
