//! Complaints on the backend `JIUGAI_TEST_DATABASE_URL` names: routing to the street or the county, the
//! SLA due date (default and from a profile) and overdue at the boundary, tracking by number with the
//! public history only, resubmissions refused, versioned updates (stale refused), and refusals with their
//! messages.

use std::path::Path;

use jiugai_rules::{Date, ProfileSet};
use jiugai_store::complaints::{self, Filter, NewComplaint};
use jiugai_store::estates::import::{ImportOptions, import_estates};
use jiugai_store::projects::{self, Facts, NewProject};
use jiugai_store::regions::Regions;
use jiugai_store::testing::{TestDb, execute};
use jiugai_store::{Db, StoreError, audit};

const GUWEI: &str = "140830100"; // 古魏镇, 芮城县
const FENGLING: &str = "140830101"; // 风陵渡镇

async fn setup() -> (TestDb, Regions) {
    let t = TestDb::with_regions().await;
    let regions = Regions::load(&t.db).await.unwrap();
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sheet/tests/fixtures/ruicheng.xlsx");
    let o = ImportOptions {
        region: Some("芮城县".into()),
        actor: "test".into(),
        origin: "test".into(),
        ..Default::default()
    };
    assert_eq!(import_estates(&t.db, &regions, &f, &o, &|_| {}).await.unwrap().imported, 30);
    // The ledger names no streets: put estates 1–3 in 古魏镇 and 4 in 风陵渡镇.
    execute(&t.db, &format!("UPDATE estates SET street_code = '{GUWEI}' WHERE id IN (1, 2, 3)")).await;
    execute(&t.db, &format!("UPDATE estates SET street_code = '{FENGLING}' WHERE id = 4")).await;
    (t, regions)
}

/// A project on these estates with its notice published.
async fn published(db: &Db, name: &str, estates: Vec<i64>) -> i64 {
    let p = projects::create(
        db,
        &NewProject {
            name: name.into(),
            estate_ids: estates,
            plan_year: 2026,
            investment_fen: 100_000,
            ..Default::default()
        },
        "county",
        "test",
    )
    .await
    .unwrap();
    let f = Facts { notice_from: Some(Some("2026-01-05".into())), ..Default::default() };
    projects::update_facts(db, p.id, p.version, &f, "county", "test").await.unwrap();
    p.id
}

fn about(project: Option<i64>, estate: Option<i64>) -> NewComplaint {
    NewComplaint {
        project_id: project,
        estate_id: estate,
        category: "disturbance".into(),
        body: "夜间十一点后仍在施工，噪音很大".into(),
        contact_name: "王女士".into(),
        contact_phone: "139 0000 0000".into(),
    }
}

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn msg(e: &StoreError) -> String {
    e.message(jiugai_store::Lang::Zh)
}

#[tokio::test]
async fn routed_to_the_street_or_the_county() {
    let (t, regions) = setup().await;
    let db = &t.db;
    let profiles = ProfileSet::builtin();
    let at = "2026-03-01T09:00:00.000Z";
    let one_street = published(db, "古魏镇连片改造", vec![1, 2]).await;
    let two_streets = published(db, "跨镇连片改造", vec![3, 4]).await;
    let no_street = published(db, "无街道小区改造", vec![5]).await;
    let c = complaints::submit(db, &regions, &profiles, &about(Some(one_street), None), at, "test").await.unwrap();
    assert_eq!(c.region_code, GUWEI, "the project's estates share one street");
    let c = complaints::submit(db, &regions, &profiles, &about(Some(two_streets), None), at, "test").await.unwrap();
    assert_eq!(c.region_code, "140830", "two streets: the county");
    let c = complaints::submit(db, &regions, &profiles, &about(Some(two_streets), Some(4)), at, "test").await.unwrap();
    assert_eq!(c.region_code, FENGLING, "one estate of the project named: its street");
    let c = complaints::submit(db, &regions, &profiles, &about(None, Some(3)), at, "test").await.unwrap();
    assert_eq!(
        (c.region_code.as_str(), c.project_id, c.estate_id),
        (GUWEI, None, Some(3)),
        "an estate of a published project"
    );
    let c = complaints::submit(db, &regions, &profiles, &about(Some(no_street), None), at, "test").await.unwrap();
    assert_eq!(c.region_code, "140830", "no street known: the county");
    // Staff lists by scope: the county sees all five, 古魏镇 its two, 风陵渡镇 its one, 长治市 none.
    let today = d("2026-03-02");
    let n = |scope: &str| {
        let f = Filter { scope: scope.into(), ..Default::default() };
        async move { complaints::list(db, &f, today).await.unwrap().len() }
    };
    assert_eq!(
        (n("").await, n("14").await, n("140830").await, n(GUWEI).await, n(FENGLING).await, n("1404").await),
        (5, 5, 5, 2, 1, 0)
    );
    let s = complaints::summary(db, GUWEI, today).await.unwrap();
    assert_eq!((s.open, s.overdue), (2, 0));
}

