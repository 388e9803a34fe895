//! Consultations and ballots on the backend `JIUGAI_TEST_DATABASE_URL` names (a temp SQLite file when
//! unset): thresholds at their boundaries, joint decisions where area and headcount disagree, one-time
//! codes, paper double entry, closing and signing, and many concurrent ballots counted exactly once.

use std::path::Path;
use std::sync::Arc;

use jiugai_rules::{EffectiveProfile, Outcome, ProfileSet};
use jiugai_store::estates;
use jiugai_store::estates::import::{ImportOptions, import_estates};
use jiugai_store::regions::Regions;
use jiugai_store::residents::consultations::{self as cons, NewConsultation, PaperOutcome, State};
use jiugai_store::residents::households::{self, NewHousehold};
use jiugai_store::testing::TestDb;
use jiugai_store::{Db, StoreError, audit};

async fn setup() -> (TestDb, Regions, i64, i64) {
    let t = TestDb::with_regions().await;
    let regions = Regions::load(&t.db).await.unwrap();
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sheet/tests/fixtures/ruicheng.xlsx");
    let o = ImportOptions {
        region: Some("芮城县".into()),
        actor: "test".into(),
        origin: "test".into(),
        ..Default::default()
    };
    import_estates(&t.db, &regions, &f, &o, &|_| {}).await.unwrap();
    let all = estates::list(&t.db, &regions, &Default::default()).await.unwrap();
    let a = all.iter().find(|e| e.data.name == "原卷烟厂小区").unwrap().id;
    let b = all.iter().find(|e| e.data.name == "粮苑小区2号楼").unwrap().id;
    (t, regions, a, b)
}

fn profile() -> EffectiveProfile {
    let set = ProfileSet::builtin();
    set.effective(set.for_region("140830")).unwrap()
}

/// `areas.len()` households in buildings of 20 rooms.
async fn register(db: &Db, estate: i64, areas: &[i64]) -> Vec<i64> {
    let rows: Vec<NewHousehold> = areas
        .iter()
        .enumerate()
        .map(|(i, a)| NewHousehold {
            building: format!("{}", i / 20 + 1),
            unit: "1".into(),
            room: format!("{}", 101 + (i % 20)),
            area_dm2: *a,
            owner_name: format!("业主{i}"),
            owner_phone: "13800001111".into(),
            ..Default::default()
        })
        .collect();
    households::insert_all(db, estate, &rows, "test", "test").await.unwrap();
    let mut ids: Vec<i64> = households::list(db, estate).await.unwrap().into_iter().map(|h| h.id).collect();
    ids.sort_unstable();
    ids
}

fn open_now(estate: i64, kind: &str, matter: Option<&str>) -> NewConsultation {
    NewConsultation {
        estate_id: estate,
        project_id: None,
        kind: kind.parse().unwrap_or(cons::Kind::Survey),
        matter: matter.map(|m| m.parse().unwrap()),
        title: format!("{kind} 征询"),
        question: "您是否同意？".into(),
        opens_at: "2020-01-01T00:00:00Z".into(),
        closes_at: "2099-12-31 18:00".into(),
    }
}

fn msg(e: &StoreError) -> String {
    e.message(jiugai_store::Lang::Zh)
}

async fn vote(db: &Db, cid: i64, hids: &[i64], choice: &str) {
    for h in hids {
        cons::cast_assisted(db, cid, *h, choice.parse().unwrap(), "web:worker", "test").await.unwrap();
    }
}

#[tokio::test]
async fn consent_79_of_100_fails_80_passes() {
    let (t, _r, a, b) = setup().await;
    let db = &t.db;
    let p = profile();
    for (estate, yes, expect) in [(a, 79usize, Outcome::Fail), (b, 80, Outcome::Pass)] {
        let hids = register(db, estate, &[8000; 100]).await;
        let c = cons::create(db, &open_now(estate, "consent", None), "web:street", "test").await.unwrap();
        assert_eq!(
            (c.eligible_households, c.eligible_area_dm2, c.rule_key.as_str()),
            (100, 800_000, "consent_to_plan")
        );
        vote(db, c.id, &hids[..yes], "yes").await;
        vote(db, c.id, &hids[yes..95], "no").await;
        let live = cons::tally(db, &p, &c).await.unwrap();
        assert_eq!(
            (live.yes.households, live.no.households, live.participating.households, live.final_),
            (yes as i64, 95 - yes as i64, 95, false)
        );
        assert_eq!(live.outcome, expect, "{}", live.reason_zh);
        let chk = &live.checks[0];
        assert_eq!(
            (chk.rule.rule.as_str(), chk.achieved.unwrap().num, chk.achieved.unwrap().den),
            ("consent_to_plan", yes as i64, 100)
        );
        assert!(chk.rule.source.contains("001"), "{}", chk.rule.source);
        if expect == Outcome::Fail {
            assert!(live.reason_zh.contains("至少需要 80"), "{}", live.reason_zh);
        }
        let (closed, fin) = cons::close(db, &p, c.id, c.version, "测试：提前结束", "web:street", "test").await.unwrap();
        assert_eq!(closed.passed, Some(expect == Outcome::Pass));
        assert!(fin.final_);
        assert_eq!(cons::tally(db, &p, &closed).await.unwrap().yes, live.yes);
        assert!(cons::verify(db, &closed).await.unwrap());
        // Locked: no ballot after closing, not even assisted; no second closing.
        let e = cons::cast_assisted(
            db,
            c.id,
            hids[99],
            jiugai_store::residents::consultations::Choice::Yes,
            "web:worker",
            "test",
        )
        .await
        .unwrap_err();
        assert!(msg(&e).contains("已结束"), "{}", msg(&e));
        assert!(cons::close(db, &p, c.id, closed.version, "测试：提前结束", "web:street", "test").await.is_err());
        // The result is signed into the audit log, and the chain still verifies.
        let log = audit::list(db, Some(("consultation", &c.id.to_string())), 50).await.unwrap();
        let entry = log.iter().find(|e| e.action == "consultation.close").expect("close audited");
        assert!(entry.detail.contains(closed.result_sha256.as_deref().unwrap()), "{}", entry.detail);
        assert!(audit::verify(db).await.unwrap().first_broken.is_none());
        // The latest closed consent result of the estate is what projects read.
        let (lc, lt) = cons::latest_closed(db, estate, None, cons::Kind::Consent).await.unwrap().unwrap();
        assert_eq!((lc.id, lt.yes.households, lt.eligible.households), (c.id, yes as i64, 100));
    }
}

