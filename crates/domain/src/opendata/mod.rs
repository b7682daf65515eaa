//! Open data (issue 19): the datasets Sportello publishes about itself — an ente's services,
//! the times of its procedures, what residents think of them, its albo pretorio, its
//! participatory budgets — described in DCAT-AP_IT (AgID's Italian profile of DCAT-AP, the
//! one dati.gov.it harvests), with distributions in CSV and JSON under CC BY 4.0.
//! See docs/design/accountability.md for the mapping.

pub mod rdf;

use rdf::{Graph, Object};

/// CC BY 4.0 in the Italian licence vocabulary (A.2.1), and its type there.
pub const LICENCE_CC_BY_40: &str =
    "https://w3id.org/italia/controlled-vocabulary/licences/A21_CCBY40";
/// Its type in ADMS's licence types, which DCAT-AP's vocabulary shapes ask for (the Italian
/// vocabulary's `A2_Attribution` is `skos:exactMatch` of it).
pub const LICENCE_CC_BY_40_TYPE: &str = "http://purl.org/adms/licencetype/Attribution";
pub const LICENCE_CC_BY_40_NAME: &str =
    "Creative Commons Attribuzione 4.0 Internazionale (CC BY 4.0)";
/// The EU's authority tables the profile takes its values from.
pub const THEME_BASE: &str = "http://publications.europa.eu/resource/authority/data-theme/";
pub const FREQUENCY_BASE: &str = "http://publications.europa.eu/resource/authority/frequency/";
pub const FILE_TYPE_BASE: &str = "http://publications.europa.eu/resource/authority/file-type/";
/// IANA's media types, as DCAT-AP names them.
pub const MEDIA_TYPE_BASE: &str = "http://www.iana.org/assignments/media-types/";
pub const LANGUAGE_ITA: &str = "http://publications.europa.eu/resource/authority/language/ITA";
pub const THEME_TAXONOMY: &str = "http://publications.europa.eu/resource/authority/data-theme";

/// The datasets Sportello makes of itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DatasetKind {
    /// The services offered online, with their terms, fees and level.
    Services,
    /// Cases filed and concluded by service and month, against the legal term.
    Times,
    /// Ratings of pages and services by month.
    Ratings,
    /// The albo pretorio's acts (metadata).
    Albo,
    /// Participatory budgets: processes, projects, results (with their `.pb` files).
    Budgets,
    /// Residents' reports: category, place, district, state, term, days to resolution.
    Reports,
    /// Bookings by place and month: booked, attended, missed, cancelled, walk-ins.
    Bookings,
}

impl DatasetKind {
    pub const ALL: [DatasetKind; 7] = [
        DatasetKind::Services,
        DatasetKind::Times,
        DatasetKind::Ratings,
        DatasetKind::Albo,
        DatasetKind::Budgets,
        DatasetKind::Reports,
        DatasetKind::Bookings,
    ];
    /// The region's own: its catalogue of services and the times over every ente.
    pub const REGION: [DatasetKind; 2] = [DatasetKind::Services, DatasetKind::Times];