#[tokio::test]
async fn sla_due_date_and_overdue_at_the_boundary() {
    let (t, regions) = setup().await;
    let db = &t.db;
    let p = published(db, "原卷烟厂小区改造", vec![1]).await;
    // Default: 15 days from the day received.
    let builtin = ProfileSet::builtin();
    assert_eq!(complaints::response_days(&builtin, GUWEI).0, complaints::DEFAULT_RESPONSE_DAYS);
    let c = complaints::submit(db, &regions, &builtin, &about(Some(p), None), "2026-03-01T23:59:00.000Z", "test")
        .await
        .unwrap();
    assert_eq!(
        (c.due_on.as_str(), c.received_on(), c.status.as_str(), c.version),
        ("2026-03-16", "2026-03-01", "received", 1)
    );
    let overdue = |today: &'static str| {
        let f = Filter { overdue: true, ..Default::default() };
        async move { complaints::list(db, &f, d(today)).await.unwrap().len() }
    };
    assert_eq!(overdue("2026-03-16").await, 0, "due today is not overdue");
    assert_eq!(overdue("2026-03-17").await, 1, "the day after is");
    assert_eq!(c.days_left(d("2026-03-16")), Some(0));
    assert!(c.overdue(d("2026-03-17")) && !c.overdue(d("2026-03-16")));
    let s = complaints::summary(db, "140830", d("2026-03-17")).await.unwrap();
    assert_eq!((s.open, s.overdue), (1, 1));
    // Resolved: neither open nor overdue.
    let r = complaints::update(
        db,
        c.id,
        &jiugai_store::complaints::Update {
            expected: 1,
            status: jiugai_store::complaints::Status::Resolved,
            reply: "已责令施工单位夜间停工",
            at: "2026-03-18T08:00:00.000Z",
        },
        "web:zhao",
        "test",
    )
    .await
    .unwrap();
    assert_eq!(r.days_left(d("2026-03-20")), None);
    assert_eq!(overdue("2026-03-20").await, 0);
    assert_eq!(
        complaints::summary(db, "", d("2026-03-20")).await.unwrap(),
        complaints::Summary { open: 0, overdue: 0 }
    );
    // A profile that sets complaint_response_days: 古魏镇 answers within 7 days.
    let mut set = ProfileSet::builtin();
    set.load("test", "name = \"guwei\"\ntitle = \"古魏镇\"\nregion_code = \"140830100\"\ninherits = \"ruicheng\"\n\n[rules.complaint_response_days]\nvalue = 7\nsource = \"测试：古魏镇承诺 7 日内答复\"\n").unwrap();
    assert_eq!(complaints::response_days(&set, GUWEI).0, 7);
    assert_eq!(complaints::response_days(&set, "140830").0, 15, "the county's profile does not set it");
    let c = complaints::submit(db, &regions, &set, &about(Some(p), None), "2026-03-01T10:00:00.000Z", "test")
        .await
        .unwrap();
    assert_eq!(c.due_on, "2026-03-08");
}

