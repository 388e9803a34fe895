//! Every route × every role × inside/outside scope, from `access::ROUTES` (the same table the guard
//! enforces): an estate outside the scope answers 404 exactly like one that does not exist, a role that
//! may not act gets 403, auditors change nothing, and nobody signed out gets anything but the sign-in.

use crate::support;

use jiugai_store::users::Role;
use jiugai_web::access::{Action, ROUTES, can};
use serde_json::json;
use support::{Client, Resp, Server};

const INSIDE: &str = "140830"; // 芮城县: the 30 demo estates

/// A one-household roster with a room no other call used (an import refuses rooms already registered).
fn roster() -> Vec<u8> {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("楼栋,房号,面积,业主姓名\n9,{n},60,矩阵\n").into_bytes()
}
const OUTSIDE: &str = "1404"; // 长治市

/// Sample ids for the routes' path parameters.
struct Ids {
    aid: i64,
    row: i64,
    did: i64,
    iid: i64,
    /// A consultation of estate 1, a household, a disputed paper form, a one-time code.
    cid: i64,
    hid: i64,
    pid: i64,
    /// A pending request to void a counted (assisted) ballot.
    vid: i64,
    code: String,
    /// A complaint about project 1 (routed to 芮城县: inside) and its tracking number.
    complaint: i64,
    no: String,
}

async fn call(s: &Server, c: &mut Client, method: &str, route: &str, ids: &Ids) -> Resp {
    let path = route
        .replace("{id}", "1")
        .replace("{aid}", &ids.aid.to_string())
        .replace("{file}", if route.starts_with("/static/geo/") { "140830.json" } else { "app.css" })
        .replace("{row}", &ids.row.to_string())
        .replace("{did}", &ids.did.to_string())
        .replace("{iid}", &ids.iid.to_string())
        .replace("{key}", "survey")
        .replace("{cid}", &if route.contains("/complaints") { ids.complaint } else { ids.cid }.to_string())
        .replace("{hid}", &ids.hid.to_string())
        .replace("{pid}", &ids.pid.to_string())
        .replace("{vid}", &ids.vid.to_string())
        .replace("{code}", &ids.code)
        .replace("{no}", &ids.no);
    let signed_in = c.cookies.contains_key("jg_session");
    let csrf = if signed_in { c.csrf().await } else { String::new() };
    let version = jiugai_store::estates::get(&s.t.db, 1).await.unwrap().version.to_string();
    let csv = "小区名称,户数\n矩阵测试小区,12\n".as_bytes();
    match (method, route) {
        ("GET", _) => c.get(&path).await,
        ("POST", "/estates/{id}/attachments") => {
            c.post_multipart(&format!("{path}?csrf={csrf}"), &[], "a.pdf", b"%PDF-1.4 x").await
        }
        ("POST", "/api/v1/estates/{id}/attachments") => {
            c.headers.push(("X-CSRF-Token".into(), csrf));
            let r = c.request("POST", &format!("{path}?filename=a.pdf"), Some("application/pdf"), b"%PDF-1.4 x").await;
            c.headers.pop();
            r
        }
        ("POST", "/imports") => c.post_multipart(&format!("{path}?csrf={csrf}"), &[], "a.csv", csv).await,
        ("POST", "/estates/{id}/consultations/{cid}/paper") => {
            c.post_multipart(&format!("{path}?csrf={csrf}"), &[], "a.txt", b"not a scan").await
        }
        ("POST", "/estates/{id}/households/import") => {
            c.post_multipart(&format!("{path}?csrf={csrf}"), &[], "名册.csv", &roster()).await
        }
        ("POST", "/api/v1/estates/{id}/households/import") => {
            c.headers.push(("X-CSRF-Token".into(), csrf));
            let r = c.request("POST", &format!("{path}?filename=a.csv"), Some("text/csv"), &roster()).await;
            c.headers.pop();
            r
        }
        ("POST", "/projects/{id}/reports" | "/projects/{id}/documents") => {
            c.post_multipart(&format!("{path}?csrf={csrf}"), &[], "a.txt", b"not a photo").await
        }
        ("POST", "/api/v1/imports/estates") => {
            c.headers.push(("X-CSRF-Token".into(), csrf));
            let r = c.request("POST", &format!("{path}?filename=a.csv"), Some("text/csv"), csv).await;
            c.headers.pop();
            r
        }
        ("PUT", _) => {
            c.headers.push(("X-CSRF-Token".into(), csrf));
            let r = c.put_json(&path, &json!({"version": version.parse::<i64>().unwrap(), "households": 77})).await;
            c.headers.pop();
            r
        }
        ("POST", "/report") => {
            c.post_form(&path, &[("project", "1"), ("category", "quality"), ("body", "矩阵测试：单元门关不上")]).await
        }
        ("POST", "/api/v1/complaints") => {
            let body = json!({"project_id": 1, "category": "quality", "body": "矩阵测试：单元门关不上"}).to_string();
            c.request("POST", &path, Some("application/json"), body.as_bytes()).await
        }
        ("POST", "/estates/{id}/edit") => {
            c.post_form(&path, &[("csrf", &csrf), ("version", &version), ("households", "66")]).await
        }
        ("POST", "/account/password") => {
            c.post_form(&path, &[("csrf", &csrf), ("current", "wrong"), ("new", "x"), ("confirm", "y")]).await
        }
        ("POST", _) => c.post_form(&path, &[("csrf", &csrf)]).await,
        _ => unreachable!("{method} {route}"),
    }
}

