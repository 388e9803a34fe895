//! Supervision on the backend `JIUGAI_TEST_DATABASE_URL` names: the annex tables of Ruicheng imported
//! (duties with lead and co-operating units, the group roster), a department refused on another unit's
//! step, a task that is overdue, replied to, sent back and closed, a notice whose facts do not move and
//! whose rectification deadline became a task, a finding and a complaint that became tasks.

use std::path::Path;

use jiugai_domain::{ErrorCode, NoticeKind, Role, StepKey, TaskOrigin, TaskState, TaskSubject};
use jiugai_rules::ProfileSet;
use jiugai_store::estates::import::{ImportOptions, import_estates};
use jiugai_store::projects::{self, NewProject};
use jiugai_store::regions::Regions;
use jiugai_store::supervision::{self as sup, Caller, NewNotice, NewTask, Rectification};
use jiugai_store::testing::TestDb;
use jiugai_store::{Db, StoreError, estates, org, users};

const RUICHENG: &str = "140830";
const YUNCHENG: &str = "1408";

pub const DUTIES_CSV: &str = "芮城县推进城镇老旧小区改造成员单位职责\n\
序号,工作任务,责任单位\n\
1,项目立项审批、争取中央预算内投资,县发改局牵头，县财政局配合\n\
2,统筹安排上级专项资金、专项债券发行,县财政局牵头，县发改局配合\n\
3,简化审批流程、可研及初步设计审批、施工许可,县行政审批局牵头，县住建局、县自然资源局配合\n\
4,加装电梯安全评估与监督,县市场监管局\n\
5,管线规划设计配套,\"县住建局牵头，国网芮城县供电公司、移动、联通、电信配合\"\n";

pub const ROSTER_CSV: &str = "芮城县推进城镇老旧小区改造工作领导小组\n\
职务,姓名,单位及职务\n\
组长,杜步奇,县人民政府副县长\n\
副组长,张凯,县住房和城乡建设管理局局长\n\
成员,赵创国,县发展和改革局局长\n\
,程建军,县财政局局长\n\
,杨耐耐,县行政审批服务管理局局长\n\
办公室主任,张凯,县住房和城乡建设管理局局长\n";

fn today_plus(days: i64) -> String {
    let t = jiugai_store::clock::today();
    jiugai_domain::Date::from_days(t.to_days() + days).unwrap().to_string()
}

async fn import_annexes(db: &Db, regions: &Regions) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [("附件2.csv", DUTIES_CSV), ("附件1.csv", ROSTER_CSV)] {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        let r = org::import_file(db, regions, RUICHENG, &p, None, "t", "t").await.unwrap();
        assert!(r.committed, "{name}: {:?}", r.issues);
    }
    dir
}

async fn user(db: &Db, name: &str, role: Role, scope: &str) -> users::User {
    users::create(
        db,
        &users::NewUser { name, role, scope_code: scope, password_hash: "x", must_change_password: false },
        "t",
        "t",
    )
    .await
    .unwrap()
}

fn code_of(e: &StoreError) -> ErrorCode {
    match e {
        StoreError::Invalid { code, .. } => *code,
        other => panic!("not a refusal: {other:?}"),
    }
}

