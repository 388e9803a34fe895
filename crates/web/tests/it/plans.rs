//! Annual plans over HTTP, on the backend `JIUGAI_TEST_DATABASE_URL` names: the demo's submitted plan of
//! 芮城县 waits for 运城市's office; another county sees no such plan (404); the county cannot approve it
//! (403 not_reviewer); returning needs a reason; a stale version is 409 and the page shows what changed;
//! return, resubmit, approve, issue, amend through pages and the API; a plan built from the form; the
//! xlsx export's 合计 row equals the plan's totals; the print page.

use crate::support;

use jiugai_store::users::Role;
use serde_json::{Value, json};
use support::{Client, Resp, Server, csrf_in};

pub const RUICHENG: &str = "140830";
pub const YUNCHENG: &str = "1408";
/// Another county of 运城市.
pub const YANHU: &str = "140802";

/// `n` projects of `year` in 芮城县, each on one core-scope estate with a registry and a closed consent
/// consultation in which 90% agree (so a plan of them passes its blocking checks).
pub async fn ready_projects(s: &Server, n: usize, year: i32) -> Vec<i64> {
    use jiugai_store::projects::{self, NewProject};
    use jiugai_store::residents::consultations::{self as cons, Choice, NewConsultation};
    use jiugai_store::residents::households::{self, NewHousehold};
    let db = &s.t.db;
    let regions = &s.state.regions;
    let profiles = s.state.profiles();
    let eff = profiles.effective(profiles.for_region(RUICHENG)).unwrap();
    let mut all = jiugai_store::estates::list(db, regions, &Default::default()).await.unwrap();
    all.sort_by_key(|e| (e.data.households, e.id));
    let mut out = Vec::new();
    for e in all {
        if out.len() == n {
            break;
        }
        let d = &e.data;
        let Some(hh) = d.households.filter(|h| (5..=40).contains(h)) else { continue };
        let el = jiugai_rules::eligibility(
            &eff,
            &jiugai_rules::EstateFacts {
                built_years: d.built_years.clone(),
                in_shantytown_plan: d.in_shantytown_plan.unwrap_or(false),
                self_built: d.self_built.unwrap_or(false),
                urban_village: d.urban_village.unwrap_or(false),
                declared: d.declared,
            },
        );
        if el.verdict != jiugai_rules::Verdict::Core
            || !projects::of_estate(db, e.id).await.unwrap().is_empty()
            || households::totals(db, e.id).await.unwrap().0 > 0
        {
            continue;
        }
        let np = NewProject {
            name: format!("{}改造", d.name),
            estate_ids: vec![e.id],
            plan_year: year,
            investment_fen: 123_456_789 + out.len() as i64,
            ..Default::default()
        };
        let p = projects::create(db, &np, "test", "test").await.unwrap();
        let rows: Vec<NewHousehold> = (0..hh)
            .map(|i| NewHousehold {
                building: "1".into(),
                unit: "1".into(),
                room: format!("{}", 101 + i),
                area_dm2: 7000,
                owner_name: format!("业主{i}"),
                ..Default::default()
            })
            .collect();
        households::insert_all(db, e.id, &rows, "test", "test").await.unwrap();
        let nc = NewConsultation {
            estate_id: e.id,
            project_id: Some(p.id),
            kind: cons::Kind::Consent,
            title: "改造意愿征询".into(),
            question: "是否同意？".into(),
            opens_at: "2020-01-01T00:00:00Z".into(),
            closes_at: "2099-12-31 18:00".into(),
            ..Default::default()
        };
        let c = cons::create(db, &nc, "test", "test").await.unwrap();
        for (i, h) in households::list(db, e.id).await.unwrap().iter().enumerate() {
            let choice = if (i as i64) * 10 < hh * 9 { Choice::Yes } else { Choice::No };
            cons::cast_assisted(db, c.id, h.id, choice, "test", "test").await.unwrap();
        }
        let c = cons::get(db, c.id).await.unwrap();
        cons::close(db, &eff, c.id, c.version, "测试：提前结束", "test", "test").await.unwrap();
        out.push(p.id);
    }
    assert_eq!(out.len(), n, "not enough core-scope estates");
    out
}