#[tokio::test]
async fn tracked_by_number_with_the_public_history_only() {
    let (t, regions) = setup().await;
    let db = &t.db;
    let profiles = ProfileSet::builtin();
    let p = published(db, "原卷烟厂小区改造", vec![1]).await;
    let c = complaints::submit(db, &regions, &profiles, &about(Some(p), None), "2026-03-01T09:00:00.000Z", "test")
        .await
        .unwrap();
    let no = c.tracking_no.clone();
    assert!(no.starts_with("TS20260301-") && no.len() == 19, "{no}");
    assert_eq!(complaints::normalize_tracking_no(&no).as_deref(), Some(no.as_str()));
    // Typed by a person: lower case, spaces, no dash.
    let typed = no.replace('-', " ").to_lowercase();
    let tr = complaints::track(db, &typed).await.unwrap().expect("found");
    assert_eq!(
        (tr.status.as_str(), tr.received_on.as_str(), tr.project_name.as_deref()),
        ("received", "2026-03-01", Some("原卷烟厂小区改造"))
    );
    assert_eq!(tr.history.len(), 1);
    // Staff work on it; the resident sees the dated statuses and the replies, never who or the contact.
    let c = complaints::update(
        db,
        c.id,
        &jiugai_store::complaints::Update {
            expected: 1,
            status: jiugai_store::complaints::Status::Processing,
            reply: "已转古魏镇核实",
            at: "2026-03-02T10:00:00.000Z",
        },
        "web:zhao",
        "10.0.0.9",
    )
    .await
    .unwrap();
    complaints::update(
        db,
        c.id,
        &jiugai_store::complaints::Update {
            expected: c.version,
            status: jiugai_store::complaints::Status::Resolved,
            reply: "已约谈施工单位，22 点后停止高噪声作业",
            at: "2026-03-05T10:00:00.000Z",
        },
        "web:zhao",
        "10.0.0.9",
    )
    .await
    .unwrap();
    let tr = complaints::track(db, &no).await.unwrap().unwrap();
    assert_eq!(tr.status.as_str(), "resolved");
    let h: Vec<(&str, &str, &str)> =
        tr.history.iter().map(|e| (e.on.as_str(), e.status.as_str(), e.reply.as_str())).collect();
    assert_eq!(
        h,
        vec![
            ("2026-03-01", "received", ""),
            ("2026-03-02", "processing", "已转古魏镇核实"),
            ("2026-03-05", "resolved", "已约谈施工单位，22 点后停止高噪声作业")
        ]
    );
    let public = serde_json::to_string(&tr).unwrap();
    for secret in ["zhao", "王女士", "139", "140830", "夜间十一点"] {
        assert!(!public.contains(secret), "{secret} in {public}");
    }
    // Staff see who did what.
    let ev = complaints::events(db, c.id).await.unwrap();
    assert_eq!(ev.iter().map(|e| e.actor.as_str()).collect::<Vec<_>>(), vec!["resident", "web:zhao", "web:zhao"]);
    // Wrong numbers, well-formed or not, are simply not found.
    let wrong = format!("{}{}", &no[..11], if &no[11..12] == "A" { "BBBBBBBB" } else { "AAAAAAAA" });
    for n in [wrong.as_str(), "TS20260301", "", "nonsense", "TS20260301-0000000O"] {
        assert!(complaints::track(db, n).await.unwrap().is_none(), "{n}");
    }
    // The same text about the same project within 10 minutes is a resubmission, refused without the
    // earlier number; later, or about something else, it is a new complaint with its own number.
    let e = complaints::submit(db, &regions, &profiles, &about(Some(p), None), "2026-03-01T09:09:59.000Z", "test")
        .await
        .unwrap_err();
    assert!(matches!(&e, StoreError::Invalid { field, .. } if field == "body"), "{e:?}");
    assert!(msg(&e).contains("10 分钟内") && !msg(&e).contains(&no), "{}", msg(&e));
    let other = complaints::submit(db, &regions, &profiles, &about(Some(p), None), "2026-03-01T09:10:01.000Z", "test")
        .await
        .unwrap();
    assert_ne!(other.tracking_no, no);
    let mut n = about(Some(p), None);
    n.body = "另一件事：楼道灯不亮".into();
    complaints::submit(db, &regions, &profiles, &n, "2026-03-01T09:10:02.000Z", "test").await.unwrap();
}

