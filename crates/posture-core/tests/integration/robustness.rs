//! Hostile and broken inputs: every fixture truncated at every byte, field
//! types flipped, huge strings, deep nesting, invalid UTF-8 and NUL bytes,
//! oversized files. No panic, no hang, a located error where input is bad.
//! (Property tests on stable; `fuzz/` has the cargo-fuzz targets.)

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde_json::Value;

fn fixtures() -> Vec<PathBuf> {
    let root = crate::project_root().join("tests/fixtures");
    let mut out = Vec::new();
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&dir).unwrap() {
            let f = f.unwrap().path();
            if matches!(
                f.extension().and_then(|e| e.to_str()),
                Some("json" | "jsonl" | "yaml" | "sarif")
            ) {
                out.push(f);
            }
        }
    }
    out.sort();
    assert!(
        out.len() >= 10,
        "fixtures not found under {}",
        root.display()
    );
    out
}

fn parse(bytes: &[u8]) -> posture_core::sources::Loaded {
    posture_core::sources::parse_bytes(Path::new("input.json"), bytes, None)
}

/// Every error names a real place: line and column ≥ 1 within the input.
fn assert_located(loaded: &posture_core::sources::Loaded, bytes: &[u8]) {
    let lines = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
    for e in &loaded.errors {
        assert!(e.location.line >= 1 && e.location.column >= 1, "{e}");
        assert!(
            e.location.line <= lines + 1,
            "{e} (input has {lines} lines)"
        );
        assert!(e.to_string().starts_with("input.json:"), "{e}");
    }
}

#[test]
fn every_fixture_truncated_at_every_byte_gives_findings_or_a_located_error() {
    for path in fixtures() {
        let bytes = std::fs::read(&path).unwrap();
        // Every byte for small files; a few thousand evenly spaced cuts for big ones.
        let step = (bytes.len() / 3000).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            let part = &bytes[..cut];
            let loaded = parse(part);
            assert_located(&loaded, part);
            if loaded.findings.is_empty() && loaded.errors.is_empty() {
                // Only a cut that leaves complete records with nothing to report may be silent.
                let text = String::from_utf8_lossy(part);
                assert!(
                    text.trim().is_empty() || !text.contains("Findings"),
                    "{}: cut at {cut} gave neither findings nor an error",
                    path.display()
                );
            }
        }
    }
}

/// Replaces the node at `pick` (in depth-first order) with another type.
fn flip(v: &mut Value, pick: &mut usize, with: &Value) -> bool {
    if *pick == 0 {
        *v = with.clone();
        return true;
    }
    *pick -= 1;
    match v {
        Value::Array(a) => a.iter_mut().any(|x| flip(x, pick, with)),
        Value::Object(o) => o.values_mut().any(|x| flip(x, pick, with)),
        _ => false,
    }
}

fn json_fixtures() -> Vec<(PathBuf, Value)> {
    fixtures()
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter_map(|p| {
            let v = serde_json::from_slice(&std::fs::read(&p).ok()?).ok()?;
            Some((p, v))
        })
        .collect()
}

