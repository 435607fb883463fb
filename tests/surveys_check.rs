//! `listening-loop surveys check` passes the shipped surveys and names the
//! file and line of each mistake in broken ones.

use std::path::PathBuf;
use std::process::Command;

fn check(files: &[PathBuf]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_listening-loop"))
        .args(["surveys", "check", "--dir"])
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("surveys"))
        .args(files)
        .output()
        .expect("run listening-loop");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/broken").join(name)
}

#[test]
fn the_shipped_surveys_pass() {
    let (ok, stdout, stderr) = check(&[]);
    assert!(ok, "{stdout}{stderr}");
    for id in ["what-we-need", "what-we-need-5-7", "parents-carers", "practitioners"] {
        assert!(stdout.contains(&format!("  {id} ")), "{id} checked: {stdout}");
    }
    // The Urdu and Polish safeguarding lists wait for native-speaking practitioners.
    assert!(stdout.contains("Safeguarding phrases in pl, ur are a first version"), "{stdout}");
}

#[test]
fn each_shipped_survey_passes_on_its_own() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("surveys");
    for file in listening_loop::surveys::survey_files(&dir).unwrap() {
        let (ok, stdout, stderr) = check(std::slice::from_ref(&file));
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
