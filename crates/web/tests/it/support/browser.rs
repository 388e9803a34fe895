//! A small W3C WebDriver client for Debian's chromium + chromedriver (plain HTTP; a WebDriver crate would
//! weigh more than this file). Shared by the `e2e*` test files: `#[path = "support/browser.rs"] mod browser;`.
#![allow(dead_code)]

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};

use crate::support::Client;

/// Browser tests run only with `JIUGAI_E2E=1`; otherwise they say why and pass.
pub fn enabled() -> bool {
    if std::env::var("JIUGAI_E2E").ok().as_deref() == Some("1") {
        true
    } else {
        eprintln!("browser test skipped: set JIUGAI_E2E=1 (needs chromium and chromedriver; .ci/run installs them)");
        false
    }
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Driver {
    pub http: Client,
    pub session: String,
    pub base: String,
    pub shots: PathBuf,
    _child: KillOnDrop,
}

struct KillOnDrop(Child);
impl Drop for KillOnDrop {
    fn drop(&mut self) {
        // chromedriver runs in a process group of its own: end it with the Chromium it started, even when
        // a failed assertion left the session open.
        let _ = Command::new("kill").args(["-TERM", "--", &format!("-{}", self.0.id())]).status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Driver {
    pub async fn cmd(&mut self, method: &str, path: &str, body: Value) -> Value {
        let p = format!("/session/{}{path}", self.session);
        let b = if method == "GET" { Vec::new() } else { body.to_string().into_bytes() };
        let r = self.http.request(method, &p, Some("application/json"), &b).await;
        let v = r.json();
        assert!(r.status < 400, "{method} {path}: {v}");
        v["value"].clone()
    }
    pub async fn go(&mut self, path: &str) {
        let url = format!("{}{path}", self.base);
        self.cmd("POST", "/url", json!({"url": url})).await;
    }
    pub async fn find(&mut self, css: &str) -> String {
        for _ in 0..50 {
            let p = format!("/session/{}/element", self.session);
            let r = self
                .http
                .request(
                    "POST",
                    &p,
                    Some("application/json"),
                    json!({"using": "css selector", "value": css}).to_string().as_bytes(),
                )
                .await;
            if r.status == 200 {
                return r.json()["value"][ELEMENT]
                    .as_str()
                    .unwrap_or_else(|| panic!("{css}: {}", r.text()))
                    .to_string();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no element {css} on {}", self.source().await.chars().take(3000).collect::<String>());
    }
    pub async fn typ(&mut self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.cmd("POST", &format!("/element/{e}/clear"), json!({})).await;
        self.cmd("POST", &format!("/element/{e}/value"), json!({"text": text})).await;
    }
    pub async fn click(&mut self, css: &str) {
        let e = self.find(css).await;
        self.cmd("POST", &format!("/element/{e}/click"), json!({})).await;
    }
    pub async fn source(&mut self) -> String {
        self.cmd("GET", "/source", json!({})).await.as_str().unwrap_or_default().to_string()
    }
    /// The element's text. A page that is still being replaced (a form post navigating, an htmx swap) can
    /// hand us an element that goes stale before we read it: find it again rather than fail.
    pub async fn text(&mut self, css: &str) -> String {
        for _ in 0..50 {
            let e = self.find(css).await;
            let p = format!("/session/{}/element/{e}/text", self.session);
            let r = self.http.request("GET", &p, Some("application/json"), &[]).await;
            if r.status == 200 {
                return r.json()["value"].as_str().unwrap_or_default().to_string();
            }
            assert!(r.text().contains("stale element"), "GET {p}: {}", r.text());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css} stayed stale");
    }
    /// Waits until the element's text contains `needle` (pages updated by htmx change in place).
    pub async fn wait_text(&mut self, css: &str, needle: &str) -> String {
        let mut t = String::new();
        for _ in 0..50 {
            t = self.text(css).await;
            if t.contains(needle) {
                return t;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css} never showed {needle:?}: {t}");
    }
    /// Waits until the page's address ends with `suffix` (after a submit the old page may still be current).
    pub async fn wait_url(&mut self, suffix: &str) -> String {
        let mut u = String::new();
        for _ in 0..50 {
            u = self.url().await;
            if u.ends_with(suffix) {
                return u;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the address never ended with {suffix:?}: {u}");
    }
    pub async fn url(&mut self) -> String {
        self.cmd("GET", "/url", json!({})).await.as_str().unwrap_or_default().to_string()
    }
    pub async fn script(&mut self, js: &str) -> Value {
        self.cmd("POST", "/execute/sync", json!({"script": js, "args": []})).await
    }
    pub async fn size(&mut self, w: u32, h: u32) {
        self.cmd("POST", "/window/rect", json!({"width": w, "height": h})).await;
    }
    pub async fn shot(&mut self, name: &str) {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let b64 = self.cmd("GET", "/screenshot", json!({})).await;
        let png = base64::engine::general_purpose::STANDARD.decode(b64.as_str().unwrap()).unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub async fn start_driver(base: String) -> Driver {
    let port = free_port();
    let driver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let child = Command::new(&driver)
        .arg(format!("--port={port}"))
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {driver}: {e} (apt-get install chromium chromium-driver)"));
    let child = KillOnDrop(child);
    let mut http =
        Client { addr: format!("127.0.0.1:{port}").parse().unwrap(), cookies: Default::default(), headers: vec![] };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(http.addr).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let profile = tempfile::tempdir().unwrap().keep();
    let binary = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {"binary": binary, "args": [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", "--window-size=1366,768", "--lang=zh-CN",
        format!("--user-data-dir={}", profile.display())]}}}});
    let r = http.request("POST", "/session", Some("application/json"), caps.to_string().as_bytes()).await;
    assert_eq!(r.status, 200, "new session: {}", r.text());
    let session = r.json()["value"]["sessionId"].as_str().unwrap().to_string();
    let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    Driver { http, session, base, shots, _child: child }
}
