//! Triage marks from the command line, and the store under crashes and
//! concurrent writers: marks survive restarts, re-loads of changed inputs,
//! SIGKILL mid-save and two writers at once; a broken file is reported, kept
//! and never overwritten.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::time::Duration;

use assert_cmd::Command;
use posture_core::model::Timestamp;
use posture_core::triage::store::{Store, read_marks};
use posture_core::triage::{Mark, Status};
use serde_json::Value;

use crate::common::env::fixture;

struct Env(crate::common::env::TestEnv);

impl std::ops::Deref for Env {
    type Target = crate::common::env::TestEnv;
    fn deref(&self) -> &crate::common::env::TestEnv {
        &self.0
    }
}

impl Env {
    fn new() -> Env {
        Env(crate::common::env::TestEnv::new())
    }

    fn triage_file(&self) -> PathBuf {
        self.path("triage.toml")
    }

    fn posture(&self, now: &str) -> Command {
        let mut c = self.0.posture();
        c.env("POSTURE_CONFIG", self.path("config.toml"))
            .env("POSTURE_TRIAGE_FILE", self.triage_file())
            .env("POSTURE_NOW", now)
            .env("USER", "alice");
        c
    }

    /// `triage set` marks the fixture's findings: as a user does, it names
    /// the inputs they come from (posture refuses fingerprints it never saw).
    fn run(&self, now: &str, args: &[&str]) -> (bool, String, String) {
        let mut c = self.posture(now);
        c.args(args);
        if args.starts_with(&["triage", "set"]) && !args.contains(&"--file") {
            c.arg("--file").arg(fixture("securityhub"));
        }
        crate::common::env::outcome(&c.output().unwrap())
    }

    fn list(&self, now: &str, extra: &[&str]) -> Vec<Value> {
        let sh = fixture("securityhub").display().to_string();
        let mut args = vec!["list", "--format", "json", "--all", "--file", &sh];
        args.extend_from_slice(extra);
        let (ok, out, err) = self.run(now, &args);
        assert!(ok, "{err}");
        serde_json::from_str::<Value>(&out)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }
}

const DAY1: &str = "2026-11-24T09:00:00Z";

