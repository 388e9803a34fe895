//! Projects over HTTP, on the backend `JIUGAI_TEST_DATABASE_URL` names: the JSON contract for scripts,
//! refusals with their messages, contractors limited to their own projects, and the pages.

use crate::support;

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

fn step<'a>(p: &'a Value, key: &str) -> &'a Value {
    p["steps"].as_array().unwrap().iter().find(|s| s["key"] == key).unwrap_or_else(|| panic!("{key}"))
}

#[tokio::test]
async fn scripts_create_a_project_and_walk_its_steps() {
    let s = Server::demo().await;
    let mut c = s.signed_in("county", Role::County, "140830").await;
    // The contract: 201 with the project and its steps.
    let r = post_json(
        &mut c,
        "/api/v1/projects",
        &json!({"name": "原卷烟厂片区", "estate_ids": [1, 2], "plan_year": 2025, "investment_fen": 350_000_000}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let p = r.json();
    let id = p["id"].as_i64().unwrap();
    assert_eq!(r.header("location"), Some(format!("/api/v1/projects/{id}").as_str()));
    assert_eq!(
        (p["stage"].as_str(), p["plan_year"].as_i64(), p["version"].as_i64()),
        (Some("reserve"), Some(2025), Some(1))
    );
    for (k, due) in [
        ("survey", "2025-01-31"),
        ("design", "2025-02-28"),
        ("approval", "2025-03-31"),
        ("start", "2025-05-31"),
        ("basic_completion", "2025-10-31"),
        ("completion", "2025-11-30"),
    ] {
        let st = step(&p, k);
        assert_eq!(st["due"], due, "{k}");
        assert_eq!(st["required"], true);
        assert_eq!(st["done"], Value::Null);
        assert!(st["rule"].as_str().unwrap().starts_with("milestone_"), "{st}");
        assert!(st["clause"].as_str().unwrap().contains("001"), "{st}");
        assert_eq!(st["overdue"], true, "2025 is past");
    }
    assert_eq!(step(&p, "spot_check")["due"], Value::Null);
    let got = c.get(&format!("/api/v1/projects/{id}")).await.json();
    assert_eq!(got["steps"], p["steps"]);
    // Out of order: refused, naming the step that must come first; nothing changes.
    let r = post_json(
        &mut c,
        &format!("/api/v1/projects/{id}/steps/design"),
        &json!({"version": 1, "done_on": "2025-02-10"}),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("民意调查"), "{}", r.text());
    // The survey, estate by estate, counting each estate's registered households: a package total is refused.
    let r = post_json(
        &mut c,
        &format!("/api/v1/projects/{id}/steps/survey"),
        &json!({"version": 1, "done_on": "2025-01-15", "detail": {"agree": 80, "households": 100}}),
    )
    .await;
    assert_eq!((r.status, r.json()["error"]["code"].as_str()), (422, Some("consent_missing")), "{}", r.text());
    let reg = |e: i64| {
        let db = s.t.db.clone();
        async move { jiugai_store::projects::gates::registry_households(&db, e).await.unwrap().unwrap() }
    };
    let (h1, h2) = (reg(1).await, reg(2).await);
    let r = post_json(
        &mut c,
        &format!("/api/v1/projects/{id}/steps/survey"),
        &json!({"version": 1, "done_on": "2025-01-15", "detail": {"estates": [
            {"estate_id": 1, "agree": h1, "households": h1}, {"estate_id": 2, "agree": h2, "households": h2}]}}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(step(&r.json(), "survey")["done"], "2025-01-15");
    // A second writer with the old version is told, not overwritten.
    let r = post_json(
        &mut c,
        &format!("/api/v1/projects/{id}/steps/design"),
        &json!({"version": 1, "done_on": "2025-02-10"}),
    )
    .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.json()["error"]["code"], "version_conflict");
    // Content through the API, by catalogue code; totals reconcile.
    let r = post_json(
        &mut c,
        &format!("/api/v1/projects/{id}/items"),
        &json!({"version": 2, "item_code": "I02", "quantity": 2, "cost_fen": 60_000_000}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let t = &r.json()["totals"];
    assert_eq!(t["public_fen"].as_i64().unwrap() + t["owners_fen"].as_i64().unwrap(), 60_000_000);
    // Bad input: named field.
    let r = post_json(&mut c, "/api/v1/projects", &json!({"name": "x", "plan_year": 2025, "investment_fen": 1})).await;
    assert_eq!((r.status, r.json()["error"]["field"].as_str()), (422, Some("estate_ids")));
    let r = post_json(
        &mut c,
        "/api/v1/projects",
        &json!({"name": "x", "estate_ids": [99999], "plan_year": 2025, "investment_fen": 1}),
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("99999"));
    // Listed as overdue (design, due 2025-02-28, not done).
    let l = c.get("/api/v1/projects?overdue=1&year=2025").await.json();
    assert_eq!(l["total"], 1);
    assert!(l["items"][0]["overdue_steps"].as_array().unwrap().iter().any(|s| s["key"] == "design"));
    // Every change is in the audit log.
    let log = jiugai_store::audit::list(&s.t.db, Some(("project", &id.to_string())), 100).await.unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    for a in ["project.create", "project.step.complete", "project.item.add"] {
        assert!(actions.contains(&a), "{a}: {actions:?}");
    }
}

#[tokio::test]
async fn contractors_report_progress_on_their_own_projects_only() {
    let s = Server::demo().await;
    let mut county = s.signed_in("county", Role::County, "140830").await;
    let p = post_json(
        &mut county,
        "/api/v1/projects",
        &json!({"name": "甲", "estate_ids": [3], "plan_year": 2026, "investment_fen": 100_000}),
    )
    .await
    .json();
    let other = post_json(
        &mut county,
        "/api/v1/projects",
        &json!({"name": "乙", "estate_ids": [4], "plan_year": 2026, "investment_fen": 100_000}),
    )
    .await
    .json();
    let (id, oid) = (p["id"].as_i64().unwrap(), other["id"].as_i64().unwrap());
    let p = post_json(
        &mut county,
        &format!("/api/v1/projects/{id}/items"),
        &json!({"version": 1, "item_code": "B17", "quantity": "1200.5", "cost_fen": 100_000}),
    )
    .await
    .json();
    let row = p["items"][0]["id"].as_i64().unwrap();
    s.user("builder", Role::Contractor, "140830").await;
    jiugai_store::projects::add_member(&s.t.db, id, 2, "builder", "construction", "t", "t").await.unwrap();
    let mut b = s.client();
    assert_eq!(b.login("builder", support::PASSWORD).await.status, 303);
    let mine = b.get("/api/v1/projects").await.json();
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["items"][0]["id"], id);
    assert_eq!(b.get(&format!("/api/v1/projects/{oid}")).await.status, 404);
    assert_eq!(b.get("/api/v1/estates/3").await.status, 404);
    let r = post_json(
        &mut b,
        &format!("/api/v1/projects/{id}/items/{row}/progress"),
        &json!({"version": 3, "progress_pct": 40}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["totals"]["progress_bp"], 4000);
    let r = post_json(
        &mut b,
        &format!("/api/v1/projects/{id}/steps/start"),
        &json!({"version": 4, "done_on": "2026-05-01"}),
    )
    .await;
    assert_eq!(r.status, 403);
    // Site report with a photo through the page form.
    let csrf = b.csrf().await;
    let r = b
        .post_multipart(
            &format!("/projects/{id}/reports?csrf={csrf}"),
            &[("report_date", "2026-05-02"), ("text", "屋面施工")],
            "site.jpg",
            b"\xFF\xD8\xFF\xE0photo",
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let page = b.get(&format!("/projects/{id}")).await.text();
    assert!(page.contains("屋面施工") && page.contains("site.jpg"), "{page}");
    // A file that is not a photo is refused with its name.
    let r = b
        .post_multipart(
            &format!("/projects/{id}/reports?csrf={csrf}"),
            &[("report_date", "2026-05-02"), ("text", "x")],
            "virus.exe",
            b"MZ\x90\x00",
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("virus.exe"));
}

#[tokio::test]
async fn pages_create_list_and_flag_overdue() {
    let s = Server::demo().await;
    let mut c = s.signed_in("county", Role::County, "140830").await;
    let form = c.get("/projects/new").await;
    assert_eq!(form.status, 200);
    assert!(form.text().contains("原卷烟厂小区"));
    let csrf = c.csrf().await;
    // A package of two Ruicheng estates.
    let r = c
        .post_form(
            "/projects",
            &[
                ("csrf", &csrf),
                ("name", "华泰北路连片"),
                ("plan_year", "2025"),
                ("investment", "350万"),
                ("estate_ids", "1"),
                ("estate_ids", "2"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let loc = r.location().to_string();
    let page = c.get(&loc).await.text();
    assert!(page.contains("华泰北路连片") && page.contains("3,500,000.00"), "{page}");
    assert!(page.contains("step-survey") && page.contains("已逾期"));
    let r = c
        .post_form(
            "/projects",
            &[("csrf", &csrf), ("name", "重复"), ("plan_year", "2025"), ("investment", "1"), ("estate_ids", "1")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("已在项目"), "{}", r.text());
    let r = c
        .post_form(
            "/projects",
            &[
                ("csrf", &csrf),
                ("name", "坏金额"),
                ("plan_year", "2025"),
                ("investment", "三百万"),
                ("estate_ids", "5"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("三百万"));
    let list = c.get("/projects?overdue=1").await.text();
    assert!(list.contains("华泰北路连片") && list.contains("overdue"), "{list}");
    let dash = c.get("/").await.text();
    assert!(dash.contains("id=\"projects-panel\""), "{dash}");
    // The ledger exports as a real xlsx.
    let x = c.get("/projects/ledger/export").await;
    assert_eq!(x.status, 200);
    assert!(x.body.starts_with(b"PK"));
    assert!(c.get("/projects/ranking?year=2025").await.text().contains("华泰北路连片"));
    assert!(c.get("/projects/catalogue").await.text().contains("加装电梯"));
}

#[tokio::test]
async fn the_demo_projects_fill_the_pipeline() {
    let s = Server::demo().await;
    let n = jiugai_web::demo::load_projects(&s.t.db, &s.state.regions, &s.state.profiles()).await.unwrap();
    assert_eq!(n, 3);
    assert_eq!(
        jiugai_web::demo::load_projects(&s.t.db, &s.state.regions, &s.state.profiles()).await.unwrap(),
        0,
        "loading twice adds nothing"
    );
    let mut c = s.signed_in("office", Role::Admin, "140830").await;
    let list = c.get("/api/v1/projects").await.json();
    assert_eq!(list["total"], 3);
    let p = c.get("/api/v1/projects/1").await.json();
    assert_eq!(p["stage"], "implementation");
    assert_eq!(step(&p, "start")["done"], "2025-05-26");
    assert_eq!(step(&p, "basic_completion")["overdue"], true);
    assert!(p["totals"]["progress_bp"].as_i64().unwrap() > 0);
    let r = c.get("/api/v1/projects/ranking?year=2026").await.json();
    let items = r["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items[0]["score_centi"].as_i64() >= items[1]["score_centi"].as_i64());
    assert!(items[0]["parts"][0]["weight"].as_i64().unwrap() > 0, "{r}");
    let page = c.get("/projects/ranking?year=2026").await.text();
    assert!(page.contains("id=\"weights\"") && page.contains("体委·国税二区连片改造"));
    let ledger = c.get("/api/v1/projects/ledger").await.json();
    assert_eq!(ledger["items"].as_array().unwrap().iter().map(|r| r["open_issues"].as_i64().unwrap()).sum::<i64>(), 1);
    let dash = c.get("/").await.text();
    assert!(dash.contains("dash-overdue"));
}

#[tokio::test]
async fn the_public_notice_is_readable_without_an_account_once_published() {
    let s = Server::demo().await;
    let mut c = s.signed_in("county", Role::County, "140830").await;
    let p = post_json(
        &mut c,
        "/api/v1/projects",
        &json!({"name": "国土局住宅楼改造", "estate_ids": [5], "plan_year": 2026, "investment_fen": 120_000_000}),
    )
    .await
    .json();
    let id = p["id"].as_i64().unwrap();
    post_json(
        &mut c,
        &format!("/api/v1/projects/{id}/items"),
        &json!({"version": 1, "item_code": "B18", "quantity": "800", "cost_fen": 36_000_000}),
    )
    .await;
    let mut anon = s.client();
    // Not published: nobody outside sees it, as if it did not exist.
    let r = anon.get(&format!("/notice/{id}")).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.text(), anon.get("/notice/99999").await.text());
    let csrf = c.csrf().await;
    let r = c
        .post_form(
            &format!("/projects/{id}/facts"),
            &[("csrf", &csrf), ("version", "2"), ("notice_from", "2026-03-01"), ("hotline", "0359-3022123")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let page = anon.get(&format!("/notice/{id}")).await;
    assert_eq!(page.status, 200);
    let t = page.text();
    for needle in ["国土局住宅楼改造", "2026-03-01", "2026-03-06", "0359-3022123", "外墙维修", "360,000.00", "民意调查"]
    {
        assert!(t.contains(needle), "{needle} missing from the notice");
    }
    // The publicity step takes the notice's first day; five days have to run (001 二(四)2).
    let version = c.get(&format!("/api/v1/projects/{id}")).await.json()["version"].as_i64().unwrap();
    for (key, on) in [("survey", "2026-01-10"), ("design", "2026-02-20")] {
        let detail = if key == "survey" { json!({"agree": 16, "households": 16}) } else { json!({}) };
        let r = post_json(
            &mut c,
            &format!("/api/v1/projects/{id}/steps/{key}"),
            &json!({"version": version + if key == "design" { 1 } else { 0 }, "done_on": on, "detail": detail}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let r = post_json(
        &mut c,
        &format!("/api/v1/projects/{id}/steps/publicity"),
        &json!({"version": version + 2, "done_on": "2026-03-04"}),
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("不足 5 天"), "{}", r.text());
    let r = post_json(
        &mut c,
        &format!("/api/v1/projects/{id}/steps/publicity"),
        &json!({"version": version + 2, "done_on": "2026-03-06"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(step(&r.json(), "publicity")["started"], "2026-03-01");
}

/// Issue 11 items 5–6 over HTTP: entering implementation is refused while an estate's consent is missing
/// (422 `consent_missing` with rule and clause), a survey record that disagrees with the registry is refused
/// (`rule_not_met`), a step required before the start is missing (`step_missing`); an admin's exception to
/// one gate, with its reason, lets it through and is shown on the project page.
#[tokio::test]
async fn entering_implementation_names_the_gate_and_an_admin_may_except_one() {
    let s = Server::demo().await;
    let mut c = s.signed_in("county", Role::County, "140830").await;
    let mut admin = s.signed_in("office", Role::Admin, "140830").await;
    let r = post_json(
        &mut c,
        "/api/v1/projects",
        &json!({"name": "原卷烟厂小区改造", "estate_ids": [1], "plan_year": 2026, "investment_fen": 286_000_000}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    let mv = |v: i64, stage: &str| json!({"version": v, "stage": stage, "reason": "列入 2026 年度改造计划"});
    let r = post_json(&mut c, &format!("/api/v1/projects/{id}/move"), &mv(1, "planning")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = post_json(&mut c, &format!("/api/v1/projects/{id}/move"), &mv(2, "implementation")).await;
    assert_eq!(r.status, 422, "{}", r.text());
    let e = &r.json()["error"];
    assert_eq!((e["code"].as_str(), e["rule"].as_str()), (Some("consent_missing"), Some("consent_to_plan")), "{e}");
    assert!(e["source"].as_str().unwrap().contains("001"), "{e}");
    assert!(e["message"].as_str().unwrap().contains("原卷烟厂小区"), "{e}");
    let h = jiugai_store::projects::gates::registry_households(&s.t.db, 1).await.unwrap().unwrap();
    let survey = |agree: i64, households: i64| json!({"version": 2, "done_on": "2026-01-15", "detail": {"estates": [{"estate_id": 1, "agree": agree, "households": households}]}});
    let r = post_json(&mut c, &format!("/api/v1/projects/{id}/steps/survey"), &survey(h, h + 5)).await;
    assert_eq!((r.status, r.json()["error"]["code"].as_str()), (422, Some("rule_not_met")), "{}", r.text());
    assert!(r.json()["error"]["message"].as_str().unwrap().contains(&format!("与登记的 {h} 户不符")), "{}", r.text());
    let r = post_json(&mut c, &format!("/api/v1/projects/{id}/steps/survey"), &survey(h, h)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = post_json(&mut c, &format!("/api/v1/projects/{id}/move"), &mv(3, "implementation")).await;
    assert_eq!(r.status, 422, "{}", r.text());
    let e = &r.json()["error"];
    assert_eq!(e["code"], "step_missing", "{e}");
    assert!(e["rule"].is_string() && e["source"].is_string(), "{e}");
    // The exception is the admin's: a county user is refused; the admin records it with a reason.
    let ex =
        json!({"version": 3, "gate": "steps", "reason": "应急抢险项目，程序后补（县政府专题会议纪要〔2026〕3号）"});
    let r = post_json(&mut c, &format!("/api/v1/projects/{id}/exceptions"), &ex).await;
    assert_eq!(r.status, 403, "{}", r.text());
    let r = post_json(
        &mut admin,
        &format!("/api/v1/projects/{id}/exceptions"),
        &json!({"version": 3, "gate": "steps", "reason": ""}),
    )
    .await;
    assert_eq!((r.status, r.json()["error"]["field"].as_str()), (422, Some("reason")), "{}", r.text());
    let r = post_json(&mut admin, &format!("/api/v1/projects/{id}/exceptions"), &ex).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let p = r.json();
    assert_eq!(
        (p["exceptions"][0]["gate"].as_str(), p["exceptions"][0]["actor"].as_str()),
        (Some("steps"), Some("web:office"))
    );
    let r = post_json(&mut c, &format!("/api/v1/projects/{id}/move"), &mv(4, "implementation")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["stage"], "implementation");
    let page = c.get(&format!("/projects/{id}")).await.text();
    assert!(page.contains("已登记例外") && page.contains("程序后补"), "{page}");
}
