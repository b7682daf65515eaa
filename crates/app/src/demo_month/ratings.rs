//! The demo's ratings (issue 19): residents of Livorno rating its pages and services over the
//! month, some with comments (one carrying a telephone number, which the office never sees),
//! and the office answering two of them in «avete detto, abbiamo fatto». Every word is made up.

use sportello_domain::accountability::rating::Subject;

use crate::accountability::RatingSent;
use crate::{App, AppError};

use super::{SeedClock, LIVORNO};

/// (days ago, subject, page or service, stars, follow-up answer, comment)
type Said = (i64, Subject, &'static str, u8, &'static str, &'static str);

const SAID: [Said; 16] = [
    (27, Subject::Page, "/livorno/", 5, "0", ""),
    (
        26,
        Subject::Page,
        "/livorno/servizi/permesso-ztl",
        4,
        "1",
        "",
    ),
    (25, Subject::Service, "permesso-ztl", 5, "3", ""),
    (
        24,
        Subject::Page,
        "/livorno/servizi/iscrizione-asilo-nido",
        2,
        "1",
        "Non si capisce se serve l'ISEE anche per il secondo figlio.",
    ),
    (
        22,
        Subject::Service,
        "occupazione-suolo-pubblico",
        3,
        "3",
        "Il caricamento della planimetria si è bloccato due volte. Richiamatemi al 333 1234567.",
    ),
    (20, Subject::Page, "/livorno/contatti", 4, "0", ""),
    (
        18,
        Subject::Service,
        "iscrizione-mensa-scolastica",
        5,
        "2",
        "Veloce, grazie.",
    ),
    (
        16,
        Subject::Page,
        "/livorno/servizi/passo-carrabile",
        1,
        "0",
        "Non è indicato quanto costa il cartello del passo carrabile.",
    ),
    (14, Subject::Service, "cambio-residenza", 4, "0", ""),
    (12, Subject::Page, "/livorno/albo", 5, "", ""),
    (
        10,
        Subject::Service,
        "permesso-ztl",
        2,
        "2",
        "Dopo l'invio non ero sicuro che la domanda fosse arrivata.",
    ),
    (8, Subject::Page, "/livorno/servizi", 4, "1", ""),
    (
        6,
        Subject::Service,
        "iscrizione-mensa-scolastica",
        4,
        "",
        "",
    ),
    (
        4,
        Subject::Page,
        "/livorno/servizi/permesso-ztl",
        3,
        "0",
        "",
    ),
    (3, Subject::Service, "contrassegno-disabili", 5, "1", ""),
    (2, Subject::Page, "/livorno/trasparenza/tempi", 4, "0", ""),
];

/// The office's answers, published: (comment's first words, answer).
const ANSWERED: [(&str, &str); 2] = [
    (
        "Non è indicato quanto costa",
        "Abbiamo aggiunto alla scheda del servizio il costo del cartello (25 €) e dove ritirarlo.",
    ),
    (
        "Non si capisce se serve l'ISEE",
        "La scheda ora dice che l'ISEE in corso di validità vale per tutti i figli del nucleo.",
    ),
];

impl App {
    pub(super) async fn seed_demo_ratings(
        &self,
        app: &App,
        clock: &SeedClock,
    ) -> Result<(), AppError> {
        let ente = self.ente_by_istat(LIVORNO).await?.ente_id();
        for (n, (days, subject, target, stars, reason, comment)) in SAID.iter().enumerate() {
            clock.set(self.days_ago(*days, 600 + i64::try_from(n).unwrap_or(0)));
            let (service, page) = match subject {
                Subject::Service => (Some(*target), format!("/livorno/servizi/{target}")),
                Subject::Page => (
                    target
                        .strip_prefix("/livorno/servizi/")
                        .filter(|s| !s.is_empty()),
                    (*target).to_owned(),
                ),
            };
            let binding = format!("demo-visitor-{n}");
            app.accountability()
                .rate(&RatingSent {
                    ente,
                    subject: *subject,
                    target,
                    page: &page,
                    service_id: service,
                    binding: &binding,
                    stars: &stars.to_string(),
                    reason,
                    comment,
                })
                .await?;
        }
        let Some(officer) = self.demo_staff_member("livorno.responsabile").await? else {
            return Ok(());
        };
        clock.set(self.days_ago(1, 540));
        let open = app.accountability().comments(&officer, false).await?;
        for (start, answer) in ANSWERED {
            if let Some(c) = open
                .iter()
                .find(|c| c.comment.as_deref().is_some_and(|t| t.starts_with(start)))
            {
                app.accountability()
                    .answer(&officer, c.id, answer, true)
                    .await?;
            }
        }
        Ok(())
    }
}
