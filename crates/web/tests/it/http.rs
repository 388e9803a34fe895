//! HTTP tests against a server on port 0, on the backend `JIUGAI_TEST_DATABASE_URL` names.

use crate::support;

use jiugai_store::users::Role;
use jiugai_store::{audit, estates};
use serde_json::json;
use support::{PASSWORD, Server, csrf_in};

#[tokio::test]
async fn sign_in_one_time_password_csrf_and_rate_limit() {
    let s = Server::demo().await;
    let pw = jiugai_web::auth::ensure_admin(&s.t.db).await.unwrap().expect("fresh database gets an admin");
    assert!(jiugai_web::auth::ensure_admin(&s.t.db).await.unwrap().is_none(), "only once");
    let mut c = s.client();
    // Not signed in: pages go to the sign-in page, the API answers 401 in JSON.
    let r = c.get("/estates").await;
    assert_eq!((r.status, r.location()), (303, "/login?next=/estates"));
    let r = c.get("/api/v1/estates").await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"]["code"], "unauthorized");
    // The sign-in form needs its double-submit token.
    let r = c.post_form("/login", &[("name", "admin"), ("password", &pw)]).await;
    assert_eq!(r.status, 403);
    // One-time password: everything leads to the password page until it is changed.
    let r = c.login("admin", &pw).await;
    assert_eq!((r.status, r.location()), (303, "/account/password"));
    let cookie = r.header("set-cookie").unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let r = c.get("/").await;
    assert_eq!((r.status, r.location()), (303, "/account/password"));
    let page = c.get("/account/password").await.text();
    assert!(page.contains("一次性密码"));
    let csrf = csrf_in(&page);
    // Without the CSRF token: refused.
    let r = c
        .post_form(
            "/account/password",
            &[("current", &pw), ("new", "a-new-password-1"), ("confirm", "a-new-password-1")],
        )
        .await;
    assert_eq!(r.status, 403);
    // Field errors are shown next to the field.
    let r = c
        .post_form(
            "/account/password",
            &[("csrf", &csrf), ("current", "wrong"), ("new", "short"), ("confirm", "other")],
        )
        .await;
    assert_eq!(r.status, 422);
    let t = r.text();
    assert!(t.contains("当前密码不正确") && t.contains("至少 10 个字符") && t.contains("不一致"), "{t}");
    let r = c
        .post_form(
            "/account/password",
            &[("csrf", &csrf), ("current", &pw), ("new", "a-new-password-1"), ("confirm", "a-new-password-1")],
        )
        .await;
    assert_eq!((r.status, r.location()), (303, "/"));
    let r = c.get("/").await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains("芮城县"));
    // The old password no longer works; five failures lock the name out for a while.
    let mut other = s.client();
    for _ in 0..5 {
        assert_eq!(other.login("admin", &pw).await.status, 401);
    }
    let r = other.login("admin", "a-new-password-1").await;
    assert_eq!(r.status, 429, "rate limited even with the right password");
    // Sign-out ends the session.
    let csrf = c.csrf().await;
    assert_eq!(c.post_form("/logout", &[("csrf", &csrf)]).await.status, 303);
    assert_eq!(c.get("/").await.status, 303);
    assert_eq!(audit::verify(&s.t.db).await.unwrap().first_broken, None);
}

#[tokio::test]
async fn language_switch_is_remembered() {
    let s = Server::demo().await;
    let mut c = s.signed_in("li", Role::County, "140830").await;
    assert!(c.get("/estates").await.text().contains("小区档案"));
    let r = c.get("/lang?to=en&next=/estates").await;
    assert_eq!((r.status, r.location()), (303, "/estates"));
    assert!(c.get("/estates").await.text().contains("Estate files"));
    // Remembered on the user: a new browser gets English after signing in.
    let mut c2 = s.client();
    assert_eq!(c2.login("li", PASSWORD).await.status, 303);
    assert!(c2.get("/estates").await.text().contains("Estate files"));
    // JSON errors follow the language too.
    assert_eq!(c2.get("/api/v1/estates/99999").await.json()["error"]["message"], "No such page or record");
}