fn fingerprints(env: &Env) -> Vec<String> {
    env.list(DAY1, &[])
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn set_then_list_shows_status_and_note_and_filters_by_status() {
    let env = Env::new();
    let fps = fingerprints(&env);
    assert!(fps.len() >= 3);
    for f in env.list(DAY1, &[]) {
        assert_eq!(f["status"], "new");
        assert_eq!(f["note"], "");
    }
    let sh = fixture("securityhub").display().to_string();
    let (ok, _, err) = env.run(
        DAY1,
        &[
            "triage",
            "set",
            &fps[0],
            &fps[1],
            "--status",
            "acknowledged",
            "--note",
            "owner: payments",
            "--jira",
            "SEC-42",
            "--file",
            &sh,
        ],
    );
    assert!(ok, "{err}");
    let listed = env.list(DAY1, &[]);
    let by_fp = |fp: &str| {
        listed
            .iter()
            .find(|f| f["fingerprint"] == fp)
            .unwrap()
            .clone()
    };
    assert_eq!(by_fp(&fps[0])["status"], "acknowledged");
    assert_eq!(by_fp(&fps[1])["note"], "owner: payments");
    assert_eq!(by_fp(&fps[1])["jira"], "SEC-42");
    assert_eq!(by_fp(&fps[2])["status"], "new");

    let acked = env.list(DAY1, &["--status", "acknowledged"]);
    assert_eq!(acked.len(), 2);
    let todo = env.list(DAY1, &["--status", "new,in-progress"]);
    assert_eq!(todo.len(), listed.len() - 2);

    // A status change keeps the note; the mark records who and when, and the context.
    let (ok, _, err) = env.run(
        "2026-11-25T10:00:00Z",
        &["triage", "set", &fps[0], "--status", "in-progress"],
    );
    assert!(ok, "{err}");
    let marks = read_marks(&env.triage_file()).unwrap();
    let m = &marks[&fps[0]];
    assert_eq!(m.status, Status::InProgress);
    assert_eq!(m.note, "owner: payments");
    assert_eq!(m.by, "alice");
    assert_eq!(m.at, Timestamp::parse("2026-11-25T10:00:00Z").unwrap());
    assert!(!m.title.is_empty(), "title kept from the inputs");

    let (ok, out, _) = env.run(DAY1, &["triage", "show", &fps[0]]);
    assert!(ok);
    assert!(out.contains("status: in-progress"), "{out}");
    assert!(out.contains("acknowledged → in-progress"), "{out}");
}

#[test]
fn accepted_risk_needs_reason_and_expiry_and_expires() {
    let env = Env::new();
    let fp = &fingerprints(&env)[0];
    let (ok, _, err) = env.run(DAY1, &["triage", "set", fp, "--status", "accepted-risk"]);
    assert!(!ok);
    assert!(err.contains("reason"), "{err}");
    let (ok, _, err) = env.run(
        DAY1,
        &[
            "triage",
            "set",
            fp,
            "--status",
            "accepted-risk",
            "--reason",
            "WAF",
        ],
    );
    assert!(!ok);
    assert!(err.contains("expiry"), "{err}");
    let (ok, _, err) = env.run(
        DAY1,
        &[
            "triage",
            "set",
            fp,
            "--status",
            "accepted-risk",
            "--reason",
            "WAF",
            "--expires",
            "2026-11-01",
        ],
    );
    assert!(!ok && err.contains("past"), "{err}");
    let (ok, _, err) = env.run(
        DAY1,
        &[
            "triage",
            "set",
            fp,
            "--status",
            "accepted-risk",
            "--reason",
            "WAF blocks it",
            "--expires",
            "7d",
        ],
    );
    assert!(ok, "{err}");
    let status_on = |now: &str| {
        let l = env.list(now, &[]);
        let f = l.iter().find(|f| f["fingerprint"] == fp.as_str()).unwrap();
        (f["status"].clone(), f["risk_expired"].clone())
    };
    // Valid through its last day (2026-12-01), new and flagged the day after.
    assert_eq!(
        status_on("2026-12-01T23:00:00Z"),
        (Value::from("accepted-risk"), Value::Null)
    );
    assert_eq!(
        status_on("2026-12-02T00:00:01Z"),
        (Value::from("new"), Value::from(true))
    );
    let (_, out, _) = env.run("2026-12-05T00:00:00Z", &["triage", "show", fp]);
    assert!(out.contains("risk acceptance expired"), "{out}");
}

#[test]
fn export_import_merges_newest_wins_and_reports_conflicts() {
    let alice = Env::new();
    let bob = Env::new();
    let fps = fingerprints(&alice);
    alice.run(
        DAY1,
        &["triage", "set", &fps[0], "--status", "acknowledged"],
    );
    alice.run(
        DAY1,
        &["triage", "set", &fps[1], "--status", "false-positive"],
    );
    // Bob decides on fps[1] later, and on fps[2] alone.
    bob.run(
        "2026-11-26T09:00:00Z",
        &["triage", "set", &fps[1], "--status", "resolved"],
    );
    bob.run(
        "2026-11-26T09:00:00Z",
        &["triage", "set", &fps[2], "--status", "in-progress"],
    );
    let shared = bob.dir.path().join("shared.toml");
    let (ok, _, err) = bob.run(
        DAY1,
        &["triage", "export", "--out", shared.to_str().unwrap()],
    );
    assert!(ok, "{err}");
    let (ok, _, err) = alice.run(DAY1, &["triage", "import", shared.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(err.contains("1 added, 1 updated"), "{err}");
    assert!(err.contains("conflict"), "{err}");
    let m = read_marks(&alice.triage_file()).unwrap();
    assert_eq!(m[&fps[0]].status, Status::Acknowledged);
    assert_eq!(m[&fps[1]].status, Status::Resolved, "bob's is newer");
    assert_eq!(m[&fps[2]].status, Status::InProgress);
    // Importing again changes nothing.
    let (_, _, err) = alice.run(DAY1, &["triage", "import", shared.to_str().unwrap()]);
    assert!(
        err.contains("0 added, 0 updated, 2 unchanged, 0 conflicts"),
        "{err}"
    );
}

#[test]
fn a_broken_triage_file_is_reported_kept_and_recoverable() {
    let env = Env::new();
    let fps = fingerprints(&env);
    env.run(
        DAY1,
        &["triage", "set", &fps[0], "--status", "acknowledged"],
    );
    env.run(DAY1, &["triage", "set", &fps[1], "--status", "resolved"]);
    let mut text = std::fs::read_to_string(env.triage_file()).unwrap();
    text = text.replace("status = \"resolved\"", "status = \"resolvd\"");
    std::fs::write(env.triage_file(), &text).unwrap();

    let (ok, _, err) = env.run(DAY1, &["triage", "set", &fps[2], "--status", "resolved"]);
    assert!(!ok);
    assert!(
        err.contains("triage.toml:") && err.contains("resolvd"),
        "{err}"
    );
    assert!(err.contains("posture triage recover"), "{err}");
    assert_eq!(std::fs::read_to_string(env.triage_file()).unwrap(), text);
    // Reading still works, with a warning.
    let sh = fixture("securityhub").display().to_string();
    let (ok, _, err) = env.run(DAY1, &["list", "--file", &sh]);
    assert!(
        ok && err.contains("warning: triage marks not read"),
        "{err}"
    );

    let (ok, out, err) = env.run(DAY1, &["triage", "recover"]);
    assert!(ok, "{err}");
    assert!(out.contains(".broken-"), "{out}");
    assert!(
        err.contains(&format!("lost: {}", fps[1])) && err.contains("does not parse"),
        "the recovery says what it loses: {err}"
    );
    let m = read_marks(&env.triage_file()).unwrap();
    assert_eq!(
        m[&fps[0]].status,
        Status::Acknowledged,
        "the last good backup"
    );
    let kept: Vec<_> = std::fs::read_dir(env.dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".broken-"))
        .collect();
    assert_eq!(kept.len(), 1);
}

#[test]
fn gone_marks_are_kept_and_listed() {
    let env = Env::new();
    let fps = fingerprints(&env);
    env.run(
        DAY1,
        &["triage", "set", &fps[0], "--status", "acknowledged"],
    );
    env.run(
        DAY1,
        &[
            "triage",
            "set",
            "sh-00000000000000000000",
            "--status",
            "resolved",
            "--force",
        ],
    );
    let sh = fixture("securityhub").display().to_string();
    let (ok, out, err) = env.run(
        DAY1,
        &[
            "triage", "list", "--gone", "--format", "json", "--file", &sh,
        ],
    );
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let gone: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(gone, ["sh-00000000000000000000"]);
}

#[test]
fn fingerprints_from_stdin_and_bad_input_are_refused() {
    let env = Env::new();
    let fps = fingerprints(&env);
    let out = env
        .posture(DAY1)
        .args(["triage", "set", "-", "--status", "ack", "--file"])
        .arg(fixture("securityhub"))
        .write_stdin(format!("{}\n{}\n", fps[0], fps[1]))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(read_marks(&env.triage_file()).unwrap().len(), 2);
    let (ok, _, err) = env.run(DAY1, &["triage", "set", "a b\u{1b}[2J", "--status", "ack"]);
    assert!(!ok);
    assert!(!err.contains('\u{1b}'), "{err}");
    let (ok, _, err) = env.run(DAY1, &["triage", "set", &fps[0], "--status", "closed"]);
    assert!(!ok && err.contains("unknown triage status"), "{err}");
}

// ---- crash and concurrency: child writer processes ----

const CHILD_ENV: &str = "POSTURE_TRIAGE_CHILD";
const FPS_PER_CHILD: u64 = 40;

/// Not a test: the writer process that the crash and concurrency tests start
/// (this test binary re-run with `--ignored --exact`). It saves marks one at
/// a time and prints `ACK fingerprint sequence` after each save returned.
#[test]
#[ignore = "helper process for the crash and concurrency tests"]
fn child_writer() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let mut parts = spec.split(',');
    let path = PathBuf::from(parts.next().unwrap());
    let prefix = parts.next().unwrap().to_string();
    let start: u64 = parts.next().unwrap().parse().unwrap();
    let count: u64 = parts.next().unwrap().parse().unwrap();
    let mut store = Store::open(&path);
    for seq in start..start + count {
        let fp = format!("{prefix}{:03}", seq % FPS_PER_CHILD);
        let mut m = Mark::new(
            Status::ALL[(seq % 6) as usize],
            "writer",
            Timestamp::from_unix(1_700_000_000 + seq as i64),
        );
        if m.status == Status::AcceptedRisk {
            m.reason = "test".into();
            m.expires = Some(time::macros::date!(2030 - 01 - 01));
        }
        m.note = format!("seq {seq}");
        store.apply(vec![(fp.clone(), m)], "test").unwrap();
        println!("ACK {fp} {seq}");
    }
}

fn spawn_child(path: &Path, prefix: &str, start: u64, count: u64) -> std::process::Child {
    StdCommand::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "triage::child_writer",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(
            CHILD_ENV,
            format!("{},{prefix},{start},{count}", path.display()),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// `ACK fingerprint seq`; libtest may print "test child_writer ... " first on the line.
fn parse_ack(line: &str) -> Option<(String, u64)> {
    let (_, rest) = line.split_once("ACK ")?;
    let mut w = rest.split(' ');
    Some((w.next()?.to_string(), w.next()?.parse().ok()?))
}

fn acks(child: &mut std::process::Child) -> Vec<(String, u64)> {
    let out = child.stdout.take().unwrap();
    BufReader::new(out)
        .lines()
        .map_while(Result::ok)
        .filter_map(|l| parse_ack(&l))
        .collect()
}

fn seq_of(m: &Mark) -> u64 {
    m.note.trim_start_matches("seq ").parse().unwrap()
}

#[test]
fn sigkill_mid_save_never_loses_an_acknowledged_mark() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("triage.toml");
    // Deterministic pseudo-random kill moments (xorshift), 0–25 ms after start.
    let mut rng: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut newest: std::collections::HashMap<String, u64> = Default::default();
    let mut seq = 0u64;
    let rounds = 200;
    for _ in 0..rounds {
        let mut child = spawn_child(&path, "fp-", seq, 1_000_000);
        // Read ACKs on a thread; kill at a random moment after the first
        // save, so that the kill lands mid-run however slow the machine.
        let out = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<(String, u64)>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if let Some(ack) = parse_ack(&line)
                    && tx.send(ack).is_err()
                {
                    break;
                }
            }
        });
        let first = rx.recv_timeout(Duration::from_secs(30));
        std::thread::sleep(Duration::from_micros(next() % 10_000));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        reader.join().unwrap();
        let acked: Vec<(String, u64)> = first.into_iter().chain(rx.try_iter()).collect();
        assert!(!acked.is_empty(), "the writer saved nothing in 30 s");
        for (fp, s) in &acked {
            let e = newest.entry(fp.clone()).or_default();
            *e = (*e).max(*s);
        }
        // The file parses and holds every acknowledged mark, at least as new
        // as acknowledged (a save may complete just before its ACK is printed).
        let marks = read_marks(&path).unwrap_or_else(|e| panic!("after a kill: {e}"));
        // Every saved state has its history line: the line is written first.
        let hist_path = posture_core::triage::store::history_path(&path);
        let (hist, _) = posture_core::triage::history::read(&hist_path).unwrap();
        for (fp, m) in &marks {
            assert!(
                hist.get(fp)
                    .is_some_and(|h| h.iter().any(|e| e.at == m.at && e.status == m.status)),
                "{fp} (seq {}) was saved without its history line",
                seq_of(m)
            );
        }
        for (fp, s) in &newest {
            let m = marks.get(fp).unwrap_or_else(|| panic!("{fp} lost"));
            assert!(
                seq_of(m) >= *s,
                "{fp}: file has seq {} < acked {s}",
                seq_of(m)
            );
        }
        seq += 10_000;
    }
    // History lines may be torn but never break reading.
    let store = Store::open(&path);
    assert!(store.broken().is_none());
}