fn replacement() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,40}".prop_map(Value::String),
        Just(Value::Array(vec![Value::Null, Value::from(1)])),
        Just(serde_json::json!({"Label": 7, "status": [], "severity": {}})),
        // A huge string: 4 MB.
        Just(Value::String("\u{1b}[31m".repeat(1 << 19))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn flipping_any_field_to_any_type_never_panics(
        file in 0usize..64, node in 0usize..4000, with in replacement()
    ) {
        let all = json_fixtures();
        let (path, v) = &all[file % all.len()];
        let mut v = v.clone();
        let mut pick = node;
        flip(&mut v, &mut pick, &with);
        let bytes = serde_json::to_vec(&v).unwrap();
        let loaded = parse(&bytes);
        assert_located(&loaded, &bytes);
        // Whatever was shown is display-safe.
        for f in &loaded.findings {
            for t in [&f.title, &f.resource, &f.description, &f.rule_id] {
                prop_assert!(
                    !t.display().chars().any(|c| posture_core::model::safe_text::is_dangerous(c, posture_core::model::safe_text::Lines::Multi) && c != '\n'),
                    "{}: unsafe text shown", path.display()
                );
            }
        }
    }

    #[test]
    fn invalid_utf8_and_nul_bytes_are_located(
        file in 0usize..64, at in any::<prop::sample::Index>(), byte in prop_oneof![Just(0u8), 0x80u8..=0xff]
    ) {
        let all = fixtures();
        let path = &all[file % all.len()];
        let mut bytes = std::fs::read(path).unwrap();
        let i = at.index(bytes.len());
        bytes.insert(i, byte);
        let loaded = parse(&bytes);
        assert_located(&loaded, &bytes);
        // A lone 0x80–0xff byte can complete a UTF-8 sequence only after a
        // lead byte; a NUL is always refused.
        if byte == 0 {
            prop_assert!(!loaded.errors.is_empty(), "NUL accepted in {}", path.display());
        }
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for depth in [100, 10_000, 200_000] {
        let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let objects = format!(
            "{{\"Findings\": [{}1{}]}}",
            "{\"a\":".repeat(depth),
            "}".repeat(depth)
        );
        let yaml = format!("{}x\n", "- ".repeat(depth.min(20_000)));
        for doc in [arrays, objects, yaml] {
            let loaded = parse(doc.as_bytes());
            assert!(!loaded.errors.is_empty(), "depth {depth} accepted");
            assert_located(&loaded, doc.as_bytes());
        }
    }
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.json");
    // Sparse: 2 GiB on paper, nothing on disk; reading it would be the bug.
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(2 << 30).unwrap();
    let loaded = posture_core::sources::load_file(&path);
    assert_eq!(loaded.errors.len(), 1);
    let msg = loaded.errors[0].to_string();
    assert!(msg.contains("over the 1024 MiB input limit"), "{msg}");
    assert!(msg.contains("huge.json"), "{msg}");
}

#[test]
fn a_64_mb_single_string_loads_whole() {
    // 64 MB in one title loads, whole; the table fits it to its column when drawn.
    let title = "A".repeat(64 << 20);
    let doc = format!(
        "{{\"SchemaVersion\":\"2018-10-08\",\"Id\":\"x\",\"ProductArn\":\"p\",\"Severity\":{{\"Label\":\"HIGH\"}},\"Title\":\"{title}\"}}"
    );
    let loaded = parse(doc.as_bytes());
    assert!(loaded.errors.is_empty());
    assert_eq!(loaded.findings[0].title.display().len(), 64 << 20);
}

#[test]
fn an_input_read_twice_counts_once_and_says_so() {
    use posture_core::session::inputs::read;
    let dir = tempfile::tempdir().unwrap();
    let one = crate::project_root().join("tests/fixtures/securityhub");
    let file = std::fs::read_dir(&one)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .unwrap();
    let alone = read(std::slice::from_ref(&file), false).findings.len();
    assert!(alone > 0);
    // The same file twice, and through a link loop.
    let twice = read(&[file.clone(), file.clone()], false);
    assert_eq!(twice.findings.len(), alone);
    assert!(
        twice.files[0]
            .warnings
            .iter()
            .any(|w| w.message.contains("read once")),
        "{:?}",
        twice.files[0].warnings
    );
    let looped = dir.path().join("loop");
    std::fs::create_dir(&looped).unwrap();
    std::fs::copy(&file, looped.join("f.json")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&looped, looped.join("again")).unwrap();
    let l = read(std::slice::from_ref(&looped), false);
    assert_eq!(
        l.findings.len(),
        alone,
        "one file read once through the loop"
    );
    // The same findings under another name: each shown once.
    std::fs::copy(&file, dir.path().join("copy.json")).unwrap();
    let copies = read(&[file.clone(), dir.path().join("copy.json")], false);
    assert_eq!(copies.findings.len(), alone);
    assert_eq!(copies.sources[1].findings, 0);
    assert!(
        copies.files[1]
            .warnings
            .iter()
            .any(|w| w.message.contains("read before")),
        "{:?}",
        copies.files[1].warnings
    );
}

/// `load_file`, on a thread, given `secs` to answer: a special file must
/// never make it wait for ever.
fn load_within(path: &std::path::Path, secs: u64) -> posture_core::sources::Loaded {
    let p = path.to_path_buf();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(posture_core::sources::load_file(&p));
    });
    rx.recv_timeout(std::time::Duration::from_secs(secs))
        .unwrap_or_else(|_| panic!("{} still loading after {secs} s", path.display()))
}

#[test]
#[cfg(unix)]
fn special_files_are_refused_not_read_for_ever() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    for special in [fifo.as_path(), std::path::Path::new("/dev/zero")] {
        let loaded = load_within(special, 30);
        let e = loaded.errors.first().expect("refused").to_string();
        assert!(e.contains("not a regular file"), "{e}");
        assert!(loaded.findings.is_empty());
    }
    // A gigabyte of NULs is refused from its first bytes.
    let nuls = dir.path().join("zeros.json");
    std::fs::File::create(&nuls)
        .unwrap()
        .set_len(1000 << 20)
        .unwrap();
    let e = load_within(&nuls, 30)
        .errors
        .first()
        .expect("refused")
        .to_string();
    assert!(e.contains("NUL byte at offset 0"), "{e}");
}

