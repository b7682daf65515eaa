//! Fuzzing, for a fixed time (`SPORTELLO_FUZZ_SECONDS` per target, 2 by default; CI runs
//! longer): what strangers send reaches four readers, and none may panic, answer 5xx or let
//! anything through that it should not.
//!
//! - the form validator, on every field of every form in the regional catalogue;
//! - the `.pb` reader (participatory-budget files an office imports), on mutations of a real file
//!   and on arbitrary text;
//! - the return-path check behind every sign-in, on crafted and arbitrary strings;
//! - the multipart reader, through the real server, on mutated and truncated form posts.
//!
//! Inputs come from proptest strategies; a failing input is shrunk by proptest before it is
//! reported, so the report names a small case.

use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use sportello_domain::identity::SpidLevel;
use sportello_testkit::{client_with_jar, csrf_of, demo_sign_in, spawn_app};

fn budget() -> Duration {
    let seconds = std::env::var("SPORTELLO_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(2);
    Duration::from_secs(seconds)
}

/// Runs `check` on inputs drawn from `strategy` until the time budget is spent (at least one
/// round of cases). Panics with the shrunk input on the first failure.
fn fuzz<S: Strategy>(
    name: &str,
    strategy: S,
    check: impl Fn(S::Value) -> Result<(), TestCaseError>,
) -> u64
where
    S::Value: std::fmt::Debug,
{
    let until = Instant::now() + budget();
    let mut cases = 0u64;
    loop {
        let mut runner = TestRunner::new(Config {
            cases: 256,
            failure_persistence: None,
            ..Config::default()
        });
        if let Err(e) = runner.run(&strategy, &check) {
            panic!("{name}: {e}");
        }
        cases += 256;
        if Instant::now() >= until {
            return cases;
        }
    }
}

/// Text a stranger might type: plausible values of every kind, and garbage.
fn typed() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,60}",
        "[0-9]{1,25}",
        "-?[0-9]{1,20}[,.][0-9]{0,6}",
        "[0-9]{1,6}\\.[0-9]{3}\\.[0-9]{3},[0-9]{2}",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}",
        "[0-9]{2}/[0-9]{2}/[0-9]{4}",
        "[A-Z]{6}[0-9]{2}[A-Z][0-9]{2}[A-Z][0-9]{3}[A-Z]",
        "IT[0-9]{2}[A-Z][0-9]{22}",
        "[a-z]{1,10}@[a-z]{1,10}\\.[a-z]{2,3}",
        Just("99999999999999999999999999".to_string()),
        Just("1e309".to_string()),
        Just("\u{0}\u{202e}".to_string()),
    ]
}

#[tokio::test]
async fn the_form_validator_on_every_form_of_the_catalogue() {
    let t = spawn_app().await;
    let livorno = t.app().ente_by_slug("livorno").await.unwrap().ente_id();
    let services = t.app().catalogue().offered_services(livorno).await.unwrap();
    let forms: Vec<_> = services.into_iter().map(|s| s.definition.form).collect();
    assert!(!forms.is_empty());
    let today = time::macros::date!(2026 - 12 - 05);
    let most_fields = forms.iter().map(|f| f.fields().count()).max().unwrap_or(1);
    let cases = fuzz(
        "form validator",
        (
            0..forms.len(),
            proptest::collection::vec(typed(), most_fields),
        ),
        |(which, typed)| {
            let form = &forms[which];
            let values = form
                .fields()
                .zip(typed)
                .map(|(f, v)| (f.id.clone(), v))
                .collect();
            let errors = form.validate_all(&values, today);
            // Every error names a field of the form; what is kept is only the form's fields.
            for e in &errors {
                prop_assert!(form.field(&e.field).is_some(), "{e:?}");
            }
            for k in form.clean(&values).keys() {
                prop_assert!(form.field(k).is_some());
            }
            Ok(())
        },
    );
    assert!(cases > 0);
    t.stop().await;
}

#[test]
fn the_pb_reader_on_mutated_and_arbitrary_files() {
    let real = include_str!(
        "../../../../data/pabulib/US_Stanford_Dataset_PB_Long_Beach_District_9_2016_vote_approvals.pb"
    );
    assert!(sportello_pb::Election::parse(real).is_ok());
    let lines: Vec<&str> = real.lines().collect();
    let edit = prop_oneof![
        // Replace a line with random text, or with a field of a random number.
        (0..lines.len(), ".{0,40}").prop_map(|(i, s)| (i, s)),
        (0..lines.len(), "[0-9;,-]{0,30}").prop_map(|(i, s)| (i, s)),
        (
            0..lines.len(),
            Just("999999999999999999999;1;x;1".to_string())
        )
            .prop_map(|(i, s)| (i, s)),
    ];
    fuzz(
        ".pb reader (mutations)",
        proptest::collection::vec(edit, 1..6),
        |edits| {
            let mut mutated: Vec<String> = lines.iter().map(|l| (*l).to_string()).collect();
            for (i, text) in edits {
                mutated[i] = text;
            }
            let text = mutated.join("\n");
            if let Ok(election) = sportello_pb::Election::parse(&text) {
                // Whatever is read can be counted without overflow or panic.
                let _ = sportello_pb::greedy(&election, &sportello_pb::Greedy::Skip);
            }
            Ok(())
        },
    );
    fuzz(
        ".pb reader (arbitrary)",
        "(META|PROJECTS|VOTES|[a-z;0-9\n]){0,200}",
        |text| {
            let _ = sportello_pb::Election::parse(&text);
            Ok(())
        },
    );
}