#[tokio::test]
async fn joint_decisions_where_area_and_headcount_disagree() {
    let (t, _r, a, b) = setup().await;
    let db = &t.db;
    let p = profile();
    // 3 large flats of 200 m² and 7 small of 50 m²: 950 m² and 10 owners in all.
    let areas = [20_000, 20_000, 20_000, 5_000, 5_000, 5_000, 5_000, 5_000, 5_000, 5_000];
    let ha = register(db, a, &areas).await;
    let hb = register(db, b, &areas).await;
    // Area passes (600 of 950 m²), headcount fails (3 of 10): not passed.
    let c = cons::create(db, &open_now(a, "joint_decision", Some("ordinary")), "web:street", "test").await.unwrap();
    vote(db, c.id, &ha[..3], "yes").await;
    vote(db, c.id, &ha[3..], "no").await;
    let r = cons::tally(db, &p, &c).await.unwrap();
    assert_eq!(r.checks.len(), 4);
    let by = |k: &str| r.checks.iter().find(|d| d.check == k).unwrap().outcome;
    assert_eq!((by("joint_participation_area"), by("joint_participation_owners")), (Outcome::Pass, Outcome::Pass));
    assert_eq!((by("joint_ordinary_area"), by("joint_ordinary_owners")), (Outcome::Pass, Outcome::Fail));
    assert_eq!(r.outcome, Outcome::Fail);
    assert_eq!((r.yes.area_dm2, r.participating.area_dm2, r.eligible.area_dm2), (60_000, 95_000, 95_000));
    // The reverse: headcount passes (7 of 10), area fails (350 of 950 m²).
    let c = cons::create(db, &open_now(b, "joint_decision", Some("ordinary")), "web:street", "test").await.unwrap();
    vote(db, c.id, &hb[..3], "no").await;
    vote(db, c.id, &hb[3..], "yes").await;
    let r = cons::tally(db, &p, &c).await.unwrap();
    let by = |k: &str| r.checks.iter().find(|d| d.check == k).unwrap().outcome;
    assert_eq!((by("joint_ordinary_area"), by("joint_ordinary_owners")), (Outcome::Fail, Outcome::Pass));
    assert_eq!(r.outcome, Outcome::Fail);
    // A major matter needs three quarters of both; 8 of 10 owners with 8 of 9.5 hundred m²... passes.
    let c = cons::create(db, &open_now(b, "joint_decision", Some("major")), "web:street", "test").await.unwrap();
    vote(db, c.id, &hb[..2], "no").await; // 400 m² against
    vote(db, c.id, &hb[2..], "yes").await; // 8 owners, 550 m²
    let r = cons::tally(db, &p, &c).await.unwrap();
    let by = |k: &str| r.checks.iter().find(|d| d.check == k).unwrap().outcome;
    assert_eq!((by("joint_major_owners"), by("joint_major_area")), (Outcome::Pass, Outcome::Fail), "{:?}", r.checks);
    // A joint decision needs its matter.
    let e = cons::create(db, &open_now(b, "joint_decision", None), "web:street", "test").await.unwrap_err();
    assert!(msg(&e).contains("ordinary"), "{}", msg(&e));
}

#[tokio::test]
async fn one_time_codes_are_used_once_and_changes_keep_history() {
    let (t, _r, a, _b) = setup().await;
    let db = &t.db;
    let p = profile();
    let hids = register(db, a, &[7000; 30]).await;
    let c = cons::create(db, &open_now(a, "satisfaction", None), "web:street", "test").await.unwrap();
    assert_eq!(cons::issue_codes(db, c.id, "web:street", "test").await.unwrap(), 30);
    assert_eq!(cons::issue_codes(db, c.id, "web:street", "test").await.unwrap(), 0, "codes are issued once");
    let slips = cons::slips(db, c.id, Some("1")).await.unwrap();
    assert_eq!(slips.len(), 20);
    assert!(slips.iter().all(|s| s.code.len() == cons::CODE_LEN));
    let all = cons::slips(db, c.id, None).await.unwrap();
    let mut codes: Vec<_> = all.iter().map(|s| s.code.clone()).collect();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), 30, "codes are distinct");

    let s = &all[0];
    let view = cons::open_code(db, &s.code.to_lowercase()).await.unwrap();
    assert_eq!(
        (view.state, view.household_label.as_str(), view.used.is_none()),
        (State::Open, s.household.label().as_str(), true)
    );
    let ok = cons::cast_by_code(db, &s.code, cons::Choice::No, "1.2.3.4").await.unwrap();
    assert_eq!((ok.household_id, ok.channel.as_str(), ok.changed), (s.household.id, "qr", false));
    // Reused: refused, saying when it was used and what to do.
    let e = cons::cast_by_code(db, &s.code, cons::Choice::Yes, "1.2.3.4").await.unwrap_err();
    assert!(msg(&e).contains("已于") && msg(&e).contains("只能使用一次"), "{}", msg(&e));
    // The public view says when the code was used, never how; the counted ballot holds the answer.
    assert!(cons::open_code(db, &s.code).await.unwrap().used.is_some());
    let c0 = cons::get(db, ok.consultation_id).await.unwrap();
    let b = cons::ballots(db, &c0).await.unwrap();
    assert_eq!(b.iter().find(|b| b.household_id == ok.household_id).unwrap().choice.as_str(), "no");
    // Wrong code: refused.
    let e = cons::cast_by_code(db, "ABCDEFGHJKMN", cons::Choice::Yes, "1.2.3.4").await.unwrap_err();
    assert!(msg(&e).contains("表决码无效"), "{}", msg(&e));
    // A new slip lets the household change its answer; the old code is void; the history keeps both.
    let new = cons::reissue_code(db, c.id, s.household.id, "web:street", "test").await.unwrap();
    let e = cons::cast_by_code(db, &s.code, cons::Choice::Yes, "1.2.3.4").await.unwrap_err();
    assert!(msg(&e).contains("作废"), "{}", msg(&e));
    let ch = cons::cast_by_code(db, &new, cons::Choice::Yes, "1.2.3.4").await.unwrap();
    assert!(ch.changed);
    let hist = cons::history(db, &c, s.household.id).await.unwrap();
    assert_eq!(hist.iter().map(|h| h.choice.as_str()).collect::<Vec<_>>(), ["no", "yes"]);
    let r = cons::tally(db, &p, &c).await.unwrap();
    assert_eq!((r.yes.households, r.no.households, r.participating.households), (1, 0, 1));
    // Another household by assisted entry; a household from another estate is refused.
    cons::cast_assisted(db, c.id, hids[5], jiugai_store::residents::consultations::Choice::Yes, "web:worker", "test")
        .await
        .unwrap();
    let e = cons::cast_assisted(
        db,
        c.id,
        999_999,
        jiugai_store::residents::consultations::Choice::Yes,
        "web:worker",
        "test",
    )
    .await
    .unwrap_err();
    assert!(msg(&e).contains("表决名册"), "{}", msg(&e));
    let r = cons::tally(db, &p, &c).await.unwrap();
    assert_eq!(r.by_channel.get("assisted"), Some(&1));
    assert_eq!(r.by_channel.get("qr"), Some(&1));
}

