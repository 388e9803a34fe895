//! Consultations through the whole stack (HTTP, store, rules), on the backend `JIUGAI_TEST_DATABASE_URL`
//! names: 79 of 100 households fails consent and 80 passes, voting by the codes printed on the slips,
//! a reused and a wrong code, paper forms entered twice with a mismatch resolved by a third user,
//! assisted entry, the printable sheets, closing, and many clients voting at once over HTTP.

use crate::support;

use std::sync::Arc;

use jiugai_store::residents::households::{self, NewHousehold};
use jiugai_store::users::Role;
use serde_json::{Value, json};
use support::{Client, Resp, Server};

async fn post_json(c: &mut Client, path: &str, v: &Value) -> Resp {
    let csrf = c.csrf().await;
    c.headers.push(("X-CSRF-Token".into(), csrf));
    let r = c.request("POST", path, Some("application/json"), v.to_string().as_bytes()).await;
    c.headers.pop();
    r
}

async fn register(s: &Server, estate: i64, n: usize) -> Vec<i64> {
    let rows: Vec<NewHousehold> = (0..n)
        .map(|i| NewHousehold {
            building: format!("{}", i / 50 + 1),
            unit: "1".into(),
            room: format!("{}", 101 + i % 50),
            area_dm2: 6000 + (i as i64 % 7) * 500,
            owner_name: format!("业主{i}"),
            owner_phone: "13912345678".into(),
            ..Default::default()
        })
        .collect();
    households::insert_all(&s.t.db, estate, &rows, "test", "test").await.unwrap();
    households::list(&s.t.db, estate).await.unwrap().into_iter().map(|h| h.id).collect()
}

/// The codes printed on the slips, read from the printable page (one per household).
async fn codes_from_slips(c: &mut Client, estate: i64, cid: i64, buildings: &[&str]) -> Vec<String> {
    let mut codes = Vec::new();
    for b in buildings {
        let html = c.get(&format!("/estates/{estate}/consultations/{cid}/slips?building={b}")).await.text();
        assert!(html.contains("<svg"), "slips carry QR codes");
        for part in html.split("data-url=\"").skip(1) {
            let url = part.split('"').next().unwrap();
            codes.push(url.rsplit('/').next().unwrap().to_string());
        }
    }
    codes
}

