//! `jiugai user …` and `jiugai serve`, run as an operator would, on the backend the environment chooses.

use crate::support;
use support::jiugai;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Output, Stdio};

use jiugai_store::testing::TestDb;

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[tokio::test]
async fn users_and_tokens() {
    let t = TestDb::new().await;
    let url = t.url.clone();
    let o = jiugai(&url, &["user", "add", "wangfang", "--role", "county", "--scope", "芮城县"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let pw = out(&o).lines().last().unwrap().to_string();
    assert_eq!(pw.len(), 19, "one-time password on the last line: {pw}");
    let u = jiugai_store::users::by_name(&t.db, "wangfang").await.unwrap().unwrap();
    assert_eq!((u.scope_code.as_str(), u.must_change_password), ("140830", true));
    assert!(jiugai_web::auth::verify_password(&pw, &u.password_hash));
    assert_eq!(jiugai(&url, &["user", "add", "x", "--role", "mayor", "--scope", "芮城县"]).status.code(), Some(1));
    assert_eq!(
        jiugai(&url, &["user", "add", "wangfang", "--role", "county", "--scope", "芮城县"]).status.code(),
        Some(2),
        "taken"
    );
    assert_eq!(jiugai(&url, &["user", "add", "y", "--role", "street", "--scope", "火星县"]).status.code(), Some(2));

    let o = jiugai(&url, &["user", "token", "wangfang", "--label", "nightly"]);
    assert!(o.status.success());
    let token = out(&o).lines().last().unwrap().to_string();
    assert!(token.starts_with("jgt_") && out(&o).lines().count() == 1, "the token alone on stdout: {}", out(&o));
    assert_eq!(
        jiugai_store::users::by_token(&t.db, &jiugai_web::util::sha256_hex(&token)).await.unwrap().unwrap().name,
        "wangfang"
    );
    let list = out(&jiugai(&url, &["user", "tokens", "wangfang"]));
    assert!(list.contains("nightly") && list.contains("active") && !list.contains(&token), "{list}");
    let id = list.split('\t').next().unwrap().to_string();
    assert!(jiugai(&url, &["user", "revoke", &id]).status.success());
    assert_eq!(jiugai(&url, &["user", "revoke", &id]).status.code(), Some(1));
    assert!(out(&jiugai(&url, &["user", "tokens"])).contains("revoked"));
    assert!(jiugai_store::users::by_token(&t.db, &jiugai_web::util::sha256_hex(&token)).await.unwrap().is_none());
    assert_eq!(jiugai_store::audit::verify(&t.db).await.unwrap().first_broken, None);
}

#[tokio::test]
async fn serve_creates_admin_and_answers() {
    let t = TestDb::new().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_jiugai"))
        .env("JIUGAI_DATABASE_URL", &t.url)
        .env_remove("JIUGAI_LANG")
        .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    for l in lines.by_ref() {
        let l = l.unwrap();
        let running = l.contains("已启动");
        printed.push(l);
        if running {
            break;
        }
    }
    let text = printed.join("\n");
    assert!(
        text.contains("30 个小区")
            && text.contains("演示项目：3")
            && text.contains("admin")
            && text.contains("一次性密码")
            && text.contains("yuncheng")
            && text.contains("演示年度计划"),
        "{text}"
    );
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(b"GET /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut body = String::new();
    s.read_to_string(&mut body).unwrap();
    child.kill().unwrap();
    let _ = child.wait();
    assert!(body.starts_with("HTTP/1.1 200") && body.contains("登录"), "{body}");
    // admin, and the demo's reviewer of Ruicheng's plans (the 运城市 office).
    assert_eq!(jiugai_store::users::count(&t.db).await.unwrap(), 2);
    assert_eq!(jiugai_store::estates::count(&t.db).await.unwrap(), 30);
}
