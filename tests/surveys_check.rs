//! `listening-loop surveys check` passes the shipped surveys once the local
//! help is filled in, refuses to call them ready before, and names the file
//! and line of each mistake in broken ones.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

fn shipped() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("surveys")
}

fn check(files: &[PathBuf]) -> (bool, String, String) {
    check_in(&shipped(), files)
}

fn check_in(dir: &Path, files: &[PathBuf]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_listening-loop"))
        .args(["surveys", "check", "--dir"])
        .arg(dir)
        .args(files)
        .output()
        .expect("run listening-loop");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A copy of the shipped surveys with `partnership.toml` ending in `local`.
fn shipped_with(local: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    support::copy_folder(&shipped(), dir.path());
    let partnership = dir.path().join("partnership.toml");
    let text = std::fs::read_to_string(&partnership).unwrap();
    std::fs::write(&partnership, format!("{text}\n{local}")).unwrap();
    dir
}

/// The local help filled in, as a partnership would before going live.
const LOCAL_HELP: &str = r#"
[front_door]
name = "Salford children's services"
detail = "If you're worried about yourself or another child, call 0161 000 0000, Monday to Friday."
href = "tel:01610000000"

[out_of_hours]
name = "Out of hours"
detail = "Evenings, weekends and bank holidays, call 0161 000 0001."
href = "tel:01610000001"
"#;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/broken").join(name)
}

#[test]
fn the_shipped_surveys_are_not_ready_until_the_local_help_is_filled_in() {
    let (ok, stdout, stderr) = check(&[]);
    assert!(!ok, "no local number, yet ready: {stdout}{stderr}");
    assert!(stderr.contains("no mistakes"), "{stderr}");
    let not_ready: Vec<&str> = stderr.lines().filter(|l| l.starts_with("not ready to go live: ")).collect();
    assert_eq!(not_ready.len(), 2, "{stderr}");
    assert!(not_ready[0].contains("[front_door]") && not_ready[1].contains("[out_of_hours]"), "{stderr}");

    // A placeholder is not a number.
    let placeholder = shipped_with(&LOCAL_HELP.replace("tel:01610000000", "tel:-----------"));
    let (ok, _, stderr) = check_in(placeholder.path(), &[]);
    assert!(!ok);
    assert!(stderr.contains("partnership.toml:") && stderr.contains("is not a real number yet"), "{stderr}");
}

#[test]
fn the_shipped_surveys_pass_once_the_local_help_is_filled_in() {
    let ready = shipped_with(LOCAL_HELP);
    let (ok, stdout, stderr) = check_in(ready.path(), &[]);
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.contains("all fine"), "{stdout}");
    for id in ["what-we-need", "what-we-need-5-7", "parents-carers", "practitioners"] {
        assert!(stdout.contains(&format!("  {id} ")), "{id} checked: {stdout}");
    }
    // The Urdu and Polish safeguarding lists wait for native-speaking practitioners.
    assert!(stdout.contains("Safeguarding phrases in pl, ur are a first version"), "{stdout}");
}

#[test]
fn each_shipped_survey_passes_on_its_own() {
    let ready = shipped_with(LOCAL_HELP);
    for file in listening_loop::surveys::survey_files(ready.path()).unwrap() {
        let (ok, stdout, stderr) = check_in(ready.path(), std::slice::from_ref(&file));
        assert!(ok, "{}: {stdout}{stderr}", file.display());
    }
}

#[test]
fn broken_surveys_fail_with_file_and_line() {
    let cases = [
        ("unknown-kind.toml", 13, "kind \"slider\" is not one of"),
        ("unknown-theme.toml", 16, "theme \"fod\" is not in themes.toml"),
        ("typo-key.toml", 5, "unknown field `titel`"),
        ("bad-syntax.toml", 2, "string"),
        ("missing-wording.toml", 14, "no wording for age group 12-15"),
        ("no-listened-measure.toml", 15, "needs at least two options"),
        ("no-listened-measure.toml", 1, "feel_listened_to"),
    ];
    for (file, line, words) in cases {
        let (ok, stdout, stderr) = check(&[fixture(file)]);
        assert!(!ok, "{file} should fail: {stdout}");
        let expected = format!("{file}:{line}: ");
        assert!(
            stderr.lines().any(|l| l.contains(&expected) && l.contains(words)),
            "{file}: expected a line with {expected:?} and {words:?} in:\n{stderr}"
        );
    }
}
