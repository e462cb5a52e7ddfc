//! `AI4MED_GRADE` end to end: a failing grader writes its report to stderr under
//! `strict` and stays quiet otherwise. Each check re-runs this test binary on the
//! `child_*` test with the variable set, because the variable is read from the process
//! environment and tests in one process share it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use ai4med::course::grade::Grader;
use std::process::Command;

const CHILD: &str = "AI4MED_GRADE_TEST_CHILD";

/// Runs only inside a re-run (`CHILD` set): one failing and one passing grader.
#[test]
fn child_graders() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let failing = Grader::new("double").case("two", 2i64, 4).case("three", 3, 6).run(|x: i64| if x == 3 { 5 } else { 2 * x });
    assert!(!failing.all_passed());
    let passing = Grader::new("triple").case("one", 1i64, 3).run(|x: i64| 3 * x);
    assert!(passing.all_passed());
}

fn child_stderr(mode: Option<&str>) -> String {
    let exe = std::env::current_exe().expect("test binary path");
    let mut cmd = Command::new(exe);
    cmd.args(["--exact", "child_graders", "--nocapture", "--test-threads", "1"]).env(CHILD, "1");
    match mode {
        Some(m) => cmd.env("AI4MED_GRADE", m),
        None => cmd.env_remove("AI4MED_GRADE"),
    };
    let out = cmd.output().expect("re-run the test binary");
    assert!(out.status.success(), "child run failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn strict_writes_failed_reports_to_stderr() {
    let err = child_stderr(Some("strict"));
    assert!(err.contains("ai4med::course::grade FAILED: double: 1 of 2 tests failed"), "{err}");
    assert!(err.contains("case \"three\": expected 6, got 5"), "{err}");
    assert!(!err.contains("triple"), "a passing report must stay quiet: {err}");
}

#[test]
fn practice_and_unset_stay_quiet() {
    for mode in [Some("practice"), None] {
        let err = child_stderr(mode);
        assert!(!err.contains("ai4med::course::grade"), "{mode:?}: {err}");
    }
}
