//! Monthly reports over HTTP, on the backend `JIUGAI_TEST_DATABASE_URL` names: a city (运城市) of two
//! counties (芮城县, 盐湖区) that submit through the API and the page, a return with a reason and a
//! resubmission, the city approving each, the city's JSON and page totals equal to the sum of the
//! counties' approved reports figure by figure, a later payment shown as a difference and not applied,
//! a reopen by the level above and the corrected month; a county refused approving its own report (403)
//! and answered 404 for another county's region exactly as for an unknown one; the xlsx downloaded from
//! the web read back equal to the JSON; completeness listing the late children; typed figures.

use crate::support;

use jiugai_domain::FundSource;
use jiugai_store::funds::{self, AllocationLine, NewDocument, NewPayment};
use jiugai_store::projects::{self, NewProject};
use jiugai_store::reports::{FIGURES, column_of};
use jiugai_store::testing::execute;
use jiugai_store::users::Role;
use serde_json::{Value, json};
use support::{Client, Resp, Server};

pub const RUICHENG: &str = "140830";
pub const YANHU: &str = "140802";
pub const CITY: &str = "1408";
pub const M: &str = "2026-10";
const WAN: i64 = 1_000_000;

async fn moved(s: &Server, pid: i64, to: &str, at: &str) {
    let db = &s.t.db;
    execute(db, &format!("UPDATE projects SET stage = '{to}' WHERE id = {pid}")).await;
    execute(db, &format!("INSERT INTO project_moves (project_id, from_stage, to_stage, from_year, to_year, reason, actor, at) VALUES ({pid}, 'planning', '{to}', 2026, 2026, 't', 't', '{at}')")).await;
}

async fn pay(s: &Server, project_id: i64, fen: i64, on: &str, voucher: &str) {
    let p = NewPayment {
        project_id,
        source: Some(FundSource::Central),
        amount_fen: fen,
        paid_on: on.into(),
        payee: "施工单位".into(),
        voucher: voucher.into(),
        item_id: None,
    };
    funds::pay(&s.t.db, &p, "test", "test").await.unwrap();
}

/// 芮城县: project A on estates 1 and 2, started and completed in October, paid 120.5万 (+1 fen) in October.
/// 盐湖区 (estates 4 and 5 moved there): project B started in October, paid nothing.
pub async fn setup(s: &Server) -> (i64, i64) {
    let db = &s.t.db;
    execute(db, &format!("UPDATE estates SET region_code = '{YANHU}', street_code = NULL WHERE id IN (4, 5)")).await;
    let new = |name: &str, ids: Vec<i64>| NewProject {
        name: name.into(),
        estate_ids: ids,
        plan_year: 2026,
        investment_fen: 300 * WAN,
        ..Default::default()
    };
    let a = projects::create(db, &new("芮城华泰北路片区改造", vec![1, 2]), "test", "test").await.unwrap().id;
    let b = projects::create(db, &new("盐湖区老街改造", vec![4, 5]), "test", "test").await.unwrap().id;
    moved(s, a, "implementation", "2026-10-05T02:00:00.000Z").await;
    moved(s, a, "completed", "2026-10-20T02:00:00.000Z").await;
    moved(s, b, "implementation", "2026-10-12T02:00:00.000Z").await;
    let doc = NewDocument {
        doc_no: "运财建〔2026〕8号".into(),
        issued_on: "2026-10-02".into(),
        issuer_code: CITY.into(),
        source: FundSource::Central,
        note: String::new(),
    };
    let line = |p: i64, fen: i64| AllocationLine {
        project_id: Some(p),
        region_code: None,
        amount_fen: fen,
        note: String::new(),
        row: None,
    };
    funds::allocate(db, &s.state.regions, &doc, &[line(a, 200 * WAN), line(b, 80 * WAN)], "test", "test")
        .await
        .unwrap();
    pay(s, a, 120 * WAN + WAN / 2 + 1, "2026-10-15", "记-1015").await;
    (a, b)
}

async fn with_csrf(s: &Server, name: &str, role: Role, scope: &str) -> (Client, String) {
    let mut c = s.signed_in(name, role, scope).await;
    let csrf = c.csrf().await;
    c.headers.push(("X-CSRF-Token".into(), csrf.clone()));
    (c, csrf)
}

async fn post_json(c: &mut Client, path: &str, v: &Value) -> Resp {
    c.request("POST", path, Some("application/json"), v.to_string().as_bytes()).await
}