#[test]
fn two_concurrent_writers_keep_both_sets_of_marks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("triage.toml");
    let mut a = spawn_child(&path, "a-", 0, FPS_PER_CHILD);
    let mut b = spawn_child(&path, "b-", 0, FPS_PER_CHILD);
    let (acks_a, acks_b) = (acks(&mut a), acks(&mut b));
    assert!(a.wait().unwrap().success() && b.wait().unwrap().success());
    assert_eq!(acks_a.len() as u64, FPS_PER_CHILD);
    assert_eq!(acks_b.len() as u64, FPS_PER_CHILD);
    let marks = read_marks(&path).unwrap();
    assert_eq!(marks.len() as u64, 2 * FPS_PER_CHILD, "no mark lost");
    let store = Store::open(&path);
    assert_eq!(store.history("a-000").len(), 1);
}

#[test]
fn a_full_disk_or_a_refused_directory_keeps_the_old_file_and_says_so() {
    let env = Env::new();
    let fps = fingerprints(&env);
    let (ok, _, err) = env.run(
        DAY1,
        &[
            "triage", "set", &fps[0], "--status", "ack", "--note", "kept",
        ],
    );
    assert!(ok, "{err}");
    let before = std::fs::read(env.triage_file()).unwrap();
    let backup = std::fs::read(env.dir.path().join("triage.toml.bak")).ok();
    for (fault, says) in [
        ("write-enospc", "No space left on device"),
        ("open-eacces", "Permission denied"),
    ] {
        let out = env
            .posture(DAY1)
            .env("POSTURE_FAULT", fault)
            .args([
                "triage", "set", &fps[1], "--status", "resolved", "--note", "lost?",
            ])
            .arg("--file")
            .arg(fixture("securityhub"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{fault}: saved anyway");
        assert!(stderr.contains(says), "{fault}: {stderr}");
        assert!(
            stderr.contains("triage.toml"),
            "{fault}: names the file: {stderr}"
        );
        assert_eq!(std::fs::read(env.triage_file()).unwrap(), before, "{fault}");
        assert_eq!(
            std::fs::read(env.dir.path().join("triage.toml.bak")).ok(),
            backup,
            "{fault}: backup touched"
        );
        // No half-written temporary file is left beside it.
        let leftovers: Vec<String> = std::fs::read_dir(env.dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".tmp."))
            .collect();
        assert!(leftovers.is_empty(), "{fault}: {leftovers:?}");
    }
    // And the earlier mark still reads back.
    let listed = env.list(DAY1, &[]);
    let first = listed
        .iter()
        .find(|f| f["fingerprint"] == fps[0].as_str())
        .unwrap();
    assert_eq!(first["note"], "kept");

    // A real read-only directory where permissions apply (not as root).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let dir = env.dir.path();
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).unwrap();
        let probe = std::fs::write(dir.join("probe"), b"x");
        if probe.is_err() {
            let (ok, _, err) = env.run(DAY1, &["triage", "set", &fps[1], "--status", "resolved"]);
            assert!(!ok && err.contains("triage.toml"), "{err}");
            assert_eq!(std::fs::read(env.triage_file()).unwrap(), before);
        } else {
            let _ = std::fs::remove_file(dir.join("probe"));
        }
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn a_mark_keeps_an_excerpt_of_a_huge_title_not_all_of_it() {
    let env = Env::new();
    let title = "T".repeat(10 << 20);
    let record = serde_json::json!({
        "SchemaVersion": "2018-10-08", "Id": "huge-1", "ProductArn": "arn:p",
        "AwsAccountId": "111122223333", "Region": "eu-west-1", "Title": title,
        "Severity": {"Label": "HIGH"}, "Workflow": {"Status": "NEW"},
        "RecordState": "ACTIVE", "Resources": [{"Id": "r".repeat(1 << 20)}]
    });
    let input = env.path("huge.json");
    std::fs::write(
        &input,
        serde_json::json!({ "Findings": [record] }).to_string(),
    )
    .unwrap();
    let input = input.display().to_string();
    let (ok, out, err) = env.run(DAY1, &["list", "--format", "json", "--file", &input]);
    assert!(ok, "{err}");
    let listed: Value = serde_json::from_str(&out).unwrap();
    let fp = listed[0]["fingerprint"].as_str().unwrap().to_string();
    let (ok, _, err) = env.run(
        DAY1,
        &[
            "triage",
            "set",
            &fp,
            "--status",
            "acknowledged",
            "--file",
            &input,
        ],
    );
    assert!(ok, "{err}");
    let size = std::fs::metadata(env.triage_file()).unwrap().len();
    assert!(size < 8 << 10, "triage.toml is {size} bytes");
    let m = &read_marks(&env.triage_file()).unwrap()[&fp];
    assert!(
        m.title.starts_with("TTTT") && m.title.ends_with('…'),
        "{}",
        m.title.len()
    );
}

#[test]
fn a_fingerprint_posture_never_saw_is_refused_unless_forced() {
    let env = Env::new();
    // Nothing loaded has it: refused with exit 2, nothing written.
    let out = env
        .posture(DAY1)
        .args(["triage", "set", "nope-fp", "--status", "false-positive"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("nope-fp") && err.contains("--force"), "{err}");
    assert!(!env.triage_file().exists(), "a refused mark was written");
    // A fingerprint from a saved snapshot is known without its input.
    let fps = fingerprints(&env);
    let sh = fixture("securityhub").display().to_string();
    let (ok, _, err) = env.run(DAY1, &["snapshot", "save", "--name", "w1", "--file", &sh]);
    assert!(ok, "{err}");
    let out = env
        .posture(DAY1)
        .args(["triage", "set", &fps[0], "--status", "acknowledged"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // --force marks what posture never saw (a fingerprint from elsewhere).
    let out = env
        .posture(DAY1)
        .args([
            "triage",
            "set",
            "nope-fp",
            "--status",
            "false-positive",
            "--force",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let marks = read_marks(&env.triage_file()).unwrap();
    assert_eq!(marks.len(), 2);
}

#[test]
fn a_full_disk_while_logging_saves_neither_the_mark_nor_half_a_line() {
    let env = Env::new();
    let fps = fingerprints(&env);
    let (ok, _, err) = env.run(DAY1, &["triage", "set", &fps[0], "--status", "ack"]);
    assert!(ok, "{err}");
    let marks_before = std::fs::read(env.triage_file()).unwrap();
    let hist = env.path("triage.history.jsonl");
    let hist_before = std::fs::read(&hist).unwrap();
    let out = env
        .posture(DAY1)
        .env("POSTURE_FAULT", "history-enospc")
        .args(["triage", "set", &fps[1], "--status", "resolved", "--file"])
        .arg(fixture("securityhub"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "saved although the history failed");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert_eq!(
        std::fs::read(env.triage_file()).unwrap(),
        marks_before,
        "mark saved"
    );
    assert_eq!(
        std::fs::read(&hist).unwrap(),
        hist_before,
        "half a line kept"
    );
    // A line torn by a killed writer is cut off by the next save.
    std::fs::OpenOptions::new()
        .append(true)
        .open(&hist)
        .unwrap()
        .write_all(b"{\"at\":\"2026-11")
        .unwrap();
    let (ok, _, err) = env.run(DAY1, &["triage", "set", &fps[1], "--status", "resolved"]);
    assert!(ok, "{err}");
    let (h, unreadable) = posture_core::triage::history::read(&hist).unwrap();
    assert_eq!(unreadable, 0, "the torn line is still there");
    assert_eq!(h[&fps[1]].len(), 1);
}

#[test]
fn recover_says_what_it_loses_and_keeps_what_still_parses() {
    let env = Env::new();
    let fps = fingerprints(&env);
    for (fp, status) in [
        (&fps[0], "acknowledged"),
        (&fps[1], "resolved"),
        (&fps[2], "in-progress"),
    ] {
        let (ok, _, err) = env.run(DAY1, &["triage", "set", fp, "--status", status]);
        assert!(ok, "{err}");
    }
    // The newest save (fps[2]) is only in the file; the backup is one save behind.
    let text = std::fs::read_to_string(env.triage_file()).unwrap();
    let broken = text.replacen("status = \"acknowledged\"", "status = \"acknowledgd\"", 1);
    assert_ne!(broken, text);
    std::fs::write(env.triage_file(), &broken).unwrap();

    let (ok, _, err) = env.run(DAY1, &["triage", "recover"]);
    assert!(!ok, "recovered although a newer mark would be lost");
    assert!(
        err.contains(&format!("would be lost: {} in-progress", fps[2])),
        "{err}"
    );
    assert!(
        err.contains(&format!("from the backup: {} acknowledged", fps[0])),
        "{err}"
    );
    assert!(err.contains("--keep-parsable"), "{err}");
    assert_eq!(
        std::fs::read_to_string(env.triage_file()).unwrap(),
        broken,
        "changed anyway"
    );

    let (ok, out, err) = env.run(DAY1, &["triage", "recover", "--keep-parsable"]);
    assert!(ok, "{err}");
    assert!(out.contains("1 newer mark"), "{out}");
    let m = read_marks(&env.triage_file()).unwrap();
    assert_eq!(
        m[&fps[2]].status,
        Status::InProgress,
        "the newest save is kept"
    );
    assert_eq!(m[&fps[1]].status, Status::Resolved);
    assert_eq!(m[&fps[0]].status, Status::Acknowledged, "from the backup");
}
