//! `jiugai serve` as the release binary runs it: clients that go away mid-response must not kill it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use jiugai_store::testing::TestDb;

/// The server on port 0 of the loopback; returns the child and the address it printed.
fn start(url: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jiugai"))
        .env("JIUGAI_DATABASE_URL", url)
        .env_remove("JIUGAI_LANG")
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start jiugai serve");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        line.clear();
        assert!(out.read_line(&mut line).expect("read stdout") > 0, "server exited before listening");
        if let Some(i) = line.find("http://") {
            let addr = line[i + 7..].split('/').next().unwrap().to_string();
            // Keep draining stdout so the server never blocks on a full pipe.
            std::thread::spawn(move || for _ in out.lines() {});
            return (child, addr);
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
    let (mut child, addr) = start(&t.url);
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