#[tokio::test]
async fn paper_ballots_count_only_when_two_entries_agree() {
    let (t, _r, a, _b) = setup().await;
    let db = &t.db;
    let p = profile();
    let hids = register(db, a, &[6000; 10]).await;
    let c = cons::create(db, &open_now(a, "consent", None), "web:street", "test").await.unwrap();
    let scan =
        jiugai_store::attachments::add(db, a, "票1.jpg", "image/jpeg", b"\xff\xd8\xff scan", "web:clerk1", "test")
            .await
            .unwrap();
    // Agreeing entries by two users: counted.
    let (o, _) = cons::paper_enter(
        db,
        c.id,
        hids[0],
        jiugai_store::residents::consultations::Choice::Yes,
        Some(scan.id),
        "web:clerk1",
        "test",
    )
    .await
    .unwrap();
    assert_eq!(o, PaperOutcome::AwaitingSecond);
    assert_eq!(cons::tally(db, &p, &c).await.unwrap().participating.households, 0, "one entry does not count");
    let e = cons::paper_enter(
        db,
        c.id,
        hids[0],
        jiugai_store::residents::consultations::Choice::Yes,
        None,
        "web:clerk1",
        "test",
    )
    .await
    .unwrap_err();
    assert!(msg(&e).contains("另一位工作人员"), "{}", msg(&e));
    let (o, _) = cons::paper_enter(
        db,
        c.id,
        hids[0],
        jiugai_store::residents::consultations::Choice::Yes,
        None,
        "web:clerk2",
        "test",
    )
    .await
    .unwrap();
    assert_eq!(o, PaperOutcome::Counted);
    assert_eq!(cons::tally(db, &p, &c).await.unwrap().yes.households, 1);
    // A mismatch: not counted, shown to a third user, who alone may resolve it.
    cons::paper_enter(
        db,
        c.id,
        hids[1],
        jiugai_store::residents::consultations::Choice::Yes,
        None,
        "web:clerk1",
        "test",
    )
    .await
    .unwrap();
    let (o, pid) = cons::paper_enter(
        db,
        c.id,
        hids[1],
        jiugai_store::residents::consultations::Choice::No,
        None,
        "web:clerk2",
        "test",
    )
    .await
    .unwrap();
    assert_eq!(o, PaperOutcome::Disputed);
    assert_eq!(cons::tally(db, &p, &c).await.unwrap().participating.households, 1);
    let list = cons::paper_ballots(db, c.id).await.unwrap();
    assert_eq!((list[0].status.as_str(), list[0].id), ("disputed", pid), "disputed forms come first");
    let e =
        cons::paper_resolve(db, c.id, pid, jiugai_store::residents::consultations::Choice::No, "web:clerk2", "test")
            .await
            .unwrap_err();
    assert!(msg(&e).contains("第三人"), "{}", msg(&e));
    // The disputed form keeps the consultation open: closing is refused, naming the form.
    let now = cons::get(db, c.id).await.unwrap();
    let e = cons::close(db, &p, c.id, now.version, "测试：提前结束", "web:street", "test").await.unwrap_err();
    assert_eq!(e.code(), jiugai_domain::ErrorCode::EntryPending);
    assert!(msg(&e).contains("1 张") && msg(&e).contains("不一致，待核对"), "{}", msg(&e));
    let e = cons::paper_enter(
        db,
        c.id,
        hids[1],
        jiugai_store::residents::consultations::Choice::No,
        None,
        "web:clerk3",
        "test",
    )
    .await
    .unwrap_err();
    assert!(msg(&e).contains("不一致"), "{}", msg(&e));
    cons::paper_resolve(db, c.id, pid, jiugai_store::residents::consultations::Choice::No, "web:clerk3", "test")
        .await
        .unwrap();
    let r = cons::tally(db, &p, &c).await.unwrap();
    assert_eq!((r.yes.households, r.no.households, r.by_channel.get("paper").copied()), (1, 1, Some(2)));
    // A scan from another estate is refused.
    let other =
        jiugai_store::attachments::add(db, _b, "x.jpg", "image/jpeg", b"x", "web:clerk1", "test").await.unwrap();
    let e = cons::paper_enter(
        db,
        c.id,
        hids[2],
        jiugai_store::residents::consultations::Choice::Yes,
        Some(other.id),
        "web:clerk1",
        "test",
    )
    .await
    .unwrap_err();
    assert!(msg(&e).contains("扫描件"), "{}", msg(&e));
    // A form waiting for its second entry also keeps it open; once entered twice, it closes.
    cons::paper_enter(db, c.id, hids[3], jiugai_store::residents::consultations::Choice::No, None, "web:clerk1", "t")
        .await
        .unwrap();
    let now = cons::get(db, c.id).await.unwrap();
    let e = cons::close(db, &p, c.id, now.version, "测试：提前结束", "web:street", "test").await.unwrap_err();
    assert_eq!(e.code(), jiugai_domain::ErrorCode::EntryPending);
    assert!(msg(&e).contains("待第二次录入"), "{}", msg(&e));
    cons::paper_enter(db, c.id, hids[3], jiugai_store::residents::consultations::Choice::No, None, "web:clerk2", "t")
        .await
        .unwrap();
    let now = cons::get(db, c.id).await.unwrap();
    let (_, fin) = cons::close(db, &p, c.id, now.version, "测试：提前结束", "web:street", "test").await.unwrap();
    assert_eq!(fin.no.households, 2);
}

