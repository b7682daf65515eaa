//! Files on S3-compatible object storage (issue 21, part 3): the blob store against a real
//! Garage node started by the test — by digest, idempotent, at once from many writers, streamed
//! from the copy aside, refused with a wrong key — and two Sportello processes with different
//! disks sharing one bucket (two servers in this test process, each with its own data
//! directory): a file filed on one is served by the other.

use std::sync::Arc;

use sportello_app::blobs::{sha256_hex, BlobStore, UploadWriter};
use sportello_app::s3::S3BlobStore;
use sportello_testkit::{client, spawn_app_on, Garage, Options, TestDatabase};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "sportello-{name}-{}",
        sportello_app::crypto::random_token(9)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn the_blob_store_on_garage() {
    let Some(garage) = Garage::start().await else {
        return;
    };
    let incoming = scratch("s3-incoming");
    let store = Arc::new(S3BlobStore::new(garage.settings.clone(), incoming.clone()).unwrap());

    // By digest, and idempotent.
    let digest = store.put(PDF.to_vec()).await.unwrap();
    assert_eq!(digest, sha256_hex(PDF));
    assert_eq!(store.put(PDF.to_vec()).await.unwrap(), digest);
    assert_eq!(store.get(&digest).await.unwrap(), PDF);

    // Missing, malformed: not found; a path outside the store is not a digest.
    let missing = store.get(&"0".repeat(64)).await.unwrap_err();
    assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
    for bad in ["../../etc/passwd", "", "abc"] {
        assert_eq!(
            store.get(bad).await.unwrap_err().kind(),
            std::io::ErrorKind::NotFound
        );
    }

    // The same bytes from sixteen writers at once: all succeed, one object.
    let big: Vec<u8> = PDF.iter().copied().cycle().take(256 * 1024).collect();
    let mut writers = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let (store, big) = (store.clone(), big.clone());
        writers.spawn(async move { store.put(big).await });
    }
    while let Some(w) = writers.join_next().await {
        assert_eq!(w.unwrap().unwrap(), sha256_hex(&big));
    }
    assert_eq!(store.get(&sha256_hex(&big)).await.unwrap(), big);

    // A received file of 3 MB, streamed from its copy aside; the copy goes when dropped.
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.extend((0..3_000_000u32).map(|i| b'a' + u8::try_from(i % 26).unwrap()));
    pdf.extend_from_slice(b"\n%%EOF\n");
    let mut w = UploadWriter::create(&store.incoming(), 8 << 20)
        .await
        .unwrap();
    for chunk in pdf.chunks(64 * 1024) {
        w.write(chunk).await.unwrap();
    }
    let upload = w.finish().await.unwrap();
    assert_eq!(store.keep(&upload).await.unwrap(), sha256_hex(&pdf));
    drop(upload);
    assert_eq!(std::fs::read_dir(&incoming).unwrap().count(), 0);
    assert_eq!(store.get(&sha256_hex(&pdf)).await.unwrap(), pdf);

    // Bytes that are not what their name says (damaged on the way, or forged): refused by the
    // storage itself (the signed payload hash is the name), nothing stored under the name.
    let claimed = sha256_hex(b"%PDF-1.4 the real document");
    let err = store
        .put_claiming(&claimed, b"%PDF-1.4 something else".to_vec())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("400"), "{err}");
    assert!(!store.exists(&claimed).await.unwrap());
    assert!(store.exists(&digest).await.unwrap());
    assert!(!store.exists("not a digest").await.unwrap());

    // A wrong secret: refused by the store, and nothing stored under the name.
    let mut wrong = garage.settings.clone();
    wrong.secret_access_key = "0".repeat(64);
    let intruder = S3BlobStore::new(wrong, incoming.clone()).unwrap();
    assert!(intruder.check_bucket().await.is_err(), "refused at start");
    store.check_bucket().await.unwrap();
    let err = intruder.put(b"%PDF-1.4 forged".to_vec()).await.unwrap_err();
    assert!(err.to_string().contains("403"), "{err}");
    assert!(intruder.get(&digest).await.is_err(), "nor read");
    assert_eq!(
        store
            .get(&sha256_hex(b"%PDF-1.4 forged"))
            .await
            .unwrap_err()
            .kind(),
        std::io::ErrorKind::NotFound
    );
    garage.stop().await;
    let _ = std::fs::remove_dir_all(incoming);
}