fn asff_line(i: usize) -> String {
    serde_json::json!({
        "SchemaVersion": "2018-10-08", "Id": format!("f-{i}"), "ProductArn": "arn:p",
        "AwsAccountId": "111122223333", "Region": "eu-west-1", "Title": format!("t {i}"),
        "Severity": {"Label": "HIGH"}, "Workflow": {"Status": "NEW"},
        "RecordState": "ACTIVE", "Resources": [{"Id": format!("r-{i}")}]
    })
    .to_string()
}

#[test]
fn a_broken_json_line_costs_that_line_not_the_file() {
    let dir = tempfile::tempdir().unwrap();
    for broken_at in [0, 4, 9] {
        let lines: Vec<String> = (0..10)
            .map(|i| {
                if i == broken_at {
                    asff_line(i)[..20].to_string()
                } else {
                    asff_line(i)
                }
            })
            .collect();
        let p = dir.path().join(format!("findings-{broken_at}.jsonl"));
        std::fs::write(&p, lines.join("\n") + "\n").unwrap();
        let loaded = posture_core::sources::load_file(&p);
        assert_eq!(
            loaded.findings.len(),
            9,
            "line {broken_at}: {:?}",
            loaded.errors
        );
        let [e] = loaded.errors.as_slice() else {
            panic!("one error: {:?}", loaded.errors);
        };
        assert_eq!(e.location.line, broken_at + 1, "{e}");
    }
}