    pub fn code(self) -> &'static str {
        match self {
            DatasetKind::Services => "servizi",
            DatasetKind::Times => "tempi-procedimenti",
            DatasetKind::Ratings => "valutazioni",
            DatasetKind::Albo => "albo-pretorio",
            DatasetKind::Budgets => "bilancio-partecipativo",
            DatasetKind::Reports => "segnalazioni",
            DatasetKind::Bookings => "prenotazioni",
        }
    }

    pub fn parse(code: &str) -> Option<DatasetKind> {
        DatasetKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Its title, for the publisher named.
    pub fn title(self, publisher: &str) -> String {
        match self {
            DatasetKind::Services => format!("Servizi online — {publisher}"),
            DatasetKind::Times => format!("Tempi dei procedimenti — {publisher}"),
            DatasetKind::Ratings => {
                format!("Valutazioni dei cittadini su pagine e servizi — {publisher}")
            }
            DatasetKind::Albo => format!("Albo pretorio online: atti pubblicati — {publisher}"),
            DatasetKind::Budgets => {
                format!("Bilancio partecipativo: progetti e risultati — {publisher}")
            }
            DatasetKind::Reports => format!("Segnalazioni dei cittadini — {publisher}"),
            DatasetKind::Bookings => {
                format!("Prenotazioni di appuntamenti per luogo e mese — {publisher}")
            }
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            DatasetKind::Services => "I servizi che si possono chiedere online con Sportello: categoria, regime giuridico, termine di legge in giorni, diritti dovuti in euro, ufficio competente e livello del servizio online (1 informazione … 5 proattivo), ricavato da ciò che il servizio fa davvero.",
            DatasetKind::Times => "Per servizio e per mese: domande presentate (online dal richiedente, assistite presso un Punto di accesso assistito, da intermediari con procura), pratiche concluse, decise espressamente entro il termine di legge, concluse per silenzio-assenso, ritirate; giorni dalla protocollazione alla decisione espressa (mediana e 90° percentile) al netto delle sospensioni consentite dalla legge (L. 241/1990, art. 2 c. 4-bis e c. 7).",
            DatasetKind::Ratings => "Per pagina o servizio e per mese: numero di valutazioni per stelle (da 1 a 5) alle domande «Quanto sono chiare le informazioni su questa pagina?» e «Quanto è stato facile usare questo servizio?». Le valutazioni sono anonime; i commenti non sono pubblicati in questo dataset.",
            DatasetKind::Albo => "Gli atti pubblicati sull'albo pretorio online (art. 32 L. 69/2009): numero di registro, tipo, oggetto, richiedente, periodo di pubblicazione e stato. Solo i metadati: i documenti restano sull'albo per il periodo di legge.",
            DatasetKind::Budgets => "I processi di bilancio partecipativo: importo in euro e regola di conteggio, i progetti con il costo in euro, l'esito della valutazione di ammissibilità e lo stato di realizzazione; i voti anonimi in formato pabulib (.pb) di ogni votazione conclusa, da cui si ricava il risultato.",
            DatasetKind::Reports => "Le segnalazioni di disservizi e problemi in città (strade, illuminazione, rifiuti, verde, barriere…): numero, categoria, oggetto, via, quartiere, stato (ricevuta, presa in carico, in lavorazione, risolta, chiusa senza intervento), data di ricezione, termine di risposta, data di risoluzione, giorni impiegati, sostegni e riaperture. Nessun dato di chi ha segnalato.",
            DatasetKind::Bookings => "Per luogo (ufficio, scuola, biblioteca, museo) e per mese: appuntamenti prenotati, persone presentate, non presentate, appuntamenti annullati, richieste non accolte, accessi senza prenotazione. Solo conteggi: nessun dato personale.",
        }
    }

    /// Its theme in the EU's data-theme table.
    pub fn theme(self) -> &'static str {
        match self {
            DatasetKind::Budgets => "ECON",
            _ => "GOVE",
        }
    }

    /// How often it changes, in the EU's frequency table.
    pub fn frequency(self) -> &'static str {
        match self {
            DatasetKind::Services | DatasetKind::Budgets => "IRREG",
            _ => "DAILY",
        }
    }

    pub fn keywords(self) -> &'static [&'static str] {
        match self {
            DatasetKind::Services => &["servizi online", "procedimenti amministrativi"],
            DatasetKind::Times => &["tempi dei procedimenti", "trasparenza", "L. 241/1990"],
            DatasetKind::Ratings => &["customer satisfaction", "valutazione dei servizi"],
            DatasetKind::Albo => &["albo pretorio", "atti amministrativi"],
            DatasetKind::Budgets => &["bilancio partecipativo", "partecipazione"],
            DatasetKind::Reports => &["segnalazioni", "Open311", "manutenzione urbana"],
            DatasetKind::Bookings => &["prenotazioni", "appuntamenti", "sportelli"],
        }
    }
}

/// Who publishes or holds the rights: an ente or the region, by its IPA code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    /// The IPA code (`c_e625` for Livorno, `r_toscan` for the region).
    pub ipa: String,
    pub name: String,
    /// Its pages' address (`https://…/livorno/`): the agent's IRI is made from it.
    pub home: String,
    /// Where to write about its data.
    pub email: String,
}

impl Agent {
    pub fn iri(&self) -> String {
        format!("{}#ente", self.home)
    }
}

/// One distribution of a dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Distribution {
    pub title: String,
    pub url: String,
    /// In the EU's file-type table: `CSV`, `JSON`, `TXT`, `RDF_TURTLE`, `RDF_XML`.
    pub format: &'static str,
    pub media_type: &'static str,
}

/// One dataset of a catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataset {
    pub kind: DatasetKind,
    /// Who holds its rights (the ente whose data it is, or the region).
    pub holder: Agent,
    /// Its page (and its IRI).
    pub landing: String,
    /// Dates as `2026-12-06`.
    pub issued: String,
    pub modified: String,
    /// The same instants in Unix ms (CKAN's API gives times, not days).
    pub issued_ms: i64,
    pub modified_ms: i64,
    pub distributions: Vec<Distribution>,
}

impl Dataset {
    /// Its identifier in the profile's form, `<codice IPA>:<id>`.
    pub fn identifier(&self) -> String {
        format!("{}:{}", self.holder.ipa, self.kind.code())
    }

    /// Its name as CKAN's API names packages (lower-case letters, digits, `-` and `_`).
    pub fn name(&self) -> String {
        format!("{}-{}", self.holder.ipa, self.kind.code())
    }