#[tokio::test]
async fn consultations_refuse_bad_input_and_respect_their_window() {
    let (t, _r, a, b) = setup().await;
    let db = &t.db;
    // No registry yet.
    let e = cons::create(db, &open_now(a, "consent", None), "web:street", "test").await.unwrap_err();
    assert!(msg(&e).contains("住户名册"), "{}", msg(&e));
    let hids = register(db, a, &[5000; 5]).await;
    let mut n = open_now(a, "consent", None);
    n.closes_at = "2019-12-31".into();
    assert!(msg(&cons::create(db, &n, "s", "t").await.unwrap_err()).contains("须晚于"));
    n.closes_at = "明天".into();
    assert!(msg(&cons::create(db, &n, "s", "t").await.unwrap_err()).contains("无法识别"));
    // An unknown kind cannot be represented; the text is refused where it enters.
    assert!(cons::parse_kind("vote").is_err());
    // A project consultation must name one of the project's estates.
    let prj = jiugai_store::projects::create(
        db,
        &jiugai_store::projects::NewProject {
            name: "P".into(),
            estate_ids: vec![b],
            plan_year: 2026,
            investment_fen: 1,
            ..Default::default()
        },
        "t",
        "t",
    )
    .await
    .unwrap();
    let mut n = open_now(a, "consent", None);
    n.project_id = Some(prj.id);
    let e = cons::create(db, &n, "s", "t").await.unwrap_err();
    assert!(msg(&e).contains("不包括"), "{}", msg(&e));
    // Ended window: ballots refused with the closing time; not yet open: refused with the opening time.
    let mut n = open_now(a, "consent", None);
    n.closes_at = "2020-01-02 00:00".into();
    let ended = cons::create(db, &n, "s", "t").await.unwrap();
    assert_eq!(ended.state(), State::Ended);
    let e = cons::cast_assisted(db, ended.id, hids[0], jiugai_store::residents::consultations::Choice::Yes, "w", "t")
        .await
        .unwrap_err();
    assert!(msg(&e).contains("截止") && msg(&e).contains("2020-01-02 00:00"), "{}", msg(&e));
    let mut n = open_now(a, "consent", None);
    n.opens_at = "2099-01-01 08:00".into();
    let later = cons::create(db, &n, "s", "t").await.unwrap();
    let e = cons::cast_assisted(db, later.id, hids[0], jiugai_store::residents::consultations::Choice::Yes, "w", "t")
        .await
        .unwrap_err();
    assert!(msg(&e).contains("尚未开始") && msg(&e).contains("2099-01-01 08:00"), "{}", msg(&e));
    // Times are Beijing time, stored as UTC.
    assert_eq!(later.opens_at, "2099-01-01T00:00:00.000Z");
    assert_eq!(cons::local_text(&later.opens_at), "2099-01-01 08:00");
    // The roll is frozen: a household registered later cannot vote in it.
    let c = cons::create(db, &open_now(a, "consent", None), "s", "t").await.unwrap();
    households::insert_all(
        db,
        a,
        &[NewHousehold {
            building: "9".into(),
            room: "901".into(),
            area_dm2: 5000,
            owner_name: "新".into(),
            ..Default::default()
        }],
        "t",
        "t",
    )
    .await
    .unwrap();
    let newest = households::list(db, a).await.unwrap().into_iter().map(|h| h.id).max().unwrap();
    assert!(
        cons::cast_assisted(db, c.id, newest, jiugai_store::residents::consultations::Choice::Yes, "w", "t")
            .await
            .is_err()
    );
    assert_eq!(cons::get(db, c.id).await.unwrap().eligible_households, 5);
    // Closing with an old version is refused as stale.
    let p = profile();
    cons::cast_assisted(db, c.id, hids[0], jiugai_store::residents::consultations::Choice::Yes, "w", "t")
        .await
        .unwrap();
    let e = cons::close(db, &p, c.id, c.version + 1, "测试：提前结束", "s", "t").await.unwrap_err();
    assert!(matches!(e, StoreError::Stale { .. }), "{e:?}");
}