#[tokio::test]
async fn list_file_edit_conflict_history_audit() {
    let s = Server::demo().await;
    let mut a = s.signed_in("wang", Role::County, "140830").await;
    let mut b = s.signed_in("zhao", Role::Street, "140830").await;
    let list = a.get("/estates?q=%E5%8D%B7%E7%83%9F").await; // 卷烟
    assert_eq!(list.status, 200);
    let t = list.text();
    assert!(t.contains("原卷烟厂小区") && t.contains("共 1 个小区"), "{t}");
    let id = estates::list(&s.t.db, &s.state.regions, &Default::default())
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.data.name == "原卷烟厂小区")
        .unwrap()
        .id;
    let file = a.get(&format!("/estates/{id}")).await.text();
    assert!(file.contains("华泰北路") && file.contains("变更记录"));
    // Both open the edit form at the same version.
    let fa = a.get(&format!("/estates/{id}/edit")).await.text();
    let fb = b.get(&format!("/estates/{id}/edit")).await.text();
    let (ca, cb) = (csrf_in(&fa), csrf_in(&fb));
    let v = estates::get(&s.t.db, id).await.unwrap().version.to_string();
    // A bad value is reported next to its field and nothing is saved.
    let r =
        a.post_form(&format!("/estates/{id}/edit"), &[("csrf", &ca), ("version", &v), ("households", "六十")]).await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("field-error"));
    // A saves; B, still at the old version, is told what changed and keeps its input.
    let r = a
        .post_form(
            &format!("/estates/{id}/edit"),
            &[("csrf", &ca), ("version", &v), ("households", "61"), ("address", "华泰北路1号")],
        )
        .await;
    assert_eq!((r.status, r.location()), (303, format!("/estates/{id}?saved=1").as_str()));
    let r = b
        .post_form(
            &format!("/estates/{id}/edit"),
            &[("csrf", &cb), ("version", &v), ("households", "70"), ("address", "B的地址")],
        )
        .await;
    assert_eq!(r.status, 409);
    let t = r.text();
    assert!(t.contains("他人已修改") && t.contains("户数") && t.contains("61") && t.contains("B的地址"), "{t}");
    let e = estates::get(&s.t.db, id).await.unwrap();
    assert_eq!((e.data.households, e.data.address.as_deref()), (Some(61), Some("华泰北路1号")));
    // The form B got back carries the current version: saving again now overwrites deliberately.
    let v2 = e.version.to_string();
    assert!(t.contains(&format!("name=\"version\" value=\"{v2}\"")));
    let r = b.post_form(&format!("/estates/{id}/edit"), &[("csrf", &cb), ("version", &v2), ("households", "70")]).await;
    assert_eq!(r.status, 303);
    // History on the file page; audit entry with who and from where.
    let file = a.get(&format!("/estates/{id}")).await.text();
    assert!(file.contains("web:wang") && file.contains("web:zhao") && file.contains("华泰北路1号"), "{file}");
    let entries = audit::list(&s.t.db, Some(("estate", &id.to_string())), 10).await.unwrap();
    assert_eq!(entries[0].actor, "web:zhao");
    assert_eq!(entries[0].origin, "127.0.0.1");
    assert!(entries[1].detail.contains("华泰北路1号"));
    assert_eq!(audit::verify(&s.t.db).await.unwrap().first_broken, None);
}

#[tokio::test]
async fn upload_with_error_table_then_fixed_then_export() {
    let s = Server::demo().await;
    let mut c = s.signed_in("chen", Role::County, "140830").await;
    let page = c.get("/imports/new").await.text();
    let csrf = csrf_in(&page);
    let bad = "小区名称,坐落位置,建成年代,楼栋数,户数,建筑面积\n测试新村,测试路1号,1995,2,六十,1000\n".as_bytes();
    let r = c.post_multipart(&format!("/imports?csrf={csrf}"), &[("region", "芮城县")], "新台账.csv", bad).await;
    assert_eq!(r.status, 422);
    let t = r.text();
    assert!(t.contains("id=\"import-errors\"") && t.contains("六十") && t.contains("户数"), "{t}");
    assert_eq!(estates::count(&s.t.db).await.unwrap(), 30, "nothing imported");
    let good = "小区名称,坐落位置,建成年代,楼栋数,户数,建筑面积\n测试新村,测试路1号,1995,2,60,1000\n".as_bytes();
    let r = c.post_multipart(&format!("/imports?csrf={csrf}"), &[("region", "芮城县")], "新台账.csv", good).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("新增 1"));
    assert_eq!(estates::count(&s.t.db).await.unwrap(), 31);
    // Without the token the upload is refused.
    assert_eq!(c.post_multipart("/imports", &[], "x.csv", good).await.status, 403);
    // Export in both formats.
    let r = c.get("/estates/export?format=xlsx").await;
    assert_eq!(r.status, 200);
    assert!(r.body.starts_with(b"PK"));
    let r = c.get("/estates/export?format=csv&region=140830").await;
    assert!(r.text().contains("测试新村"));
    // The audit page names the import with its origin; auditors export the log.
    let mut admin = s.signed_in("boss", Role::Admin, "").await;
    let audit_page = admin.get("/audit").await.text();
    assert!(audit_page.contains("estates.import") && audit_page.contains("哈希链完整"), "{audit_page}");
    let mut auditor = s.signed_in("shen", Role::Auditor, "").await;
    let csv = auditor.get("/audit/export").await;
    assert_eq!(csv.status, 200);
    assert!(csv.text().contains("estates.import"));
}

