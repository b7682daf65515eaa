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