#[tokio::test]
async fn annex_tables_are_imported_with_lead_and_cooperating_units() {
    let t = TestDb::with_regions().await;
    let (db, regions) = (&t.db, Regions::load(&t.db).await.unwrap());
    let _dir = import_annexes(db, &regions).await;
    let o = org::organisation(db, &regions, RUICHENG).await.unwrap();
    assert_eq!(o.duties.len(), 5);
    assert_eq!(o.duties[0].leads, vec!["县发改局"]);
    assert_eq!(o.duties[0].cooperating, vec!["县财政局"]);
    assert_eq!(o.duties[2].leads, vec!["县行政审批局"]);
    assert_eq!(o.duties[2].cooperating, vec!["县住建局", "县自然资源局"]);
    assert_eq!(o.duties[3].leads, vec!["县市场监管局"]);
    assert!(o.duties[3].cooperating.is_empty());
    assert_eq!(o.duties[4].cooperating, vec!["国网芮城县供电公司", "移动", "联通", "电信"]);
    // The roster: blank 职务 continues 成员; titles name the units in the short form the duties use.
    assert_eq!(o.members.len(), 6);
    assert_eq!(o.members[3].position, "成员");
    assert_eq!(o.members[2].unit.as_deref(), Some("县发改局"));
    assert_eq!(o.members[4].unit.as_deref(), Some("县行政审批局"));
    let g = o.group.unwrap();
    assert_eq!(g.office_unit, "县住建局");
    assert!(g.source.starts_with("附件1.csv sha256:"), "{}", g.source);
    // The roster matched the duties' units instead of adding new ones: only the county government is new.
    let names: Vec<&str> = o.units.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names.iter().filter(|n| **n == "县发改局").count(), 1);
    assert!(names.contains(&"县人民政府"), "{names:?}");
    assert_eq!(names.len(), 11, "{names:?}");
    // Re-importing the duties replaces them (no duplicates) and keeps the units.
    let read =
        jiugai_sheet::org_sheet::read_org_bytes(DUTIES_CSV.as_bytes(), jiugai_sheet::Format::Csv, &Default::default())
            .unwrap();
    let r = org::import(db, RUICHENG, &read, None, ("again.csv", "00"), "芮城县", "t", "t").await.unwrap();
    assert!(r.committed && r.units_added.is_empty());
    assert_eq!(org::duties(db, RUICHENG).await.unwrap().len(), 5);
    // A table with a row without a lead unit: nothing is written, the row is named.
    let bad = "序号,工作任务,责任单位\n1,宣传报道,县融媒体中心\n2,用地保障,\n";
    let read = jiugai_sheet::org_sheet::read_org_bytes(bad.as_bytes(), jiugai_sheet::Format::Csv, &Default::default())
        .unwrap();
    let r = org::import(db, RUICHENG, &read, None, ("bad.csv", "00"), "芮城县", "t", "t").await.unwrap();
    assert!(!r.committed);
    assert_eq!(r.issues.len(), 1);
    assert_eq!(r.issues[0].row, 3);
    assert_eq!(org::duties(db, RUICHENG).await.unwrap().len(), 5);
}

#[tokio::test]
async fn a_department_is_refused_on_another_units_step() {
    let t = TestDb::with_regions().await;
    let (db, regions) = (&t.db, Regions::load(&t.db).await.unwrap());
    let _dir = import_annexes(db, &regions).await;
    let set = ProfileSet::builtin();
    let eff = set.effective(set.for_region(RUICHENG)).unwrap();
    let fgj = org::find_unit(db, RUICHENG, "县发改局").await.unwrap();
    let czj = org::find_unit(db, RUICHENG, "县财政局").await.unwrap();
    let spj = org::find_unit(db, RUICHENG, "县行政审批服务管理局").await.unwrap();
    assert_eq!(spj.name, "县行政审批局");
    let u = user(db, "fgj", Role::Department, RUICHENG).await;
    let u = users::set_unit(db, &regions, u.id, Some(fgj.id), "t", "t").await.unwrap();
    assert_eq!(u.unit_id, Some(fgj.id));
    projects::steps::check_recording_unit(db, &eff, StepKey::Approval, u.unit_id).await.unwrap();
    let e = projects::steps::check_recording_unit(db, &eff, StepKey::ConstructionPermit, u.unit_id).await.unwrap_err();
    assert_eq!(code_of(&e), ErrorCode::WrongUnit);
    let StoreError::Invalid { zh, rule, .. } = &e else { unreachable!() };
    assert!(zh.contains("县行政审批局") && zh.contains("县发改局"), "{zh}");
    assert!(rule.as_ref().unwrap().1.contains("001 附件2"), "{rule:?}");
    projects::steps::check_recording_unit(db, &eff, StepKey::ConstructionPermit, Some(spj.id)).await.unwrap();
    projects::steps::check_recording_unit(db, &eff, StepKey::BudgetReview, Some(czj.id)).await.unwrap();
    // No unit at all: refused too. A step the rule does not map: any department may.
    let e = projects::steps::check_recording_unit(db, &eff, StepKey::Approval, None).await.unwrap_err();
    assert_eq!(code_of(&e), ErrorCode::WrongUnit);
    projects::steps::check_recording_unit(db, &eff, StepKey::DrawingReview, None).await.unwrap();
    // A unit of another county cannot be given to a Ruicheng user.
    let other = user(db, "other", Role::Department, "140802").await;
    let e = users::set_unit(db, &regions, other.id, Some(fgj.id), "t", "t").await.unwrap_err();
    assert_eq!(code_of(&e), ErrorCode::InvalidValue);
}

