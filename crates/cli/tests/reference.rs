//! `linkwork demo` with referrals, and the reference data commands:
//! network coverage, needs and clinical codes.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_linkwork");

fn linkwork(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("LINKWORK_DATABASE_URL")
        .env_remove("LINKWORK_CONFIG")
        .env("LINKWORK_PASSWORD_HASHING__MEMORY_KIB", "64")
        .env("LINKWORK_PASSWORD_HASHING__ITERATIONS", "1")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn demo_referrals_coverage_needs_and_codes() {
    let dir = std::env::temp_dir().join(format!("linkwork-cli-reference-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);

    let demo = linkwork(&dir, &["demo"]);
    assert!(demo.status.success(), "{}", stderr(&demo));
    assert!(stdout(&demo).contains("800 referrals"), "{}", stdout(&demo));
    assert!(
        stdout(&demo).contains("lwk_demo-"),
        "the demo API token is printed"
    );

    let coverage = linkwork(&dir, &["org", "coverage", "U00001"]);
    assert_eq!(
        stdout(&coverage).trim(),
        "Riverside North Primary Care Network covers RV1, RV2, RV3, RV4, RV5, RV6."
    );
    let clash = linkwork(&dir, &["org", "coverage", "U00001", "--set", "RV1", "RV7"]);
    assert!(!clash.status.success());
    assert!(
        stderr(&clash).contains("already covered by another network"),
        "{}",
        stderr(&clash)
    );
    let set = linkwork(
        &dir,
        &["org", "coverage", "U00001", "--set", "rv1", "RV2,RV3"],
    );
    assert!(set.status.success(), "{}", stderr(&set));
    assert!(stdout(&set).contains("covers RV1, RV2, RV3."));
    let practice = linkwork(&dir, &["org", "coverage", "Y00001", "--set", "RV9"]);
    assert!(!practice.status.success());
    assert!(stderr(&practice).contains("Only a Primary Care Network"));

    let added = linkwork(
        &dir,
        &["needs", "set", "food", "--label", "Food and cooking"],
    );
    assert!(added.status.success(), "{}", stderr(&added));
    let retired = linkwork(&dir, &["needs", "set", "benefits", "--retire"]);
    assert!(stdout(&retired).contains("(retired)"));
    let list = stdout(&linkwork(&dir, &["needs", "list"]));
    assert!(list.contains("Food and cooking"));
    assert!(
        list.lines()
            .any(|l| l.starts_with("benefits") && l.contains("retired")),
        "{list}"
    );
    let unlabelled = linkwork(&dir, &["needs", "set", "gardening"]);
    assert!(!unlabelled.status.success());
    assert!(stderr(&unlabelled).contains("Give the new need a label"));

    let codes = stdout(&linkwork(&dir, &["codes", "list"]));
    assert!(
        codes.contains("871731000000106") && codes.contains("871711000000103"),
        "{codes}"
    );
    let bad = linkwork(
        &dir,
        &[
            "codes",
            "set",
            "referral",
            "--code",
            "abc",
            "--display",
            "x",
        ],
    );
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("SNOMED CT concept ID"));

    // A second run loads nothing twice.
    let again = linkwork(&dir, &["demo"]);
    assert!(stdout(&again).contains("already loaded"));
    let _ = std::fs::remove_dir_all(&dir);
}