#[test]
fn a_yaml_file_cut_short_keeps_its_complete_records_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let doc = |i: usize| {
        format!(
            "apiVersion: aquasecurity.github.io/v1alpha1
kind: VulnerabilityReport
metadata:
  name: r{i}
  namespace: default
report:
  artifact: {{repository: nginx, tag: \"1.0\"}}
  vulnerabilities:
    - vulnerabilityID: CVE-2024-{i}
      severity: CRITICAL
      title: title {i}
      resource: libc
      installedVersion: \"1\"
"
        )
    };
    let whole: String = (0..3).map(doc).collect::<Vec<_>>().join("---\n");
    // Cut inside the last document's title.
    let cut = &whole[..whole.rfind("title 2").unwrap() + 3];
    let p = dir.path().join("reports.yaml");
    std::fs::write(&p, cut).unwrap();
    let loaded = posture_core::sources::load_file(&p);
    assert_eq!(loaded.findings.len(), 2, "{:?}", loaded.errors);
    let [e] = loaded.errors.as_slice() else {
        panic!("one error: {:?}", loaded.errors);
    };
    assert!(e.to_string().contains("cut short"), "{e}");
    assert_eq!(e.location.line, cut.lines().count());
}

/// A `{"Findings": [...]}` page of `records`, one per line after the first.
fn page(records: &[String]) -> String {
    format!("{{\"Findings\": [\n  {}\n]}}\n", records.join(",\n  "))
}

#[test]
fn a_json_page_cut_short_keeps_its_complete_records_and_says_where() {
    let records: Vec<String> = (0..40).map(asff_line).collect();
    let whole = page(&records);
    for n in [0, 1, 17, 39] {
        // Cut 30 bytes into record n (line n + 2).
        let start = whole.find(&records[n]).unwrap();
        let cut = &whole[..start + 30];
        let loaded = parse(cut.as_bytes());
        assert_eq!(loaded.findings.len(), n, "cut in record {n}");
        let [e] = loaded.errors.as_slice() else {
            panic!("one error: {:?}", loaded.errors);
        };
        assert_eq!((e.location.line, e.location.column), (n + 2, 3), "{e}");
        assert!(e.message.contains("cut off"), "{e}");
    }
    // Cut between records: all before it load, the break is the end.
    let after_5 = whole.find(&records[5]).unwrap() + records[5].len() + 1;
    let loaded = parse(&whole.as_bytes()[..after_5]);
    assert_eq!(loaded.findings.len(), 6);
    let [e] = loaded.errors.as_slice() else {
        panic!("one error: {:?}", loaded.errors);
    };
    assert!(e.message.contains("ends before"), "{e}");
    // A record broken inside costs that record; a bracket out of place ends
    // the page there.
    let mut broken = records.clone();
    broken[3] = broken[3].replace("\"Title\":", "\"Title\" ");
    let loaded = parse(page(&broken).as_bytes());
    assert_eq!(loaded.findings.len(), 39);
    assert_eq!(loaded.errors.len(), 1, "{:?}", loaded.errors);
    assert_eq!(loaded.errors[0].location.line, 5);
    broken[3] = broken[3].replace("\"Resources\":[{", "\"Resources\":[}");
    let loaded = parse(page(&broken).as_bytes());
    assert_eq!(loaded.findings.len(), 3);
    assert_eq!(loaded.errors[0].location.line, 5, "{:?}", loaded.errors);
}

/// The ASFF findings a large generated page gives, parsed from `bytes` the
/// way files are (split while parsed, in batches on every core), against
/// each record parsed on its own in order.
#[test]
fn a_large_page_parsed_in_batches_gives_every_finding_in_file_order() {
    use posture_core::demo::generate::{GenFormat, write};
    let mut bytes = Vec::new();
    write(GenFormat::Asff, 9_000, 7, &mut bytes).unwrap();
    let loaded = parse(&bytes);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let records = posture_core::sources::document::read_records(&bytes).unwrap();
    let one_by_one = posture_core::sources::parse_values(
        Path::new("input.json"),
        records.into_iter().map(|r| r.value),
    );
    assert_eq!(loaded.findings.len(), 9_000);
    assert_eq!(one_by_one.findings.len(), 9_000);
    for (a, b) in loaded.findings.iter().zip(&one_by_one.findings) {
        assert_eq!(a.fingerprint, b.fingerprint);
        assert_eq!((a.severity, a.open), (b.severity, b.open));
        assert_eq!(a.title, b.title);
        assert_eq!(a.resource, b.resource);
    }
    // The raw records of the first findings are kept, as documented.
    assert!(loaded.findings[..4_000].iter().all(|f| f.raw.is_some()));
    // Cut inside record 7,000: the 7,000 before it load.
    let text = String::from_utf8(bytes).unwrap();
    let line_7001 = text.split('\n').nth(7_001).unwrap();
    let cut = line_7001.as_ptr() as usize - text.as_ptr() as usize + 40;
    let loaded = parse(&text.as_bytes()[..cut]);
    assert_eq!(loaded.findings.len(), 7_000);
    assert_eq!(loaded.errors.len(), 1);
    assert_eq!(loaded.errors[0].location.line, 7_002);
}

/// What a finding shows and keys on, without its raw record.
fn shown(f: &posture_core::model::Finding) -> String {
    let mut f = f.clone();
    f.raw = None;
    format!("{f:?}")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// ASFF records read straight from their text (the usual shape) give
    /// what their tree gives, whatever one member is turned into: the
    /// findings and what is said about them.
    #[test]
    fn asff_read_from_text_or_tree_gives_the_same(
        node in 0usize..200, with in replacement(), seed in 0u64..1_000
    ) {
        let page: Value = serde_json::from_slice(
            &std::fs::read(crate::project_root().join("tests/fixtures/securityhub/get-findings-page.json")).unwrap(),
        ).unwrap();
        let mut records: Vec<Value> = page["Findings"].as_array().unwrap().clone();
        let mut generated = Vec::new();
        posture_core::demo::generate::write(
            posture_core::demo::generate::GenFormat::Asff, 3, seed, &mut generated,
        ).unwrap();
        let generated: Value = serde_json::from_slice(&generated).unwrap();
        records.extend(generated["Findings"].as_array().unwrap().iter().cloned());
        // An Inspector finding with its priority signals.
        records.push(serde_json::json!({
            "SchemaVersion": "2018-10-08", "Id": "arn:aws:inspector2:x", "AwsAccountId": "123456789012",
            "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/inspector", "Title": "CVE-2023-4911 - glibc",
            "Severity": {"Label": "HIGH", "Normalized": 70},
            "Resources": [{"Type": "AwsEcrContainerImage", "Id": "arn:aws:ecr:x"}],
            "Vulnerabilities": [
                {"Id": "CVE-2023-4911", "ExploitAvailable": "YES", "FixAvailable": "NO", "EpssScore": 0.73,
                 "VulnerablePackages": [{"Name": "glibc", "Version": "2.35", "FixedInVersion": "2.35-1"}]},
                {"Id": "CVE-2023-1", "ExploitAvailable": "NO", "EpssScore": 0.1}
            ]
        }));
        let pick = node % records.len();
        // A member of the record (0 would be the record itself).
        let mut member = 1 + node / records.len();
        flip(&mut records[pick], &mut member, &with);
        let text = serde_json::to_vec(&serde_json::json!({"Findings": records})).unwrap();
        let from_text = parse(&text);
        // The tree of the same text (numbers read back from it as the file's are).
        let again: Value = serde_json::from_slice(&text).unwrap();
        let records = again["Findings"].as_array().unwrap().clone();
        let from_tree = posture_core::sources::parse_values(Path::new("input.json"), records);
        let a: Vec<String> = from_text.findings.iter().map(shown).collect();
        let b: Vec<String> = from_tree.findings.iter().map(shown).collect();
        prop_assert_eq!(a, b);
        let said = |l: &posture_core::sources::Loaded| -> Vec<String> {
            l.errors.iter().chain(&l.warnings).map(|e| e.message.clone()).collect()
        };
        prop_assert_eq!(said(&from_text), said(&from_tree));
    }
}