fn ok(r: &Resp) -> bool {
    r.status < 400 && !r.location().starts_with("/login?")
}

#[tokio::test]
async fn every_route_every_role_inside_and_outside_scope() {
    let s = Server::demo().await;
    let att = jiugai_store::attachments::add(&s.t.db, 1, "a.pdf", "application/pdf", b"%PDF-1.4", "test", "test")
        .await
        .unwrap();
    // Project 1 renovates estate 1 (inside); it has a content row, a document and an issue.
    let db = &s.t.db;
    let np = jiugai_store::projects::NewProject {
        name: "矩阵测试项目".into(),
        estate_ids: vec![1],
        plan_year: 2026,
        investment_fen: 100,
        ..Default::default()
    };
    let p = jiugai_store::projects::create(db, &np, "test", "test").await.unwrap();
    assert_eq!(p.id, 1);
    let prof = jiugai_rules::ProfileSet::builtin().effective("ruicheng").unwrap();
    let item = jiugai_store::projects::items::ItemInput {
        item_id: 1,
        quantity_centi: 100,
        unit: None,
        cost_fen: 100,
        payer: None,
        note: String::new(),
    };
    jiugai_store::projects::items::add_item(db, &prof, 1, 1, &item, "test", "test").await.unwrap();
    let row = jiugai_store::projects::items::items(db, 1).await.unwrap()[0].id;
    let up = jiugai_store::projects::ledger::Upload {
        file_name: "a.pdf",
        content_type: "application/pdf",
        data: b"%PDF-1.4",
    };
    let did = jiugai_store::projects::ledger::add_document(db, 1, None, &up, "test", "test").await.unwrap().id;
    let iid = jiugai_store::projects::ledger::open_issue(db, 1, "quality", "矩阵", "test", "test").await.unwrap().id;
    let notice = jiugai_store::projects::Facts { notice_from: Some(Some("2026-01-05".into())), ..Default::default() };
    jiugai_store::projects::update_facts(db, 1, 2, &notice, "test", "test").await.unwrap();
    // Estate 1 has a registry and an open consultation with codes and a disputed paper form.
    let rows: Vec<_> = (0..3)
        .map(|i| jiugai_store::residents::households::NewHousehold {
            building: "1".into(),
            room: format!("10{i}"),
            area_dm2: 6000,
            owner_name: format!("业主{i}"),
            ..Default::default()
        })
        .collect();
    jiugai_store::residents::households::insert_all(db, 1, &rows, "test", "test").await.unwrap();
    let hh = jiugai_store::residents::households::list(db, 1).await.unwrap();
    use jiugai_store::residents::consultations as cons;
    let nc = cons::NewConsultation {
        estate_id: 1,
        kind: jiugai_store::residents::consultations::Kind::Consent,
        title: "矩阵征询".into(),
        question: "同意吗？".into(),
        opens_at: "2020-01-01".into(),
        closes_at: "2099-01-01".into(),
        ..Default::default()
    };
    let cid = cons::create(db, &nc, "test", "test").await.unwrap().id;
    cons::issue_codes(db, cid, "test", "test").await.unwrap();
    let code = cons::slips(db, cid, None).await.unwrap().into_iter().find(|s| s.household.id == hh[0].id).unwrap().code;
    cons::paper_enter(
        db,
        cid,
        hh[1].id,
        jiugai_store::residents::consultations::Choice::Yes,
        Some(att.id),
        "test1",
        "test",
    )
    .await
    .unwrap();
    let (_, pid) =
        cons::paper_enter(db, cid, hh[1].id, jiugai_store::residents::consultations::Choice::No, None, "test2", "test")
            .await
            .unwrap();
    cons::cast_assisted(db, cid, hh[2].id, jiugai_store::residents::consultations::Choice::Yes, "test1", "test")
        .await
        .unwrap();
    let vid = cons::request_void(db, cid, hh[2].id, "矩阵测试", "test1", "test").await.unwrap().id;
    let nc = jiugai_store::complaints::NewComplaint {
        project_id: Some(1),
        category: "safety".into(),
        body: "矩阵测试：脚手架没有防护网".into(),
        ..Default::default()
    };
    let complaint = jiugai_store::complaints::submit(
        db,
        &s.state.regions,
        &s.state.profiles(),
        &nc,
        &jiugai_store::clock::now_rfc3339(),
        "test",
    )
    .await
    .unwrap();
    assert_eq!(complaint.region_code, INSIDE);
    // Plan 1: 芮城县's 2026 plan holding project 1 (inside).
    let county = jiugai_store::plans::Actor { name: "test", role: Role::County, scope: INSIDE, origin: "test" };
    let plan = jiugai_store::plans::create(db, &s.state.regions, &s.state.profiles(), INSIDE, 2026, &[1], &county)
        .await
        .unwrap();
    assert_eq!(plan.id, 1);
    let ids = Ids {
        aid: att.id,
        row,
        did,
        iid,
        cid,
        hid: hh[2].id,
        pid,
        vid,
        code,
        complaint: complaint.id,
        no: complaint.tracking_no.clone(),
    };
    // Sign-out last: it ends the session the other calls use.
    let mut routes: Vec<_> = ROUTES.to_vec();
    routes.sort_by_key(|(m, p, _)| (*m == "POST" && *p == "/logout") as u8);
    let mut n = 0;
    for &role in Role::ALL {
        for (where_, scope) in [("inside", INSIDE), ("outside", OUTSIDE)] {
            let name = format!("{}-{where_}", role.as_str());
            let mut c = s.signed_in(&name, role, scope).await;
            let visible = can(role, Action::ReadEstate) && where_ == "inside";
            // A contractor sees the projects it works on (inside: made a member), nothing else.
            if role == Role::Contractor && where_ == "inside" {
                let v = jiugai_store::projects::get(db, 1).await.unwrap().version;
                jiugai_store::projects::add_member(db, 1, v, &name, "construction", "test", "test").await.unwrap();
            }
            let project_visible = where_ == "inside";
            for (method, route, action) in &routes {
                let r = call(&s, &mut c, method, route, &ids).await;
                let what = format!(
                    "{} {method} {route} ({action:?}) → {}: {}",
                    name,
                    r.status,
                    r.text().chars().take(200).collect::<String>()
                );
                match action {
                    Action::Public => {
                        assert!(r.status != 401 && r.status != 404 && !r.location().starts_with("/login?"), "{what}")
                    }
                    Action::Account => assert!(ok(&r) || r.status == 422, "{what}"),
                    Action::ReadEstates | Action::ReadAudit => {
                        if can(role, *action) {
                            assert!(ok(&r), "{what}")
                        } else {
                            assert_eq!(r.status, 403, "{what}")
                        }
                    }
                    Action::ReadEstate => {
                        if visible {
                            assert!(ok(&r), "{what}")
                        } else {
                            assert_eq!(r.status, 404, "{what}")
                        }
                    }
                    Action::WriteEstate => {
                        if !visible {
                            assert_eq!(r.status, 404, "{what}");
                        } else if !can(role, Action::WriteEstate) {
                            assert_eq!(r.status, 403, "{what}");
                        } else {
                            assert!(ok(&r), "{what}");
                        }
                    }
                    Action::Import => {
                        if can(role, Action::Import) {
                            assert!(ok(&r) || r.status == 422, "{what}")
                        } else {
                            assert_eq!(r.status, 403, "{what}")
                        }
                    }
                    Action::ReadProjects => assert!(ok(&r), "{what}"),
                    // No task or notice exists here: one the route names is 404 for a role that reads
                    // supervision; the store refuses an act that is not the caller's (403/422), never 5xx.
                    Action::ReadSupervision | Action::WriteSupervision => {
                        if !can(role, Action::ReadSupervision) {
                            assert_eq!(r.status, 403, "{what}")
                        } else if route.contains("{id}") {
                            assert_eq!(r.status, 404, "{what}")
                        } else if *action == Action::ReadSupervision {
                            assert!(ok(&r), "{what}")
                        } else {
                            assert!(ok(&r) || matches!(r.status, 403 | 404 | 422), "{what}")
                        }
                    }
                    Action::EditCatalogue => {
                        if can(role, *action) {
                            assert!(ok(&r) || r.status == 422, "{what}")
                        } else {
                            assert_eq!(r.status, 403, "{what}")
                        }
                    }
                    Action::WriteProject if !route.contains("{id}") => {
                        if can(role, *action) {
                            assert!(ok(&r) || r.status == 422, "{what}")
                        } else {
                            assert_eq!(r.status, 403, "{what}")
                        }
                    }
                    Action::ReadProject => {
                        if project_visible {
                            assert!(ok(&r), "{what}")
                        } else {
                            assert_eq!(r.status, 404, "{what}")
                        }
                    }
                    // A complaint routed inside the scope: read by those who read estates there, else 404.
                    Action::ManageConsultation
                    | Action::EnterBallots
                    | Action::ReadComplaints
                    | Action::HandleComplaints
                        if route.contains("{id}") || route.contains("{cid}") =>
                    {
                        if !visible {
                            assert_eq!(r.status, 404, "{what}");
                        } else if !can(role, *action) {
                            assert_eq!(r.status, 403, "{what}");
                        } else {
                            assert!(ok(&r) || r.status == 422, "{what}");
                        }
                    }
                    Action::ManageConsultation
                    | Action::EnterBallots
                    | Action::ReadComplaints
                    | Action::HandleComplaints => {
                        if can(role, *action) {
                            assert!(ok(&r), "{what}")
                        } else {
                            assert_eq!(r.status, 403, "{what}")
                        }
                    }
                    // Plans: a role that never reads plans gets 403 whatever the id; a plan outside the scope
                    // 404; then the role decides (forms without a version: 422).
                    Action::ReadPlans | Action::WritePlan | Action::ReviewPlan => {
                        let names_plan = route.contains("{id}");
                        if names_plan && !can(role, Action::ReadPlans) {
                            assert_eq!(r.status, 403, "{what}");
                        } else if names_plan && where_ == "outside" {
                            assert_eq!(r.status, 404, "{what}");
                        } else if !can(role, *action) {
                            assert_eq!(r.status, 403, "{what}");
                        } else {
                            assert!(ok(&r) || r.status == 422, "{what}");
                        }
                    }
                    // Money of the project the route names: in scope (or the contractor's own) first, then the role.
                    Action::ReadFunds | Action::ManageFunds if route.contains("/projects/{id}") => {
                        if !project_visible {
                            assert_eq!(r.status, 404, "{what}");
                        } else if !can(role, *action) {
                            assert_eq!(r.status, 403, "{what}");
                        } else {
                            assert!(ok(&r) || r.status == 422, "{what}");
                        }
                    }
                    // Other money routes: the role, then the payment, document or body checked in scope
                    // (no payment or document 1 exists here: 404).
                    Action::ReadFunds | Action::ManageFunds => {
                        if !can(role, *action) {
                            assert_eq!(r.status, 403, "{what}");
                        } else {
                            assert!(ok(&r) || r.status == 422 || r.status == 404, "{what}");
                        }
                    }
                    // Monthly reports: the role decides; the region (blank: the caller's scope) is the
                    // handler's to check (forms and bodies without a version: 422).
                    Action::ReadReports | Action::SubmitReports | Action::ApproveReports => {
                        if !can(role, *action) {
                            assert_eq!(r.status, 403, "{what}");
                        } else {
                            assert!(ok(&r) || r.status == 422, "{what}");
                        }
                    }
                    // The assessment of the caller's own scope (no `?region=`): the role decides.
                    Action::ReadAssessment => {
                        if can(role, *action) {
                            assert!(ok(&r), "{what}")
                        } else {
                            assert_eq!(r.status, 403, "{what}")
                        }
                    }
                    Action::WriteProject | Action::CompleteStep | Action::ReportProgress | Action::ProjectException => {
                        let allowed = can(role, *action)
                            && (*action != Action::CompleteStep
                                || jiugai_web::access::may_complete_step(role, jiugai_domain::StepKey::Survey));
                        if !project_visible {
                            assert_eq!(r.status, 404, "{what}");
                        } else if !allowed {
                            assert_eq!(r.status, 403, "{what}");
                        } else {
                            assert!(ok(&r) || r.status == 422, "{what}");
                        }
                    }
                }
                // A 404 for an estate outside the scope is the same answer as for one that does not exist.
                if r.status == 404 && (route.contains("{id}") || route.contains("{cid}")) && *method == "GET" {
                    let cid = if route.contains("/complaints") { "99999".to_string() } else { ids.cid.to_string() };
                    let missing = c
                        .get(
                            &route
                                .replace("{id}", "99999")
                                .replace("{cid}", &cid)
                                .replace("{aid}", "1")
                                .replace("{did}", "1"),
                        )
                        .await;
                    assert_eq!((missing.status, missing.text()), (r.status, r.text()), "{what}");
                }
                n += 1;
            }
            // Data confined to the scope.
            let mut c = s.signed_in(&format!("{name}-2"), role, scope).await;
            if can(role, Action::ReadEstates) {
                let v = c.get("/api/v1/estates").await.json();
                assert!(v["total"].as_i64().unwrap() >= if where_ == "inside" { 30 } else { 0 });
                if where_ == "outside" {
                    assert_eq!(v["total"], 0, "{name}");
                    assert!(!c.get("/estates").await.text().contains("/estates/1\""), "{name}");
                }
            }
            // Projects: inside the scope only; a contractor only those it works on ("-2" works on none).
            let projects = c.get("/api/v1/projects").await.json();
            let expect = if where_ == "inside" && role != Role::Contractor { 1 } else { 0 };
            assert_eq!(projects["total"], expect, "{name}: {projects}");
            // Complaints: those routed inside the scope only.
            if can(role, Action::ReadComplaints) {
                let n = c.get("/api/v1/complaints").await.json()["total"].as_i64().unwrap();
                if where_ == "outside" { assert_eq!(n, 0, "{name}") } else { assert!(n >= 1, "{name}") }
            }
            if can(role, Action::ReadAudit) && where_ == "outside" {
                assert_eq!(c.get("/api/v1/audit").await.json(), json!([]), "{name}");
            }
        }
    }
    assert_eq!(n, ROUTES.len() * 12);
    // Auditors changed nothing: every change in the log was made by someone else.
    for e in jiugai_store::audit::list(&s.t.db, None, 10_000).await.unwrap() {
        assert!(!e.actor.contains("auditor"), "{e:?}");
    }
    // Signed out: only public routes answer; pages send to the sign-in page, the API says 401.
    let mut anon = s.client();
    for (method, route, action) in ROUTES {
        let r = call(&s, &mut anon, method, route, &ids).await;
        if *action == Action::Public {
            continue;
        }
        if route.starts_with("/api/") {
            assert_eq!(r.status, 401, "{method} {route}");
        } else {
            assert_eq!((r.status, r.location().starts_with("/login?next=")), (303, true), "{method} {route}");
        }
    }
}