    pub fn title(&self) -> String {
        self.kind.title(&self.holder.name)
    }

    /// Its IRI: its page's address, `#dataset` (the page is its landing page).
    pub fn iri(&self) -> String {
        format!("{}#dataset", self.landing)
    }
}

/// The catalogue: its publisher, its page, its datasets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogue {
    pub iri: String,
    pub title: String,
    pub description: String,
    pub publisher: Agent,
    pub homepage: String,
    pub issued: String,
    pub modified: String,
    pub datasets: Vec<Dataset>,
}

fn agent(g: &mut Graph, a: &Agent) {
    let iri = a.iri();
    g.a(&iri, "dcatapit:Agent");
    g.a(&iri, "foaf:Agent");
    g.text(&iri, "foaf:name", &a.name, "it");
    g.plain(&iri, "dct:identifier", &a.ipa);
}

/// The catalogue as DCAT-AP_IT: every mandatory property of the profile's catalogue, dataset,
/// distribution and agent, and the recommended ones Sportello knows.
pub fn graph(c: &Catalogue) -> Graph {
    let mut g = Graph::default();
    g.a(&c.iri, "dcatapit:Catalog");
    g.a(&c.iri, "dcat:Catalog");
    g.text(&c.iri, "dct:title", &c.title, "it");
    g.text(&c.iri, "dct:description", &c.description, "it");
    g.iri(&c.iri, "dct:publisher", &c.publisher.iri());
    g.iri(&c.iri, "foaf:homepage", &c.homepage);
    g.a(&c.homepage, "foaf:Document");
    g.typed(&c.iri, "dct:issued", &c.issued, "date");
    g.typed(&c.iri, "dct:modified", &c.modified, "date");
    g.iri(&c.iri, "dct:language", LANGUAGE_ITA);
    g.iri(&c.iri, "dcat:themeTaxonomy", THEME_TAXONOMY);
    g.iri(&c.iri, "dct:license", LICENCE_CC_BY_40);
    for d in &c.datasets {
        g.iri(&c.iri, "dcat:dataset", &d.iri());
    }
    let mut agents: Vec<&Agent> = vec![&c.publisher];
    for d in &c.datasets {
        if !agents.iter().any(|a| a.ipa == d.holder.ipa) {
            agents.push(&d.holder);
        }
    }
    for a in agents {
        agent(&mut g, a);
    }
    for d in &c.datasets {
        let iri = d.iri();
        let s = &iri;
        g.a(s, "dcatapit:Dataset");
        g.a(s, "dcat:Dataset");
        g.plain(s, "dct:identifier", &d.identifier());
        g.text(s, "dct:title", &d.title(), "it");
        g.text(s, "dct:description", d.kind.description(), "it");
        g.typed(s, "dct:issued", &d.issued, "date");
        g.typed(s, "dct:modified", &d.modified, "date");
        g.iri(s, "dcat:theme", &format!("{THEME_BASE}{}", d.kind.theme()));
        g.iri(s, "dct:rightsHolder", &d.holder.iri());
        g.iri(s, "dct:publisher", &d.holder.iri());
        g.iri(
            s,
            "dct:accrualPeriodicity",
            &format!("{FREQUENCY_BASE}{}", d.kind.frequency()),
        );
        g.iri(s, "dct:language", LANGUAGE_ITA);
        g.iri(s, "dcat:landingPage", &d.landing);
        g.a(&d.landing, "foaf:Document");
        for k in d.kind.keywords() {
            g.text(s, "dcat:keyword", k, "it");
        }
        let contact = format!("{}#contatto", d.landing);
        g.iri(s, "dcat:contactPoint", &contact);
        g.a(&contact, "dcatapit:Organization");
        g.a(&contact, "vcard:Organization");
        g.a(&contact, "vcard:Kind");
        g.plain(&contact, "vcard:fn", &d.holder.name);
        g.iri(
            &contact,
            "vcard:hasEmail",
            &format!("mailto:{}", d.holder.email),
        );
        for (i, dist) in d.distributions.iter().enumerate() {
            let di = format!("{}#distribuzione-{}", d.landing, i + 1);
            g.iri(s, "dcat:distribution", &di);
            g.a(&di, "dcatapit:Distribution");
            g.a(&di, "dcat:Distribution");
            g.text(&di, "dct:title", &dist.title, "it");
            g.text(
                &di,
                "dct:description",
                &format!("{} ({})", d.title(), dist.title),
                "it",
            );
            g.iri(
                &di,
                "dct:format",
                &format!("{FILE_TYPE_BASE}{}", dist.format),
            );
            g.add(
                &di,
                "dcat:mediaType",
                Object::Iri(format!("{MEDIA_TYPE_BASE}{}", dist.media_type)),
            );
            g.iri(&di, "dcat:accessURL", &dist.url);
            g.iri(&di, "dcat:downloadURL", &dist.url);
            g.iri(&di, "dct:license", LICENCE_CC_BY_40);
            g.typed(&di, "dct:modified", &d.modified, "date");
        }
    }
    // Each format and media type used, as DCAT-AP's shapes want them typed.
    let mut formats: Vec<String> = c
        .datasets
        .iter()
        .flat_map(|d| {
            d.distributions.iter().flat_map(|x| {
                [
                    format!("{FILE_TYPE_BASE}{}", x.format),
                    format!("{MEDIA_TYPE_BASE}{}", x.media_type),
                ]
            })
        })
        .collect();
    formats.sort_unstable();
    formats.dedup();
    for f in formats {
        g.a(&f, "dct:MediaTypeOrExtent");
    }
    // The licence as the profile describes it: a document, its type, its name.
    g.a(LICENCE_CC_BY_40, "dct:LicenseDocument");
    g.a(LICENCE_CC_BY_40, "dcatapit:LicenseDocument");
    g.iri(LICENCE_CC_BY_40, "dct:type", LICENCE_CC_BY_40_TYPE);
    g.text(LICENCE_CC_BY_40, "foaf:name", LICENCE_CC_BY_40_NAME, "it");
    g
}

