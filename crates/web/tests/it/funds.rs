//! Money by source over HTTP, on the backend `JIUGAI_TEST_DATABASE_URL` names: the project's money page in
//! 万元 with its forms, a payment one fen over the allocation refused (422 over_allocation) with nothing
//! changed, a reversal shown as such, the central subsidy moved only with a decision (ring_fenced, with
//! its clause), another county's project answering 404, an auditor who reads but cannot pay (403), the API
//! summary equal to the sum of its projects, and an allocation table whose dry run lists the bad row and
//! stores nothing until the confirmation stores it.

use crate::support;

use jiugai_domain::FundSource;
use jiugai_store::funds::{self, AllocationLine, NewDocument};
use jiugai_store::projects::{self, NewProject};
use jiugai_store::testing::execute;
use jiugai_store::users::Role;
use serde_json::{Value, json};
use support::{Client, Resp, Server, csrf_in};

const RUICHENG: &str = "140830";
const GUWEI: &str = "140830100"; // 古魏镇
const FENGLING: &str = "140830101"; // 风陵渡镇
const YANHU: &str = "140802"; // 盐湖区: another county
const WAN: i64 = 1_000_000;

/// Two projects of 芮城县: A on estates 1 and 2 (古魏镇), B on estate 3 (风陵渡镇).
async fn two_projects(s: &Server) -> (i64, i64) {
    let db = &s.t.db;
    execute(db, &format!("UPDATE estates SET street_code = '{GUWEI}' WHERE id IN (1, 2)")).await;
    execute(db, &format!("UPDATE estates SET street_code = '{FENGLING}' WHERE id = 3")).await;
    let new = |name: &str, ids: Vec<i64>| NewProject {
        name: name.into(),
        estate_ids: ids,
        plan_year: 2026,
        investment_fen: 300 * WAN,
        ..Default::default()
    };
    let a = projects::create(db, &new("华泰北路片区改造", vec![1, 2]), "county", "test").await.unwrap().id;
    let b = projects::create(db, &new("风陵渡老街改造", vec![3]), "county", "test").await.unwrap().id;
    (a, b)
}

/// Central subsidy allocated by 芮城县 to the projects (万元 each).
async fn allocate(s: &Server, no: &str, lines: &[(i64, i64)]) -> i64 {
    let doc = NewDocument {
        doc_no: no.into(),
        issued_on: "2026-03-01".into(),
        issuer_code: RUICHENG.into(),
        source: FundSource::Central,
        note: String::new(),
    };
    let lines: Vec<AllocationLine> = lines
        .iter()
        .map(|(p, wan)| AllocationLine {
            project_id: Some(*p),
            region_code: None,
            amount_fen: wan * WAN,
            note: String::new(),
            row: None,
        })
        .collect();
    funds::allocate(&s.t.db, &s.state.regions, &doc, &lines, "test", "test").await.unwrap()
}

async fn post_json(c: &mut Client, path: &str, v: &Value) -> Resp {
    c.request("POST", path, Some("application/json"), v.to_string().as_bytes()).await
}

/// A signed-in client that sends its CSRF token on API writes.
async fn with_csrf(s: &Server, name: &str, role: Role, scope: &str) -> (Client, String) {
    let mut c = s.signed_in(name, role, scope).await;
    let csrf = c.csrf().await;
    c.headers.push(("X-CSRF-Token".into(), csrf.clone()));
    (c, csrf)
}

async fn audit_len(s: &Server) -> usize {
    jiugai_store::audit::list(&s.t.db, None, 100_000).await.unwrap().len()
}

fn row<'a>(html: &'a str, marker: &str) -> &'a str {
    let i = html.find(marker).unwrap_or_else(|| panic!("{marker} not in {html}"));
    let j = html[i..].find("</tr>").unwrap() + i;
    &html[i..j]
}

