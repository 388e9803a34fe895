//! `jiugai serve` as the release binary runs it: clients that go away mid-response must not kill it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use jiugai_store::testing::TestDb;

/// A running `jiugai serve`, killed and reaped when dropped (also when a test fails).
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

/// The server on port 0 of the loopback with extra environment; returns it and the address it printed.
fn start(url: &str, env: &[(&str, &str)]) -> (Server, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jiugai"));
    cmd.env("JIUGAI_DATABASE_URL", url).env_remove("JIUGAI_LANG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut server = Server(
        cmd.args(["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start jiugai serve"),
    );
    let mut out = BufReader::new(server.0.stdout.take().expect("stdout"));
    let mut line = String::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        line.clear();
        assert!(out.read_line(&mut line).expect("read stdout") > 0, "server exited before listening");
        if let Some(i) = line.find("http://") {
            let addr = line[i + 7..].split('/').next().unwrap().to_string();
            // Keep draining stdout so the server never blocks on a full pipe.
            std::thread::spawn(move || for _ in out.lines() {});
            return (server, addr);
        }
        assert!(Instant::now() < deadline, "no address printed");
    }
}

fn get(addr: &str, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").ok()?;
    let mut body = String::new();
    s.read_to_string(&mut body).ok()?;
    Some(body)
}

/// Many clients ask for a large response (664 KB of ECharts, uncompressed) and close the socket after the
/// first bytes: the server's writes then hit a reset connection. With the default SIGPIPE disposition that
/// killed the process (exit 141, nothing logged); the server must keep answering.
#[tokio::test]
async fn clients_closing_mid_response_do_not_kill_the_server() {
    let t = TestDb::new().await;
    let (mut server, addr) = start(&t.url, &[]);
    let child = &mut server.0;
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                for _ in 0..60 {
                    let Ok(mut s) = TcpStream::connect(&addr) else { continue };
                    let _ = s.write_all(b"GET /static/echarts.min.js HTTP/1.1\r\nHost: x\r\n\r\n");
                    let mut buf = vec![0u8; 64 * 1024];
                    let _ = s.read(&mut buf);
                    // Dropping the stream with unread data resets it while the server is still writing.
                    drop(s);
                }
            })
        })
        .collect();
    for th in threads {
        th.join().unwrap();
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(child.try_wait().expect("wait").is_none(), "the server died: {:?}", child.try_wait());
    let health = get(&addr, "/healthz").expect("server answers after the disconnects");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    child.kill().ok();
    child.wait().ok();
}

/// A street-level profile decides an estate of that street the same way in `jiugai eligibility` and in the
/// web API (both call `ProfileSet::for_estate`); and a profile loaded with `jiugai policy load` while the
/// server runs reaches it (the server polls the stored profiles; SIGHUP reloads at once).
#[tokio::test]
async fn a_street_profile_decides_alike_in_cli_and_web_and_reaches_a_running_server() {
    use crate::support::{jiugai, jiugai_with, json_of};
    let t = TestDb::new().await;
    let url = t.url.clone();
    let ledger = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../sheet/tests/fixtures/ruicheng.xlsx");
    let o = jiugai(&url, &["import", "estates", ledger.to_str().unwrap(), "--region", "芮城县"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Estate 1 (built before 2000: core under Ruicheng's profile) lies in 古魏镇.
    let o = jiugai(&url, &["estates", "set", "1", "--version", "1", "street_code=140830100"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let verdict_cli = || {
        let j = json_of(&jiugai(&url, &["eligibility", "--region", "芮城县", "--json"]));
        j["estates"].as_array().unwrap().iter().find(|e| e["id"] == 1).unwrap()["verdict"].as_str().unwrap().to_string()
    };
    assert_eq!(verdict_cli(), "core");
    assert!(jiugai(&url, &["user", "add", "ops", "--role", "admin", "--scope", "全国"]).status.success());
    let tok = jiugai(&url, &["user", "token", "ops"]);
    let token = String::from_utf8_lossy(&tok.stdout).lines().last().unwrap().trim().to_string();

    let (_server, addr) = start(&url, &[("JIUGAI_PROFILE_POLL_SECS", "1")]);
    let verdict_web = || {
        let mut s = TcpStream::connect(&addr).unwrap();
        write!(
            s,
            "GET /api/v1/estates/1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut r = String::new();
        s.read_to_string(&mut r).unwrap();
        let body = r.split("\r\n\r\n").nth(1).unwrap_or("");
        let v: serde_json::Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {r}"));
        v["eligibility"]["verdict"].as_str().unwrap_or("").to_string()
    };
    assert_eq!(verdict_web(), "core");

    // 古魏镇 adopts its own rule: only estates built by 1990 are core.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("guwei.toml");
    std::fs::write(
        &f,
        "name = \"guwei\"\ntitle = \"古魏镇\"\nregion_code = \"140830100\"\ninherits = \"ruicheng\"\n\n[rules.core_built_by]\nvalue = 1990\nsource = \"测试用街道口径 [test]\"\n",
    )
    .unwrap();
    let o = jiugai_with(&url, &[], &["policy", "load", f.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let cli = verdict_cli();
    assert_ne!(cli, "core", "the street profile decides in the CLI");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut web = verdict_web();
    while web != cli && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(300));
        web = verdict_web();
    }
    assert_eq!(web, cli, "the running server decides as the CLI once the profile is loaded");
}
