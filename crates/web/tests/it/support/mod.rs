//! Test support: a server on port 0 over a fresh database (the backend `JIUGAI_TEST_DATABASE_URL` names),
//! and a small HTTP/1.1 client that keeps cookies and follows no redirects.
#![allow(dead_code)]

pub mod browser;

use std::collections::BTreeMap;
use std::net::SocketAddr;

use jiugai_store::testing::TestDb;
use jiugai_store::users::{self, Role, User};
use jiugai_web::AppState;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub const PASSWORD: &str = "correct horse battery";

pub struct Server {
    pub addr: SocketAddr,
    pub state: AppState,
    pub t: TestDb,
}

impl Server {
    /// A server with the demo data (Ruicheng's 30 estates under 140830).
    pub async fn demo() -> Server {
        let t = TestDb::with_regions().await;
        let regions = jiugai_store::regions::Regions::load(&t.db).await.unwrap();
        assert_eq!(jiugai_web::demo::load(&t.db, &regions).await.unwrap(), 30);
        let state = AppState::new(t.db.clone()).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let s = state.clone();
        tokio::spawn(async move { jiugai_web::serve(listener, s).await });
        Server { addr, state, t }
    }

    /// A user with a known password (not one-time).
    pub async fn user(&self, name: &str, role: Role, scope: &str) -> User {
        users::create(
            &self.t.db,
            &users::NewUser {
                name,
                role,
                scope_code: scope,
                password_hash: &jiugai_web::auth::hash_password(PASSWORD),
                must_change_password: false,
            },
            "test",
            "test",
        )
        .await
        .unwrap()
    }

    pub fn client(&self) -> Client {
        Client { addr: self.addr, cookies: BTreeMap::new(), headers: vec![] }
    }

    /// A client signed in as a new user.
    pub async fn signed_in(&self, name: &str, role: Role, scope: &str) -> Client {
        self.user(name, role, scope).await;
        let mut c = self.client();
        let r = c.login(name, PASSWORD).await;
        assert_eq!(r.status, 303, "{}", r.text());
        c
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    pub fn location(&self) -> &str {
        self.header("location").unwrap_or("")
    }
}

pub struct Client {
    pub addr: SocketAddr,
    pub cookies: BTreeMap<String, String>,
    /// Extra headers sent with every request (e.g. Authorization).
    pub headers: Vec<(String, String)>,
}

/// The value of the first `name="csrf" value="…"` in a page.
pub fn csrf_in(html: &str) -> String {
    let i = html.find("name=\"csrf\" value=\"").expect("csrf field") + "name=\"csrf\" value=\"".len();
    html[i..].split('"').next().unwrap().to_string()
}

fn enc(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap()
}

impl Client {
    pub fn bearer(mut self, token: &str) -> Client {
        self.headers.push(("Authorization".into(), format!("Bearer {token}")));
        self
    }

    pub async fn request(&mut self, method: &str, path: &str, ctype: Option<&str>, body: &[u8]) -> Resp {
        let mut s = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        if let Some(c) = ctype {
            head.push_str(&format!("Content-Type: {c}\r\n"));
        }
        if !self.cookies.is_empty() {
            head.push_str(&format!(
                "Cookie: {}\r\n",
                self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
            ));
        }
        for (k, v) in &self.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes()).await.unwrap();
        s.write_all(body).await.unwrap();
        // Read the head, then exactly the body (some servers keep the connection open anyway).
        let mut raw = Vec::new();
        let mut buf = vec![0u8; 65536];
        let split = loop {
            if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            let n = s.read(&mut buf).await.unwrap();
            assert!(n > 0, "connection closed before the response head");
            raw.extend_from_slice(&buf[..n]);
        };
        let head_text = String::from_utf8_lossy(&raw[..split]).to_lowercase();
        let length: Option<usize> =
            head_text.lines().find_map(|l| l.strip_prefix("content-length:")).and_then(|v| v.trim().parse().ok());
        let chunked = head_text.contains("transfer-encoding: chunked");
        loop {
            let have = raw.len() - split - 4;
            if length.is_some_and(|n| have >= n) || (chunked && raw.ends_with(b"0\r\n\r\n")) {
                break;
            }
            let n = s.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            raw.extend_from_slice(&buf[..n]);
        }
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut body = raw[split + 4..].to_vec();
        let mut lines = head.split("\r\n");
        let status: u16 = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
            .collect();
        if headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked")) {
            body = dechunk(&body);
        }
        for (k, v) in &headers {
            if k == "set-cookie" {
                let kv = v.split(';').next().unwrap();
                if let Some((n, val)) = kv.split_once('=') {
                    if val.is_empty() || v.contains("Max-Age=0") {
                        self.cookies.remove(n);
                    } else {
                        self.cookies.insert(n.to_string(), val.to_string());
                    }
                }
            }
        }
        Resp { status, headers, body }
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        self.request("GET", path, None, b"").await
    }

    pub async fn post_form(&mut self, path: &str, pairs: &[(&str, &str)]) -> Resp {
        self.request("POST", path, Some("application/x-www-form-urlencoded"), enc(pairs).as_bytes()).await
    }

    pub async fn put_json(&mut self, path: &str, v: &serde_json::Value) -> Resp {
        self.request("PUT", path, Some("application/json"), v.to_string().as_bytes()).await
    }

    /// multipart/form-data with text fields and one file field named `file`.
    pub async fn post_multipart(&mut self, path: &str, fields: &[(&str, &str)], file_name: &str, data: &[u8]) -> Resp {
        let b = "----jiugaitestboundary7MA4YWxk";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!("--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
            );
        }
        body.extend_from_slice(format!("--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        body.extend_from_slice(data);
        body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
        self.request("POST", path, Some(&format!("multipart/form-data; boundary={b}")), &body).await
    }

    /// Signs in through the form (with its double-submit token).
    pub async fn login(&mut self, name: &str, password: &str) -> Resp {
        let page = self.get("/login").await;
        let csrf = csrf_in(&page.text());
        self.post_form("/login", &[("csrf", &csrf), ("next", "/"), ("name", name), ("password", password)]).await
    }

    /// The session's CSRF token, read from a page.
    pub async fn csrf(&mut self) -> String {
        let r = self.get("/account/password").await;
        csrf_in(&r.text())
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(i) = b.windows(2).position(|w| w == b"\r\n") {
        let n = usize::from_str_radix(String::from_utf8_lossy(&b[..i]).trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.extend_from_slice(&b[i + 2..i + 2 + n]);
        b = &b[i + 2 + n + 2..];
    }
    out
}
