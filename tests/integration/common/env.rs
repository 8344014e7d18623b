//! A posture process isolated in a temporary directory: no config, cache,
//! data, credentials or colour settings leak in from the machine running
//! the tests, and nothing leaks out.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

pub struct TestEnv {
    pub dir: tempfile::TempDir,
}

impl TestEnv {
    pub fn new() -> TestEnv {
        TestEnv {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn posture(&self) -> Command {
        isolated(self.dir.path())
    }

    /// Where live pulls are cached.
    pub fn cache_dir(&self) -> PathBuf {
        self.dir.path().join("cache/posture/live")
    }
}

/// posture with the environment cleared but PATH; HOME and the XDG
/// directories inside `d`; test AWS credentials (only ever sent to local
/// endpoints), no instance metadata, two attempts per request; no colour.
pub fn isolated(d: &Path) -> Command {
    let mut c = Command::cargo_bin("posture").unwrap();
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", d)
        .env("XDG_CACHE_HOME", d.join("cache"))
        .env("XDG_CONFIG_HOME", d.join("config"))
        .env("XDG_DATA_HOME", d.join("data"))
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_MAX_ATTEMPTS", "2")
        .env("NO_COLOR", "1");
    c
}

/// (success, stdout, stderr) of a finished command.
pub fn outcome(out: &std::process::Output) -> (bool, String, String) {
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