async fn open(c: &mut Client, estate: i64, kind: &str) -> i64 {
    let r = post_json(
        c,
        &format!("/api/v1/estates/{estate}/consultations"),
        &json!({"kind": kind, "title": "是否同意实施改造", "question": "您是否同意本小区纳入老旧小区改造计划？",
        "opens_at": "2020-01-01 08:00", "closes_at": "2099-12-31 18:00"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()["id"].as_i64().unwrap()
}

#[tokio::test]
async fn consent_79_fails_and_80_passes_by_the_codes_on_the_slips() {
    let s = Server::demo().await;
    let mut street = s.signed_in("street", Role::Street, "140830").await;
    for (estate, yes, passed) in [(1i64, 79usize, false), (2, 80, true)] {
        register(&s, estate, 100).await;
        let cid = open(&mut street, estate, "consent").await;
        let csrf = street.csrf().await;
        let r = street.post_form(&format!("/estates/{estate}/consultations/{cid}/codes"), &[("csrf", &csrf)]).await;
        assert_eq!(r.status, 303, "{}", r.text());
        let codes = codes_from_slips(&mut street, estate, cid, &["1", "2"]).await;
        assert_eq!(codes.len(), 100);
        // Residents answer on their phones, without an account.
        let mut phone = s.client();
        for (i, code) in codes.iter().enumerate().take(95) {
            let choice = if i < yes { "yes" } else { "no" };
            let r = phone.post_form(&format!("/v/{code}"), &[("choice", choice), ("confirm", "1")]).await;
            assert_eq!(r.status, 200, "{}", r.text());
            assert!(r.text().contains("您的意见已记录"), "{}", r.text());
        }
        let v = street.get(&format!("/api/v1/estates/{estate}/consultations/{cid}")).await.json();
        assert_eq!(
            (v["tally"]["yes"]["households"].as_i64(), v["tally"]["participating"]["households"].as_i64()),
            (Some(yes as i64), Some(95))
        );
        assert_eq!(v["tally"]["outcome"], if passed { "pass" } else { "fail" });
        assert_eq!(v["tally"]["checks"][0]["rule"], "consent_to_plan");
        // The page shows each threshold with its value, the achieved figure and the clause.
        let page = street.get(&format!("/estates/{estate}/consultations/{cid}")).await.text();
        assert!(page.contains(&format!("{yes}/100")) && page.contains("001"), "{page}");
        assert!(page.contains(if passed { "data-outcome=\"pass\"" } else { "data-outcome=\"fail\"" }));
        // Closing locks and signs it.
        let version = v["version"].as_i64().unwrap();
        let r = post_json(
            &mut street,
            &format!("/api/v1/estates/{estate}/consultations/{cid}/close"),
            &json!({"version": version, "reason": "测试：提前结束"}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text());
        let closed = r.json();
        assert_eq!((closed["state"].as_str(), closed["passed"].as_bool()), (Some("closed"), Some(passed)));
        assert_eq!(closed["result_sha256"].as_str().map(str::len), Some(64));
        let sheet = street.get(&format!("/estates/{estate}/consultations/{cid}/result")).await.text();
        assert!(sheet.contains(closed["result_sha256"].as_str().unwrap()) && sheet.contains("居民代表签字"), "{sheet}");
        // After closing a code is refused and changes nothing.
        let r = phone.post_form(&format!("/v/{}", codes[99]), &[("choice", "yes"), ("confirm", "1")]).await;
        assert_eq!(r.status, 422, "{}", r.text());
        assert!(r.text().contains("已结束"), "{}", r.text());
        // Closing again with the old version: refused.
        let r = post_json(
            &mut street,
            &format!("/api/v1/estates/{estate}/consultations/{cid}/close"),
            &json!({"version": version, "reason": "测试：提前结束"}),
        )
        .await;
        assert_eq!(r.status, 422, "{}", r.text());
    }
}

#[tokio::test]
async fn a_reused_or_wrong_code_is_refused_with_a_clear_message() {
    let s = Server::demo().await;
    let mut street = s.signed_in("street", Role::Street, "140830").await;
    register(&s, 3, 5).await;
    let cid = open(&mut street, 3, "satisfaction").await;
    let csrf = street.csrf().await;
    street.post_form(&format!("/estates/3/consultations/{cid}/codes"), &[("csrf", &csrf)]).await;
    let codes = codes_from_slips(&mut street, 3, cid, &["1"]).await;
    let mut phone = s.client();
    let page = phone.get(&format!("/v/{}", codes[0])).await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("满意") && page.text().contains("1栋1单元101"), "{}", page.text());
    assert_eq!(phone.post_form(&format!("/v/{}", codes[0]), &[("choice", "no"), ("confirm", "1")]).await.status, 200);
    let again = phone.post_form(&format!("/v/{}", codes[0]), &[("choice", "yes"), ("confirm", "1")]).await;
    assert_eq!(again.status, 409);
    // It says the code was used and when, never how the household voted (the page is public).
    assert!(again.text().contains("只能使用一次") && !again.text().contains("不满意"), "{}", again.text());
    let wrong = phone.get("/v/AAAA-BBBB-CCCC").await;
    assert_eq!(wrong.status, 404);
    assert!(wrong.text().contains("表决码无效"), "{}", wrong.text());
    // JSON: used → 409, wrong → 404.
    let r = phone
        .request("POST", &format!("/api/v1/vote/{}", codes[0]), Some("application/json"), br#"{"choice":"yes"}"#)
        .await;
    assert_eq!(r.status, 409, "{}", r.text());
    let r = phone.request("POST", "/api/v1/vote/ZZZZZZZZZZZZ", Some("application/json"), br#"{"choice":"yes"}"#).await;
    assert_eq!(r.status, 404, "{}", r.text());
    let r = phone
        .request("POST", &format!("/api/v1/vote/{}", codes[1]), Some("application/json"), br#"{"choice":"yes"}"#)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = street.get(&format!("/api/v1/estates/3/consultations/{cid}")).await.json();
    assert_eq!((v["tally"]["yes"]["households"].as_i64(), v["tally"]["no"]["households"].as_i64()), (Some(1), Some(1)));
}

#[tokio::test]
async fn paper_forms_are_entered_twice_and_a_mismatch_goes_to_a_third_user() {
    let s = Server::demo().await;
    let hids = register(&s, 4, 3).await;
    let mut clerk1 = s.signed_in("clerk1", Role::Street, "140830").await;
    let mut clerk2 = s.signed_in("clerk2", Role::Street, "140830").await;
    let mut clerk3 = s.signed_in("clerk3", Role::County, "140830").await;
    let cid = open(&mut clerk1, 4, "consent").await;
    let url = format!("/estates/4/consultations/{cid}/paper");
    let jpeg = b"\xff\xd8\xff\xe0 scan of the form";
    let h = hids[0].to_string();
    // The first entry needs the scan.
    let csrf = clerk1.csrf().await;
    let r = clerk1.request("POST", &format!("{url}?csrf={csrf}"), Some("application/x-www-form-urlencoded"), b"").await;
    assert!((400..500).contains(&r.status), "{}", r.status);
    let r = clerk1
        .post_multipart(&format!("{url}?csrf={csrf}"), &[("household_id", &h), ("choice", "yes")], "票.jpg", jpeg)
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(r.location().contains("ok=first"));
    // The same user cannot enter it a second time.
    let r =
        clerk1.post_multipart(&format!("{url}?csrf={csrf}"), &[("household_id", &h), ("choice", "yes")], "", b"").await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("另一位工作人员"), "{}", r.text());
    // Blind: before the second entry, the page shows that a first entry exists, never its choice.
    let page2 = clerk2.get(&format!("/estates/4/consultations/{cid}")).await.text();
    let paper = page2.split("id=\"paper-list\"").nth(1).unwrap_or_default();
    assert!(paper.contains("第二次录入前不显示") && !paper.contains("同意（"), "{paper}");
    // Another user disagrees: not counted, listed for a third user.
    let csrf2 = clerk2.csrf().await;
    let r =
        clerk2.post_multipart(&format!("{url}?csrf={csrf2}"), &[("household_id", &h), ("choice", "no")], "", b"").await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(r.location().contains("ok=disputed"));
    let v = clerk1.get(&format!("/api/v1/estates/4/consultations/{cid}")).await.json();
    assert_eq!(v["tally"]["participating"]["households"], 0);
    let page = clerk3.get(&format!("/estates/4/consultations/{cid}")).await.text();
    assert!(
        page.contains("paper-disputed") && page.contains("resolve-form") && page.contains("/estates/4/attachments/"),
        "{page}"
    );
    let page1 = clerk1.get(&format!("/estates/4/consultations/{cid}")).await.text();
    assert!(!page1.contains("resolve-form"), "the users who entered it cannot resolve it");
    let pid = page.split("id=\"paperrow-").nth(1).unwrap().split('"').next().unwrap().to_string();
    let r = clerk2
        .post_form(
            &format!("/estates/4/consultations/{cid}/paper/{pid}/resolve"),
            &[("csrf", &csrf2), ("choice", "no")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("第三人"));
    let csrf3 = clerk3.csrf().await;
    let r = clerk3
        .post_form(
            &format!("/estates/4/consultations/{cid}/paper/{pid}/resolve"),
            &[("csrf", &csrf3), ("choice", "yes")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    // Two agreeing entries count at once.
    let h2 = hids[1].to_string();
    clerk1
        .post_multipart(&format!("{url}?csrf={csrf}"), &[("household_id", &h2), ("choice", "no")], "b.jpg", jpeg)
        .await;
    let r = clerk2
        .post_multipart(&format!("{url}?csrf={csrf2}"), &[("household_id", &h2), ("choice", "no")], "", b"")
        .await;
    assert!(r.location().contains("ok=counted"), "{}", r.location());
    // Assisted entry, marked as such.
    let r = clerk2
        .post_form(
            &format!("/estates/4/consultations/{cid}/assisted"),
            &[("csrf", &csrf2), ("household_id", &hids[2].to_string()), ("choice", "yes")],
        )
        .await;
    assert_eq!(r.status, 422, "the worker must confirm");
    let r = clerk2
        .post_form(
            &format!("/estates/4/consultations/{cid}/assisted"),
            &[("csrf", &csrf2), ("household_id", &hids[2].to_string()), ("choice", "yes"), ("confirm", "1")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let v = clerk1.get(&format!("/api/v1/estates/4/consultations/{cid}")).await.json();
    let t = &v["tally"];
    assert_eq!(
        (
            t["yes"]["households"].as_i64(),
            t["no"]["households"].as_i64(),
            t["by_channel"]["paper"].as_i64(),
            t["by_channel"]["assisted"].as_i64()
        ),
        (Some(2), Some(1), Some(2), Some(1))
    );
    // A department user may read but not enter ballots; a county outside the scope sees nothing.
    let mut dept = s.signed_in("dept", Role::Department, "140830").await;
    let csrfd = dept.csrf().await;
    assert_eq!(
        dept.post_form(&format!("/estates/4/consultations/{cid}/assisted"), &[("csrf", &csrfd)]).await.status,
        403
    );
    assert_eq!(dept.get(&format!("/estates/4/consultations/{cid}/slips")).await.status, 403);
    let mut other = s.signed_in("other", Role::County, "140403").await;
    assert_eq!(other.get(&format!("/estates/4/consultations/{cid}")).await.status, 404);
    // A consultation of another estate is not reachable under this estate's address.
    assert_eq!(clerk1.get(&format!("/estates/5/consultations/{cid}")).await.status, 404);
}

#[tokio::test]
async fn joint_decision_pages_show_area_and_headcount_separately() {
    let s = Server::demo().await;
    let mut street = s.signed_in("street", Role::Street, "140830").await;
    // 3 large flats and 7 small ones; the large ones say yes: area passes, headcount fails.
    let rows: Vec<NewHousehold> = (0..10)
        .map(|i| NewHousehold {
            building: "1".into(),
            room: format!("{}", 101 + i),
            area_dm2: if i < 3 { 20_000 } else { 5_000 },
            owner_name: "业主".into(),
            ..Default::default()
        })
        .collect();
    households::insert_all(&s.t.db, 6, &rows, "t", "t").await.unwrap();
    let hids: Vec<i64> = households::list(&s.t.db, 6).await.unwrap().into_iter().map(|h| h.id).collect();
    let r = post_json(&mut street, "/api/v1/estates/6/consultations", &json!({"kind": "joint_decision", "matter": "ordinary", "title": "选聘物业", "question": "是否同意选聘专业化物业服务企业？", "opens_at": "2020-01-01", "closes_at": "2099-01-01"})).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let cid = r.json()["id"].as_i64().unwrap();
    for (i, h) in hids.iter().enumerate() {
        let r = post_json(
            &mut street,
            &format!("/api/v1/estates/6/consultations/{cid}/ballots"),
            &json!({"household_id": h, "choice": if i < 3 { "yes" } else { "no" }, "channel": "assisted"}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let v = street.get(&format!("/api/v1/estates/6/consultations/{cid}")).await.json();
    let checks = v["tally"]["checks"].as_array().unwrap();
    let outcome = |k: &str| checks.iter().find(|c| c["check"] == k).unwrap()["outcome"].clone();
    assert_eq!((outcome("joint_ordinary_area"), outcome("joint_ordinary_owners")), (json!("pass"), json!("fail")));
    assert_eq!(v["tally"]["outcome"], "fail");
    let page = street.get(&format!("/estates/6/consultations/{cid}")).await.text();
    assert!(page.contains("data-check=\"joint_ordinary_area\"") && page.contains("check-fail"), "{page}");
}

/// Several clients vote at once over HTTP, double-tapping and sending conflicting answers with the
/// same code: every code is accepted exactly once and the tally equals what was accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_clients_at_once_each_code_counted_once() {
    let s = Server::demo().await;
    let mut street = s.signed_in("street", Role::Street, "140830").await;
    const N: usize = 600;
    register(&s, 7, N).await;
    let cid = open(&mut street, 7, "consent").await;
    let csrf = street.csrf().await;
    street.post_form(&format!("/estates/7/consultations/{cid}/codes"), &[("csrf", &csrf)]).await;
    let bs: Vec<String> = (1..=N / 50).map(|b| b.to_string()).collect();
    let br: Vec<&str> = bs.iter().map(|s| s.as_str()).collect();
    let codes = Arc::new(codes_from_slips(&mut street, 7, cid, &br).await);
    assert_eq!(codes.len(), N);
    let s = Arc::new(s);
    let mut tasks = Vec::new();
    for client in 0..6usize {
        let codes = codes.clone();
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let mut c = s.client();
            let (mut yes, mut no, mut refused) = (0usize, 0usize, 0usize);
            for (i, code) in codes.iter().enumerate() {
                // Clients 0–2 take every code of their third twice; clients 3–5 send the opposite answer for every code.
                if client < 3 && i % 3 != client {
                    continue;
                }
                let choice = if (i % 4 == 0) ^ (client >= 3) { "no" } else { "yes" };
                for _ in 0..(if client < 3 { 2 } else { 1 }) {
                    let r = c
                        .request(
                            "POST",
                            &format!("/api/v1/vote/{code}"),
                            Some("application/json"),
                            json!({"choice": choice}).to_string().as_bytes(),
                        )
                        .await;
                    match r.status {
                        200 => {
                            if choice == "yes" {
                                yes += 1
                            } else {
                                no += 1
                            }
                        }
                        409 => refused += 1,
                        other => panic!("{other}: {}", r.text()),
                    }
                }
            }
            (yes, no, refused)
        }));
    }
    let (mut yes, mut no, mut refused) = (0, 0, 0);
    for t in tasks {
        let (y, n, r) = t.await.unwrap();
        yes += y;
        no += n;
        refused += r;
    }
    assert_eq!(yes + no, N, "each code accepted once");
    assert_eq!(refused, 4 * N, "all other submissions refused (5 per code, 1 accepted)");
    let v = street.get(&format!("/api/v1/estates/7/consultations/{cid}")).await.json();
    let t = &v["tally"];
    assert_eq!(
        (t["yes"]["households"].as_u64(), t["no"]["households"].as_u64(), t["participating"]["households"].as_u64()),
        (Some(yes as u64), Some(no as u64), Some(N as u64))
    );
    assert!(jiugai_store::audit::verify(&s.t.db).await.unwrap().first_broken.is_none());
}

/// Issue 11 items 1, 3 and 4 over HTTP: the resident confirms before the vote is cast and is told whether
/// it can be changed; staff entry over the resident's code is refused (409 `vote_exists`, naming the
/// channel and time); a void asked by one user and approved by another lets staff enter it, and the
/// resident's page says when and why; closing early needs a reason, shown on the result.
#[tokio::test]
async fn staff_cannot_overwrite_a_resident_and_closing_early_needs_a_reason() {
    let s = Server::demo().await;
    let mut street = s.signed_in("street", Role::Street, "140830").await;
    let mut second = s.signed_in("street2", Role::Street, "140830").await;
    register(&s, 3, 5).await;
    let cid = open(&mut street, 3, "consent").await;
    let csrf = street.csrf().await;
    street.post_form(&format!("/estates/3/consultations/{cid}/codes"), &[("csrf", &csrf)]).await;
    let slips = jiugai_store::residents::consultations::slips(&s.t.db, cid, None).await.unwrap();
    let (hid, code) = (slips[0].household.id, slips[0].code.clone());
    let tally = |v: &Value| v["tally"]["participating"]["households"].as_i64();

    // Choose → a confirmation page with the choice and the change rule; nothing is cast yet.
    let mut phone = s.client();
    let r = phone.post_form(&format!("/v/{code}"), &[("choice", "yes")]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let page = r.text();
    assert!(page.contains("id=\"vote-confirm\"") && page.contains("请确认您的意见") && page.contains("同意"), "{page}");
    assert!(page.contains("提交后不能用此表决码修改") && page.contains("截止前可以修改"), "{page}");
    assert!(page.contains("name=\"confirm\" value=\"1\""), "{page}");
    let v = street.get(&format!("/api/v1/estates/3/consultations/{cid}")).await.json();
    assert_eq!(tally(&v), Some(0), "the confirmation page casts nothing");
    let r = phone.post_form(&format!("/v/{code}"), &[("choice", "yes"), ("confirm", "1")]).await;
    assert!(r.text().contains("您的意见已记录"), "{}", r.text());
    let v = street.get(&format!("/api/v1/estates/3/consultations/{cid}")).await.json();
    assert_eq!(tally(&v), Some(1));

    // Staff over the resident's code: 409 vote_exists, by API and by the page's form.
    let ballots = format!("/api/v1/estates/3/consultations/{cid}/ballots");
    let r =
        post_json(&mut street, &ballots, &json!({"household_id": hid, "choice": "no", "channel": "assisted"})).await;
    assert_eq!(r.status, 409, "{}", r.text());
    let e = r.json();
    assert_eq!(e["error"]["code"], "vote_exists");
    let m = e["error"]["message"].as_str().unwrap();
    assert!(m.contains("扫码") && m.contains("住户本人") && m.contains("北京时间"), "{m}");
    let r = post_json(&mut street, &ballots, &json!({"household_id": hid, "choice": "no", "channel": "paper"})).await;
    assert_eq!((r.status, r.json()["error"]["code"].as_str()), (409, Some("vote_exists")), "{}", r.text());
    let csrf = street.csrf().await;
    let hid_s = hid.to_string();
    let r = street
        .post_form(
            &format!("/estates/3/consultations/{cid}/assisted"),
            &[("csrf", &csrf), ("household_id", &hid_s), ("choice", "no"), ("confirm", "1")],
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(r.text().contains("不能覆盖"), "{}", r.text());

    // The void: a reason, one user asks, the same user cannot approve, a second does.
    let voids = format!("/api/v1/estates/3/consultations/{cid}/voids");
    let r = post_json(&mut street, &voids, &json!({"household_id": hid, "reason": ""})).await;
    assert_eq!((r.status, r.json()["error"]["field"].as_str()), (422, Some("reason")), "{}", r.text());
    let reason = "住户书面声明扫码并非本人操作";
    let r = post_json(&mut street, &voids, &json!({"household_id": hid, "reason": reason})).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let vid = r.json()["void"]["id"].as_i64().unwrap();
    let r = post_json(&mut street, &format!("{voids}/{vid}"), &json!({"decision": "approve"})).await;
    assert_eq!((r.status, r.json()["error"]["code"].as_str()), (403, Some("forbidden")), "{}", r.text());
    // While it waits, closing is refused (entry_pending); the page lists it with approve for the second user.
    let page = second.get(&format!("/estates/3/consultations/{cid}")).await.text();
    assert!(page.contains(&format!("id=\"voidrow-{vid}\"")) && page.contains("批准作废"), "{page}");
    let r = post_json(&mut second, &format!("{voids}/{vid}"), &json!({"decision": "approve"})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["void"]["status"], "approved");
    let list = street.get(&voids).await.json();
    assert_eq!(list["voids"][0]["decided_by"], "web:street2");
    // The resident's page says when and why, in Chinese and in English.
    let page = phone.get(&format!("/v/{code}")).await.text();
    assert!(page.contains("您的意见已于") && page.contains("被作废，原因：") && page.contains(reason), "{page}");
    let mut en = s.client();
    en.cookies.insert("jg_lang".into(), "en".into());
    let page = en.get(&format!("/v/{code}")).await.text();
    assert!(page.contains("Your answer was voided at") && page.contains(reason), "{page}");
    // Now staff may enter the household.
    let r =
        post_json(&mut street, &ballots, &json!({"household_id": hid, "choice": "no", "channel": "assisted"})).await;
    assert_eq!(r.status, 200, "{}", r.text());

    // Closing early: no reason → 422 naming the field; with one → closed, the reason on the page and sheet.
    let v = street.get(&format!("/api/v1/estates/3/consultations/{cid}")).await.json();
    let close = format!("/api/v1/estates/3/consultations/{cid}/close");
    let r = post_json(&mut street, &close, &json!({"version": v["version"]})).await;
    assert_eq!((r.status, r.json()["error"]["field"].as_str()), (422, Some("reason")), "{}", r.text());
    let why = "各户均已表决，社区居委会会议决定提前结束";
    let r = post_json(&mut street, &close, &json!({"version": v["version"], "reason": why})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["close_reason"], why);
    let page = street.get(&format!("/estates/3/consultations/{cid}")).await.text();
    assert!(page.contains("id=\"close-reason\"") && page.contains(why), "{page}");
    let sheet = street.get(&format!("/estates/3/consultations/{cid}/result")).await.text();
    assert!(sheet.contains("id=\"result-close-reason\"") && sheet.contains(why), "{sheet}");
    // After the closing the resident is told the answer can no longer change.
    let page = phone.get(&format!("/v/{code}")).await.text();
    assert!(page.contains("意见不能再修改"), "{page}");
}
