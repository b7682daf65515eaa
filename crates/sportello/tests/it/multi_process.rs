//! Several `sportello` processes on one database: all state lives in the database, so any
//! process can serve any request of a journey.

use std::sync::Arc;

use sportello_testkit::{client, form_fields, location, spawn_app_on, Options, TestDatabase};

#[tokio::test]
async fn a_sign_in_hops_between_two_servers() {
    let db = Arc::new(TestDatabase::new().await.unwrap());
    let a = spawn_app_on(db.clone(), Options::default()).await;
    // Both processes answer for the same public address, as behind a load balancer.
    let b = spawn_app_on(
        db.clone(),
        Options {
            public_url: Some(a.url.clone()),
            ..Default::default()
        },
    )
    .await;
    let c = client();
    // Start on B…
    let start = c
        .get(format!("{}/accedi/demo?torna=/area-personale", b.url))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), 303);
    // …the provider page from A (public address)…
    let page = c
        .get(location(&start))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // …approve on B (the CSRF key is shared through the database)…
    let approved = c
        .post(format!("{}/demo-idp/authorize", b.url))
        .form(&form_fields(&page))
        .send()
        .await
        .unwrap();
    assert_eq!(approved.status(), 303);
    let callback = location(&approved).replace(&a.url, &b.url);
    // …finish on B (the flow was stored by B, the code by B, the key by A)…
    let done = c.get(&callback).send().await.unwrap();
    assert_eq!(
        done.status(),
        303,
        "{}",
        done.text().await.unwrap_or_default()
    );
    // …and the session works on both.
    for server in [&a, &b] {
        let html = c
            .get(format!("{}/area-personale", server.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("Mario Rossi"), "{}", server.url);
    }
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn an_import_through_one_server_shows_at_once_on_the_other() {
    let db = Arc::new(TestDatabase::new().await.unwrap());
    let a = spawn_app_on(db.clone(), Options::default()).await;
    let b = spawn_app_on(db.clone(), Options::default()).await;
    let c = client();
    let livorno = |url: String| {
        let c = c.clone();
        async move {
            let e: serde_json::Value = c
                .get(format!("{url}/api/v1/enti/049009"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let list: Vec<serde_json::Value> = c
                .get(format!("{url}/api/v1/enti?nome=livorno"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            (
                e["population"].as_i64().unwrap(),
                list[0]["population"].as_i64().unwrap(),
            )
        }
    };
    assert_eq!(livorno(b.url.clone()).await, (157_052, 157_052));
    let updated = sportello::COMUNI_TOSCANA_CSV.replace(
        "049009,Livorno,Livorno,LI,E625,157052",
        "049009,Livorno,Livorno,LI,E625,160000",
    );
    let outcome = a.app().import_municipalities(&updated).await.unwrap();
    assert_eq!(outcome.updated, 1);
    assert_eq!(
        livorno(b.url.clone()).await,
        (160_000, 160_000),
        "B's list follows the database"
    );
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn a_home_page_follows_an_import_at_once_here_and_within_a_second_elsewhere() {
    let db = Arc::new(TestDatabase::new().await.unwrap());
    let a = spawn_app_on(db.clone(), Options::default()).await;
    let b = spawn_app_on(db.clone(), Options::default()).await;
    let c = client();
    let home = |url: String| {
        let c = c.clone();
        async move {
            c.get(format!("{url}/livorno/"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    // Both processes now hold Livorno in memory (crate::hot in sportello-app).
    assert!(home(a.url.clone()).await.contains("157.052"));
    assert!(home(b.url.clone()).await.contains("157.052"));
    let updated = sportello::COMUNI_TOSCANA_CSV.replace(
        "049009,Livorno,Livorno,LI,E625,157052",
        "049009,Livorno,Livorno,LI,E625,160000",
    );
    assert_eq!(
        a.app()
            .import_municipalities(&updated)
            .await
            .unwrap()
            .updated,
        1
    );
    // The process that imported forgets what it held.
    let here = home(a.url.clone()).await;
    assert!(here.contains("160.000") && !here.contains("157.052"));
    // Another process holds it for at most a second (the TTL of sportello-app's hot.rs).
    let started = std::time::Instant::now();
    loop {
        let there = home(b.url.clone()).await;
        if there.contains("160.000") {
            break;
        }
        assert!(there.contains("157.052"));
        assert!(
            started.elapsed() < std::time::Duration::from_secs(3),
            "B kept the old row"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    a.stop().await;
    b.stop().await;
}

/// One real `sportello serve --demo` process on a shared database, with the environment given.
struct Process {
    url: String,
    child: tokio::process::Child,
}

impl Process {
    async fn start(
        data_dir: &std::path::Path,
        database_url: &str,
        env: &[(String, String)],
    ) -> Self {
        use tokio::io::AsyncBufReadExt;
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_sportello"))
            .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .args(["--database-url", database_url])
            .env("SPORTELLO__LOG__LEVEL", "warn")
            .env(
                "SPORTELLO__SERVER__SIGN_INS_PER_ADDRESS_PER_MINUTE",
                "1000000",
            )
            .env(
                "SPORTELLO__SERVER__SIGN_IN_STARTS_PER_ADDRESS_PER_MINUTE",
                "1000000",
            )
            .env("SPORTELLO__DATABASE__MAX_CONNECTIONS", "8")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let url = tokio::time::timeout(std::time::Duration::from_secs(300), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some(url) = line
                    .split_whitespace()
                    .find(|w| w.starts_with("http://"))
                    .filter(|_| line.contains("Apri"))
                {
                    return url.trim_end_matches('/').to_string();
                }
            }
            panic!("the server stopped before it was ready")
        })
        .await
        .expect("the server starts within 300 s");
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Self { url, child }
    }

    async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// The region on several machines (docs/design/scaling.md): three `sportello` processes on one
/// PostgreSQL — and one bucket when Garage is at hand, else one shared folder — through a click
/// day and a back-office day at once. Citizens sign in on one process and file on the next;
/// operators on each process start the cases as they arrive, some of them from two processes
/// at the same moment; every process runs the scheduled jobs and the mail every second. Then:
/// the register has no gap and no duplicate in any year and its chain verifies; every
/// acknowledged filing is there under the number given; each case was started once, with one
/// letter; the queue's kept counts are the cases'; every notification reached the real SMTP
/// server exactly once (and only those the
/// outbox records as delivered).
#[tokio::test]
async fn three_processes_through_a_click_day_and_a_back_office_day() {
    use std::collections::BTreeMap;
    let db = TestDatabase::new().await.unwrap();
    if db.backend != sportello_store::Backend::Postgres {
        eprintln!("SKIPPED: several processes share PostgreSQL only (SPORTELLO_TEST_POSTGRES)");
        return;
    }
    let Some(mut smtp) = sportello_testkit::SmtpServer::start_on_free_port().await else {
        return;
    };
    let smtp_url = smtp.url();
    // The messages are read as they arrive: the server writes each to a pipe, which must not
    // fill up while the test waits.
    let (stop_reading, mut stop) = tokio::sync::oneshot::channel::<()>();
    let mail = tokio::spawn(async move {
        let mut received: BTreeMap<(String, String), usize> = BTreeMap::new();
        let mut stopping = false;
        loop {
            // Until told to stop, wait for the next message; then read what is left in the pipe
            // until it has been quiet for a second.
            let wait = std::time::Duration::from_secs(if stopping { 1 } else { 3600 });
            tokio::select! {
                m = smtp.next_message(wait) => {
                    let Some(m) = m else {
                        if stopping { break } else { continue }
                    };
                    for to in m["to"].as_array().unwrap() {
                        *received
                            .entry((
                                to.as_str().unwrap().to_string(),
                                m["subject"].as_str().unwrap().to_string(),
                            ))
                            .or_default() += 1;
                    }
                }
                _ = &mut stop, if !stopping => stopping = true,
            }
        }
        (smtp, received)
    });
    let garage = if sportello_testkit::garage_available() {
        sportello_testkit::Garage::start().await
    } else {
        None
    };
    let shared = std::env::temp_dir().join(format!(
        "sportello-cluster-{}",
        sportello_app::crypto::random_token(9)
    ));
    let mut env = vec![
        (
            "SPORTELLO__JOBS__INTERVAL_SECONDS".to_string(),
            "1".to_string(),
        ),
        ("SPORTELLO__MAIL__SMTP_URL".to_string(), smtp_url),
    ];
    if let Some(g) = &garage {
        let s = &g.settings;
        for (k, v) in [
            ("STORE", "s3"),
            ("S3_ENDPOINT", s.endpoint.as_str()),
            ("S3_BUCKET", s.bucket.as_str()),
            ("S3_REGION", s.region.as_str()),
            ("S3_PREFIX", s.prefix.as_str()),
            ("S3_ACCESS_KEY_ID", s.access_key_id.as_str()),
            ("S3_SECRET_ACCESS_KEY", s.secret_access_key.as_str()),
        ] {
            env.push((format!("SPORTELLO__BLOBS__{k}"), v.to_string()));
        }
    }
    // The first process loads the demo region; the others find it there.
    let dir = |n: usize| {
        if garage.is_some() {
            shared.join(format!("process-{n}"))
        } else {
            shared.clone()
        }
    };
    let first = Process::start(&dir(0), &db.url, &env).await;
    let mut processes = vec![first];
    for n in 1..3 {
        processes.push(Process::start(&dir(n), &db.url, &env).await);
    }
    let urls: Vec<String> = processes.iter().map(|p| p.url.clone()).collect();
    let store = sportello_store::Store::connect(&db.url, 4).await.unwrap();
    // What the day writes to the outbox comes after what the demo's seeding wrote (some of
    // which is due later: a booking's reminder).
    let seeded = store
        .outbox()
        .await
        .unwrap()
        .iter()
        .map(|o| o.id)
        .max()
        .unwrap_or(0);
    let livorno = store.ente_by_istat("049009").await.unwrap().unwrap();
    sportello::bench::open_window(&store, &livorno, sportello::bench::SERVICE)
        .await
        .unwrap();

    // Operators, one session on each process.
    let mut operators = Vec::new();
    for url in &urls {
        let c = client();
        crate::authz_support::staff_login(&c, url, "livorno.istruttore", false).await;
        operators.push(c);
    }

    const APPLICANTS: usize = 150;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap();
    let (to_office, mut office_inbox) = tokio::sync::mpsc::unbounded_channel::<(usize, String)>();
    let filings = {
        let (http, urls) = (http.clone(), urls.clone());
        tokio::spawn(async move {
            let semaphore = Arc::new(tokio::sync::Semaphore::new(16));
            let mut tasks = tokio::task::JoinSet::new();
            for n in 0..APPLICANTS {
                let (http, urls, to_office, semaphore) = (
                    http.clone(),
                    urls.clone(),
                    to_office.clone(),
                    semaphore.clone(),
                );
                tasks.spawn(async move {
                    let _permit = semaphore.acquire_owned().await.unwrap();
                    let cf = u32::try_from(n)
                        .ok()
                        .and_then(sportello_app::demo::test_person_fiscal_code)
                        .unwrap();
                    let token = sportello::bench::sign_in(&http, &urls[n % 3], n)
                        .await
                        .unwrap();
                    let r = http
                        .post(format!(
                            "{}/api/v1/enti/049009/servizi/{}/domande",
                            urls[(n + 1) % 3],
                            sportello::bench::SERVICE
                        ))
                        .bearer_auth(&token)
                        .json(&sportello::bench::form_body(n, &cf))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.status(), 201, "filing {n}");
                    let body: serde_json::Value = r.json().await.unwrap();
                    let number: i64 = body["number"].as_str().unwrap().parse().unwrap();
                    let id = body["application_id"].as_str().unwrap().to_string();
                    let _ = to_office.send((n, id.clone()));
                    (cf, number, id)
                });
            }
            let mut acks = Vec::new();
            while let Some(t) = tasks.join_next().await {
                acks.push(t.unwrap());
            }
            acks
        })
    };
    // The back-office day, meanwhile: every third case started as it arrives, by the operator
    // of the process after the one it was filed on; every ninth by two processes at once.
    let office = {
        let (operators, urls) = (operators.clone(), urls.clone());
        tokio::spawn(async move {
            let mut started = Vec::new();
            let mut tasks = tokio::task::JoinSet::new();
            while let Some((n, id)) = office_inbox.recv().await {
                if n % 3 != 0 {
                    continue;
                }
                started.push(id.clone());
                let racers: Vec<usize> = if n % 9 == 0 {
                    vec![(n + 2) % 3, n % 3]
                } else {
                    vec![(n + 2) % 3]
                };
                for p in racers {
                    let (c, url, id) = (operators[p].clone(), urls[p].clone(), id.clone());
                    tasks.spawn(async move {
                        crate::casework::act(&c, &url, &id, "avvia", "")
                            .await
                            .status()
                    });
                }
            }
            let mut statuses = Vec::new();
            while let Some(s) = tasks.join_next().await {
                statuses.push(s.unwrap());
            }
            (started, statuses)
        })
    };
    let acks = filings.await.unwrap();
    let (started, statuses) = office.await.unwrap();
    assert_eq!(acks.len(), APPLICANTS);
    assert!(
        statuses
            .iter()
            .all(|s| s.as_u16() == 303 || s.as_u16() == 409 || s.as_u16() == 422),
        "{statuses:?}"
    );

    // The register: no gap, no duplicate, in every year; the chain verifies; the head agrees.
    let aoo = sportello::bench::main_aoo(&store, &livorno).await.unwrap();
    let (_, aoo_code) = store.tenant(livorno.ente_id()).main_aoo().await.unwrap();
    let rows = store
        .region_wide()
        .registrations_of_aoo(aoo, None)
        .await
        .unwrap();
    let mut by_year: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for r in &rows {
        by_year.entry(r.year).or_default().push(r.number);
    }
    for (year, numbers) in &by_year {
        let expected: Vec<i64> = (1..=i64::try_from(numbers.len()).unwrap()).collect();
        assert_eq!(
            numbers, &expected,
            "the register of {year}: gapless, once each"
        );
    }
    assert!(sportello_app::protocol::verify_rows(&aoo_code, &rows)
        .unwrap()
        .is_empty());
    let (_, head_number, head_hash) = store
        .region_wide()
        .register_head(aoo)
        .await
        .unwrap()
        .unwrap();
    let last = rows.last().unwrap();
    assert_eq!((head_number, &head_hash), (last.number, &last.hash));
    // Every acknowledged filing, under its number, for its applicant.
    let this_year = time::OffsetDateTime::now_utc().year() as i64;
    for (cf, number, _) in &acks {
        assert!(
            rows.iter().any(|r| r.year == this_year
                && r.number == *number
                && r.correspondent.contains(cf.as_str())),
            "{cf} acknowledged as {number}"
        );
    }
    // Each case started once, with one letter, however many processes tried.
    let tenant = store.tenant(livorno.ente_id());
    for id in &started {
        let letters = tenant.case_documents(id).await.unwrap();
        assert_eq!(letters.len(), 1, "case {id}: {letters:?}");
    }
    assert!(
        rows.len() >= APPLICANTS + started.len(),
        "filings and letters are all registered"
    );
    // The queue's counts, kept by the database through the registrar's batches and the
    // office's moves of three processes (and folded by their jobs meanwhile), are the cases'.
    let kept = tenant
        .queue_counts(
            &sportello_store::QueueFilter::default(),
            sportello_store::QueueFacet::State,
            0,
        )
        .await
        .unwrap();
    let mut by_state: BTreeMap<String, i64> = BTreeMap::new();
    for r in tenant.queue().await.unwrap() {
        let state = if r.status == sportello_domain::procedure::ApplicationStatus::Withdrawn {
            "ritirata".to_string()
        } else {
            r.case_state.unwrap_or_else(|| "protocollata".into())
        };
        *by_state.entry(state).or_default() += 1;
    }
    assert!(kept.exact);
    assert_eq!(kept.counts, by_state.into_iter().collect::<Vec<_>>());
    // A letter written through one process is served by another (the shared blob store).
    let id = &started[0];
    let letter = &tenant.case_documents(id).await.unwrap()[0];
    for (c, url) in operators.iter().zip(&urls) {
        let r = c
            .get(format!("{url}/staff/pratiche/{id}/documenti/{}", letter.id))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{url}");
        let bytes = r.bytes().await.unwrap();
        assert_eq!(sportello_app::crypto::sha256_hex(&bytes), letter.sha256);
    }

    // The mail: wait until the outbox is delivered, then every notification arrived once.
    // (Longer than the outbox's second try, a minute after a failed one.)
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    loop {
        let outbox = store.outbox().await.unwrap();
        if outbox
            .iter()
            .all(|o| o.delivered_at.is_some() || o.id <= seeded)
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "notifications still waiting: {:?}",
            outbox
                .iter()
                .filter(|o| o.delivered_at.is_none() && o.id > seeded)
                .map(|o| (&o.recipient, &o.subject, o.attempts, &o.last_error))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    // A few more passes of every process's jobs, for a late duplicate to show; then the
    // processes stop, the mail still in the pipe is read to its end, and the outbox is read
    // again: what the server received is exactly what the outbox says was delivered.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    for p in processes {
        p.stop().await;
    }
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let _ = stop_reading.send(());
    let (smtp, received) = mail.await.unwrap();
    let outbox = store.outbox().await.unwrap();
    let mut sent: BTreeMap<(String, String), usize> = BTreeMap::new();
    for o in outbox.iter().filter(|o| o.delivered_at.is_some()) {
        *sent
            .entry((o.recipient.clone(), o.subject.clone()))
            .or_default() += 1;
    }
    assert!(
        outbox.iter().filter(|o| o.id > seeded).count() >= started.len(),
        "every letter was notified"
    );
    assert_eq!(received, sent, "every notification delivered exactly once");

    store.close().await;
    smtp.stop().await;
    if let Some(g) = garage {
        g.stop().await;
    }
    let _ = std::fs::remove_dir_all(shared);
}