/// The demo's plans loop: targets, two ready projects of 2027 and 芮城县's plan, submitted. Returns its id.
pub async fn demo_plan(s: &Server) -> i64 {
    assert_eq!(jiugai_web::demo::load_plans(&s.t.db, &s.state.regions, &s.state.profiles()).await.unwrap(), 1);
    let p = jiugai_store::plans::list(&s.t.db, "", None, None).await.unwrap();
    assert_eq!(p.len(), 1);
    p[0].id
}

async fn api(c: &mut Client, method: &str, path: &str, body: &Value) -> Resp {
    let csrf = c.csrf().await;
    c.headers.push(("X-CSRF-Token".into(), csrf));
    let r = c.request(method, path, Some("application/json"), body.to_string().as_bytes()).await;
    c.headers.pop();
    r
}

fn version(v: &Value) -> i64 {
    v["version"].as_i64().unwrap_or_else(|| panic!("no version in {v}"))
}

#[tokio::test]
async fn scope_reviewer_reason_and_stale_version_through_the_api() {
    let s = Server::demo().await;
    let id = demo_plan(&s).await;
    let mut county = s.signed_in("ruicheng", Role::County, RUICHENG).await;
    let mut other = s.signed_in("yanhu", Role::County, YANHU).await;
    let mut city = s.signed_in("yuncheng", Role::Admin, YUNCHENG).await;
    let mut contractor = s.signed_in("builder", Role::Contractor, RUICHENG).await;

    // The county reads its plan: lines, checks with rule and clause, the chain waiting at step 1.
    let r = county.get(&format!("/api/v1/plans/{id}")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let d = r.json();
    assert_eq!((d["status"].as_str(), d["plan_year"].as_i64()), (Some("submitted"), Some(2027)));
    assert_eq!(d["lines"].as_array().unwrap().len(), 2);
    let consent: Vec<&Value> =
        d["checks"].as_array().unwrap().iter().filter(|c| c["check"] == "consent_to_plan").collect();
    assert_eq!(consent.len(), 2);
    assert!(consent.iter().all(|c| c["outcome"] == "pass" && !c["source"].as_str().unwrap().is_empty()), "{consent:?}");
    assert_eq!(d["chain"][0]["state"], "current");
    assert_eq!(d["chain"][0]["region_code"], YUNCHENG);
    assert_eq!(d["may"]["review"], false);
    let list = county.get("/api/v1/plans").await.json();
    assert_eq!(list["total"], 1);

    // Another county: the plan does not exist for it, exactly like a missing one.
    let a = other.get(&format!("/api/v1/plans/{id}")).await;
    let b = other.get("/api/v1/plans/99999").await;
    assert_eq!((a.status, b.status), (404, 404));
    assert_eq!(a.json()["error"]["code"], "not_found");
    assert_eq!(other.get(&format!("/plans/{id}")).await.status, 404);
    assert_eq!(other.get("/api/v1/plans").await.json()["total"], 0);
    assert_eq!(other.get(&format!("/plans/{id}/export.xlsx")).await.status, 404);
    // A contractor: 403 with the stable code.
    let r = contractor.get(&format!("/api/v1/plans/{id}")).await;
    assert_eq!((r.status, r.json()["error"]["code"].as_str()), (403, Some("forbidden")));
    assert_eq!(contractor.get("/api/v1/plans").await.status, 403);

    // The county cannot approve its own plan.
    let v = version(&d);
    let r =
        api(&mut county, "POST", &format!("/api/v1/plans/{id}/review"), &json!({"version": v, "approve": true})).await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "not_reviewer");
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("运城市"), "{}", r.text());

    // The city sees it waiting; returning needs a reason; a stale version is 409.
    assert_eq!(city.get(&format!("/api/v1/plans/{id}")).await.json()["may"]["review"], true);
    let r = api(
        &mut city,
        "POST",
        &format!("/api/v1/plans/{id}/review"),
        &json!({"version": v, "approve": false, "reason": "  "}),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.json()["error"]["field"], "reason");
    let r = api(&mut city, "POST", &format!("/api/v1/plans/{id}/review"), &json!({"version": v - 1, "approve": true}))
        .await;
    assert_eq!(r.status, 409, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "version_conflict");
    let r = api(
        &mut city,
        "POST",
        &format!("/api/v1/plans/{id}/review"),
        &json!({"version": v, "approve": false, "reason": "请补充各小区的改造内容清单"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let d = r.json();
    assert_eq!(d["status"], "returned");
    assert_eq!(d["events"].as_array().unwrap().last().unwrap()["reason"], "请补充各小区的改造内容清单");
    // Back to the county: a project removed and added again, resubmitted.
    let pid = d["project_ids"][0].as_i64().unwrap();
    let r = api(
        &mut county,
        "POST",
        &format!("/api/v1/plans/{id}/projects"),
        &json!({"project_id": pid, "version": version(&d), "add": false}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["projects"], 1);
    let r = api(
        &mut county,
        "POST",
        &format!("/api/v1/plans/{id}/projects"),
        &json!({"project_id": pid, "version": version(&r.json())}),
    )
    .await;
    assert_eq!(r.json()["projects"], 2);
    let r =
        api(&mut county, "POST", &format!("/api/v1/plans/{id}/submit"), &json!({"version": version(&r.json())})).await;
    assert_eq!((r.status, r.json()["status"].as_str()), (200, Some("submitted")), "{}", r.text());
    // Approved by the city (the default chain has one step), then issued: locked.
    let r = api(
        &mut city,
        "POST",
        &format!("/api/v1/plans/{id}/review"),
        &json!({"version": version(&r.json()), "approve": true}),
    )
    .await;
    assert_eq!(r.json()["status"], "approved", "{}", r.text());
    assert_eq!(r.json()["chain"][0]["done_by"], "web:yuncheng");
    let v = version(&r.json());
    let r = api(&mut city, "POST", &format!("/api/v1/plans/{id}/issue"), &json!({"version": v})).await;
    assert_eq!(r.json()["status"], "issued", "{}", r.text());
    let v = version(&r.json());
    let r = api(
        &mut county,
        "POST",
        &format!("/api/v1/plans/{id}/projects"),
        &json!({"project_id": pid, "version": v, "add": false}),
    )
    .await;
    assert_eq!((r.status, r.json()["error"]["code"].as_str()), (409, Some("plan_state")));
    // An amendment: a new draft with the same projects.
    let r =
        api(&mut county, "POST", &format!("/api/v1/plans/{id}/amend"), &json!({"version": v, "reason": "增补项目"}))
            .await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!((r.json()["amendment"].as_i64(), r.json()["amends_id"].as_i64()), (Some(1), Some(id)));
    // A typed body: a wrong type names the field.
    let r = api(&mut county, "POST", &format!("/api/v1/plans/{id}/submit"), &json!({"version": "x"})).await;
    assert_eq!((r.status, r.json()["error"]["field"].as_str()), (422, Some("version")));
}

#[tokio::test]
async fn pages_list_show_return_stale_and_approve() {
    let s = Server::demo().await;
    let id = demo_plan(&s).await;
    let mut county = s.signed_in("ruicheng", Role::County, RUICHENG).await;
    let mut city = s.signed_in("yuncheng", Role::Admin, YUNCHENG).await;
    // The list: region, status label, projects, 万元 with separators.
    let list = county.get("/plans").await.text();
    assert!(list.contains(&format!("href=\"/plans/{id}\"")) && list.contains("已上报待审核"), "{list}");
    assert!(list.contains("210.50"), "1,260,000 + 845,000 yuan = 210.50 万元: {list}");
    assert!(county.get("/plans?status=draft").await.text().contains("没有符合条件的年度计划"));
    assert!(county.get("/plans?year=abc").await.text().contains("年度“abc”无效"));
    // The plan page: lines, totals, checks, chain, history; the county sees no review form.
    let page = county.get(&format!("/plans/{id}")).await.text();
    for needle in [
        "id=\"plan-lines\"",
        "合计",
        "id=\"plan-checks\"",
        "居民改造意愿",
        "通过",
        "上一级旧改办审核批准",
        "山西省运城市 旧改办",
        "办理中",
        "web:芮城县旧改办",
    ] {
        assert!(page.contains(needle), "{needle}: {page}");
    }
    assert!(!page.contains("id=\"plan-approve\""), "{page}");
    // The city: 待审核计划 on the dashboard, and the form.
    let dash = city.get("/").await.text();
    assert!(dash.contains("待审核计划") && dash.contains(&format!("href=\"/plans/{id}\"")), "{dash}");
    assert!(dash.contains("id=\"targets-panel\""), "{dash}");
    assert!(dash.contains("210.50"), "the awaiting plan's investment: {dash}");
    assert!(!county.get("/").await.text().contains("id=\"awaiting\""));
    let page = city.get(&format!("/plans/{id}")).await.text();
    assert!(page.contains("id=\"plan-approve\"") && page.contains("id=\"plan-return\""), "{page}");
    let csrf = csrf_in(&page);
    let v = jiugai_store::plans::get(&s.t.db, id).await.unwrap().version.to_string();
    // Returning without a reason: the page again, 422, with the message.
    let r = city
        .post_form(
            &format!("/plans/{id}/review"),
            &[("csrf", &csrf), ("version", &v), ("decision", "return"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("退回计划须写明理由"), "{}", r.text());
    // The county cannot act as reviewer through the form either: 403 not_reviewer.
    let ccsrf = county.csrf().await;
    let r = county
        .post_form(&format!("/plans/{id}/review"), &[("csrf", &ccsrf), ("version", &v), ("decision", "approve")])
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    // Returned with reasons.
    let r = city
        .post_form(
            &format!("/plans/{id}/review"),
            &[("csrf", &csrf), ("version", &v), ("decision", "return"), ("reason", "请补充改造内容")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let page = county.get(&format!("/plans/{id}")).await.text();
    assert!(
        page.contains("已退回修改") && page.contains("请补充改造内容") && page.contains("id=\"plan-submit\""),
        "{page}"
    );
    assert!(county.get("/").await.text().contains("id=\"returned\""));
    // A form opened before the return is stale: 409, and the page says what happened since.
    let r = city
        .post_form(&format!("/plans/{id}/review"), &[("csrf", &csrf), ("version", &v), ("decision", "approve")])
        .await;
    assert_eq!(r.status, 409, "{}", r.text());
    let t = r.text();
    assert!(t.contains("id=\"plan-changes\"") && t.contains("退回修改") && t.contains("web:yuncheng"), "{t}");
    // Resubmitted by the county, approved by the city.
    let v = jiugai_store::plans::get(&s.t.db, id).await.unwrap().version.to_string();
    let r = county.post_form(&format!("/plans/{id}/submit"), &[("csrf", &ccsrf), ("version", &v)]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let v = jiugai_store::plans::get(&s.t.db, id).await.unwrap().version.to_string();
    let r = city
        .post_form(
            &format!("/plans/{id}/review"),
            &[("csrf", &csrf), ("version", &v), ("decision", "approve"), ("reason", "同意")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let page = city.get(r.location()).await.text();
    assert!(page.contains("已批准") && page.contains("id=\"plan-issue\""), "{page}");
    // In English: labels, not keys.
    county.cookies.insert("jg_lang".into(), "en".into());
    let en = county.get(&format!("/plans/{id}")).await.text();
    assert!(en.contains("approved") && en.contains("Review chain") && en.contains("residents&#39; consent"), "{en}");
}

#[tokio::test]
async fn a_plan_from_the_form_and_its_refused_submission() {
    let s = Server::demo().await;
    let ready = ready_projects(&s, 1, 2028).await;
    // A project of 2028 with no consultation: the plan's consent check fails for it.
    let unready = {
        let db = &s.t.db;
        let used: Vec<i64> = jiugai_store::projects::list(db, &s.state.regions, &Default::default())
            .await
            .unwrap()
            .iter()
            .flat_map(|p| p.estate_ids.clone())
            .collect();
        let e = (1..=30).find(|e| !used.contains(e)).unwrap();
        let np = jiugai_store::projects::NewProject {
            name: "未征询项目".into(),
            estate_ids: vec![e],
            plan_year: 2028,
            investment_fen: 100_000_000,
            ..Default::default()
        };
        jiugai_store::projects::create(db, &np, "test", "test").await.unwrap().id
    };
    let mut county = s.signed_in("ruicheng", Role::County, RUICHENG).await;
    let form = county.get("/plans/new?region=芮城县&year=2028").await;
    assert_eq!(form.status, 200);
    let t = form.text();
    assert!(
        t.contains(&format!("id=\"project-{}\"", ready[0])) && t.contains(&format!("id=\"project-{unready}\"")),
        "{t}"
    );
    let csrf = csrf_in(&t);
    // No year: the form again.
    let r = county.post_form("/plans", &[("csrf", &csrf), ("region", RUICHENG), ("year", "")]).await;
    assert_eq!(r.status, 422);
    let r = county
        .post_form(
            "/plans",
            &[
                ("csrf", &csrf),
                ("region", RUICHENG),
                ("year", "2028"),
                ("project_ids", &ready[0].to_string()),
                ("project_ids", &unready.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let loc = r.location().to_string();
    assert!(loc.starts_with("/plans/") && loc.contains("ok=created"), "{loc}");
    let id: i64 = loc.trim_start_matches("/plans/").split('?').next().unwrap().parse().unwrap();
    let page = county.get(&loc).await.text();
    assert!(page.contains("计划已创建") && page.contains("未征询项目") && page.contains("未通过"), "{page}");
    assert!(page.contains("没有已结束的改造意愿征询"), "{page}");
    // A second plan of the same region and year: refused (409 conflict).
    let r = county.post_form("/plans", &[("csrf", &csrf), ("region", RUICHENG), ("year", "2028")]).await;
    assert_eq!(r.status, 409, "{}", r.text());
    // Submitting is refused while the check fails; the page names the estate.
    let v = jiugai_store::plans::get(&s.t.db, id).await.unwrap().version.to_string();
    let r = county.post_form(&format!("/plans/{id}/submit"), &[("csrf", &csrf), ("version", &v)]).await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("检查未通过"), "{}", r.text());
    // Removing the project fixes it; the submission passes.
    let r = county
        .post_form(
            &format!("/plans/{id}/projects"),
            &[("csrf", &csrf), ("version", &v), ("project_id", &unready.to_string()), ("add", "0")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let v = jiugai_store::plans::get(&s.t.db, id).await.unwrap().version.to_string();
    let r = county.post_form(&format!("/plans/{id}/submit"), &[("csrf", &csrf), ("version", &v)]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(jiugai_store::plans::get(&s.t.db, id).await.unwrap().status, jiugai_domain::PlanStatus::Submitted);
}

#[tokio::test]
async fn export_xlsx_totals_equal_the_plan_and_print_page() {
    let s = Server::demo().await;
    let id = demo_plan(&s).await;
    let mut county = s.signed_in("ruicheng", Role::County, RUICHENG).await;
    let r = county.get(&format!("/plans/{id}/export.xlsx")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.header("content-type").unwrap().contains("spreadsheetml"));
    assert!(r.header("content-disposition").unwrap().contains("attachment"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.xlsx");
    std::fs::write(&path, &r.body).unwrap();
    let totals = jiugai_sheet::plan_sheet::read_plan_totals(&path).unwrap();
    let plan = jiugai_store::plans::get(&s.t.db, id).await.unwrap();
    let lines = jiugai_store::plans::lines(&s.t.db, &plan).await.unwrap();
    assert_eq!(totals.rows, lines.len());
    assert_eq!(totals.households, lines.iter().map(|l| l.households).sum::<i64>());
    assert_eq!(totals.area_dm2, lines.iter().map(|l| l.area_dm2).sum::<i64>());
    assert_eq!(totals.investment_fen, lines.iter().map(|l| l.investment_fen).sum::<i64>());
    assert_eq!(totals.investment_fen, 210_500_000);
    assert_eq!((totals.detail_households, totals.detail_investment_fen), (totals.households, totals.investment_fen));
    // The printable page: the title, the table, no navigation.
    let p = county.get(&format!("/plans/{id}/print")).await.text();
    assert!(
        p.contains("山西省运城市芮城县2027年城镇老旧小区改造计划") && p.contains("合计") && p.contains("210.50"),
        "{p}"
    );
    assert!(!p.contains("<nav>"), "{p}");
}