/// Thousands of households, several clients, repeated and conflicting submissions through every
/// channel at once: the tally equals the ballots accepted, no household is counted twice, nothing
/// accepted is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_ballots_are_counted_exactly_once() {
    let (t, _r, a, _b) = setup().await;
    let db = Arc::new(t.db.clone());
    let p = profile();
    const N: usize = 2000;
    let areas: Vec<i64> = (0..N).map(|i| 4000 + (i as i64 % 50) * 100).collect();
    let hids = register(&db, a, &areas).await;
    let c = cons::create(&db, &open_now(a, "consent", None), "web:street", "test").await.unwrap();
    cons::issue_codes(&db, c.id, "web:street", "test").await.unwrap();
    let slips = Arc::new(cons::slips(&db, c.id, None).await.unwrap());
    assert_eq!(slips.len(), N);

    // 6 clients. Clients 0–2 each submit every code of their third twice at once ("double tap"), and
    // client 3 submits the same codes with the opposite choice (conflict). Clients 4–5 try assisted
    // ballots for every 7th household three times: accepted only where no ballot is counted yet.
    let accepted = Arc::new(std::sync::Mutex::new(Vec::<(i64, String, String)>::new()));
    let mut tasks = Vec::new();
    for client in 0..6usize {
        let db = db.clone();
        let slips = slips.clone();
        let accepted = accepted.clone();
        let hids = hids.clone();
        let cid = c.id;
        tasks.push(tokio::spawn(async move {
            let mut refused = 0usize;
            match client {
                0..=3 => {
                    for (i, s) in slips.iter().enumerate() {
                        if client < 3 && i % 3 != client {
                            continue;
                        }
                        let choice = if (i % 5 == 0) ^ (client == 3) { "no" } else { "yes" };
                        let tries = if client < 3 { 2 } else { 1 };
                        for _ in 0..tries {
                            match cons::cast_by_code(&db, &s.code, choice.parse().unwrap(), "client").await {
                                Ok(a) => accepted.lock().unwrap().push((
                                    a.household_id,
                                    a.choice.as_str().to_string(),
                                    a.channel.as_str().to_string(),
                                )),
                                Err(StoreError::Invalid { .. }) => refused += 1,
                                Err(e) => panic!("unexpected: {e:?}"),
                            }
                        }
                    }
                }
                _ => {
                    for round in 0..3 {
                        for (i, h) in hids.iter().enumerate() {
                            if i % 7 != 0 || (i / 7) % 2 != client - 4 {
                                continue;
                            }
                            let choice = ["yes", "no", "abstain"][(round + i) % 3];
                            // Staff never overwrite a counted ballot: refused with vote_exists once the
                            // household has one (its code, or this client's own earlier round).
                            match cons::cast_assisted(&db, cid, *h, choice.parse().unwrap(), "web:worker", "client")
                                .await
                            {
                                Ok(a) => accepted.lock().unwrap().push((
                                    a.household_id,
                                    a.choice.as_str().to_string(),
                                    a.channel.as_str().to_string(),
                                )),
                                Err(e) if e.code() == jiugai_domain::ErrorCode::VoteExists => {}
                                Err(e) => panic!("unexpected: {e:?}"),
                            }
                        }
                    }
                }
            }
            refused
        }));
    }
    let mut refused = 0;
    for t in tasks {
        refused += t.await.unwrap();
    }
    let accepted = accepted.lock().unwrap().clone();
    // Every code was accepted exactly once (2000), the rest refused; assisted entries only where none was counted.
    let qr = accepted.iter().filter(|a| a.2 == "qr").count();
    assert_eq!(qr, N, "each code accepted once");
    assert_eq!(refused, 2 * N, "every other submission of a code refused (3 per code, 1 accepted)");
    // The expected final ballot of each household is the last accepted submission in commit order:
    // take it from the history table, and compare with the ballots table and the tally.
    let final_rows = cons::ballots(&db, &c).await.unwrap();
    assert_eq!(final_rows.len(), N, "one counted ballot per household");
    let mut distinct: Vec<i64> = final_rows.iter().map(|b| b.household_id).collect();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), N, "no household counted twice");
    let (mut y, mut n, mut ab, mut area_y) = (0, 0, 0, 0i64);
    let area_of: std::collections::HashMap<i64, i64> =
        households::list(&db, a).await.unwrap().into_iter().map(|h| (h.id, h.area_dm2)).collect();
    for b in &final_rows {
        let hist = cons::history(&db, &c, b.household_id).await.unwrap();
        let last = hist.last().unwrap();
        assert_eq!(
            (last.choice.as_str(), last.channel.as_str()),
            (b.choice.as_str(), b.channel.as_str()),
            "ballot = last accepted submission"
        );
        match b.choice.as_str() {
            "yes" => {
                y += 1;
                area_y += area_of[&b.household_id];
            }
            "no" => n += 1,
            _ => ab += 1,
        }
    }
    let total_history: usize = {
        let mut s = 0;
        for b in &final_rows {
            s += cons::history(&db, &c, b.household_id).await.unwrap().len();
        }
        s
    };
    assert_eq!(total_history, accepted.len(), "nothing accepted is lost: history holds every accepted submission");
    let r = cons::tally(&db, &p, &c).await.unwrap();
    assert_eq!(
        (r.yes.households, r.no.households, r.abstain.households, r.participating.households),
        (y, n, ab, N as i64)
    );
    assert_eq!(r.yes.area_dm2, area_y);
    let (closed, fin) = cons::close(&db, &p, c.id, c.version, "测试：提前结束", "web:street", "test").await.unwrap();
    assert_eq!(fin.yes, r.yes);
    assert!(cons::verify(&db, &closed).await.unwrap());
    assert!(audit::verify(&db).await.unwrap().first_broken.is_none());
}

/// Completes every step the project needs before `stop`, in order, a few days apart from 2026-01-05;
/// moves it to implementation before the start.
async fn steps_until(db: &Db, prof: &EffectiveProfile, pid: i64, stop: &str) {
    use jiugai_store::projects::{self, steps};
    let mut day = jiugai_rules::Date::parse("2026-01-05").unwrap();
    let p = projects::get(db, pid).await.unwrap();
    let done = steps::done_steps(db, pid).await.unwrap();
    for s in steps::view(prof, &p, &done, projects::today()) {
        if s.key.as_str() == stop {
            break;
        }
        if !s.required || s.done.is_some() {
            continue;
        }
        let p = projects::get(db, pid).await.unwrap();
        if s.key.as_str() == "start" && p.stage.as_str() != "implementation" {
            projects::move_stage(
                db,
                prof,
                pid,
                p.version,
                jiugai_store::projects::Stage::Implementation,
                p.plan_year,
                "列入年度计划",
                "t",
                "t",
            )
            .await
            .unwrap();
        }
        let p = projects::get(db, pid).await.unwrap();
        let started = jiugai_rules::Date::from_days(day.to_days() - 20).unwrap().to_string();
        let detail = match s.key.as_str() {
            "spot_check" => serde_json::json!({"result": "pass"}),
            "handover" => serde_json::json!({"operators": ["供水—县自来水公司"]}),
            _ => serde_json::json!({}),
        };
        let c = steps::Completion { done_on: day.to_string(), started_on: Some(started), detail, ..Default::default() };
        steps::complete(db, prof, (pid, p.version, s.key), &c, "t", "t")
            .await
            .unwrap_or_else(|e| panic!("{}: {}", s.key, msg(&e)));
        day = jiugai_rules::Date::from_days(day.to_days() + 3).unwrap();
    }
}