#[test]
fn the_return_path_check_never_leads_elsewhere() {
    let piece = prop_oneof![
        Just("/".to_string()),
        Just("//".to_string()),
        Just("\\".to_string()),
        Just("\t".to_string()),
        Just("\n".to_string()),
        Just("%2F".to_string()),
        Just("%5C".to_string()),
        Just("%09".to_string()),
        Just("..".to_string()),
        Just("@".to_string()),
        Just(":".to_string()),
        Just("?".to_string()),
        Just("#".to_string()),
        Just("evil.example".to_string()),
        Just("https:".to_string()),
        Just("\u{3000}".to_string()),
        "[a-z0-9-]{1,8}",
        ".{0,4}",
    ];
    let portal = url::Url::parse("https://portal.invalid/").unwrap();
    fuzz(
        "return path",
        proptest::collection::vec(piece, 0..12).prop_map(|p| p.concat()),
        |candidate| {
            let kept = sportello_app::oidc::safe_return_path(&candidate);
            prop_assert!(kept.starts_with('/') && !kept.starts_with("//"), "{kept:?}");
            prop_assert!(
                !kept
                    .chars()
                    .any(|c| c.is_control() || c.is_whitespace() || c == '\\'),
                "{kept:?}"
            );
            // What a browser makes of it, on the portal: the portal.
            let followed = portal.join(&kept).unwrap();
            prop_assert_eq!(followed.origin(), portal.origin());
            Ok(())
        },
    );
}

#[tokio::test]
async fn the_multipart_reader_on_mutated_posts() {
    let t = spawn_app().await;
    let url = t.url.clone();
    let livorno = t.app().ente_by_slug("livorno").await.unwrap().ente_id();
    let mario = crate::apply::citizen("mario-rossi", SpidLevel::L2);
    let draft = crate::apply::filled_occupation(&t, livorno, &mario).await;
    let (c, _) = client_with_jar();
    demo_sign_in(&c, &url, "mario-rossi", "L2").await;
    let page =
        sportello_testkit::text_of(&c, &format!("{url}/livorno/domande/{draft}/passo/1")).await;
    let csrf = csrf_of(&page);
    let endpoint = format!("{url}/livorno/domande/{draft}/passo/1");
    // A well-formed post of the step, to mutate.
    let body = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nSotto il portico\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"planimetria\"; filename=\"p.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n%PDF-1.4\n%%EOF\r\n--XyZ--\r\n"
    );
    let bytes = body.into_bytes();
    let len = bytes.len();
    let mutation = prop_oneof![
        // Cut short anywhere.
        (0..len).prop_map(|at| (at, at, Vec::new())),
        // A run of bytes replaced by random ones.
        (
            0..len,
            0..16usize,
            proptest::collection::vec(any::<u8>(), 0..32)
        )
            .prop_map(move |(at, n, with)| (at, (at + n).min(len), with)),
        // Boundary-like and header-like insertions.
        (
            0..len,
            prop_oneof![
                Just(b"\r\n--XyZ\r\n".to_vec()),
                Just(b"\r\n--XyZ--".to_vec()),
                Just(b"Content-Disposition: form-data; name=\"".to_vec()),
                Just(b"; filename=\"../../etc/passwd\"".to_vec()),
                Just(vec![b'\r'; 40]),
            ]
        )
            .prop_map(|(at, with)| (at, at, with)),
    ];
    let runtime = tokio::runtime::Handle::current();
    let client = c.clone();
    let cases = tokio::task::spawn_blocking(move || {
        fuzz(
            "multipart reader",
            proptest::collection::vec(mutation, 1..4),
            |edits| {
                let mut body = bytes.clone();
                for (from, to, with) in edits {
                    let (from, to) = (from.min(body.len()), to.min(body.len()));
                    body.splice(from..to, with);
                }
                let status = runtime.block_on(async {
                    client
                        .post(&endpoint)
                        .header("Content-Type", "multipart/form-data; boundary=XyZ")
                        .header("X-CSRF-Token", &csrf)
                        .body(body)
                        .send()
                        .await
                        .map(|r| r.status().as_u16())
                });
                let status = status.map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert!(status < 500, "answered {status}");
                Ok(())
            },
        )
    })
    .await
    .unwrap();
    assert!(cases > 0);
    // The server still serves, and nothing refused was left aside.
    let r = c.get(format!("{url}/area-personale")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let incoming = t.app().settings.blob_dir.join("incoming");
    let aside = std::fs::read_dir(&incoming).map_or(0, |d| d.count());
    assert_eq!(aside, 0, "files left in {}", incoming.display());
    t.stop().await;
}
