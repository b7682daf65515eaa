//! `sportello pb tally` and `sportello pb import` as a user runs them: the official outcome in
//! JSON, a malformed file named with its line and nothing imported, an import refused twice.

fn pabulib(file: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/pabulib")).join(file)
}

fn sportello(args: &[&std::ffi::OsStr]) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sportello"))
        .env_remove("SPORTELLO__DATABASE__URL")
        .env("SPORTELLO__LOG__LEVEL", "warn")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn tallies_and_imports_from_the_command_line() {
    use std::ffi::OsStr;
    let assen = pabulib("Netherlands_Assen_2024.pb");
    let (ok, out, err) = sportello(&[
        OsStr::new("pb"),
        OsStr::new("tally"),
        assen.as_os_str(),
        OsStr::new("--rule"),
        OsStr::new("mes"),
        OsStr::new("--json"),
    ]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let mut selected: Vec<&str> = v["selected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    selected.sort_unstable();
    assert_eq!(
        selected,
        ["11", "12", "13", "14", "2", "3", "5", "6", "9"],
        "Assen's official outcome"
    );
    assert_eq!(
        (
            v["spent"].as_i64(),
            v["budget"].as_i64(),
            v["rule"].as_str()
        ),
        (Some(76_700), Some(100_000), Some("mes/cost/add1"))
    );

    // A malformed file: one line naming the file, the line and the problem; nothing imported.
    let dir = std::env::temp_dir().join(format!("sportello-pb-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.pb");
    let text =
        std::fs::read_to_string(&assen)
            .unwrap()
            .replacen("3;7200;43;", "3;settemila;43;", 1);
    std::fs::write(&bad, text).unwrap();
    let (ok, _, err) = sportello(&[
        OsStr::new("pb"),
        OsStr::new("tally"),
        bad.as_os_str(),
        OsStr::new("--rule"),
        OsStr::new("greedy"),
    ]);
    assert!(!ok);
    assert!(
        err.contains("bad.pb: line 20: `settemila` is not a number"),
        "{err}"
    );

    let data = dir.join("data");
    let comuni = std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/comuni-toscana.csv"
    ));
    let (ok, _, err) = sportello(&[
        OsStr::new("import"),
        OsStr::new("comuni"),
        comuni.as_os_str(),
        OsStr::new("--data-dir"),
        data.as_os_str(),
    ]);
    assert!(ok, "{err}");
    let import = |file: &std::path::Path| {
        sportello(&[
            OsStr::new("pb"),
            OsStr::new("import"),
            file.as_os_str(),
            OsStr::new("--ente"),
            OsStr::new("049009"),
            OsStr::new("--slug"),
            OsStr::new("assen"),
            OsStr::new("--data-dir"),
            data.as_os_str(),
        ])
    };
    let (ok, _, err) = import(&bad);
    assert!(!ok && err.contains("line 20"), "{err}");
    // A limit beyond what the database holds is refused, never wrapped into a negative one.
    let huge = dir.join("huge.pb");
    let text = std::fs::read_to_string(&assen).unwrap().replacen(
        "min_length;2",
        "min_length;18446744073709551615",
        1,
    );
    std::fs::write(&huge, text).unwrap();
    let (ok, _, err) = import(&huge);
    assert!(!ok && err.contains("troppo grande"), "{err}");
    let (ok, out, err) = import(&assen);
    assert!(ok, "{err}");
    assert!(
        out.contains("/livorno/bilancio-partecipativo/assen (14 progetti, 84 schede)"),
        "{out}"
    );
    let (ok, _, err) = import(&assen);
    assert!(!ok && err.contains("Esiste già"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}