#[tokio::test]
async fn updates_are_versioned_audited_and_move_forward() {
    let (t, regions) = setup().await;
    let db = &t.db;
    let p = published(db, "原卷烟厂小区改造", vec![1]).await;
    let c = complaints::submit(
        db,
        &regions,
        &ProfileSet::builtin(),
        &about(Some(p), None),
        "2026-03-01T09:00:00.000Z",
        "1.2.3.4",
    )
    .await
    .unwrap();
    let at = "2026-03-02T10:00:00.000Z";
    let a = complaints::update(
        db,
        c.id,
        &jiugai_store::complaints::Update {
            expected: 1,
            status: jiugai_store::complaints::Status::Processing,
            reply: "",
            at,
        },
        "web:a",
        "test",
    )
    .await
    .unwrap();
    assert_eq!(a.version, 2);
    // A second handler still at version 1 is refused, nothing overwritten.
    let e = complaints::update(
        db,
        c.id,
        &jiugai_store::complaints::Update {
            expected: 1,
            status: jiugai_store::complaints::Status::Resolved,
            reply: "已处理",
            at,
        },
        "web:b",
        "test",
    )
    .await
    .unwrap_err();
    assert!(matches!(e, StoreError::Stale { expected: 1, current: 2, .. }), "{e:?}");
    assert!(msg(&e).contains("已被他人修改"), "{}", msg(&e));
    assert_eq!(complaints::get(db, c.id).await.unwrap().status.as_str(), "processing");
    // Backwards, resolving without a reply, nothing to change: refused with the field.
    for (status, reply, field, text) in [
        ("received", "x", "status", "向前推进"),
        ("resolved", "  ", "reply", "答复"),
        ("processing", "", "reply", "没有变化"),
        ("closed", "x", "status", "状态应为"),
    ] {
        let e = match complaints::parse_status(status) {
            Ok(status) => {
                complaints::update(db, c.id, &complaints::Update { expected: 2, status, reply, at }, "web:a", "test")
                    .await
                    .unwrap_err()
            }
            Err(e) => e,
        };
        match &e {
            StoreError::Invalid { field: f, .. } => assert_eq!(f, field, "{status}"),
            other => panic!("{other:?}"),
        }
        assert!(msg(&e).contains(text), "{status}: {}", msg(&e));
    }
    // A reply without a status change is fine.
    let b = complaints::update(
        db,
        c.id,
        &jiugai_store::complaints::Update {
            expected: 2,
            status: jiugai_store::complaints::Status::Processing,
            reply: "已联系施工单位",
            at,
        },
        "web:a",
        "test",
    )
    .await
    .unwrap();
    let r = complaints::update(
        db,
        c.id,
        &jiugai_store::complaints::Update {
            expected: b.version,
            status: jiugai_store::complaints::Status::Resolved,
            reply: "已整改",
            at,
        },
        "web:a",
        "test",
    )
    .await
    .unwrap();
    // Resolved is closed.
    let e = complaints::update(
        db,
        c.id,
        &jiugai_store::complaints::Update {
            expected: r.version,
            status: jiugai_store::complaints::Status::Resolved,
            reply: "再答复",
            at,
        },
        "web:a",
        "test",
    )
    .await
    .unwrap_err();
    assert!(msg(&e).contains("已办结"), "{}", msg(&e));
    // Audited: the submission (no contact, no text) and each change.
    let log = audit::list(db, Some(("complaint", &c.id.to_string())), 100).await.unwrap();
    let actions: Vec<&str> = log.iter().rev().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, vec!["complaint.submit", "complaint.update", "complaint.update", "complaint.update"]);
    let submit = log.last().unwrap();
    assert_eq!((submit.actor.as_str(), submit.origin.as_str()), ("resident", "1.2.3.4"));
    assert!(!submit.detail.contains("王女士") && !submit.detail.contains("噪音"), "{}", submit.detail);
    assert_eq!(audit::verify(db).await.unwrap().first_broken, None);
}