#[tokio::test]
async fn a_task_goes_overdue_is_replied_sent_back_and_closed() {
    let t = TestDb::with_regions().await;
    let (db, regions) = (&t.db, Regions::load(&t.db).await.unwrap());
    let _dir = import_annexes(db, &regions).await;
    let fgj = org::find_unit(db, RUICHENG, "县发改局").await.unwrap();
    let office = Caller { role: Role::County, scope: RUICHENG.into(), unit_id: None };
    let dept = Caller { role: Role::Department, scope: RUICHENG.into(), unit_id: Some(fgj.id) };
    let other_dept = Caller { role: Role::Department, scope: RUICHENG.into(), unit_id: Some(fgj.id + 1) };
    // A department cannot issue.
    let nt = NewTask {
        region: RUICHENG.into(),
        assignee_unit: Some(fgj.id),
        title: "中央预算内投资项目进展督办".into(),
        body: "请报送本年度中央预算内投资项目的立项进展".into(),
        due_on: today_plus(-1),
        ..Default::default()
    };
    let e = sup::issue(db, &regions, &dept, &nt, "d", "t").await.unwrap_err();
    assert_eq!(code_of(&e), ErrorCode::NotIssuer);
    let task = sup::issue(db, &regions, &office, &nt, "county", "t").await.unwrap();
    assert_eq!((task.state, task.subject, task.origin), (TaskState::Open, TaskSubject::Theme, TaskOrigin::Direct));
    assert!(task.overdue, "yesterday's deadline has passed");
    // A second task due today is not overdue.
    let today = sup::issue(db, &regions, &office, &NewTask { due_on: today_plus(0), ..nt.clone() }, "county", "t")
        .await
        .unwrap();
    assert!(!today.overdue);
    assert_eq!(sup::overdue_count(db, &regions, RUICHENG, None).await.unwrap(), 1);
    assert_eq!(sup::overdue_count(db, &regions, YUNCHENG, None).await.unwrap(), 1, "the city sees its county's");
    assert_eq!(sup::overdue_count(db, &regions, RUICHENG, Some(fgj.id)).await.unwrap(), 1);
    assert_eq!(sup::overdue_count(db, &regions, "140802", None).await.unwrap(), 0);
    let mine =
        sup::list(db, &regions, &sup::Filter { assignee_unit: Some(fgj.id), overdue: true, ..Default::default() })
            .await
            .unwrap();
    assert_eq!(mine.iter().map(|t| t.id).collect::<Vec<_>>(), vec![task.id]);
    // Only the assignee replies; the office cannot close before a reply.
    let e = sup::reply(db, &other_dept, task.id, 1, "进展", "", "x", "t").await.unwrap_err();
    assert_eq!(code_of(&e), ErrorCode::NotAssignee);
    let e = sup::decide(db, &office, task.id, 1, true, "", "county", "t").await.unwrap_err();
    assert_eq!(code_of(&e), ErrorCode::TaskState);
    let r = sup::reply(db, &dept, task.id, 1, "已完成立项批复2个", "附件#12 立项批复.pdf", "fgj", "t").await.unwrap();
    assert_eq!((r.state, r.version), (TaskState::Replied, 2));
    assert!(r.overdue, "a reply does not stop the clock");
    // A stale version is refused; the department cannot close; the office sends back with a reason.
    assert!(matches!(sup::decide(db, &office, task.id, 1, true, "", "c", "t").await, Err(StoreError::Stale { .. })));
    let e = sup::decide(db, &dept, task.id, 2, true, "", "fgj", "t").await.unwrap_err();
    assert_eq!(code_of(&e), ErrorCode::NotIssuer);
    let e = sup::decide(db, &office, task.id, 2, false, " ", "county", "t").await.unwrap_err();
    assert_eq!(code_of(&e), ErrorCode::InvalidValue);
    let sb = sup::decide(db, &office, task.id, 2, false, "缺少资金分配情况", "county", "t").await.unwrap();
    assert_eq!(sb.state, TaskState::SentBack);
    sup::reply(db, &dept, task.id, 3, "补充资金分配表", "附件#13", "fgj", "t").await.unwrap();
    let closed = sup::decide(db, &office, task.id, 4, true, "办结", "county", "t").await.unwrap();
    assert_eq!(closed.state, TaskState::Closed);
    assert!(!closed.overdue && closed.closed_at.is_some());
    assert_eq!(sup::overdue_count(db, &regions, RUICHENG, None).await.unwrap(), 0);
    let ev: Vec<_> =
        sup::events(db, task.id).await.unwrap().into_iter().map(|e| (e.kind.as_str(), e.evidence)).collect();
    assert_eq!(
        ev,
        vec![
            ("issued", String::new()),
            ("replied", "附件#12 立项批复.pdf".into()),
            ("sent_back", String::new()),
            ("replied", "附件#13".into()),
            ("closed", String::new())
        ]
    );
    let e = sup::reply(db, &dept, task.id, 5, "再回复", "", "fgj", "t").await.unwrap_err();
    assert_eq!(code_of(&e), ErrorCode::TaskState);
    // Visibility: the county, the city and the unit see it; another county does not.
    assert!(sup::visible(db, &regions, task.id, RUICHENG, None).await.unwrap());
    assert!(sup::visible(db, &regions, task.id, YUNCHENG, None).await.unwrap());
    assert!(!sup::visible(db, &regions, task.id, "140802", None).await.unwrap());
    assert!(!sup::visible(db, &regions, 999_999, "", None).await.unwrap());
}