/// A table as CSV (RFC 4180: CRLF, fields quoted when they must be).
pub fn csv(columns: &[&str], rows: &[Vec<String>]) -> String {
    fn field(out: &mut String, v: &str) {
        if v.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&v.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(v);
        }
    }
    let mut out = String::new();
    for (i, c) in columns.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(&mut out, c);
    }
    out.push_str("\r\n");
    for r in rows {
        for (i, v) in r.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            field(&mut out, v);
        }
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn livorno() -> Agent {
        Agent {
            ipa: "c_e625".into(),
            name: "Comune di Livorno".into(),
            home: "https://s.example/livorno/".into(),
            email: "dati@comune.livorno.example".into(),
        }
    }

    #[test]
    fn a_catalogue_says_what_the_profile_asks() {
        let d = Dataset {
            kind: DatasetKind::Times,
            holder: livorno(),
            landing: "https://s.example/livorno/dati/tempi-procedimenti".into(),
            issued: "2026-01-01".into(),
            modified: "2026-12-06".into(),
            issued_ms: 0,
            modified_ms: 0,
            distributions: vec![Distribution {
                title: "CSV".into(),
                url: "https://s.example/livorno/dati/tempi-procedimenti.csv".into(),
                format: "CSV",
                media_type: "text/csv",
            }],
        };
        assert_eq!(d.identifier(), "c_e625:tempi-procedimenti");
        assert_eq!(d.name(), "c_e625-tempi-procedimenti");
        let c = Catalogue {
            iri: "https://s.example/livorno/dati".into(),
            title: "Dati aperti del Comune di Livorno".into(),
            description: "…".into(),
            publisher: livorno(),
            homepage: "https://s.example/livorno/".into(),
            issued: "2026-01-01".into(),
            modified: "2026-12-06".into(),
            datasets: vec![d],
        };
        let ttl = graph(&c).turtle();
        for needle in [
            "a <http://dati.gov.it/onto/dcatapit#Catalog>",
            "dct:identifier \"c_e625:tempi-procedimenti\"",
            "dct:accrualPeriodicity <http://publications.europa.eu/resource/authority/frequency/DAILY>",
            "dcat:theme <http://publications.europa.eu/resource/authority/data-theme/GOVE>",
            "dct:format <http://publications.europa.eu/resource/authority/file-type/CSV>",
            "dct:license <https://w3id.org/italia/controlled-vocabulary/licences/A21_CCBY40>",
            "dct:rightsHolder <https://s.example/livorno/#ente>",
            "vcard:hasEmail <mailto:dati@comune.livorno.example>",
        ] {
            assert!(ttl.contains(needle), "{needle}\n{ttl}");
        }
        assert_eq!(
            ttl.matches("a <http://dati.gov.it/onto/dcatapit#Agent>")
                .count(),
            1
        );
    }

    #[test]
    fn csv_quotes_what_it_must() {
        let t = csv(
            &["a", "b"],
            &[
                vec!["1,5".into(), "di \"Livorno\"".into()],
                vec!["x".into(), "y\nz".into()],
            ],
        );
        assert_eq!(t, "a,b\r\n\"1,5\",\"di \"\"Livorno\"\"\"\r\nx,\"y\nz\"\r\n");
        assert_eq!(
            DatasetKind::parse("valutazioni"),
            Some(DatasetKind::Ratings)
        );
        assert_eq!(DatasetKind::parse("x"), None);
    }
}