#[tokio::test]
async fn attachments_are_type_and_size_checked() {
    let s = Server::demo().await;
    let mut c = s.signed_in("liu", Role::County, "140830").await;
    let csrf = c.csrf().await;
    let png = b"\x89PNG\r\n\x1a\n0000IHDRfake".to_vec();
    let r = c.post_multipart(&format!("/estates/1/attachments?csrf={csrf}"), &[], "门口.png", &png).await;
    assert_eq!((r.status, r.location()), (303, "/estates/1?uploaded=1"));
    let r = c.post_multipart(&format!("/estates/1/attachments?csrf={csrf}"), &[], "evil.pdf", b"MZ not a pdf").await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("不是 JPEG、PNG 照片或 PDF 文件"));
    let big = vec![b'%'; jiugai_web::MAX_ATTACHMENT + 10];
    let mut big = big;
    big[..5].copy_from_slice(b"%PDF-");
    let r = c.post_multipart(&format!("/estates/1/attachments?csrf={csrf}"), &[], "big.pdf", &big).await;
    assert_eq!(r.status, 422);
    let list = jiugai_store::attachments::list(&s.t.db, 1).await.unwrap();
    assert_eq!(list.len(), 1);
    let r = c.get(&format!("/estates/1/attachments/{}", list[0].id)).await;
    assert_eq!((r.status, r.header("content-type")), (200, Some("image/png")));
    assert_eq!(r.body, png);
    // The attachment of estate 1 is not reachable through another estate's path.
    assert_eq!(c.get(&format!("/estates/2/attachments/{}", list[0].id)).await.status, 404);
}