#[tokio::test]
async fn a_notice_keeps_its_facts_and_its_rectification_becomes_a_task() {
    let t = TestDb::with_regions().await;
    let (db, regions) = (&t.db, Regions::load(&t.db).await.unwrap());
    let set = ProfileSet::builtin();
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sheet/tests/fixtures/ruicheng.xlsx");
    let o =
        ImportOptions { region: Some("芮城县".into()), actor: "t".into(), origin: "t".into(), ..Default::default() };
    import_estates(db, &regions, &f, &o, &|_| {}).await.unwrap();
    let all = estates::list(db, &regions, &Default::default()).await.unwrap();
    let city = Caller { role: Role::Admin, scope: YUNCHENG.into(), unit_id: None };
    let county = Caller { role: Role::County, scope: RUICHENG.into(), unit_id: None };
    let n = NewNotice {
        region: YUNCHENG.into(),
        kind: Some(NoticeKind::Criticism),
        target_region: Some(RUICHENG.into()),
        period: "2026-11".into(),
        title: "关于芮城县老旧小区改造进度滞后的通报".into(),
        body: "芮城县开工进度滞后。".into(),
        rectifications: vec![Rectification {
            title: "限期完成开工".into(),
            body: "12月20日前全部开工".into(),
            due_on: today_plus(14),
        }],
        ..Default::default()
    };
    let e = sup::issue_notice(db, &regions, &set, &county, &n, "c", "t").await.unwrap_err();
    assert_eq!(code_of(&e), ErrorCode::NotIssuer);
    let (notice, tasks) = sup::issue_notice(db, &regions, &set, &city, &n, "city", "t").await.unwrap();
    let facts = notice.facts();
    assert_eq!((facts.region_code.as_str(), facts.year, facts.started, facts.done), (RUICHENG, 2026, 0, 0));
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].origin, TaskOrigin::Notice);
    assert_eq!(tasks[0].notice_id, Some(notice.id));
    assert_eq!(tasks[0].assignee_region.as_deref(), Some(RUICHENG));
    // A project starts afterwards: the live facts move, the notice's do not.
    let ids: Vec<i64> = all.iter().take(2).map(|e| e.id).collect();
    let np = NewProject { name: "原卷烟厂小区".into(), estate_ids: ids, plan_year: 2026, ..Default::default() };
    let pid = projects::create(db, &np, "t", "t").await.unwrap().id;
    jiugai_store::testing::execute(db, &format!("UPDATE projects SET stage = 'implementation' WHERE id = {pid}")).await;
    let live = sup::facts(db, &regions, &set, RUICHENG, None, 2026).await.unwrap();
    assert_eq!(live.started, 2);
    assert_eq!(sup::notice(db, notice.id).await.unwrap().facts(), facts);
    // The county replies to the rectification, the city closes it.
    let task = &tasks[0];
    sup::reply(db, &county, task.id, 1, "已全部开工", "", "county", "t").await.unwrap();
    let closed = sup::decide(db, &city, task.id, 2, true, "整改到位", "city", "t").await.unwrap();
    assert_eq!(closed.state, TaskState::Closed);
    assert_eq!(
        sup::list(db, &regions, &sup::Filter { notice_id: Some(notice.id), ..Default::default() }).await.unwrap().len(),
        1
    );
    assert_eq!(sup::notices(db, &regions, RUICHENG).await.unwrap().len(), 1);
    assert_eq!(sup::notices(db, &regions, "140802").await.unwrap().len(), 0);
    // A praise carries no rectification.
    let praise = NewNotice { kind: Some(NoticeKind::Praise), ..n.clone() };
    assert!(sup::issue_notice(db, &regions, &set, &city, &praise, "city", "t").await.is_err());
    // A demonstration project of 2026, once.
    let d = sup::mark_demo(db, &regions, &city, YUNCHENG, pid, 2026, "连片改造、居民出资", "city", "t").await.unwrap();
    assert_eq!((d.project_id, d.year), (pid, 2026));
    let e = sup::mark_demo(db, &regions, &city, YUNCHENG, pid, 2026, "again", "city", "t").await.unwrap_err();
    assert_eq!(code_of(&e), ErrorCode::Conflict);
    assert_eq!(sup::demos(db, &regions, RUICHENG, Some(2026)).await.unwrap().len(), 1);
    // An inspection finding about the project becomes a task.
    let nf = sup::NewFinding {
        inspected_on: today_plus(0),
        task: NewTask {
            region: RUICHENG.into(),
            assignee_region: Some(all[0].data.street_code.clone().unwrap_or_default()),
            project_id: Some(pid),
            title: "现场检查：围挡不到位".into(),
            body: "施工围挡缺失".into(),
            due_on: today_plus(7),
            ..Default::default()
        },
    };
    if nf.task.assignee_region.as_deref().is_some_and(|s| !s.is_empty()) {
        let ft = sup::record_finding(db, &regions, &county, &nf, "county", "t").await.unwrap();
        assert_eq!((ft.origin, ft.subject, ft.project_id), (TaskOrigin::Finding, TaskSubject::Project, Some(pid)));
        assert!(ft.finding_id.is_some());
    }
}