/// Two servers, two disks, one database and one bucket: what one files, the other serves, and
/// neither keeps the file on its own disk. (Three real processes share a bucket in
/// `multi_process::three_processes_through_a_click_day_and_a_back_office_day`.)
#[tokio::test]
async fn a_file_filed_through_one_process_is_served_by_another() {
    let Some(garage) = Garage::start().await else {
        return;
    };
    let db = Arc::new(TestDatabase::new().await.unwrap());
    let (disk_a, disk_b) = (scratch("disk-a"), scratch("disk-b"));
    let a = spawn_app_on(
        db.clone(),
        Options {
            s3: Some(garage.settings.clone()),
            data_dir: Some(disk_a.clone()),
            ..Default::default()
        },
    )
    .await;
    let b = spawn_app_on(
        db.clone(),
        Options {
            s3: Some(garage.settings.clone()),
            data_dir: Some(disk_b.clone()),
            public_url: Some(a.url.clone()),
            ..Default::default()
        },
    )
    .await;
    let token = crate::api_apply::bearer_for(&a.url, "mario-rossi").await;
    let cf = sportello_app::demo::persona("mario-rossi")
        .unwrap()
        .fiscal_code()
        .unwrap()
        .to_string();
    let start = (time::OffsetDateTime::now_utc().date() + time::Duration::days(10)).to_string();
    let end = (time::OffsetDateTime::now_utc().date() + time::Duration::days(11)).to_string();
    let data = serde_json::json!({
        "data": {
            "nome": "Mario", "cognome": "Rossi", "codice_fiscale": cf,
            "email": "mario@example.it", "in_qualita_di": "privato", "motivo": "trasloco",
            "indirizzo": "Via Grande 10", "superficie": 12.5, "dal": start, "al": end,
        },
        "declaration": true,
    });
    let c = client();
    let filed = c
        .post(format!(
            "{}/api/v1/enti/049009/servizi/occupazione-suolo-pubblico/domande",
            a.url
        ))
        .bearer_auth(&token)
        .multipart(
            reqwest::multipart::Form::new()
                .text("data", data.to_string())
                .part(
                    "planimetria",
                    reqwest::multipart::Part::bytes(PDF).file_name("planimetria.pdf"),
                ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(filed.status(), 201, "{}", filed.text().await.unwrap());
    let filed: serde_json::Value = filed.json().await.unwrap();
    let id = filed["application_id"].as_str().unwrap();
    // Served by B, which never saw the upload.
    let served = c
        .get(format!(
            "{}/livorno/domande/{id}/allegati/planimetria",
            b.url
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.bytes().await.unwrap().as_ref(), PDF);
    // In the bucket; on neither disk (A's copy aside is gone too).
    let store = S3BlobStore::new(garage.settings.clone(), scratch("s3-reader")).unwrap();
    assert_eq!(store.get(&sha256_hex(PDF)).await.unwrap(), PDF);
    for disk in [&disk_a, &disk_b] {
        let kept: Vec<_> = walk(disk)
            .into_iter()
            .filter(|p| std::fs::read(p).is_ok_and(|bytes| bytes == PDF))
            .collect();
        assert!(kept.is_empty(), "on disk: {kept:?}");
    }
    a.stop().await;
    b.stop().await;
    garage.stop().await;
    let _ = std::fs::remove_dir_all(disk_a);
    let _ = std::fs::remove_dir_all(disk_b);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