#[tokio::test]
async fn closed_consultations_feed_the_survey_the_plan_check_and_acceptance() {
    use jiugai_store::projects::{self, NewProject, steps};
    let (t, _r, a, b) = setup().await;
    let db = &t.db;
    let prof = profile();
    let ha = register(db, a, &[8000; 20]).await;
    let hb = register(db, b, &[8000; 10]).await;
    let prj = projects::create(
        db,
        &NewProject {
            name: "连片".into(),
            estate_ids: vec![a, b],
            plan_year: 2026,
            investment_fen: 100_000_000,
            ..Default::default()
        },
        "t",
        "t",
    )
    .await
    .unwrap();
    let consult = |estate: i64, kind: &'static str| {
        let mut n = open_now(estate, kind, None);
        n.project_id = Some(prj.id);
        n
    };
    // Estate a passes (17/20), estate b fails (7/10).
    let ca = cons::create(db, &consult(a, "consent"), "s", "t").await.unwrap();
    vote(db, ca.id, &ha[..17], "yes").await;
    cons::close(db, &prof, ca.id, ca.version, "测试：提前结束", "s", "t").await.unwrap();
    // Only one estate has a result: the survey asks for the other's.
    let e = steps::complete(
        db,
        &prof,
        (prj.id, prj.version, jiugai_domain::StepKey::Survey),
        &steps::Completion { done_on: "2026-01-05".into(), ..Default::default() },
        "t",
        "t",
    )
    .await
    .unwrap_err();
    assert!(msg(&e).contains(&b.to_string()) && msg(&e).contains("征询"), "{}", msg(&e));
    let cb = cons::create(db, &consult(b, "consent"), "s", "t").await.unwrap();
    vote(db, cb.id, &hb[..7], "yes").await;
    let (cb, _) = cons::close(db, &prof, cb.id, cb.version, "测试：提前结束", "s", "t").await.unwrap();
    let e = steps::complete(
        db,
        &prof,
        (prj.id, prj.version, jiugai_domain::StepKey::Survey),
        &steps::Completion { done_on: "2026-01-05".into(), ..Default::default() },
        "t",
        "t",
    )
    .await
    .unwrap_err();
    assert!(msg(&e).contains("粮苑小区2号楼") && msg(&e).contains(&format!("#{}", cb.id)), "{}", msg(&e));
    // The plan check: the failed vote keeps the project out of implementation.
    let p = projects::get(db, prj.id).await.unwrap();
    let e = projects::move_stage(
        db,
        &prof,
        p.id,
        p.version,
        jiugai_store::projects::Stage::Implementation,
        2026,
        "列入计划",
        "t",
        "t",
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), jiugai_domain::ErrorCode::ConsentMissing);
    assert!(msg(&e).contains("不能进入实施阶段") && msg(&e).contains("001"), "{}", msg(&e));
    // A new vote in estate b passes (9/10): the latest closed result counts; the survey records both.
    let cb2 = cons::create(db, &consult(b, "consent"), "s", "t").await.unwrap();
    vote(db, cb2.id, &hb[..9], "yes").await;
    let (cb2, _) = cons::close(db, &prof, cb2.id, cb2.version, "测试：提前结束", "s", "t").await.unwrap();
    let p = projects::get(db, prj.id).await.unwrap();
    let p = steps::complete(
        db,
        &prof,
        (p.id, p.version, jiugai_domain::StepKey::Survey),
        &steps::Completion { done_on: "2026-01-05".into(), ..Default::default() },
        "t",
        "t",
    )
    .await
    .unwrap();
    assert_eq!((p.consent_yes, p.consent_households), (Some(26), Some(30)));
    let done = steps::done_steps(db, p.id).await.unwrap();
    let d = &done.iter().find(|d| d.key.as_str() == "survey").unwrap().detail;
    let ids: Vec<i64> =
        d["consultations"].as_array().unwrap().iter().map(|c| c["consultation_id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![ca.id, cb2.id]);
    assert_eq!(d["consultations"][1]["result_sha256"].as_str(), cb2.result_sha256.as_deref());

    // Through to acceptance: satisfaction 16/20 passes in a, 7/10 fails in b → acceptance refused.
    steps_until(db, &prof, p.id, "acceptance").await;
    let sa = cons::create(db, &consult(a, "satisfaction"), "s", "t").await.unwrap();
    vote(db, sa.id, &ha[..16], "yes").await;
    vote(db, sa.id, &ha[16..], "no").await;
    cons::close(db, &prof, sa.id, sa.version, "测试：提前结束", "s", "t").await.unwrap();
    let sb = cons::create(db, &consult(b, "satisfaction"), "s", "t").await.unwrap();
    vote(db, sb.id, &hb[..7], "yes").await;
    vote(db, sb.id, &hb[7..], "no").await;
    cons::close(db, &prof, sb.id, sb.version, "测试：提前结束", "s", "t").await.unwrap();
    let acc = |on: &str| steps::Completion {
        done_on: on.into(),
        detail: serde_json::json!({"participants": ["社区", "居民代表", "施工单位"]}),
        ..Default::default()
    };
    let p = projects::get(db, prj.id).await.unwrap();
    let e =
        steps::complete(db, &prof, (p.id, p.version, jiugai_domain::StepKey::Acceptance), &acc("2026-11-01"), "t", "t")
            .await
            .unwrap_err();
    assert!(msg(&e).contains("满意度") && msg(&e).contains("粮苑小区2号楼"), "{}", msg(&e));
    // Entered figures cannot override the residents' vote.
    let mut forged = acc("2026-11-01");
    forged.detail["satisfied"] = serde_json::json!(30);
    forged.detail["answered"] = serde_json::json!(30);
    assert!(
        steps::complete(db, &prof, (p.id, p.version, jiugai_domain::StepKey::Acceptance), &forged, "t", "t")
            .await
            .is_err()
    );
    let sb2 = cons::create(db, &consult(b, "satisfaction"), "s", "t").await.unwrap();
    vote(db, sb2.id, &hb[..9], "yes").await;
    cons::close(db, &prof, sb2.id, sb2.version, "测试：提前结束", "s", "t").await.unwrap();
    let p =
        steps::complete(db, &prof, (p.id, p.version, jiugai_domain::StepKey::Acceptance), &acc("2026-11-01"), "t", "t")
            .await
            .unwrap();
    assert_eq!((p.stage.as_str(), p.satisfaction_yes, p.satisfaction_answered), ("accepted", Some(25), Some(29)));
}

/// Issue 11 item 1: a ballot cast by the resident's own code, a counted paper form or an assisted entry is
/// never overwritten by staff (`vote_exists`, naming the channel and the time in Beijing time). The
/// correction is a void with a reason, asked by one user and approved by another, both audited; the
/// resident's page then says when and why; only then may staff enter the household again.
#[tokio::test]
async fn staff_never_overwrite_a_counted_ballot_and_a_void_needs_a_second_user() {
    use cons::Choice::{Abstain, No, Yes};
    use jiugai_domain::ErrorCode;
    let (t, _r, a, _b) = setup().await;
    let db = &t.db;
    let p = profile();
    let hids = register(db, a, &[6000; 10]).await;
    let c = cons::create(db, &open_now(a, "consent", None), "web:street", "test").await.unwrap();
    cons::issue_codes(db, c.id, "web:street", "test").await.unwrap();
    let code_of: std::collections::HashMap<i64, String> =
        cons::slips(db, c.id, None).await.unwrap().into_iter().map(|s| (s.household.id, s.code)).collect();

    // The resident of hids[0] votes by code; staff entries over it are refused in every path.
    cons::cast_by_code(db, &code_of[&hids[0]], Yes, "1.2.3.4").await.unwrap();
    let cast_at = cons::ballots(db, &c).await.unwrap()[0].at.clone();
    let e = cons::cast_assisted(db, c.id, hids[0], No, "web:worker1", "t").await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::VoteExists);
    assert!(
        msg(&e).contains("扫码") && msg(&e).contains("住户本人") && msg(&e).contains(&cons::local_text(&cast_at)),
        "{}",
        msg(&e)
    );
    assert!(e.message(jiugai_store::Lang::En).contains("QR code"), "{}", e.message(jiugai_store::Lang::En));
    let e = cons::paper_enter(db, c.id, hids[0], No, None, "web:clerk1", "t").await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::VoteExists);
    // A code ballot arriving between the two paper entries is not overwritten by the second entry.
    cons::paper_enter(db, c.id, hids[1], No, None, "web:clerk1", "t").await.unwrap();
    cons::cast_by_code(db, &code_of[&hids[1]], Yes, "1.2.3.4").await.unwrap();
    let e = cons::paper_enter(db, c.id, hids[1], No, None, "web:clerk2", "t").await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::VoteExists);
    // One worker cannot change an assisted ballot, nor can another; assisted over paper is refused too.
    cons::cast_assisted(db, c.id, hids[2], Yes, "web:worker1", "t").await.unwrap();
    for who in ["web:worker1", "web:worker2"] {
        let e = cons::cast_assisted(db, c.id, hids[2], No, who, "t").await.unwrap_err();
        assert_eq!(e.code(), ErrorCode::VoteExists);
        assert!(msg(&e).contains("代为录入") && msg(&e).contains("web:worker1"), "{}", msg(&e));
    }
    cons::paper_enter(db, c.id, hids[3], No, None, "web:clerk1", "t").await.unwrap();
    cons::paper_enter(db, c.id, hids[3], No, None, "web:clerk2", "t").await.unwrap();
    let e = cons::cast_assisted(db, c.id, hids[3], Yes, "web:worker1", "t").await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::VoteExists);
    assert!(msg(&e).contains("纸质表决票"), "{}", msg(&e));
    let r = cons::tally(db, &p, &c).await.unwrap();
    assert_eq!((r.yes.households, r.no.households), (3, 1), "nothing was overwritten");

    // The void: a reason is required; one pending request per household; the asker cannot approve.
    let e = cons::request_void(db, c.id, hids[0], "  ", "web:worker1", "t").await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidValue);
    let e = cons::request_void(db, c.id, hids[4], "无", "web:worker1", "t").await.unwrap_err();
    assert!(msg(&e).contains("没有已计入"), "{}", msg(&e));
    let reason = "住户书面声明扫码并非本人操作";
    let v = cons::request_void(db, c.id, hids[0], reason, "web:worker1", "t").await.unwrap();
    assert_eq!((v.status, v.channel, v.choice), (cons::VoidStatus::Pending, cons::Channel::Qr, Yes));
    assert_eq!(cons::tally(db, &p, &c).await.unwrap().yes.households, 3, "a request alone changes nothing");
    let e = cons::request_void(db, c.id, hids[0], reason, "web:worker2", "t").await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict);
    let e = cons::decide_void(db, c.id, v.id, true, "web:worker1", "t").await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);
    assert!(cons::cast_assisted(db, c.id, hids[0], No, "web:worker1", "t").await.is_err(), "still counted");
    // A pending request keeps the consultation open.
    let now = cons::get(db, c.id).await.unwrap();
    let e = cons::close(db, &p, c.id, now.version, "测试", "web:street", "t").await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::EntryPending);
    assert!(msg(&e).contains("作废申请"), "{}", msg(&e));
    let d = cons::decide_void(db, c.id, v.id, true, "web:worker2", "t").await.unwrap();
    assert_eq!((d.status, d.decided_by.as_deref()), (cons::VoidStatus::Approved, Some("web:worker2")));
    assert!(cons::decide_void(db, c.id, v.id, false, "web:worker3", "t").await.is_err(), "decided once");
    assert_eq!(cons::tally(db, &p, &c).await.unwrap().yes.households, 2, "the voided ballot left the tally");
    // The resident's page says when and why; the code stays used.
    let view = cons::open_code(db, &code_of[&hids[0]]).await.unwrap();
    let (at, why) = view.voided.clone().expect("voided");
    assert_eq!((at.as_str(), why.as_str()), (d.decided_at.as_deref().unwrap(), reason));
    assert!(view.used.is_some());
    // Now staff may enter the household.
    cons::cast_assisted(db, c.id, hids[0], No, "web:worker1", "t").await.unwrap();

    // Changing an assisted ballot: void asked by the worker, approved by a second user, then entered again.
    let v2 = cons::request_void(db, c.id, hids[2], "录入时选错意见，住户当面更正", "web:worker1", "t").await.unwrap();
    cons::decide_void(db, c.id, v2.id, true, "web:street", "t").await.unwrap();
    cons::cast_assisted(db, c.id, hids[2], Abstain, "web:worker1", "t").await.unwrap();
    // A voided paper form can be entered again (twice, as any form).
    let v3 = cons::request_void(db, c.id, hids[3], "票面为他户误填", "web:clerk1", "t").await.unwrap();
    assert_eq!(v3.channel, cons::Channel::Paper);
    cons::decide_void(db, c.id, v3.id, true, "web:clerk2", "t").await.unwrap();
    let (o, _) = cons::paper_enter(db, c.id, hids[3], Yes, None, "web:clerk1", "t").await.unwrap();
    assert_eq!(o, PaperOutcome::AwaitingSecond);
    cons::paper_enter(db, c.id, hids[3], Yes, None, "web:clerk2", "t").await.unwrap();
    // A refused request leaves the ballot as it was.
    let v4 = cons::request_void(db, c.id, hids[2], "误点", "web:worker1", "t").await.unwrap();
    let d4 = cons::decide_void(db, c.id, v4.id, false, "web:worker2", "t").await.unwrap();
    assert_eq!(d4.status, cons::VoidStatus::Rejected);
    let b = cons::ballots(db, &c).await.unwrap();
    let choice_of = |h: i64| b.iter().find(|x| x.household_id == h).map(|x| (x.choice, x.channel));
    assert_eq!(choice_of(hids[0]), Some((No, cons::Channel::Assisted)));
    assert_eq!(choice_of(hids[1]), Some((Yes, cons::Channel::Qr)));
    assert_eq!(choice_of(hids[2]), Some((Abstain, cons::Channel::Assisted)));
    assert_eq!(choice_of(hids[3]), Some((Yes, cons::Channel::Paper)));
    // The list: every request with its decider; both acts audited under their own users.
    let list = cons::voids(db, c.id).await.unwrap();
    assert_eq!(list.len(), 4);
    let log = audit::list(db, Some(("consultation", &c.id.to_string())), 200).await.unwrap();
    let asked = log.iter().filter(|e| e.action == "ballot.void.request").count();
    let approved: Vec<_> = log.iter().filter(|e| e.action == "ballot.void.approve").map(|e| e.actor.clone()).collect();
    assert_eq!(asked, 4);
    assert_eq!(approved.len(), 3);
    assert!(approved.contains(&"web:worker2".to_string()) && approved.contains(&"web:clerk2".to_string()));
    assert!(log.iter().any(|e| e.action == "ballot.void.reject" && e.detail.contains("误点")));
    assert!(audit::verify(db).await.unwrap().first_broken.is_none());
    // The pending paper form of hids[1] (refused at its second entry) keeps it open, as any pending form.
    let now = cons::get(db, c.id).await.unwrap();
    let e = cons::close(db, &p, c.id, now.version, "测试", "web:street", "t").await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::EntryPending);
}

