//! Payments (issue 17): the administrator sets the ente's creditor data; a resident who filed
//! a CDU makes the notice of its fees (once, however often asked), reads it in the debt file
//! and downloads it; the notice's QR code, decoded from the rendered page by a real barcode
//! reader (zxing-cpp, under CI), says what pagoPA's specification says it must.

use sportello_domain::identity::SpidLevel;
use sportello_domain::payments::NoticeNumber;
use sportello_testkit::{client, csrf_of, location, spawn_app};

use crate::authz_support::staff_login;

pub(crate) const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

#[tokio::test]
async fn a_resident_gets_the_notice_of_a_services_fees() {
    let t = spawn_app().await;
    let url = &t.url;
    let app = t.app();
    let livorno = app.ente_by_slug("livorno").await.unwrap().ente_id();

    // A CDU filed by Mario: fees of 50,00 € and two 16,00 € stamps.
    let mario = crate::apply::citizen("mario-rossi", SpidLevel::L2);
    let id = cdu_draft(app, livorno, &mario).await;
    let browser = client();
    sportello_testkit::demo_sign_in(&browser, url, "mario-rossi", "L2").await;
    // What it costs is said before sending.
    let review =
        sportello_testkit::text_of(&browser, &format!("{url}/livorno/domande/{id}/riepilogo"))
            .await;
    assert!(
        review.contains("data-testid=\"review-fees\"")
            && review.contains("<strong>82,00 €</strong>"),
        "{review}"
    );
    app.applications()
        .submit(livorno, &id, &mario, true)
        .await
        .unwrap();
    // Signed in, the municipality's home leads to the personal area, not to sign in again.
    let home = sportello_testkit::text_of(&browser, &format!("{url}/livorno/")).await;
    assert!(home.contains("data-testid=\"go-personal-area\""));
    let receipt_url = format!("{url}/livorno/domande/{id}/ricevuta");
    let receipt = sportello_testkit::text_of(&browser, &receipt_url).await;
    assert!(receipt.contains("data-testid=\"fees\""), "{receipt}");
    assert!(receipt.contains("Imposta di bollo sull&#39;istanza: <strong>16,00 €</strong>"));
    assert!(receipt.contains("data-testid=\"fees-total\">82,00 €"));
    assert!(
        !receipt.contains("(estratto_mappa)"),
        "files named by the form's label"
    );
    assert!(
        receipt.contains("non riceve ancora pagamenti con pagoPA"),
        "no creditor data yet: said plainly"
    );

    // The administrator sets the creditor data: a wrong IBAN is refused, named.
    let admin = client();
    staff_login(&admin, url, "livorno.admin", true).await;
    let page = sportello_testkit::text_of(&admin, &format!("{url}/staff/ente")).await;
    assert!(page.contains("data-testid=\"creditor-form\""));
    let post = |iban: &'static str| {
        let admin = admin.clone();
        let csrf = csrf_of(&page);
        let to = format!("{url}/staff/ente/pagamenti");
        async move {
            admin
                .post(to)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("codice_fiscale_ente", "00104330493"),
                    ("codice_segregazione", "02"),
                    ("iban", iban),
                    ("conto_postale", ""),
                    ("cbill", "abc12"),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let r = post("IT00X0542811101000000123456").await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("«IBAN di accredito» non è valido"));
    let r = post("IT60 X054 2811 1010 0000 0123 456").await;
    assert_eq!(r.status(), 303);
    let creditor = app.payments().creditor(livorno).await.unwrap().unwrap();
    assert_eq!(
        (creditor.iban.as_str(), creditor.cbill.as_str()),
        ("IT60X0542811101000000123456", "ABC12")
    );

    // «Genera l'avviso», asked three times at once: one position, one notice.
    let receipt = sportello_testkit::text_of(&browser, &receipt_url).await;
    let csrf = csrf_of(&receipt);
    let make = || {
        let (b, csrf) = (browser.clone(), csrf.clone());
        let to = format!("{url}/livorno/domande/{id}/pagamento");
        async move { b.post(to).form(&[("csrf", csrf)]).send().await.unwrap() }
    };
    let (a, b, c) = tokio::join!(make(), make(), make());
    for r in [a, b, c] {
        assert_eq!(r.status(), 303);
        assert!(location(&r).ends_with("/ricevuta#pagamento"));
    }
    let debts = app.payments().my_debts(&mario).await.unwrap();
    assert_eq!(debts.len(), 1, "one position, however often asked");
    let option = &debts[0].options[0];
    assert_eq!(option.amount.cents(), 8200);
    let notice = NoticeNumber::parse(&option.notice).unwrap();
    assert_eq!(notice.segregation().get(), 2);
    let receipt = sportello_testkit::text_of(&browser, &receipt_url).await;
    assert!(
        receipt.contains(&notice.grouped()),
        "the notice number, in groups of four"
    );
    // The debt file lists it, with the amount and the due date.
    let file =
        sportello_testkit::text_of(&browser, &format!("{url}/area-personale/pagamenti")).await;
    assert!(
        file.contains("82,00 €") && file.contains(&notice.grouped()),
        "{file}"
    );

    // The notice as PDF: Mario's only.
    let pdf_url = format!("{url}/livorno/pagamenti/{}/avviso.pdf", notice.as_str());
    let r = browser.get(&pdf_url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let pdf = r.bytes().await.unwrap().to_vec();
    let text = crate::casework::PdfText::of(&pdf);
    assert!(
        text.has("Avviso di pagamento") && text.has(&notice.grouped()),
        "{text}"
    );
    assert!(
        text.has("Cod. Fiscale 00104330493") && text.has("ABC12"),
        "{text}"
    );
    // The notice v3's sections, in its words.
    for section in [
        "ENTE CREDITORE",
        "DESTINATARIO AVVISO",
        "QUANTO E QUANDO PAGARE?",
        "DOVE PAGARE?",
        "BANCHE E ALTRI CANALI — Rata unica",
        "82,00 € entro il",
    ] {
        assert!(text.has(section), "{section}: {text}");
    }
    assert!(
        text.lacks("BOLLETTINO POSTALE PA"),
        "no postal account, no bollettino"
    );
    let anna = client();
    sportello_testkit::demo_sign_in(&anna, url, "anna-neri", "L2").await;
    assert_eq!(anna.get(&pdf_url).send().await.unwrap().status(), 404);
    let anna_file =
        sportello_testkit::text_of(&anna, &format!("{url}/area-personale/pagamenti")).await;
    assert!(anna_file.contains("data-testid=\"nothing-to-pay\""));

    // The office reads it among the ente's payments, and its accounting as CSV.
    let office = client();
    staff_login(&office, url, "livorno.istruttore", false).await;
    let list = sportello_testkit::text_of(&office, &format!("{url}/staff/pagamenti")).await;
    assert!(
        list.contains(&notice.grouped()) && list.contains("82,00 €"),
        "{list}"
    );
    let csv = office
        .get(format!("{url}/staff/pagamenti.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = csv.text().await.unwrap();
    let mut rows = csv.lines();
    assert!(
        rows.next()
            .unwrap()
            .starts_with("\u{feff}iupd;codice_avviso;iuv;"),
        "a BOM, then the header"
    );
    let row = rows.next().unwrap();
    assert!(
        row.contains(&format!(";{};{};", notice.as_str(), notice.iuv()))
            && row.contains(";8200;82,00;"),
        "{row}"
    );
    // Firenze's office does not see Livorno's.
    let firenze = client();
    staff_login(&firenze, url, "firenze.responsabile", false).await;
    let theirs = sportello_testkit::text_of(&firenze, &format!("{url}/staff/pagamenti")).await;
    assert!(!theirs.contains(&notice.grouped()));

    // The QR code, read from the rendered page by a real reader.
    let expected = format!("PAGOPA|002|{}|00104330493|8200", notice.as_str());
    if let Some(decoded) = decode_qr(&t, &pdf) {
        assert_eq!(decoded, expected);
        let read = decoded.split('|').nth(2).unwrap();
        assert!(NoticeNumber::parse(read).is_ok(), "check digits of {read}");
    }
    fonts_embedded(&t, &pdf);

    // Livorno opens a postal account: an authorisation without an account is refused, by name.
    let creditor = |postal: &'static str, authorisation: &'static str| {
        let admin = admin.clone();
        async move {
            let page = sportello_testkit::text_of(&admin, &format!("{url}/staff/ente")).await;
            admin
                .post(format!("{url}/staff/ente/pagamenti"))
                .form(&[
                    ("csrf", csrf_of(&page).as_str()),
                    ("codice_fiscale_ente", "00104330493"),
                    ("codice_segregazione", "02"),
                    ("iban", "IT60X0542811101000000123456"),
                    ("conto_postale", postal),
                    ("autorizzazione_postale", authorisation),
                    ("cbill", "ABC12"),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let refused = creditor("", "AUT. 1234").await;
    assert_eq!(refused.status(), 422);
    let refused = refused.text().await.unwrap();
    assert!(
        refused.contains("Il campo «Conto corrente postale» non è valido.")
            && refused.contains("va indicato se indichi l&#39;autorizzazione di Poste Italiane")
            && refused.contains("value=\"AUT. 1234\""),
        "the field is named, what it needs said, what was typed kept: {refused}"
    );
    assert!(
        refused.contains("is-invalid\" aria-invalid=\"true\" aria-errormessage=\"errore-pagamenti\" type=\"text\" id=\"conto_postale\""),
        "the field is marked: {refused}"
    );
    // …and an account without the authorisation to print its bollettino.
    let refused = creditor("12345678", "").await;
    assert_eq!(refused.status(), 422);
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("Il campo «Autorizzazione di Poste Italiane alla stampa in proprio» non è valido. Va indicata insieme al conto corrente postale"));
    assert_eq!(
        creditor("1234 5678", "AUT. DB/SSIC/E 1234").await.status(),
        303
    );
    // Now the notice carries the postal block, its Data Matrix read from the page.
    let pdf = browser
        .get(&pdf_url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let text = crate::casework::PdfText::of(&pdf);
    assert!(
        text.has("BOLLETTINO POSTALE PA — Rata unica") && text.has("12345678"),
        "{text}"
    );
    assert!(text.has("Autorizzazione alla stampa in proprio: AUT. DB/SSIC/E 1234"));
    if let Some(codes) = decode_barcodes(&t, &pdf) {
        let formats: Vec<&str> = codes.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(formats, ["QRCode", "DataMatrix"], "{codes:?}");
        assert_eq!(codes[0].1, expected);
        let matrix = &codes[1].1;
        assert_eq!(matrix.len(), 256, "{matrix:?}");
        assert_eq!(
            &matrix[..66],
            format!(
                "codfase=NBPA;18{}12000012345678100000008200\
                 38961P1",
                notice.as_str()
            )
        );
        assert_eq!(&matrix[66..77], "00104330493");
        assert_eq!(&matrix[77..93], mario.fiscal_code.as_str());
        assert!(matrix[93..133].starts_with("MARIO ROSSI"), "{matrix:?}");
        assert!(matrix.ends_with(&format!("{}A", " ".repeat(12))));
        assert!(NoticeNumber::parse(&matrix[15..33]).is_ok());
    }
    t.stop().await;
}

/// Every font the PDF uses is embedded in it, as poppler's `pdffonts` reads the file (PDF/A
/// asks for it; the standard fonts are not allowed). Skipped, said so, without poppler.
pub(crate) fn fonts_embedded(t: &sportello_testkit::TestApp, pdf: &[u8]) {
    if !crate::casework::tool("pdffonts") {
        return;
    }
    let file = t.db.scratch_dir().join(format!(
        "fonts-{}.pdf",
        sportello_app::crypto::random_token(6)
    ));
    std::fs::write(&file, pdf).unwrap();
    let out = std::process::Command::new("pdffonts")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listing = String::from_utf8_lossy(&out.stdout).to_string();
    let fonts: Vec<&str> = listing.lines().skip(2).collect();
    assert_eq!(fonts.len(), 2, "{listing}");
    for font in fonts {
        let columns: Vec<&str> = font.split_whitespace().collect();
        // name type encoding emb sub uni object ID
        assert!(columns[0].contains("+DejaVuSans"), "{listing}");
        assert_eq!(columns[1], "TrueType", "{listing}");
        assert_eq!(columns[3], "yes", "embedded: {listing}");
    }
}

/// A CDU of `who`'s at `ente`, every step saved, not yet sent: fees of 50,00 € and two 16,00 €
/// stamps.
pub(crate) async fn cdu_draft(
    app: &sportello_app::App,
    livorno: sportello_domain::tenancy::EnteId,
    mario: &sportello_domain::identity::CitizenIdentity,
) -> String {
    let id = app
        .applications()
        .start_application(livorno, "certificato-destinazione-urbanistica", mario)
        .await
        .unwrap();
    let values: sportello_domain::forms::Values = [
        ("codice_fiscale", mario.fiscal_code.as_str()),
        ("foglio", "12"),
        ("particelle", "120, 121"),
        ("uso", "compravendita"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let upload = app.upload_of(PDF).await.unwrap();
    app.applications()
        .upload(livorno, &id, mario, "estratto_mappa", "mappa.pdf", &upload)
        .await
        .unwrap();
    let errors = app
        .applications()
        .save_step(livorno, &id, mario, 0, &values)
        .await
        .unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    id
}

/// The administrator of Livorno sets its creditor data (segregation code 02).
pub(crate) async fn livorno_creditor(url: &str) {
    let admin = client();
    staff_login(&admin, url, "livorno.admin", true).await;
    let page = sportello_testkit::text_of(&admin, &format!("{url}/staff/ente")).await;
    let r = admin
        .post(format!("{url}/staff/ente/pagamenti"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("codice_fiscale_ente", "00104330493"),
            ("codice_segregazione", "02"),
            ("iban", "IT60X0542811101000000123456"),
            ("conto_postale", ""),
            ("cbill", "ABC12"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
}

/// The text of the (first) QR code of the PDF: see [`decode_all_qr`].
fn decode_qr(t: &sportello_testkit::TestApp, pdf: &[u8]) -> Option<String> {
    let all = decode_all_qr(t, pdf)?;
    let first = all
        .first()
        .unwrap_or_else(|| panic!("no QR code read from the notice"));
    Some(first.clone())
}

/// The text of every QR code on the PDF's pages, in order: see [`decode_barcodes`].
pub(crate) fn decode_all_qr(t: &sportello_testkit::TestApp, pdf: &[u8]) -> Option<Vec<String>> {
    Some(
        decode_barcodes(t, pdf)?
            .into_iter()
            .filter(|(format, _)| format == "QRCode")
            .map(|(_, text)| text)
            .collect(),
    )
}

/// Every barcode on the PDF's pages, in order, with its format as zxing-cpp names it
/// (`QRCode`, `DataMatrix`): rendered by pdftoppm, read by zxing-cpp (the venv `.ci/run` makes
/// in `target/barcode-venv`). `None`, said so, when either is missing outside CI.
pub(crate) fn decode_barcodes(
    t: &sportello_testkit::TestApp,
    pdf: &[u8],
) -> Option<Vec<(String, String)>> {
    let python = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/barcode-venv/bin/python");
    if !crate::casework::tool("pdftoppm") {
        return None;
    }
    if !python.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "target/barcode-venv (zxing-cpp) is required under CI"
        );
        eprintln!("SKIPPED: no target/barcode-venv with zxing-cpp");
        return None;
    }
    let dir =
        t.db.scratch_dir()
            .join(format!("notice-{}", sportello_app::crypto::random_token(6)));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("avviso.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = std::process::Command::new("pdftoppm")
        .args(["-r", "200", "-png"])
        .arg(&file)
        .arg(dir.join("page"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut pages: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "png"))
        .collect();
    pages.sort();
    let mut codes = Vec::new();
    for page in pages {
        let out = std::process::Command::new(&python)
            .args([
                "-c",
                "import sys, zxingcpp; from PIL import Image; \
                 r = zxingcpp.read_barcodes(Image.open(sys.argv[1])); \
                 r = sorted(r, key=lambda b: b.position.top_left.y); \
                 print('\\n'.join(b.format.name + ' ' + b.text for b in r))",
            ])
            .arg(&page)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        codes.extend(text.lines().filter_map(|l| {
            let (format, text) = l.split_once(' ')?;
            Some((format.to_string(), text.to_string()))
        }));
    }
    Some(codes)
}
