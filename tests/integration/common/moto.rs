//! A real local Security Hub endpoint for the tests: moto's server, installed
//! into a venv under target/ on first use and started on 127.0.0.1 per test.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Pinned so that every machine tests against the same endpoint behaviour.
const MOTO: &str = "moto[server]==5.2.5";

fn venv_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("moto-venv")
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Creates the venv once; test binaries running at once wait on a lock.
fn ensure_venv() -> PathBuf {
    let dir = venv_dir();
    std::fs::create_dir_all(dir.parent().unwrap()).unwrap();
    let lock = std::fs::File::create(dir.with_extension("lock")).unwrap();
    lock.lock().unwrap();
    let ready = dir.join(".posture-ready");
    if std::fs::read_to_string(&ready).ok().as_deref() != Some(MOTO) {
        let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        let _ = std::fs::remove_dir_all(&dir);
        run(
            Command::new(&python).args(["-m", "venv"]).arg(&dir),
            "python3 -m venv (the Security Hub tests need Python 3)",
        );
        run(
            Command::new(dir.join("bin/pip")).args([
                "install",
                "--quiet",
                "--disable-pip-version-check",
                MOTO,
            ]),
            "pip install moto[server]",
        );
        std::fs::write(&ready, MOTO).unwrap();
    }
    dir
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct Moto {
    child: Child,
    pub url: String,
    venv: PathBuf,
}

impl Moto {
    pub fn start() -> Moto {
        let venv = ensure_venv();
        let port = free_port();
        let log = std::fs::File::create(
            PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("moto-{port}.log")),
        )
        .unwrap();
        let child = Command::new(venv.join("bin/moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start moto_server");
        let moto = Moto {
            child,
            url: format!("http://127.0.0.1:{port}"),
            venv,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto_server did not start in 60 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    /// Imports ASFF findings into one region with boto3.
    pub fn seed(&self, region: &str, findings: &[serde_json::Value]) {
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/seed_securityhub.py");
        let mut child = Command::new(self.venv.join("bin/python"))
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let body =
            serde_json::json!({"endpoint": self.url, "region": region, "findings": findings});
        child
            .stdin
            .take()
            .unwrap()
            .write_all(body.to_string().as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "seeding failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
