//! End-to-end in a real headless Chromium through chromedriver (W3C WebDriver over plain HTTP; a small
//! client instead of a WebDriver crate keeps the build lean). Runs only with `JIUGAI_E2E=1` (`.ci/run`
//! installs Debian's `chromium` and `chromium-driver`); otherwise it says why and passes.
//! Screenshots of the main pages go to `target/e2e-screenshots/`.

mod support;

use std::path::PathBuf;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};
use support::{Client, Server};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Driver {
    http: Client,
    session: String,
    base: String,
    shots: PathBuf,
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
    async fn cmd(&mut self, method: &str, path: &str, body: Value) -> Value {
        let p = format!("/session/{}{path}", self.session);
        let b = if method == "GET" { Vec::new() } else { body.to_string().into_bytes() };
        let r = self.http.request(method, &p, Some("application/json"), &b).await;
        let v = r.json();
        assert!(r.status < 400, "{method} {path}: {v}");
        v["value"].clone()
    }
    async fn go(&mut self, path: &str) {
        let url = format!("{}{path}", self.base);
        self.cmd("POST", "/url", json!({"url": url})).await;
    }
    async fn find(&mut self, css: &str) -> String {
        for _ in 0..50 {
            let p = format!("/session/{}/element", self.session);
            let r = self.http.request("POST", &p, Some("application/json"), json!({"using": "css selector", "value": css}).to_string().as_bytes()).await;
            if r.status == 200 {
                return r.json()["value"][ELEMENT].as_str().unwrap_or_else(|| panic!("{css}: {}", r.text())).to_string();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no element {css} on {}", self.source().await.chars().take(3000).collect::<String>());
    }
    async fn typ(&mut self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.cmd("POST", &format!("/element/{e}/clear"), json!({})).await;
        self.cmd("POST", &format!("/element/{e}/value"), json!({"text": text})).await;
    }
    async fn click(&mut self, css: &str) {
        let e = self.find(css).await;
        self.cmd("POST", &format!("/element/{e}/click"), json!({})).await;
    }
    async fn source(&mut self) -> String {
        self.cmd("GET", "/source", json!({})).await.as_str().unwrap_or_default().to_string()
    }
    /// The element's text. A page that is still being replaced (a form post navigating, an htmx swap) can
    /// hand us an element that goes stale before we read it: find it again rather than fail.
    async fn text(&mut self, css: &str) -> String {
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
    async fn wait_text(&mut self, css: &str, needle: &str) -> String {
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
    async fn url(&mut self) -> String {
        self.cmd("GET", "/url", json!({})).await.as_str().unwrap_or_default().to_string()
    }
    async fn script(&mut self, js: &str) -> Value {
        self.cmd("POST", "/execute/sync", json!({"script": js, "args": []})).await
    }
    async fn size(&mut self, w: u32, h: u32) {
        self.cmd("POST", "/window/rect", json!({"width": w, "height": h})).await;
    }
    async fn shot(&mut self, name: &str) {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let b64 = self.cmd("GET", "/screenshot", json!({})).await;
        let png = base64::engine::general_purpose::STANDARD.decode(b64.as_str().unwrap()).unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn start_driver(base: String) -> Driver {
    let port = free_port();
    let driver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let child = Command::new(&driver).arg(format!("--port={port}")).process_group(0).stdout(Stdio::null()).stderr(Stdio::null()).spawn()
        .unwrap_or_else(|e| panic!("cannot start {driver}: {e} (apt-get install chromium chromium-driver)"));
    let child = KillOnDrop(child);
    let mut http = Client { addr: format!("127.0.0.1:{port}").parse().unwrap(), cookies: Default::default(), headers: vec![] };
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

#[tokio::test]
async fn a_new_office_user_works_through_the_site() {
    if std::env::var("JIUGAI_E2E").ok().filter(|v| !v.is_empty() && v != "0").is_none() {
        eprintln!("skipped: set JIUGAI_E2E=1 to run the browser tests (needs chromium and chromium-driver; .ci/run installs them)");
        return;
    }
    let s = Server::demo().await;
    let pw = jiugai_web::auth::ensure_admin(&s.t.db).await.unwrap().unwrap();
    let mut d = start_driver(format!("http://{}", s.addr)).await;
    let dir = tempfile::tempdir().unwrap();

    // Sign in with the one-time password; the site insists on a new one.
    d.go("/").await;
    d.shot("01-login").await;
    d.typ("input[name=name]", "admin").await;
    d.typ("input[name=password]", &pw).await;
    d.click("button[type=submit]").await;
    assert!(d.url().await.ends_with("/account/password"));
    d.shot("02-password-change").await;
    d.typ("input[name=current]", &pw).await;
    d.typ("input[name=new]", "ruicheng-office-2024").await;
    d.typ("input[name=confirm]", "ruicheng-office-2024").await;
    d.click("form.stack button[type=submit]").await;
    d.find("#chart canvas").await;
    d.shot("03-dashboard").await;
    assert!(d.source().await.contains("芮城县"));

    // Import a ledger with an error: the error table; fix it and import.
    let bad = dir.path().join("新村台账.csv");
    std::fs::write(&bad, "小区名称,坐落位置,建成年代,楼栋数,户数,建筑面积\n风陵渡新村,风陵渡镇中街,1996,3,六十,2100\n").unwrap();
    d.go("/imports/new").await;
    d.typ("input[name=region]", "芮城县").await;
    let input = d.find("input[type=file]").await;
    d.cmd("POST", &format!("/element/{input}/value"), json!({"text": bad.display().to_string()})).await;
    d.click("form.stack button[type=submit]").await;
    let errors = d.wait_text("#import-errors", "六十").await;
    assert!(errors.contains("户数"), "{errors}");
    d.shot("04-import-errors").await;
    std::fs::write(&bad, "小区名称,坐落位置,建成年代,楼栋数,户数,建筑面积\n风陵渡新村,风陵渡镇中街,1996,3,60,2100\n").unwrap();
    d.typ("input[name=region]", "芮城县").await;
    let input = d.find("input[type=file]").await;
    d.cmd("POST", &format!("/element/{input}/value"), json!({"text": bad.display().to_string()})).await;
    d.click("form.stack button[type=submit]").await;
    d.wait_text("#import-summary", "新增 1").await;

    // Find an estate, edit it, see the change in its history.
    d.go("/estates").await;
    d.shot("05-estate-list").await;
    d.typ("input[name=q]", "卷烟").await;
    d.click(".filters button[type=submit]").await;
    d.wait_text("#results .bar", "共 1 个小区").await;
    assert!(d.url().await.contains("q=%E5%8D%B7%E7%83%9F"), "htmx pushed the search into the address bar");
    d.shot("05b-estate-search").await;
    d.click("#estates tbody a").await;
    d.shot("06-estate-file").await;
    d.click("a.button.primary").await;
    d.typ("#f-households", "61").await;
    d.typ("#f-address", "华泰北路1号").await;
    d.shot("07-estate-edit").await;
    d.click(".buttons button[type=submit]").await;
    let history = d.wait_text("#history", "华泰北路1号").await;
    assert!(history.contains("web:admin"), "{history}");
    d.script("document.getElementById('history').scrollIntoView(); return 1;").await;
    d.shot("08-estate-history").await;

    // Export (fetched by the page, as the browser would download it).
    let got = d.script("var x = new XMLHttpRequest(); x.open('GET', '/estates/export?format=csv', false); x.send(); return x.status + ' ' + x.responseText;").await;
    let got = got.as_str().unwrap();
    assert!(got.starts_with("200") && got.contains("风陵渡新村") && got.contains("华泰北路1号"), "{got}");

    d.go("/audit").await;
    d.shot("09-audit").await;
    d.go("/lang?to=en&next=/").await;
    d.find("#chart canvas").await;
    d.shot("10-dashboard-en").await;
    d.go("/lang?to=zh&next=/estates").await;

    // A phone.
    d.size(390, 844).await;
    d.go("/estates").await;
    d.shot("11-phone-list").await;
    d.click("form.inline button").await;
    d.find("input[name=name]").await;
    d.shot("12-phone-login").await;
    let _ = d.cmd("DELETE", "", json!({})).await;
}