#[tokio::test]
async fn project_money_page_in_wan_payment_one_fen_over_refused_and_reversal() {
    let s = Server::demo().await;
    let (a, _) = two_projects(&s).await;
    let (mut c, csrf) = with_csrf(&s, "wangfang", Role::County, RUICHENG).await;
    // The plan as people type it, through the form.
    let r = c
        .post_form(
            &format!("/projects/{a}/funds/plan"),
            &[("csrf", &csrf), ("source", "central"), ("amount", "120.5万")],
        )
        .await;
    assert_eq!((r.status, r.location()), (303, format!("/projects/{a}/funds?done=plan").as_str()), "{}", r.text());
    let r = c
        .post_form(
            &format!("/projects/{a}/funds/plan"),
            &[("csrf", &csrf), ("source", "省级补助资金"), ("amount", "１２,３４５.６万")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    allocate(&s, "芮财建〔2026〕1号", &[(a, 100)]).await;
    // Through the page: 60万 paid.
    let r = c
        .post_form(
            &format!("/projects/{a}/funds/payments"),
            &[
                ("csrf", &csrf),
                ("source", "central"),
                ("amount", "600,000元"),
                ("paid_on", "2026-04-01"),
                ("payee", "芮城县建筑工程有限公司"),
                ("voucher", "记-0401"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let page = c.get(&format!("/projects/{a}/funds")).await;
    assert_eq!(page.status, 200);
    let t = page.text();
    let central = row(&t, "data-source=\"central\"");
    for v in ["120.50", "100.00", "60.00", "40.00", "60.00%"] {
        assert!(central.contains(&format!(">{v}<")), "{v} in {central}");
    }
    assert!(row(&t, "data-source=\"provincial\"").contains(">12,345.60<"), "{t}");
    assert!(row(&t, "data-source=\"total\"").contains(">12,466.10<"), "{t}");
    assert!(t.contains("id=\"pay-form\"") && t.contains("id=\"move-form\"") && t.contains("600,000.00"), "{t}");
    // The county-remainder rule of Ruicheng with its clause.
    assert!(t.contains("county_pays_remainder") && t.contains("001 三(二)"), "{t}");
    // One fen over what is left (40万): refused, nothing changed.
    let before = (funds::project_figures(&s.t.db, a).await.unwrap(), audit_len(&s).await);
    let body = json!({"source": "central", "amount": "400,000.01元", "paid_on": "2026-04-02", "payee": "芮城县建筑工程有限公司", "voucher": "记-0402"});
    let r = post_json(&mut c, &format!("/api/v1/projects/{a}/funds/payments"), &body).await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "over_allocation", "{}", r.text());
    let r = c
        .post_form(
            &format!("/projects/{a}/funds/payments"),
            &[
                ("csrf", &csrf),
                ("source", "central"),
                ("amount", "40.000001万"),
                ("paid_on", "2026-04-02"),
                ("payee", "芮城县建筑工程有限公司"),
                ("voucher", "记-0402"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("id=\"funds-error\"") && r.text().contains("40.000001万"), "{}", r.text());
    assert_eq!((funds::project_figures(&s.t.db, a).await.unwrap(), audit_len(&s).await), before);
    // Exactly what is left passes.
    let body = json!({"source": "central", "amount": 400000, "paid_on": "2026-04-02", "payee": "芮城县建筑工程有限公司", "voucher": "记-0402"});
    let r = post_json(&mut c, &format!("/api/v1/projects/{a}/funds/payments"), &body).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let paid = r.json();
    assert_eq!(paid["funds"]["by_source"]["central"]["paid_fen"], 100 * WAN);
    assert_eq!(paid["funds"]["by_source"]["central"]["unpaid_fen"], 0);
    // Reversed through the page: the payment stays, a negative entry shows as a reversal.
    let pid = paid["id"].as_i64().unwrap();
    let r = c
        .post_form(
            &format!("/funds/payments/{pid}/reverse"),
            &[("csrf", &csrf), ("project", &a.to_string()), ("reason", "凭证号录错")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let t = c.get(&format!("/projects/{a}/funds")).await.text();
    assert!(row(&t, &format!("id=\"payment-{pid}\"")).contains("已冲销"), "{t}");
    assert!(t.contains("class=\"reversal\"") && t.contains("凭证号录错") && t.contains("-400,000.00"), "{t}");
    assert!(row(&t, "data-source=\"central\"").contains(">60.00<"), "{t}");
    // Twice: refused (409), by the API.
    let r = post_json(&mut c, &format!("/api/v1/funds/payments/{pid}/reverse"), &json!({"reason": "再次"})).await;
    assert_eq!(r.status, 409, "{}", r.text());
    // The API read.
    let v = c.get(&format!("/api/v1/projects/{a}/funds")).await.json();
    assert_eq!(v["by_source"]["central"]["planned_fen"], 120_500_000);
    assert_eq!(v["by_source"]["central"]["payment_rate"], "60.00%");
    assert!(
        v["checks"].as_array().unwrap().iter().any(|c| c["source"].as_str().unwrap().contains("001 三(二)")),
        "{v}"
    );
    // English labels, never keys.
    c.get("/lang?to=en&next=/").await;
    let t = c.get(&format!("/projects/{a}/funds")).await.text();
    assert!(t.contains("Payment rate") && t.contains("Central"), "{t}");
    assert_eq!(funds::reconcile(&s.t.db).await.unwrap(), vec![]);
}

#[tokio::test]
async fn central_money_moves_only_with_a_decision_and_only_in_scope() {
    let s = Server::demo().await;
    let (a, b) = two_projects(&s).await;
    allocate(&s, "芮财建〔2026〕2号", &[(a, 100)]).await;
    let (mut c, csrf) = with_csrf(&s, "wangfang", Role::County, RUICHENG).await;
    let before = (funds::project_figures(&s.t.db, a).await.unwrap(), audit_len(&s).await);
    let body = json!({"from_project": a, "to_project": b, "source": "central", "amount": "10万", "reason": "调剂"});
    let r = post_json(&mut c, "/api/v1/funds/moves", &body).await;
    assert_eq!(r.status, 422, "{}", r.text());
    let e = r.json();
    assert_eq!(e["error"]["code"], "ring_fenced", "{e}");
    assert!(e["error"]["source"].as_str().unwrap().contains("001 三(一)"), "{e}");
    // On the page: the refusal with its clause, next to the form.
    let r = c
        .post_form(
            &format!("/projects/{a}/funds/moves"),
            &[
                ("csrf", &csrf),
                ("to_project", &b.to_string()),
                ("source", "central"),
                ("amount", "10万"),
                ("reason", "调剂"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    let t = r.text();
    assert!(t.contains("id=\"funds-clause\"") && t.contains("专款专用") && t.contains("001 三(一)"), "{t}");
    assert_eq!((funds::project_figures(&s.t.db, a).await.unwrap(), audit_len(&s).await), before);
    // With decision, reason and approver it moves.
    let body = json!({"from_project": a, "to_project": b, "source": "central", "amount": "10万", "decision_no": "芮旧改办〔2026〕3号", "reason": "乙项目先行开工", "approver": "芮城县财政局"});
    let r = post_json(&mut c, "/api/v1/funds/moves", &body).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    assert_eq!(v["from"]["by_source"]["central"]["allocated_fen"], 90 * WAN);
    assert_eq!(v["to"]["by_source"]["central"]["allocated_fen"], 10 * WAN);
    // A street user of 古魏镇 sees A but not B: moving to B answers 404, as for no project at all.
    let (mut st, st_csrf) = with_csrf(&s, "guwei", Role::Street, GUWEI).await;
    let body = json!({"from_project": a, "to_project": b, "source": "central", "amount": "1万", "decision_no": "x", "reason": "y", "approver": "z"});
    assert_eq!(post_json(&mut st, "/api/v1/funds/moves", &body).await.status, 404);
    let r = st
        .post_form(
            &format!("/projects/{a}/funds/moves"),
            &[
                ("csrf", &st_csrf),
                ("to_project", &b.to_string()),
                ("source", "central"),
                ("amount", "1万"),
                ("decision_no", "x"),
                ("reason", "y"),
                ("approver", "z"),
            ],
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(st.get(&format!("/projects/{b}/funds")).await.status, 404);
    assert_eq!(funds::reconcile(&s.t.db).await.unwrap(), vec![]);
}

#[tokio::test]
async fn another_county_gets_404_and_an_auditor_reads_but_cannot_pay() {
    let s = Server::demo().await;
    let (a, _) = two_projects(&s).await;
    allocate(&s, "芮财建〔2026〕3号", &[(a, 100)]).await;
    assert!(s.state.regions.get(YANHU).is_some());
    let (mut other, csrf) = with_csrf(&s, "yanhu", Role::County, YANHU).await;
    let missing = other.get("/projects/99999/funds").await;
    let r = other.get(&format!("/projects/{a}/funds")).await;
    assert_eq!((r.status, r.text()), (404, missing.text()));
    assert_eq!(other.get(&format!("/api/v1/projects/{a}/funds")).await.status, 404);
    let body =
        json!({"source": "central", "amount": "1万", "paid_on": "2026-04-02", "payee": "某公司", "voucher": "V"});
    assert_eq!(post_json(&mut other, &format!("/api/v1/projects/{a}/funds/payments"), &body).await.status, 404);
    let r = other
        .post_form(&format!("/projects/{a}/funds/plan"), &[("csrf", &csrf), ("source", "central"), ("amount", "1万")])
        .await;
    assert_eq!(r.status, 404);
    let r = other.get(&format!("/api/v1/funds/summary?region={RUICHENG}")).await;
    assert_eq!(r.status, 422, "a region outside the scope is refused: {}", r.text());
    let own = other.get("/api/v1/funds/summary").await.json();
    assert_eq!(own["region"], YANHU);
    assert_eq!(own["by_source"], json!({}));
    // The auditor of 芮城县 reads the page (no forms) and the API, and cannot pay.
    let (mut au, au_csrf) = with_csrf(&s, "shenji", Role::Auditor, RUICHENG).await;
    let before = (funds::project_figures(&s.t.db, a).await.unwrap(), audit_len(&s).await);
    let t = au.get(&format!("/projects/{a}/funds")).await.text();
    assert!(t.contains("id=\"funds-by-source\"") && !t.contains("id=\"pay-form\"") && !t.contains("/reverse"), "{t}");
    assert_eq!(au.get(&format!("/api/v1/projects/{a}/funds")).await.status, 200);
    assert_eq!(post_json(&mut au, &format!("/api/v1/projects/{a}/funds/payments"), &body).await.status, 403);
    let r = au
        .post_form(
            &format!("/projects/{a}/funds/payments"),
            &[
                ("csrf", &au_csrf),
                ("source", "central"),
                ("amount", "1万"),
                ("paid_on", "2026-04-02"),
                ("payee", "某公司"),
                ("voucher", "V"),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(au.get("/funds/allocations/new").await.status, 403);
    assert_eq!((funds::project_figures(&s.t.db, a).await.unwrap(), audit_len(&s).await), before);
    // A contractor sees no money.
    let mut k = s.signed_in("builder", Role::Contractor, RUICHENG).await;
    assert_eq!(k.get("/funds").await.status, 403);
}

#[tokio::test]
async fn api_summary_is_the_sum_of_its_projects_and_the_page_drills_down() {
    let s = Server::demo().await;
    let (a, b) = two_projects(&s).await;
    let (mut c, _) = with_csrf(&s, "wangfang", Role::County, RUICHENG).await;
    for (p, src, amt) in
        [(a, "central", "120万"), (a, "county", "80万"), (b, "central", "60万"), (b, "resident_direct", "15万")]
    {
        let r = post_json(&mut c, &format!("/api/v1/projects/{p}/funds/plan"), &json!({"source": src, "amount": amt}))
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    allocate(&s, "芮财建〔2026〕4号", &[(a, 100), (b, 50)]).await;
    for (p, amt, v) in [(a, "70万", "V1"), (b, "20万", "V2")] {
        let body =
            json!({"source": "central", "amount": amt, "paid_on": "2026-04-02", "payee": "某公司", "voucher": v});
        assert_eq!(post_json(&mut c, &format!("/api/v1/projects/{p}/funds/payments"), &body).await.status, 201);
    }
    let sum = c.get(&format!("/api/v1/funds/summary?region={RUICHENG}&year=2026")).await.json();
    assert_eq!(sum["region"], RUICHENG);
    let mut expect = std::collections::BTreeMap::<String, [i64; 3]>::new();
    for p in [a, b] {
        let v = c.get(&format!("/api/v1/projects/{p}/funds")).await.json();
        for (src, f) in v["by_source"].as_object().unwrap() {
            let e = expect.entry(src.clone()).or_default();
            e[0] += f["planned_fen"].as_i64().unwrap();
            e[1] += f["allocated_fen"].as_i64().unwrap();
            e[2] += f["paid_fen"].as_i64().unwrap();
        }
    }
    assert_eq!(expect["central"], [180 * WAN, 150 * WAN, 90 * WAN]);
    for (src, [pl, al, pd]) in &expect {
        let f = &sum["by_source"][src];
        assert_eq!(
            (f["planned_fen"].as_i64(), f["allocated_fen"].as_i64(), f["paid_fen"].as_i64()),
            (Some(*pl), Some(*al), Some(*pd)),
            "{src}: {sum}"
        );
    }
    // The children (streets) add up to the region.
    let kids = sum["children"].as_array().unwrap();
    assert_eq!(kids.len(), 2, "{sum}");
    let paid: i64 = kids.iter().map(|k| k["by_source"]["central"]["paid_fen"].as_i64().unwrap_or(0)).sum();
    assert_eq!(paid, 90 * WAN);
    assert_eq!(sum["projects"], 2);
    // Another year: nothing.
    let none = c.get(&format!("/api/v1/funds/summary?region={RUICHENG}&year=2025")).await.json();
    assert_eq!(none["projects"], 0);
    // The page: central apart, children linked down, the chart's data, the projects.
    let t = c.get(&format!("/funds?region={RUICHENG}")).await.text();
    assert!(t.contains("id=\"funds-central\"") && t.contains(">150.00<") && t.contains(">90.00<"), "{t}");
    assert!(t.contains(&format!("href=\"/funds?region={GUWEI}&amp;year=\"")), "{t}");
    assert!(t.contains("id=\"chart-data\"") && t.contains("/static/echarts.min.js"), "{t}");
    assert!(t.contains(&format!("href=\"/projects/{a}/funds\"")), "{t}");
    let t = c.get(&format!("/funds?region={GUWEI}")).await.text();
    assert!(t.contains("华泰北路片区改造") && !t.contains("风陵渡老街改造"), "{t}");
}

#[tokio::test]
async fn allocation_upload_dry_run_lists_the_bad_row_and_stores_nothing_until_confirmed() {
    let s = Server::demo().await;
    let (a, b) = two_projects(&s).await;
    let (mut c, csrf) = with_csrf(&s, "wangfang", Role::County, RUICHENG).await;
    let form = c.get("/funds/allocations/new").await;
    assert_eq!(form.status, 200);
    assert!(form.text().contains("id=\"upload-form\""));
    let fields =
        [("doc_no", "芮财建〔2026〕9号"), ("source", "central"), ("issued_on", "2026-03-05"), ("issuer", "芮城县")];
    let bad =
        "2026年中央补助资金下达表\n项目名称,金额（万元）,备注\n华泰北路片区改造,50,\n不存在的小区改造,10,\n合计,60,\n";
    let before = audit_len(&s).await;
    let r = c.post_multipart(&format!("/funds/allocations?csrf={csrf}"), &fields, "下达表.csv", bad.as_bytes()).await;
    assert_eq!(r.status, 422, "{}", r.text());
    let t = r.text();
    let errors = &t[t.find("id=\"preview-errors\"").expect("errors table")..];
    assert!(errors.contains(">4<") && errors.contains("项目名称") && errors.contains("不存在的小区改造"), "{t}");
    assert!(!t.contains("id=\"confirm-form\""), "{t}");
    assert_eq!(audit_len(&s).await, before);
    assert!(funds::project_figures(&s.t.db, a).await.unwrap().is_empty());
    // A good table: previewed, still nothing stored.
    let good = "项目名称,金额（万元）,备注\n华泰北路片区改造,50,\n风陵渡老街改造,\"300,000元\",按元填写\n合计,80,\n";
    let r = c.post_multipart(&format!("/funds/allocations?csrf={csrf}"), &fields, "下达表.csv", good.as_bytes()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let t = r.text();
    assert!(t.contains("id=\"confirm-form\"") && t.contains(">80.00<") && t.contains("300,000.00"), "{t}");
    assert_eq!(audit_len(&s).await, before);
    // The confirmation sends the previewed bytes back.
    let hidden = |name: &str| {
        let key = format!("name=\"{name}\" value=\"");
        let i = t.find(&key).unwrap() + key.len();
        t[i..].split('"').next().unwrap().to_string()
    };
    let (hex, csrf2) = (hidden("file_hex"), csrf_in(&t));
    let confirm: Vec<(&str, String)> = vec![
        ("doc_no", hidden("doc_no")),
        ("source", hidden("source")),
        ("issued_on", hidden("issued_on")),
        ("issuer", hidden("issuer")),
        ("file_name", hidden("file_name")),
        ("file_hex", hex),
        ("confirm", "1".into()),
    ];
    let pairs: Vec<(&str, &str)> = confirm.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = c.post_multipart(&format!("/funds/allocations?csrf={csrf2}"), &pairs, "", b"").await;
    assert_eq!(r.status, 303, "{}", r.text());
    let doc = r.location().to_string();
    assert!(doc.starts_with("/funds/allocations/"), "{doc}");
    let fa = funds::project_figures(&s.t.db, a).await.unwrap();
    let fb = funds::project_figures(&s.t.db, b).await.unwrap();
    assert_eq!((fa[&FundSource::Central].allocated_fen, fb[&FundSource::Central].allocated_fen), (50 * WAN, 30 * WAN));
    let t = c.get(&doc).await.text();
    assert!(t.contains("芮财建〔2026〕9号") && t.contains(">80.00<") && t.contains("中央"), "{t}");
    // Again: the same 文号 is refused, nothing added.
    let r = c.post_multipart(&format!("/funds/allocations?csrf={csrf2}"), &pairs, "", b"").await;
    assert_eq!(r.status, 409, "{}", r.text());
    // Another county does not see the document.
    let mut other = s.signed_in("yanhu", Role::County, YANHU).await;
    assert_eq!(other.get(&doc).await.status, 404);
}