async fn report(c: &mut Client, region: &str) -> Value {
    let r = c.get(&format!("/api/v1/reports/monthly?region={region}&month={M}")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

async fn act(c: &mut Client, what: &str, region: &str, version: i64, reason: &str) -> Resp {
    post_json(
        c,
        &format!("/api/v1/reports/monthly/{what}"),
        &json!({"region": region, "month": M, "version": version, "reason": reason}),
    )
    .await
}

fn row<'a>(html: &'a str, marker: &str) -> &'a str {
    let i = html.find(marker).unwrap_or_else(|| panic!("{marker} not in {html}"));
    let j = html[i..].find("</tr>").unwrap() + i;
    &html[i..j]
}

#[tokio::test]
async fn counties_submit_the_city_approves_and_its_total_is_their_sum() {
    let s = Server::demo().await;
    let (a, _b) = setup(&s).await;
    let (mut rc, rc_csrf) = with_csrf(&s, "rc", Role::County, RUICHENG).await;
    let (mut yh, yh_csrf) = with_csrf(&s, "yh", Role::County, YANHU).await;
    let (mut city, _) = with_csrf(&s, "yc", Role::Admin, CITY).await;

    // 芮城县's draft, derived as of the month's end.
    let j = report(&mut rc, RUICHENG).await;
    assert_eq!(
        (j["region"].as_str(), j["month"].as_str(), j["state"].as_str()),
        (Some(RUICHENG), Some(M), Some("draft"))
    );
    let t = &j["total"];
    assert_eq!((t["projects_started_month"].as_i64(), t["projects_completed_month"].as_i64()), (Some(1), Some(1)));
    assert_eq!((t["estates_completed_ytd"].as_i64(), t["paid_month_fen"].as_i64()), (Some(2), Some(120_500_001)));
    assert_eq!(t["central_allocated_fen"].as_i64(), Some(200 * WAN));
    assert_eq!(j["due_on"], "2026-11-05");
    assert!(j["due_source"].as_str().unwrap().contains("本系统默认值"), "{j}");
    assert_eq!(j["may"]["submit"], true);
    assert_eq!(j["may"]["approve"], false);

    // Typed figures, marked as such on the page; the money in 万元 exactly (120.500001).
    let r = post_json(
        &mut rc,
        "/api/v1/reports/monthly/typed",
        &json!({"region": RUICHENG, "month": M, "version": 0, "typed": {"jobs_created": 35, "remarks": "雨季停工3天"}}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!((r.json()["version"].as_i64(), r.json()["typed"]["jobs_created"].as_i64()), (Some(1), Some(35)));
    let page = rc.get(&format!("/reports/monthly?region={RUICHENG}&month={M}")).await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("填报数") && html.contains("雨季停工3天") && html.contains("value=\"35\""), "{html}");
    assert!(row(&html, "id=\"report-total\"").contains("<th class=\"num\">120.500001</th>"), "{html}");
    assert!(html.contains("id=\"report-submit\"") && !html.contains("id=\"report-approve\""), "{html}");

    // 芮城县 submits through the API; it may not approve its own report.
    let r = act(&mut rc, "submit", RUICHENG, 1, "").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!((r.json()["state"].as_str(), r.json()["version"].as_i64()), (Some("submitted"), Some(2)));
    let r = act(&mut rc, "approve", RUICHENG, 2, "").await;
    assert_eq!((r.status, r.json()["error"]["code"].as_str()), (403, Some("not_reviewer")), "{}", r.text());
    // Another county's region answers 404 exactly like an unknown one, to read and to act.
    let unknown = rc.get(&format!("/api/v1/reports/monthly?region=999999&month={M}")).await;
    let other = rc.get(&format!("/api/v1/reports/monthly?region={YANHU}&month={M}")).await;
    assert_eq!((unknown.status, other.status), (404, 404));
    assert_eq!(unknown.json()["error"], other.json()["error"]);
    assert_eq!(act(&mut rc, "submit", YANHU, 0, "").await.status, 404);
    assert_eq!(rc.get(&format!("/reports/monthly?region={YANHU}&month={M}")).await.status, 404);
    assert_eq!(rc.get(&format!("/api/v1/reports/monthly/export?region={YANHU}&month={M}")).await.status, 404);
    // The city may not submit a county's report (only its own office does).
    let r = act(&mut city, "submit", YANHU, 0, "").await;
    assert_eq!((r.status, r.json()["error"]["code"].as_str()), (403, Some("not_report_owner")), "{}", r.text());

    // 盐湖区 submits through the page form.
    let r = yh
        .post_form("/reports/monthly/submit", &[("csrf", &yh_csrf), ("region", YANHU), ("month", M), ("version", "0")])
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(r.location().starts_with(&format!("/reports/monthly?region={YANHU}&month={M}&ok=submit")));
    // The city returns it: without a reason refused, with one returned; 盐湖区 sees the reason and resubmits.
    let r = act(&mut city, "return", YANHU, 1, "  ").await;
    assert_eq!(r.status, 422, "{}", r.text());
    let r = act(&mut city, "return", YANHU, 1, "投资完成数与财政支付台账不符").await;
    assert_eq!((r.status, r.json()["state"].as_str()), (200, Some("returned")), "{}", r.text());
    let html = yh.get(&format!("/reports/monthly?region={YANHU}&month={M}")).await.text();
    assert!(html.contains("投资完成数与财政支付台账不符") && html.contains("id=\"report-submit\""), "{html}");
    let r = act(&mut yh, "submit", YANHU, 2, "").await;
    assert_eq!((r.status, r.json()["state"].as_str()), (200, Some("submitted")), "{}", r.text());

    // The city approves each: through the API, and through the page's form.
    let j = report(&mut city, RUICHENG).await;
    assert_eq!(j["may"]["approve"], true);
    let r = act(&mut city, "approve", RUICHENG, j["version"].as_i64().unwrap(), "").await;
    assert_eq!((r.status, r.json()["state"].as_str()), (200, Some("approved")), "{}", r.text());
    let page = city.get(&format!("/reports/monthly?region={YANHU}&month={M}")).await.text();
    assert!(page.contains("id=\"report-approve\"") && !page.contains("id=\"report-submit\""), "{page}");
    let csrf = support::csrf_in(&page);
    let r = city
        .post_form("/reports/monthly/approve", &[("csrf", &csrf), ("region", YANHU), ("month", M), ("version", "3")])
        .await;
    assert_eq!(r.status, 303, "{}", r.text());

    // The city's report: one row per county, each its approved report; the total is their sum.
    let rcj = report(&mut city, RUICHENG).await;
    let yhj = report(&mut city, YANHU).await;
    let cj = report(&mut city, CITY).await;
    let rows = cj["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{cj}");
    assert!(rows.iter().all(|r| r["state"] == "approved"), "{cj}");
    for (k, ..) in FIGURES {
        let sum = rcj["total"][*k].as_i64().unwrap() + yhj["total"][*k].as_i64().unwrap();
        let of = |code: &str| rows.iter().find(|r| r["region"] == code).unwrap()["figures"][*k].as_i64().unwrap();
        assert_eq!(of(RUICHENG), rcj["total"][*k].as_i64().unwrap(), "{k}");
        assert_eq!(of(YANHU), yhj["total"][*k].as_i64().unwrap(), "{k}");
        if *k != "target_estates" {
            assert_eq!(cj["total"][*k].as_i64().unwrap(), sum, "{k}");
        }
    }
    assert_eq!(cj["total"]["projects_started_month"].as_i64(), Some(2));
    assert_eq!(cj["total"]["allocated_total_fen"].as_i64(), Some(280 * WAN));
    // The page shows the same: each county approved, the total in 万元 with separators, right-aligned.
    let html = city.get(&format!("/reports/monthly?region={CITY}&month={M}")).await.text();
    assert!(row(&html, &format!("data-region=\"{RUICHENG}\"")).contains("已审核"), "{html}");
    let total = row(&html, "id=\"report-total\"");
    assert!(
        total.contains("<th class=\"num\">280.00</th>") && total.contains("<th class=\"num\">120.500001</th>"),
        "{total}"
    );
    assert!(html.contains("colspan=\"6\" class=\"group\">投资与资金（万元）"), "{html}");
    assert!(html.contains("id=\"report-submit\""), "the city submits its own report to the province");

    // The xlsx downloaded from the web reads back equal to the JSON, row by row and the 合计 row.
    let x = city.get(&format!("/api/v1/reports/monthly/export?region={CITY}&month={M}")).await;
    assert_eq!(x.status, 200);
    assert!(x.header("content-type").unwrap().contains("spreadsheetml"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.xlsx");
    std::fs::write(&path, &x.body).unwrap();
    let units: Vec<_> = FIGURES.iter().map(|(k, ..)| column_of(k).1).collect();
    let back = jiugai_sheet::report_sheet::read_report_rows(&path, &units).unwrap();
    assert_eq!(back.len(), rows.len() + 1);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(back[i].0, r["name"].as_str().unwrap());
        for (n, (k, ..)) in FIGURES.iter().enumerate() {
            assert_eq!(back[i].1[n], r["figures"][*k].as_i64().unwrap(), "{k}");
        }
    }
    let (label, tot) = back.last().unwrap();
    assert_eq!(label, "合计");
    for (n, (k, ..)) in FIGURES.iter().enumerate() {
        assert_eq!(tot[n], cj["total"][*k].as_i64().unwrap(), "{k}");
    }
    // The page's own export link gives the same file's figures.
    let x2 = city.get(&format!("/reports/monthly/export.xlsx?region={CITY}&month={M}")).await;
    assert_eq!(x2.status, 200);

    // A payment dated in October recorded after approval: a difference with its amount, not applied.
    pay(&s, a, 5 * WAN, "2026-10-28", "记-1028").await;
    let j = report(&mut rc, RUICHENG).await;
    assert_eq!(j["total"]["paid_month_fen"].as_i64(), Some(120_500_001));
    let ch = j["changes"].as_array().unwrap();
    assert!(
        ch.iter().any(|c| c["figure"] == "paid_month_fen" && c["then"] == 120_500_001 && c["now"] == 125_500_001),
        "{j}"
    );
    let html = rc.get(&format!("/reports/monthly?region={RUICHENG}&month={M}")).await.text();
    assert!(html.contains("id=\"report-changes\"") && html.contains("+5.00"), "{html}");
    assert!(!html.contains("id=\"report-reopen\""), "the county cannot reopen its own month");
    assert_eq!(report(&mut city, CITY).await["total"]["paid_month_fen"].as_i64(), Some(120_500_001));
    // Typed figures are locked once submitted.
    let r = post_json(
        &mut rc,
        "/api/v1/reports/monthly/typed",
        &json!({"region": RUICHENG, "month": M, "version": j["version"], "typed": {"jobs_created": 1}}),
    )
    .await;
    assert_eq!(r.status, 409, "{}", r.text());

    // The city reopens (reason needed); 芮城县 resubmits the corrected month; the city approves it.
    let v = j["version"].as_i64().unwrap();
    assert_eq!(act(&mut city, "reopen", RUICHENG, v, "").await.status, 422);
    assert_eq!(act(&mut rc, "reopen", RUICHENG, v, "自行更正").await.status, 403);
    let r = act(&mut city, "reopen", RUICHENG, v, "补录10月28日支付").await;
    assert_eq!((r.status, r.json()["state"].as_str()), (200, Some("returned")), "{}", r.text());
    assert_eq!(r.json()["total"]["paid_month_fen"].as_i64(), Some(125_500_001));
    let r = rc
        .post_form(
            "/reports/monthly/submit",
            &[("csrf", &rc_csrf), ("region", RUICHENG), ("month", M), ("version", &(v + 1).to_string())],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    // A stale version is refused with the page again.
    let r = rc
        .post_form(
            "/reports/monthly/submit",
            &[("csrf", &rc_csrf), ("region", RUICHENG), ("month", M), ("version", &(v + 1).to_string())],
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(r.text().contains("id=\"report-error\""));
    assert_eq!(act(&mut city, "approve", RUICHENG, v + 2, "").await.status, 200);
    let cj = report(&mut city, CITY).await;
    assert_eq!(cj["total"]["paid_month_fen"].as_i64(), Some(125_500_001));
    assert!(cj["changes"].as_array().unwrap().is_empty() || cj["state"] == "draft");

    // Completeness: the two counties submitted (late: due 2026-11-05); the others have not, and are late too.
    let today = jiugai_store::projects::today();
    let due = jiugai_rules::Date::parse("2026-11-05").unwrap();
    let late = (today.to_days() - due.to_days()).max(0);
    let c = city.get(&format!("/api/v1/reports/completeness?region={CITY}&month={M}")).await;
    assert_eq!(c.status, 200, "{}", c.text());
    let c = c.json();
    let kids = c["children"].as_array().unwrap();
    let of = |code: &str| kids.iter().find(|k| k["region"] == code).unwrap_or_else(|| panic!("{code} in {c}"));
    assert_eq!(of(RUICHENG)["state"], "approved");
    assert_eq!(of(RUICHENG)["days_late"].as_i64(), Some(late));
    assert!(of(RUICHENG)["submitted_at"].is_string());
    let missing: Vec<&Value> = kids.iter().filter(|k| k["submitted_at"].is_null()).collect();
    assert_eq!(c["missing"].as_u64(), Some(missing.len() as u64));
    assert_eq!(missing.len(), kids.len() - 2, "{c}");
    assert!(missing.iter().all(|k| k["days_late"].as_i64() == Some(late) && k["state"] == "draft"), "{c}");
    let html = city.get(&format!("/reports/completeness?region={CITY}&month={M}")).await.text();
    let other = missing[0]["region"].as_str().unwrap();
    let line = row(&html, &format!("data-region=\"{other}\""));
    assert!(line.contains("未上报"), "{line}");
    if late > 0 {
        assert!(line.contains(&format!("<span class=\"tag overdue\">{late}</span>")), "{line}");
    }
    // Another county's region is 404 for completeness too.
    assert_eq!(rc.get(&format!("/api/v1/reports/completeness?region={YANHU}&month={M}")).await.status, 404);

    // The printable page: title, reporting office, units, signature line.
    let p = city.get(&format!("/reports/monthly/print?region={CITY}&month={M}")).await;
    assert_eq!(p.status, 200);
    let p = p.text();
    for needle in [
        "山西省运城市城镇老旧小区改造月报表（2026年10月）",
        "填报单位",
        "单位：个、户、㎡、万元、件",
        "填报人",
        "审核人",
        "日期",
        "合计",
    ] {
        assert!(p.contains(needle), "{needle} in {p}");
    }
    assert!(row(&p, "id=\"print-total\"").contains("<th class=\"num\">125.500001</th>"), "{p}");

    // Every act is in the audit log, whose chain holds.
    let log =
        jiugai_store::audit::list(&s.t.db, Some(("monthly_report", &format!("{RUICHENG}/{M}"))), 100).await.unwrap();
    let acts: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    for a in ["report.type", "report.submit", "report.approve", "report.reopen"] {
        assert!(acts.contains(&a), "{a} in {acts:?}");
    }
    assert!(jiugai_store::audit::verify(&s.t.db).await.unwrap().first_broken.is_none());
}

#[tokio::test]
async fn defaults_bad_months_and_roles() {
    let s = Server::demo().await;
    setup(&s).await;
    // The default: the caller's scope and the previous month in Beijing time.
    let mut rc = s.signed_in("rc", Role::County, RUICHENG).await;
    let j = rc.get("/api/v1/reports/monthly").await.json();
    assert_eq!(
        (j["region"].as_str(), j["month"].as_str()),
        (Some(RUICHENG), Some(jiugai_web::reports::previous_month().as_str()))
    );
    let html = rc.get("/reports/monthly").await.text();
    assert!(html.contains("<option value=\"140830\" selected>"), "{html}");
    assert!(html.contains("href=\"/reports/monthly\" class=\"on\""), "the nav link: {html}");
    assert_eq!(rc.get("/api/v1/reports/monthly?month=2026-13").await.status, 422);
    assert_eq!(rc.get("/api/v1/reports/monthly?month=2026年10月").await.json()["month"], M);
    // A month not yet over cannot be submitted.
    let csrf = rc.csrf().await;
    rc.headers.push(("X-CSRF-Token".into(), csrf));
    let r = act(&mut rc, "submit", RUICHENG, 0, "").await;
    assert_eq!(r.status, 200, "October is over: {}", r.text());
    let r = post_json(
        &mut rc,
        "/api/v1/reports/monthly/submit",
        &json!({"region": RUICHENG, "month": "2099-01", "version": 0}),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text());
    // An auditor reads but may not submit; a contractor may not read reports at all.
    let mut au = s.signed_in("au", Role::Auditor, CITY).await;
    assert_eq!(au.get(&format!("/api/v1/reports/monthly?region={RUICHENG}&month={M}")).await.status, 200);
    let csrf = au.csrf().await;
    au.headers.push(("X-CSRF-Token".into(), csrf));
    assert_eq!(act(&mut au, "submit", CITY, 0, "").await.status, 403);
    let mut ct = s.signed_in("ct", Role::Contractor, RUICHENG).await;
    assert_eq!(ct.get(&format!("/api/v1/reports/monthly?region={RUICHENG}&month={M}")).await.status, 403);
    // The OpenAPI document lists the report routes.
    let doc = s.client().get("/api/v1/openapi.json").await.json();
    for p in ["/reports/monthly", "/reports/monthly/submit", "/reports/completeness", "/reports/monthly/export"] {
        assert!(doc["paths"][p].is_object(), "{p}");
    }
}
