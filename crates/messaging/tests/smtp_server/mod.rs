//! A real SMTP server for the tests: aiosmtpd (Python), delivering into a
//! maildir the tests read back. `.ci/run` installs it in a cached virtual
//! environment and names its Python in `LINKWORK_TEST_AIOSMTPD`; without
//! it the tests are skipped locally and fail in CI.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct SmtpServer {
    child: Child,
    pub port: u16,
    pub maildir: PathBuf,
}

/// The Python that has aiosmtpd, if any.
fn python() -> Option<String> {
    if let Ok(python) = std::env::var("LINKWORK_TEST_AIOSMTPD") {
        return Some(python);
    }
    let found = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if found {
        return Some("python3".into());
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("aiosmtpd is required in CI: set LINKWORK_TEST_AIOSMTPD to a Python that has it");
    }
    eprintln!("skipped: no aiosmtpd (set LINKWORK_TEST_AIOSMTPD)");
    None
}

/// A port nothing listens on (yet).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A place for a new maildir (aiosmtpd makes it, with its `new`, `cur`
/// and `tmp`, only where nothing exists yet).
pub fn maildir() -> PathBuf {
    std::env::temp_dir().join(format!("linkwork-mail-{}", uuid::Uuid::new_v4()))
}

impl SmtpServer {
    /// A server on a port of its own.
    pub async fn start() -> Option<SmtpServer> {
        SmtpServer::start_on(free_port(), maildir()).await
    }

    /// A server on `port`, delivering into `maildir`.
    pub async fn start_on(port: u16, maildir: PathBuf) -> Option<SmtpServer> {
        let python = python()?;
        let child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        let server = SmtpServer {
            child,
            port,
            maildir,
        };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Some(server);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("aiosmtpd did not start on port {port}");
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every email delivered so far, as text.
    pub fn emails(&self) -> Vec<String> {
        emails_in(&self.maildir)
    }
}

pub fn emails_in(maildir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(maildir.join("new")) else {
        return Vec::new();
    };
    entries
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect()
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.maildir);
    }
}