#[tokio::test]
async fn a_complaint_is_escalated_into_a_task() {
    let t = TestDb::with_regions().await;
    let (db, regions) = (&t.db, Regions::load(&t.db).await.unwrap());
    let _dir = import_annexes(db, &regions).await;
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sheet/tests/fixtures/ruicheng.xlsx");
    let o =
        ImportOptions { region: Some("芮城县".into()), actor: "t".into(), origin: "t".into(), ..Default::default() };
    import_estates(db, &regions, &f, &o, &|_| {}).await.unwrap();
    let all = estates::list(db, &regions, &Default::default()).await.unwrap();
    let np =
        NewProject { name: "粮苑小区".into(), estate_ids: vec![all[0].id], plan_year: 2026, ..Default::default() };
    let pid = projects::create(db, &np, "t", "t").await.unwrap().id;
    jiugai_store::testing::execute(db, &format!("UPDATE projects SET notice_from = '2026-01-01' WHERE id = {pid}"))
        .await;
    jiugai_store::testing::execute(db, &format!(
        "INSERT INTO complaints (tracking_no, project_id, estate_id, region_code, category, body, contact_name, contact_phone, status, due_on, created_at, updated_at, version) \
         VALUES ('TS20261101ABCDEFGH', {pid}, NULL, '{RUICHENG}', 'quality', '屋面防水施工后仍漏水', '', '', 'received', '2026-11-16', '2026-11-01T02:00:00Z', '2026-11-01T02:00:00Z', 1)")).await;
    let cid: i64 = 1;
    let zjj = org::find_unit(db, RUICHENG, "县住建局").await.unwrap();
    let office = Caller { role: Role::County, scope: RUICHENG.into(), unit_id: None };
    let nt =
        NewTask { region: RUICHENG.into(), assignee_unit: Some(zjj.id), due_on: today_plus(5), ..Default::default() };
    let task = sup::escalate_complaint(db, &regions, &office, cid, &nt, "county", "t").await.unwrap();
    assert_eq!((task.origin, task.complaint_id, task.project_id), (TaskOrigin::Complaint, Some(cid), Some(pid)));
    assert!(task.title.contains("TS20261101ABCDEFGH"), "{}", task.title);
    assert_eq!(task.body, "屋面防水施工后仍漏水");
    assert_eq!(task.assignee_unit_name.as_deref(), Some("县住建局"));
    // Another county's office cannot escalate it.
    let other = Caller { role: Role::County, scope: "140802".into(), unit_id: None };
    let nt2 = NewTask { region: "140802".into(), ..nt.clone() };
    assert!(sup::escalate_complaint(db, &regions, &other, cid, &nt2, "x", "t").await.is_err());
}