#[tokio::test]
async fn refusals_say_which_field_and_what_to_do() {
    let (t, regions) = setup().await;
    let db = &t.db;
    let profiles = ProfileSet::builtin();
    let at = "2026-03-01T09:00:00.000Z";
    let p = published(db, "原卷烟厂小区改造", vec![1]).await;
    let hidden = projects::create(
        db,
        &NewProject {
            name: "未公示项目".into(),
            estate_ids: vec![2],
            plan_year: 2026,
            investment_fen: 1,
            ..Default::default()
        },
        "county",
        "test",
    )
    .await
    .unwrap();
    let field = |e: &StoreError| match e {
        StoreError::Invalid { field, .. } => field.clone(),
        other => panic!("{other:?}"),
    };
    // Unknown project: named, with what to do.
    let e = complaints::submit(db, &regions, &profiles, &about(Some(99999), None), at, "test").await.unwrap_err();
    assert_eq!(field(&e), "project_id");
    assert!(msg(&e).contains("99999") && msg(&e).contains("公示"), "{}", msg(&e));
    assert!(e.message(jiugai_store::Lang::En).contains("99999"));
    // A project whose notice is not published is answered the same way (the public never learns of it).
    let e2 = complaints::submit(db, &regions, &profiles, &about(Some(hidden.id), None), at, "test").await.unwrap_err();
    assert_eq!(msg(&e2).replace(&hidden.id.to_string(), "N"), msg(&e).replace("99999", "N"));
    let e = complaints::submit(db, &regions, &profiles, &about(None, Some(2)), at, "test").await.unwrap_err();
    assert_eq!(field(&e), "estate_id");
    let e = complaints::submit(db, &regions, &profiles, &about(Some(p), Some(2)), at, "test").await.unwrap_err();
    assert_eq!(field(&e), "estate_id");
    assert!(msg(&e).contains("不属于"), "{}", msg(&e));
    assert_eq!(
        field(&complaints::submit(db, &regions, &profiles, &about(None, None), at, "test").await.unwrap_err()),
        "project_id"
    );
    let mut n = about(Some(p), None);
    n.category = "noise".into();
    assert_eq!(field(&complaints::submit(db, &regions, &profiles, &n, at, "test").await.unwrap_err()), "category");
    let mut n = about(Some(p), None);
    n.body = " 太吵 ".into();
    let e = complaints::submit(db, &regions, &profiles, &n, at, "test").await.unwrap_err();
    assert_eq!(field(&e), "body");
    assert!(msg(&e).contains("5 至 2000"), "{}", msg(&e));
    n.body = "吵".repeat(2001);
    assert_eq!(field(&complaints::submit(db, &regions, &profiles, &n, at, "test").await.unwrap_err()), "body");
    let mut n = about(Some(p), None);
    n.contact_phone = "call me maybe".into();
    assert_eq!(field(&complaints::submit(db, &regions, &profiles, &n, at, "test").await.unwrap_err()), "contact_phone");
    // Nothing was recorded.
    assert!(complaints::list(db, &Filter::default(), Date::parse("2026-03-01").unwrap()).await.unwrap().is_empty());
    let e = complaints::get(db, 12345).await.unwrap_err();
    assert!(matches!(e, StoreError::NotFound(..)));
}