/// Issue 11 item 3: closing before `closes_at` needs a reason, kept on the consultation, in the signed
/// result and in the audit log; closing after it needs none.
#[tokio::test]
async fn closing_early_needs_a_reason_kept_with_the_result() {
    let (t, _r, a, _b) = setup().await;
    let db = &t.db;
    let p = profile();
    let hids = register(db, a, &[6000; 5]).await;
    let c = cons::create(db, &open_now(a, "consent", None), "web:street", "test").await.unwrap();
    vote(db, c.id, &hids[..4], "yes").await;
    let e = cons::close(db, &p, c.id, c.version, "  ", "web:street", "t").await.unwrap_err();
    assert!(matches!(&e, StoreError::Invalid { field, .. } if field == "reason"), "{e:?}");
    assert!(msg(&e).contains("2099-12-31 18:00") && msg(&e).contains("须说明理由"), "{}", msg(&e));
    assert!(cons::get(db, c.id).await.unwrap().closed_at.is_none(), "not closed");
    let why = "全部住户已表决，经社区居委会会议决定提前结束";
    let (closed, _) = cons::close(db, &p, c.id, c.version, why, "web:street", "t").await.unwrap();
    assert_eq!(closed.close_reason.as_deref(), Some(why));
    let doc: serde_json::Value = serde_json::from_str(closed.result_json.as_deref().unwrap()).unwrap();
    assert_eq!((doc["closed_early"].as_bool(), doc["close_reason"].as_str()), (Some(true), Some(why)));
    assert!(cons::verify(db, &closed).await.unwrap());
    let log = audit::list(db, Some(("consultation", &c.id.to_string())), 50).await.unwrap();
    assert!(log.iter().any(|e| e.action == "consultation.close" && e.detail.contains(why)));
    // Past its closing time: no reason needed, none stored.
    let mut n = open_now(a, "consent", None);
    n.closes_at = "2020-01-02 00:00".into();
    let ended = cons::create(db, &n, "web:street", "t").await.unwrap();
    let (closed, _) = cons::close(db, &p, ended.id, ended.version, "", "web:street", "t").await.unwrap();
    assert_eq!(closed.close_reason, None);
}
