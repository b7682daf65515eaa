//! Staff sign-in for tests, with the demo TOTP code when the account needs one.

use sportello_app::demo::{DEMO_STAFF_PASSWORD, DEMO_TOTP_SECRET};
use sportello_domain::identity::totp;
use sportello_testkit::csrf_of;

pub async fn staff_login(c: &reqwest::Client, url: &str, user: &str, with_code: bool) {
    staff_login_at(c, url, user, with_code, time::OffsetDateTime::now_utc()).await;
}

/// Staff sign-in when the server runs on a test clock: the TOTP code is the one of `now`.
pub async fn staff_login_at(
    c: &reqwest::Client,
    url: &str,
    user: &str,
    with_code: bool,
    now: time::OffsetDateTime,
) {
    let page = c
        .get(format!("{url}/staff/accedi"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let code = if with_code {
        let secret = totp::decode_secret(DEMO_TOTP_SECRET).unwrap();
        format!("{:06}", totp::code_at(&secret, now.unix_timestamp()))
    } else {
        String::new()
    };
    let r = c
        .post(format!("{url}/staff/accedi"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("username", user),
            ("password", DEMO_STAFF_PASSWORD),
            ("code", &code),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{user} signs in");
}

/// Mario Rossi's rows at Livorno for the authorisation walks: an application filed and started
/// by the office (so it has a document with its registration), and a draft.
pub struct MariosRows {
    pub mario: sportello_domain::identity::CitizenIdentity,
    pub filed: String,
    pub draft: String,
    /// The office's first document on the case, and its registration.
    pub document: String,
    pub registration: i64,
}

pub async fn marios_rows(t: &sportello_testkit::TestApp) -> MariosRows {
    let livorno = t.app().ente_by_slug("livorno").await.unwrap().ente_id();
    let mario = crate::apply::citizen("mario-rossi", sportello_domain::identity::SpidLevel::L2);
    let filed = crate::apply::filled_occupation(t, livorno, &mario).await;
    t.app()
        .applications()
        .submit(livorno, &filed, &mario, true)
        .await
        .unwrap();
    let draft = crate::apply::filled_occupation(t, livorno, &mario).await;
    let operator = sportello_testkit::client();
    staff_login(&operator, &t.url, "livorno.istruttore", false).await;
    assert_eq!(
        crate::casework::act(&operator, &t.url, &filed, "avvia", "")
            .await
            .status(),
        303
    );
    let document = t
        .app()
        .store()
        .tenant(livorno)
        .case_documents(&filed)
        .await
        .unwrap()
        .remove(0);
    MariosRows {
        mario,
        filed,
        draft,
        document: document.id.to_string(),
        registration: document.registration_id,
    }
}