#[tokio::test]
async fn json_api_with_bearer_token() {
    let s = Server::demo().await;
    let u = s.user("script", Role::County, "140830").await;
    let (_, token) = jiugai_web::auth::create_token(&s.t.db, &u, "test", "test", "test").await.unwrap();
    let mut c = s.client().bearer(&token);
    let r = c.get("/api/v1/estates?region=140830&limit=10").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["total"], 30);
    assert_eq!(v["items"].as_array().unwrap().len(), 10);
    let next = v["next"].as_str().unwrap().to_string();
    let v2 = c
        .get(&format!("/api/v1/estates?region=140830&limit=10&after={}", jiugai_web::util::urlencode(&next)))
        .await
        .json();
    assert_ne!(v2["items"][0]["id"], v["items"][0]["id"]);
    let e = c.get("/api/v1/estates/1").await.json();
    let version = e["version"].as_i64().unwrap();
    assert!(e["eligibility"]["verdict"].is_string());
    // PUT with the version read; then the same version again is stale.
    let r = c.put_json("/api/v1/estates/1", &json!({"version": version, "households": 99})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["households"], 99);
    let r = c.put_json("/api/v1/estates/1", &json!({"version": version, "households": 98})).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.json()["error"]["code"], "version_conflict");
    let r = c.put_json("/api/v1/estates/1", &json!({"version": version + 1, "households": "abc"})).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["error"]["field"], "households");
    let h = c.get("/api/v1/estates/1/history").await.json();
    assert_eq!(h.as_array().unwrap().len(), 2);
    // Import through the API: errors as JSON, nothing imported.
    let bad = "小区名称,户数\n新建小区,abc\n".as_bytes();
    let r = c.request("POST", "/api/v1/imports/estates?region=140830&filename=a.csv", Some("text/csv"), bad).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["errors"][0]["row"], 2);
    let good = "小区名称,户数\n新建小区,12\n".as_bytes();
    let r = c.request("POST", "/api/v1/imports/estates?region=140830&filename=a.csv", Some("text/csv"), good).await;
    assert_eq!((r.status, r.json()["imported"].clone()), (200, json!(1)));
    // Export and attachments through the API, as the pages do them.
    let x = c.get("/api/v1/estates/export?region=140830&format=xlsx").await;
    assert_eq!(x.status, 200, "{}", x.text());
    assert!(x.body.starts_with(b"PK"), "an xlsx file");
    let csv = c.get("/api/v1/estates/export?region=芮城县&format=csv").await;
    assert!(csv.text().contains("小区名称") && csv.text().contains("原卷烟厂小区"));
    let pdf = b"%PDF-1.4\n% a tiny pdf\n";
    let r = c
        .request("POST", "/api/v1/estates/2/attachments?filename=%E7%8E%B0%E7%8A%B6.pdf", Some("application/pdf"), pdf)
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let aid = r.json()["id"].as_i64().unwrap();
    let back = c.get(&format!("/api/v1/estates/2/attachments/{aid}")).await;
    assert_eq!((back.status, back.body.as_slice()), (200, &pdf[..]));
    assert_eq!(
        c.get(&format!("/api/v1/estates/3/attachments/{aid}")).await.status,
        404,
        "an attachment belongs to its estate"
    );
    let r = c
        .request(
            "POST",
            "/api/v1/estates/2/attachments?filename=x.exe",
            Some("application/octet-stream"),
            b"MZ\x90\x00",
        )
        .await;
    assert_eq!((r.status, r.json()["error"]["field"].clone()), (422, json!("file")));
    assert_eq!(
        c.request("POST", "/api/v1/estates/999999/attachments?filename=a.pdf", Some("application/pdf"), pdf)
            .await
            .status,
        404
    );
    // Revoked tokens stop working.
    let tokens = jiugai_store::users::tokens(&s.t.db, Some("script")).await.unwrap();
    jiugai_store::users::revoke_token(&s.t.db, tokens[0].id, "test", "test").await.unwrap();
    assert_eq!(c.get("/api/v1/me").await.status, 401);
    // A token works even while its user still has a one-time password (it does not involve the password).
    let (fresh, _) =
        jiugai_web::auth::create_user(&s.t.db, "fresh", Role::Auditor, "140830", "test", "test").await.unwrap();
    let (_, ft) = jiugai_web::auth::create_token(&s.t.db, &fresh, "", "test", "test").await.unwrap();
    let mut f = s.client().bearer(&ft);
    assert_eq!(f.get("/api/v1/estates/1").await.status, 200);
    assert_eq!(
        f.put_json("/api/v1/estates/1", &json!({"version": 1, "households": 1})).await.status,
        403,
        "auditors change nothing"
    );
    // A cookie session may use the API too, with the CSRF header on writes.
    let mut w = s.signed_in("web", Role::County, "140830").await;
    let v = w.get("/api/v1/estates/1").await.json()["version"].as_i64().unwrap();
    assert_eq!(w.put_json("/api/v1/estates/1", &json!({"version": v, "households": 5})).await.status, 403);
    let csrf = w.csrf().await;
    w.headers.push(("X-CSRF-Token".into(), csrf));
    assert_eq!(w.put_json("/api/v1/estates/1", &json!({"version": v, "households": 5})).await.status, 200);
}

#[tokio::test]
async fn openapi_lists_every_api_route() {
    let s = Server::demo().await;
    let doc = s.client().get("/api/v1/openapi.json").await.json();
    let paths: Vec<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    for (method, route, _) in jiugai_web::access::ROUTES {
        if let Some(p) = route.strip_prefix("/api/v1") {
            assert!(
                doc["paths"][p][method.to_lowercase()].is_object(),
                "{method} {route} missing from the OpenAPI document"
            );
        }
    }
    for p in paths {
        assert!(
            jiugai_web::access::ROUTES.iter().any(|(_, r, _)| *r == format!("/api/v1{p}")),
            "{p} documented but not routed"
        );
    }
}

#[tokio::test]
async fn dashboard_shows_the_seed_jurisdictions() {
    let s = Server::demo().await;
    let mut c = s.signed_in("root", Role::Admin, "").await;
    let t = c.get("/").await.text();
    for name in [
        "长治市",
        "芮城县",
        "宿州市",
        "钦州市",
        "汾阳市",
        "ruicheng",
        "changzhi",
        "suzhou-ah",
        "qinzhou",
        "fenyang",
        "chart-data",
    ] {
        assert!(t.contains(name), "{name} missing");
    }
    let css = c.get("/static/app.css").await;
    assert_eq!(css.status, 200);
    assert!(c.get("/static/echarts.min.js").await.body.len() > 100_000);
    assert_eq!(c.get("/static/nope.js").await.status, 404);
    let d = c.get("/api/v1/dashboard").await.json();
    assert_eq!(d["regions"][0]["estates"], 30);
}
