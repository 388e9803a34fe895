//! Supervision (督导) [SPEC §7; 000 四(三); 003 七; 004 附件 三(一)]: tasks (督办) an office issues to a member
//! unit or a lower region about a project, an estate or a theme, with a deadline; the assignee replies with
//! progress and evidence; the issuer closes or sends back. Inspection findings (督导检查) and escalated
//! complaints create tasks; notices (通报) praise or criticise a region or unit for a period with the facts
//! the system holds attached, and their rectification deadlines (限期整改) become tasks. Demonstration
//! projects (示范项目) are marked per year [000 四(三)].
//!
//! Invariants:
//! - The issuer is the office of the task's region: an `admin` or `county` user whose scope is that region
//!   (or the whole country). The assignee is the unit's users (`users.unit_id`) or the office of the
//!   assignee region (`admin`/`county`/`street` with that scope). Others are refused (`not_issuer`,
//!   `not_assignee`); a state that does not allow the act is `task_state`.
//! - Overdue = not closed and the deadline (a Beijing date) before today ([`crate::clock::today`]); the
//!   deadline day itself is not overdue. Nothing stores "overdue": it is computed when read.
//! - Every act is a versioned update, a `sup_task_events` row and an audit entry in one transaction.
//! - A notice's facts are taken when it is issued and stored as JSON: a notice never changes later.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::estates::query::{Bind, bind_all};
use crate::regions::Regions;
use crate::{Db, StoreError, Tx, audit, clock, with_db, with_tx};
use jiugai_domain::{Date, ErrorCode, Label, NoticeKind, Role, TaskEventKind, TaskOrigin, TaskState, TaskSubject};

/// Who acts: role, scope and unit of the signed-in user (or the CLI's operator).
#[derive(Clone, Debug)]
pub struct Caller {
    pub role: Role,
    pub scope: String,
    pub unit_id: Option<i64>,
}

impl Caller {
    /// The CLI's operator: an office admin of the whole country.
    pub fn operator() -> Caller {
        Caller { role: Role::Admin, scope: String::new(), unit_id: None }
    }
    pub fn of(u: &crate::users::User) -> Caller {
        Caller { role: u.role, scope: u.scope_code.clone(), unit_id: u.unit_id }
    }
}

/// A supervision task as read, with `overdue` computed for today.
#[derive(Clone, Debug, Serialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Task {
    pub id: i64,
    /// The issuing office's region.
    pub region_code: String,
    pub assignee_region: Option<String>,
    pub assignee_unit: Option<i64>,
    pub assignee_unit_name: Option<String>,
    pub subject: TaskSubject,
    pub project_id: Option<i64>,
    pub estate_id: Option<i64>,
    pub title: String,
    pub body: String,
    /// Beijing date `YYYY-MM-DD`.
    pub due_on: String,
    pub state: TaskState,
    pub origin: TaskOrigin,
    pub finding_id: Option<i64>,
    pub complaint_id: Option<i64>,
    pub notice_id: Option<i64>,
    pub issued_by: String,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
    #[sqlx(skip)]
    pub overdue: bool,
}

impl Task {
    /// Whom the task is assigned to, for people: the unit's name or the region's.
    pub fn assignee_label(&self, regions: &Regions) -> String {
        match (&self.assignee_unit_name, &self.assignee_region) {
            (Some(u), _) => u.clone(),
            (None, Some(r)) => regions.get(r).map_or_else(|| r.clone(), |x| x.full_name.clone()),
            _ => String::new(),
        }
    }
}

/// One event of a task.
#[derive(Clone, Debug, Serialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    pub kind: TaskEventKind,
    pub text: String,
    /// An attachment or document reference given as evidence.
    pub evidence: String,
    pub actor: String,
    pub at: String,
}

/// A task to issue. `region`: the issuing office's region. Exactly one of `assignee_region` (strictly
/// below `region`) and `assignee_unit` (a unit of `region` or below).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewTask {
    pub region: String,
    pub assignee_region: Option<String>,
    pub assignee_unit: Option<i64>,
    pub project_id: Option<i64>,
    pub estate_id: Option<i64>,
    pub title: String,
    pub body: String,
    pub due_on: String,
}

const SELECT: &str = "SELECT t.id, t.region_code, t.assignee_region, t.assignee_unit, u.name AS assignee_unit_name, t.subject, t.project_id, t.estate_id, \
    t.title, t.body, t.due_on, t.state, t.origin, t.finding_id, t.complaint_id, t.notice_id, t.issued_by, t.version, t.created_at, t.updated_at, t.closed_at \
    FROM sup_tasks t LEFT JOIN org_units u ON u.id = t.assignee_unit";

fn invalid(field: &str, value: impl Into<String>, zh: impl Into<String>, en: impl Into<String>) -> StoreError {
    StoreError::invalid(field, value, zh, en)
}

fn with_overdue(mut t: Task, today: Date) -> Task {
    t.overdue = t.state != TaskState::Closed && t.due_on.as_str() < today.to_string().as_str();
    t
}

/// Is the caller the office of `region` (who issues, closes and sends back its tasks)?
pub fn is_office_of(c: &Caller, region: &str) -> bool {
    matches!(c.role, Role::Admin | Role::County) && (c.scope.is_empty() || c.scope == region)
}

/// Is the caller the assignee of `t`?
pub fn is_assignee(c: &Caller, t: &Task) -> bool {
    match (t.assignee_unit, &t.assignee_region) {
        (Some(u), _) => c.unit_id == Some(u),
        (None, Some(r)) => matches!(c.role, Role::Admin | Role::County | Role::Street) && c.scope == *r,
        _ => false,
    }
}

pub async fn get(db: &Db, id: i64) -> Result<Task, StoreError> {
    let sql = format!("{SELECT} WHERE t.id = $1");
    let t: Option<Task> = with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?);
    t.map(|t| with_overdue(t, clock::today())).ok_or_else(|| StoreError::NotFound("督办事项", "task", id.to_string()))
}

pub async fn events(db: &Db, id: i64) -> Result<Vec<Event>, StoreError> {
    Ok(
        with_db!(db, p => sqlx::query_as("SELECT kind, text, evidence, actor, at FROM sup_task_events WHERE task_id = $1 ORDER BY id")
        .bind(id).fetch_all(p).await?),
    )
}

/// May a user of `scope` (and `unit`) see task `id`? Its issuing region or its assignee region inside the
/// scope, or the task assigned to the user's unit. `false` for a task that does not exist.
pub async fn visible(db: &Db, regions: &Regions, id: i64, scope: &str, unit: Option<i64>) -> Result<bool, StoreError> {
    let t = match get(db, id).await {
        Ok(t) => t,
        Err(StoreError::NotFound(..)) => return Ok(false),
        Err(e) => return Err(e),
    };
    let inside = |r: &str| scope.is_empty() || r == scope || regions.within(r, scope);
    Ok(inside(&t.region_code)
        || t.assignee_region.as_deref().is_some_and(inside)
        || (t.assignee_unit.is_some() && t.assignee_unit == unit))
}

/// Which tasks to list.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Tasks issued by or assigned to a region inside this scope (`""`: everywhere).
    pub scope: String,
    /// Only tasks assigned to this region (exactly) …
    pub assignee_region: Option<String>,
    /// … or to this unit.
    pub assignee_unit: Option<i64>,
    /// Only tasks issued by this region (exactly).
    pub issued_by: Option<String>,
    pub state: Option<TaskState>,
    /// Only tasks still open whose deadline has passed.
    pub overdue: bool,
    pub notice_id: Option<i64>,
}

fn conditions(regions: &Regions, f: &Filter, today: Date, binds: &mut Vec<Bind>) -> Vec<String> {
    let mut wh = Vec::new();
    if !f.scope.is_empty() {
        let mut codes: Vec<String> = vec![f.scope.clone()];
        let mut stack = vec![f.scope.clone()];
        while let Some(c) = stack.pop() {
            for ch in regions.children(&c) {
                codes.push(ch.code.clone());
                stack.push(ch.code.clone());
            }
        }
        let start = binds.len();
        for c in &codes {
            binds.push(Bind::T(c.clone()));
        }
        let list: Vec<String> = (start + 1..=binds.len()).map(|i| format!("${i}")).collect();
        let list = list.join(", ");
        wh.push(format!("(t.region_code IN ({list}) OR t.assignee_region IN ({list}) OR u.region_code IN ({list}))"));
    }
    match (&f.assignee_region, f.assignee_unit) {
        (Some(r), Some(u)) => {
            binds.push(Bind::T(r.clone()));
            binds.push(Bind::I(u));
            wh.push(format!("(t.assignee_region = ${} OR t.assignee_unit = ${})", binds.len() - 1, binds.len()));
        }
        (Some(r), None) => {
            binds.push(Bind::T(r.clone()));
            wh.push(format!("t.assignee_region = ${}", binds.len()));
        }
        (None, Some(u)) => {
            binds.push(Bind::I(u));
            wh.push(format!("t.assignee_unit = ${}", binds.len()));
        }
        (None, None) => {}
    }
    if let Some(r) = &f.issued_by {
        binds.push(Bind::T(r.clone()));
        wh.push(format!("t.region_code = ${}", binds.len()));
    }
    if let Some(s) = f.state {
        binds.push(Bind::T(s.as_str().to_string()));
        wh.push(format!("t.state = ${}", binds.len()));
    }
    if f.overdue {
        binds.push(Bind::T(today.to_string()));
        wh.push(format!("t.state <> 'closed' AND t.due_on < ${}", binds.len()));
    }
    if let Some(n) = f.notice_id {
        binds.push(Bind::I(n));
        wh.push(format!("t.notice_id = ${}", binds.len()));
    }
    wh
}

/// Tasks in the filter: open ones first, by deadline, then id.
pub async fn list(db: &Db, regions: &Regions, f: &Filter) -> Result<Vec<Task>, StoreError> {
    let today = clock::today();
    let mut binds = Vec::new();
    let wh = conditions(regions, f, today, &mut binds);
    let sql = format!(
        "{SELECT} {} ORDER BY CASE WHEN t.state = 'closed' THEN 1 ELSE 0 END, t.due_on, t.id LIMIT 5000",
        if wh.is_empty() { String::new() } else { format!("WHERE {}", wh.join(" AND ")) }
    );
    let rows: Vec<Task> =
        with_db!(db, p => bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &binds).fetch_all(p).await?);
    Ok(rows.into_iter().map(|t| with_overdue(t, today)).collect())
}

/// Overdue tasks for a dashboard: issued by or assigned to a region inside `region`, or (with `unit`) only
/// those assigned to that unit.
pub async fn overdue_count(db: &Db, regions: &Regions, region: &str, unit: Option<i64>) -> Result<i64, StoreError> {
    let today = clock::today();
    let f = match unit {
        Some(u) => Filter { assignee_unit: Some(u), overdue: true, ..Default::default() },
        None => Filter { scope: region.to_string(), overdue: true, ..Default::default() },
    };
    let mut binds = Vec::new();
    let wh = conditions(regions, &f, today, &mut binds);
    let sql = format!(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM sup_tasks t LEFT JOIN org_units u ON u.id = t.assignee_unit WHERE {}",
        wh.join(" AND ")
    );
    Ok(with_db!(db, p => bind_all!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)), &binds).fetch_one(p).await?))
}

async fn event(
    tx: &mut Tx,
    id: i64,
    kind: TaskEventKind,
    text: &str,
    evidence: &str,
    actor: &str,
    at: &str,
) -> Result<(), StoreError> {
    with_tx!(tx, cx => sqlx::query("INSERT INTO sup_task_events (task_id, kind, text, evidence, actor, at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id).bind(kind).bind(text).bind(evidence).bind(actor).bind(at).execute(&mut *cx).await?.rows_affected());
    Ok(())
}

/// Where a task comes from (and the record it comes from).
#[derive(Clone, Copy, Debug)]
struct From {
    origin: TaskOrigin,
    finding: Option<i64>,
    complaint: Option<i64>,
    notice: Option<i64>,
}

async fn check_new(db: &Db, regions: &Regions, c: &Caller, t: &NewTask) -> Result<(TaskSubject, Date), StoreError> {
    if regions.get(&t.region).is_none() {
        return Err(StoreError::RegionNotFound(t.region.clone()));
    }
    if !is_office_of(c, &t.region) {
        return Err(invalid(
            "region",
            &t.region,
            "只有本级领导小组办公室（管理员或县区用户）可以下发督办事项",
            "only the office of the region (admin or county user) issues tasks",
        )
        .with_code(ErrorCode::NotIssuer));
    }
    if t.title.trim().is_empty() {
        return Err(invalid("title", "", "请填写督办事项标题", "the task needs a title"));
    }
    let due = Date::parse(t.due_on.trim()).ok_or_else(|| {
        invalid("due_on", &t.due_on, "办理期限应写成 2026-12-31", "the deadline is written 2026-12-31")
    })?;
    match (&t.assignee_region, t.assignee_unit) {
        (Some(r), None) => {
            if !regions.within(r, &t.region) || *r == t.region {
                return Err(invalid(
                    "assignee_region",
                    r,
                    "承办地区须是下发单位的下级地区",
                    "the assignee region must lie below the issuing region",
                ));
            }
        }
        (None, Some(u)) => {
            let unit = crate::org::unit(db, u)
                .await?
                .ok_or_else(|| StoreError::NotFound("成员单位", "unit", u.to_string()))?;
            if unit.region_code != t.region && !regions.within(&unit.region_code, &t.region) {
                return Err(invalid(
                    "assignee_unit",
                    &unit.name,
                    format!("成员单位“{}”不属于本级或下级", unit.name),
                    format!("unit “{}” is not of this region or below", unit.name),
                ));
            }
        }
        _ => {
            return Err(invalid(
                "assignee",
                "",
                "请指定一个承办单位：成员单位或下级地区（二选一）",
                "name one assignee: a member unit or a lower region",
            ));
        }
    }
    let subject = if let Some(pid) = t.project_id {
        let p = crate::projects::get(db, pid).await?;
        if !(p.region_code == t.region || regions.within(&p.region_code, &t.region)) {
            return Err(StoreError::NotFound("项目", "project", pid.to_string()));
        }
        TaskSubject::Project
    } else if let Some(eid) = t.estate_id {
        if !crate::estates::query::estate_within(db, regions, eid, &t.region).await? {
            return Err(StoreError::EstateNotFound(eid));
        }
        TaskSubject::Estate
    } else {
        TaskSubject::Theme
    };
    Ok((subject, due))
}

async fn insert(
    tx: &mut Tx,
    t: &NewTask,
    subject: TaskSubject,
    from: From,
    actor: &str,
    origin: &str,
    now: &str,
) -> Result<i64, StoreError> {
    let id: i64 = with_tx!(tx, cx => sqlx::query_scalar("INSERT INTO sup_tasks (region_code, assignee_region, assignee_unit, subject, project_id, estate_id, title, body, due_on, state, origin, finding_id, complaint_id, notice_id, issued_by, version, created_at, updated_at) \
        VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,'open',$10,$11,$12,$13,$14,1,$15,$15) RETURNING id")
        .bind(&t.region).bind(&t.assignee_region).bind(t.assignee_unit).bind(subject).bind(t.project_id).bind(t.estate_id)
        .bind(t.title.trim()).bind(t.body.trim()).bind(t.due_on.trim()).bind(from.origin).bind(from.finding).bind(from.complaint).bind(from.notice)
        .bind(actor).bind(now).fetch_one(&mut *cx).await?);
    event(tx, id, TaskEventKind::Issued, t.body.trim(), "", actor, now).await?;
    audit::append(
        tx,
        &audit::Entry::new(actor, origin, "task.issue", "task", &id.to_string(), json!({"after": {
            "region": t.region, "assignee_region": t.assignee_region, "assignee_unit": t.assignee_unit, "subject": subject,
            "project_id": t.project_id, "estate_id": t.estate_id, "title": t.title.trim(), "due_on": t.due_on.trim(),
            "origin": from.origin, "finding_id": from.finding, "complaint_id": from.complaint, "notice_id": from.notice}})),
    )
    .await?;
    Ok(id)
}

async fn issue_from(
    db: &Db,
    regions: &Regions,
    c: &Caller,
    t: &NewTask,
    from: From,
    actor: &str,
    origin: &str,
) -> Result<Task, StoreError> {
    let (subject, _) = check_new(db, regions, c, t).await?;
    let now = clock::now_rfc3339();
    let mut tx = db.begin().await?;
    audit::lock(&mut tx).await?;
    let id = insert(&mut tx, t, subject, from, actor, origin, &now).await?;
    tx.commit().await?;
    get(db, id).await
}

/// An office issues a task.
pub async fn issue(
    db: &Db,
    regions: &Regions,
    c: &Caller,
    t: &NewTask,
    actor: &str,
    origin: &str,
) -> Result<Task, StoreError> {
    let from = From { origin: TaskOrigin::Direct, finding: None, complaint: None, notice: None };
    issue_from(db, regions, c, t, from, actor, origin).await
}

async fn act(
    db: &Db,
    id: i64,
    expected: i64,
    to: TaskState,
    kind: TaskEventKind,
    text: &str,
    evidence: &str,
    actor: &str,
    origin: &str,
) -> Result<Task, StoreError> {
    let now = clock::now_rfc3339();
    let mut tx = db.begin().await?;
    audit::lock(&mut tx).await?;
    let n = with_tx!(&mut tx, cx => sqlx::query("UPDATE sup_tasks SET state = $1, version = version + 1, updated_at = $2, closed_at = CASE WHEN $1 = 'closed' THEN $2 ELSE closed_at END WHERE id = $3 AND version = $4")
        .bind(to).bind(&now).bind(id).bind(expected).execute(&mut *cx).await?.rows_affected());
    if n == 0 {
        return Err(StoreError::Stale { entity: "督办事项", id, expected, current: expected + 1 });
    }
    event(&mut tx, id, kind, text, evidence, actor, &now).await?;
    audit::append(
        &mut tx,
        &audit::Entry::new(
            actor,
            origin,
            &format!("task.{}", kind.as_str()),
            "task",
            &id.to_string(),
            json!({"version": expected + 1, "state": to, "text_chars": text.chars().count(), "evidence": evidence}),
        ),
    )
    .await?;
    tx.commit().await?;
    get(db, id).await
}

fn state_refused(t: &Task, zh: &str, en: &str) -> StoreError {
    invalid(
        "state",
        t.state.as_str(),
        format!("督办事项{}，{zh}", t.state.zh()),
        format!("the task is {}: {en}", t.state.en()),
    )
    .with_code(ErrorCode::TaskState)
}

fn stale(t: &Task, expected: i64) -> Result<(), StoreError> {
    if t.version != expected {
        return Err(StoreError::Stale { entity: "督办事项", id: t.id, expected, current: t.version });
    }
    Ok(())
}

/// The assignee replies with progress (`text`) and evidence (an attachment or document reference).
pub async fn reply(
    db: &Db,
    c: &Caller,
    id: i64,
    expected: i64,
    text: &str,
    evidence: &str,
    actor: &str,
    origin: &str,
) -> Result<Task, StoreError> {
    let t = get(db, id).await?;
    stale(&t, expected)?;
    if !is_assignee(c, &t) {
        return Err(invalid(
            "task",
            id.to_string(),
            "只有承办单位可以回复此督办事项",
            "only the assignee replies to this task",
        )
        .with_code(ErrorCode::NotAssignee));
    }
    if !matches!(t.state, TaskState::Open | TaskState::SentBack) {
        return Err(state_refused(&t, "不能回复", "it cannot be replied to"));
    }
    if text.trim().is_empty() {
        return Err(invalid("text", "", "请填写办理进展", "write the progress made"));
    }
    act(db, id, expected, TaskState::Replied, TaskEventKind::Replied, text.trim(), evidence.trim(), actor, origin).await
}

/// The issuer sends a reply back (a reason is needed) or closes the task.
pub async fn decide(
    db: &Db,
    c: &Caller,
    id: i64,
    expected: i64,
    close: bool,
    text: &str,
    actor: &str,
    origin: &str,
) -> Result<Task, StoreError> {
    let t = get(db, id).await?;
    stale(&t, expected)?;
    if !is_office_of(c, &t.region_code) {
        return Err(invalid(
            "task",
            id.to_string(),
            "只有下发单位可以办结或退回此督办事项",
            "only the issuing office closes or sends back this task",
        )
        .with_code(ErrorCode::NotIssuer));
    }
    if t.state != TaskState::Replied {
        return Err(state_refused(&t, "须在承办单位回复后办结或退回", "close or send back after the assignee replied"));
    }
    if close {
        act(db, id, expected, TaskState::Closed, TaskEventKind::Closed, text.trim(), "", actor, origin).await
    } else {
        if text.trim().is_empty() {
            return Err(invalid("text", "", "退回须说明理由", "sending back needs a reason"));
        }
        act(db, id, expected, TaskState::SentBack, TaskEventKind::SentBack, text.trim(), "", actor, origin).await
    }
}

// ───────────────────────────── Findings and complaints ─────────────────────────────

/// An inspection finding (督导检查发现的问题) and the task it creates.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewFinding {
    pub inspected_on: String,
    /// The task to issue; its `body` is the finding's text.
    pub task: NewTask,
}

/// Records an inspection finding and issues its task (origin `finding`).
pub async fn record_finding(
    db: &Db,
    regions: &Regions,
    c: &Caller,
    f: &NewFinding,
    actor: &str,
    origin: &str,
) -> Result<Task, StoreError> {
    let on = Date::parse(f.inspected_on.trim()).ok_or_else(|| {
        invalid("inspected_on", &f.inspected_on, "检查日期应写成 2026-11-20", "the date is written 2026-11-20")
    })?;
    if f.task.body.trim().is_empty() {
        return Err(invalid("body", "", "请填写检查发现的问题", "describe what the inspection found"));
    }
    let (subject, _) = check_new(db, regions, c, &f.task).await?;
    let now = clock::now_rfc3339();
    let mut tx = db.begin().await?;
    audit::lock(&mut tx).await?;
    let fid: i64 = with_tx!(&mut tx, cx => sqlx::query_scalar("INSERT INTO sup_findings (region_code, inspected_on, text, project_id, estate_id, actor, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id")
        .bind(&f.task.region).bind(on.to_string()).bind(f.task.body.trim()).bind(f.task.project_id).bind(f.task.estate_id).bind(actor).bind(&now).fetch_one(&mut *cx).await?);
    audit::append(&mut tx, &audit::Entry::new(actor, origin, "finding.record", "finding", &fid.to_string(),
        json!({"region": f.task.region, "inspected_on": on.to_string(), "project_id": f.task.project_id, "estate_id": f.task.estate_id}))).await?;
    let from = From { origin: TaskOrigin::Finding, finding: Some(fid), complaint: None, notice: None };
    let id = insert(&mut tx, &f.task, subject, from, actor, origin, &now).await?;
    tx.commit().await?;
    get(db, id).await
}

/// Escalates a complaint into a task (origin `complaint`): about its project (else its estate), issued by
/// `t.region` (which must contain the complaint's region); the title and text default to the complaint's.
pub async fn escalate_complaint(
    db: &Db,
    regions: &Regions,
    c: &Caller,
    complaint_id: i64,
    t: &NewTask,
    actor: &str,
    origin: &str,
) -> Result<Task, StoreError> {
    let cp = crate::complaints::get(db, complaint_id).await?;
    if !(cp.region_code == t.region || regions.within(&cp.region_code, &t.region)) {
        return Err(StoreError::NotFound("投诉", "complaint", complaint_id.to_string()));
    }
    let mut t = t.clone();
    t.project_id = cp.project_id;
    t.estate_id = if cp.project_id.is_some() { None } else { cp.estate_id };
    if t.title.trim().is_empty() {
        t.title = format!("投诉转督办：{}（{}）", cp.tracking_no, cp.category.zh());
    }
    if t.body.trim().is_empty() {
        t.body = cp.body.clone();
    }
    let from = From { origin: TaskOrigin::Complaint, finding: None, complaint: Some(complaint_id), notice: None };
    issue_from(db, regions, c, &t, from, actor, origin).await
}

// ───────────────────────────── Notices ─────────────────────────────

/// A notice (通报) as stored.
#[derive(Clone, Debug, Serialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notice {
    pub id: i64,
    pub region_code: String,
    pub kind: NoticeKind,
    pub target_region: Option<String>,
    pub target_unit: Option<i64>,
    pub target_unit_name: Option<String>,
    pub period: String,
    pub title: String,
    pub body: String,
    /// The facts as they stood at issue ([`Facts`] as JSON).
    pub facts_json: String,
    pub issued_by: String,
    pub issued_at: String,
}

impl Notice {
    pub fn facts(&self) -> Facts {
        serde_json::from_str(&self.facts_json).unwrap_or_default()
    }
    /// Whom the notice is about, for people.
    pub fn target_label(&self, regions: &Regions) -> String {
        match (&self.target_unit_name, &self.target_region) {
            (Some(u), _) => u.clone(),
            (None, Some(r)) => regions.get(r).map_or_else(|| r.clone(), |x| x.full_name.clone()),
            _ => String::new(),
        }
    }
}

/// The facts a notice carries, taken when it is issued.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Facts {
    /// The region the facts are about (the target region, else the target unit's region).
    pub region_code: String,
    pub year: i32,
    /// The year's target estates, done, started, shortfall, cumulative share ([`crate::targets::progress`]).
    pub target: Option<i64>,
    pub done: i64,
    pub started: i64,
    pub shortfall: i64,
    pub share: Option<String>,
    /// Overdue approval steps and the projects they are in (as of the issue date).
    pub overdue_steps: i64,
    pub overdue_projects: i64,
    /// Open and overdue complaints routed inside the region.
    pub complaints_open: i64,
    pub complaints_overdue: i64,
    /// Overdue supervision tasks of the region (or unit).
    pub tasks_overdue: i64,
    /// The date the facts were taken (Beijing).
    pub as_of: String,
}

/// A rectification deadline (限期整改) of a notice: becomes a task for the notice's target.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rectification {
    pub title: String,
    #[serde(default)]
    pub body: String,
    pub due_on: String,
}

/// A notice to issue.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewNotice {
    pub region: String,
    pub kind: Option<NoticeKind>,
    pub target_region: Option<String>,
    pub target_unit: Option<i64>,
    /// `2026`, `2026-11` or `2026-Q3`: the year is its first four digits.
    pub period: String,
    pub title: String,
    pub body: String,
    pub rectifications: Vec<Rectification>,
}

const NOTICE_SELECT: &str = "SELECT n.id, n.region_code, n.kind, n.target_region, n.target_unit, u.name AS target_unit_name, n.period, n.title, n.body, n.facts_json, n.issued_by, n.issued_at FROM notices n LEFT JOIN org_units u ON u.id = n.target_unit";

/// The facts about `region` (or a unit) for `year`, now.
pub async fn facts(
    db: &Db,
    regions: &Regions,
    profiles: &jiugai_rules::ProfileSet,
    region: &str,
    unit: Option<i64>,
    year: i32,
) -> Result<Facts, StoreError> {
    let today = clock::today();
    let prog = crate::targets::progress(db, regions, profiles, region, year).await?;
    let f = crate::projects::Filter { scope: region.to_string(), ..Default::default() };
    let ps = crate::projects::summary(db, regions, profiles, &f).await?;
    let cs = crate::complaints::summary(db, region, today).await?;
    let tasks_overdue = overdue_count(db, regions, region, unit).await?;
    Ok(Facts {
        region_code: region.to_string(),
        year,
        target: prog.region.target,
        done: prog.region.done,
        started: prog.region.started,
        shortfall: prog.region.shortfall,
        share: prog.region.share.clone(),
        overdue_steps: ps.overdue_steps,
        overdue_projects: ps.overdue_projects,
        complaints_open: cs.open,
        complaints_overdue: cs.overdue,
        tasks_overdue,
        as_of: today.to_string(),
    })
}

/// Issues a notice with the facts as they stand and its rectification tasks, in one transaction.
pub async fn issue_notice(
    db: &Db,
    regions: &Regions,
    profiles: &jiugai_rules::ProfileSet,
    c: &Caller,
    n: &NewNotice,
    actor: &str,
    origin: &str,
) -> Result<(Notice, Vec<Task>), StoreError> {
    if regions.get(&n.region).is_none() {
        return Err(StoreError::RegionNotFound(n.region.clone()));
    }
    if !is_office_of(c, &n.region) {
        return Err(invalid(
            "region",
            &n.region,
            "只有本级领导小组办公室可以发布通报",
            "only the office of the region issues notices",
        )
        .with_code(ErrorCode::NotIssuer));
    }
    let kind = n.kind.ok_or_else(|| invalid("kind", "", "请选择通报表扬或通报批评", "choose praise or criticism"))?;
    let year: i32 =
        n.period.trim().get(..4).and_then(|y| y.parse().ok()).filter(|y| (2000..=2100).contains(y)).ok_or_else(
            || {
                invalid(
                    "period",
                    &n.period,
                    "通报期间应写成 2026、2026-11 或 2026-Q3",
                    "the period is written 2026, 2026-11 or 2026-Q3",
                )
            },
        )?;
    if n.title.trim().is_empty() {
        return Err(invalid("title", "", "请填写通报标题", "the notice needs a title"));
    }
    let facts_region = match (&n.target_region, n.target_unit) {
        (Some(r), None) => {
            if !(regions.within(r, &n.region) && *r != n.region) {
                return Err(invalid(
                    "target_region",
                    r,
                    "通报对象须是下级地区",
                    "the region named must lie below the issuing region",
                ));
            }
            r.clone()
        }
        (None, Some(u)) => {
            let unit = crate::org::unit(db, u)
                .await?
                .ok_or_else(|| StoreError::NotFound("成员单位", "unit", u.to_string()))?;
            if unit.region_code != n.region && !regions.within(&unit.region_code, &n.region) {
                return Err(invalid(
                    "target_unit",
                    &unit.name,
                    "通报对象须是本级或下级成员单位",
                    "the unit must be of this region or below",
                ));
            }
            unit.region_code
        }
        _ => {
            return Err(invalid(
                "target",
                "",
                "请指定通报对象：下级地区或成员单位（二选一）",
                "name whom the notice is about: a lower region or a unit",
            ));
        }
    };
    if kind == NoticeKind::Praise && !n.rectifications.is_empty() {
        return Err(invalid("rectifications", "", "通报表扬不设整改期限", "a praise has no rectification deadlines"));
    }
    let tasks: Vec<NewTask> = n
        .rectifications
        .iter()
        .map(|r| NewTask {
            region: n.region.clone(),
            assignee_region: n.target_region.clone(),
            assignee_unit: n.target_unit,
            project_id: None,
            estate_id: None,
            title: r.title.clone(),
            body: if r.body.trim().is_empty() { r.title.clone() } else { r.body.clone() },
            due_on: r.due_on.clone(),
        })
        .collect();
    for t in &tasks {
        check_new(db, regions, c, t).await?;
    }
    let f = facts(db, regions, profiles, &facts_region, n.target_unit, year).await?;
    let fj = serde_json::to_string(&f).map_err(|e| StoreError::Other(e.to_string()))?;
    let now = clock::now_rfc3339();
    let mut tx = db.begin().await?;
    audit::lock(&mut tx).await?;
    let id: i64 = with_tx!(&mut tx, cx => sqlx::query_scalar("INSERT INTO notices (region_code, kind, target_region, target_unit, period, title, body, facts_json, issued_by, issued_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id")
        .bind(&n.region).bind(kind).bind(&n.target_region).bind(n.target_unit).bind(n.period.trim()).bind(n.title.trim()).bind(n.body.trim())
        .bind(&fj).bind(actor).bind(&now).fetch_one(&mut *cx).await?);
    audit::append(&mut tx, &audit::Entry::new(actor, origin, "notice.issue", "notice", &id.to_string(), json!({"after": {
        "region": n.region, "kind": kind, "target_region": n.target_region, "target_unit": n.target_unit, "period": n.period.trim(),
        "title": n.title.trim(), "facts_sha256": jiugai_domain::digest::sha256_hex(fj.as_bytes()), "rectifications": tasks.len()}}))).await?;
    let mut ids = Vec::new();
    for t in &tasks {
        let subject = TaskSubject::Theme;
        let from = From { origin: TaskOrigin::Notice, finding: None, complaint: None, notice: Some(id) };
        ids.push(insert(&mut tx, t, subject, from, actor, origin, &now).await?);
    }
    tx.commit().await?;
    let mut out = Vec::new();
    for i in ids {
        out.push(get(db, i).await?);
    }
    Ok((notice(db, id).await?, out))
}

pub async fn notice(db: &Db, id: i64) -> Result<Notice, StoreError> {
    let sql = format!("{NOTICE_SELECT} WHERE n.id = $1");
    let n: Option<Notice> =
        with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?);
    n.ok_or_else(|| StoreError::NotFound("通报", "notice", id.to_string()))
}

/// May a user of `scope` see notice `id`? Its issuing region or its target inside the scope.
pub async fn notice_visible(db: &Db, regions: &Regions, id: i64, scope: &str) -> Result<bool, StoreError> {
    let n = match notice(db, id).await {
        Ok(n) => n,
        Err(StoreError::NotFound(..)) => return Ok(false),
        Err(e) => return Err(e),
    };
    let inside = |r: &str| scope.is_empty() || r == scope || regions.within(r, scope);
    Ok(inside(&n.region_code) || n.target_region.as_deref().is_some_and(inside) || inside(&n.facts().region_code))
}

/// Notices issued by or about a region inside `scope`, newest first.
pub async fn notices(db: &Db, regions: &Regions, scope: &str) -> Result<Vec<Notice>, StoreError> {
    let sql = format!("{NOTICE_SELECT} ORDER BY n.id DESC LIMIT 2000");
    let all: Vec<Notice> = with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(p).await?);
    let inside = |r: &str| scope.is_empty() || r == scope || regions.within(r, scope);
    Ok(all
        .into_iter()
        .filter(|n| {
            inside(&n.region_code) || n.target_region.as_deref().is_some_and(inside) || inside(&n.facts().region_code)
        })
        .collect())
}

// ───────────────────────────── Demonstration projects ─────────────────────────────

/// A demonstration project (示范项目) of a year [000 四(三)].
#[derive(Clone, Debug, Serialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Demo {
    pub project_id: i64,
    pub project_name: String,
    /// The project's county.
    pub project_region: String,
    pub year: i64,
    pub region_code: String,
    pub reason: String,
    pub marked_by: String,
    pub marked_at: String,
}

/// An office marks a project of its region as a demonstration project of `year`.
pub async fn mark_demo(
    db: &Db,
    regions: &Regions,
    c: &Caller,
    region: &str,
    project_id: i64,
    year: i32,
    reason: &str,
    actor: &str,
    origin: &str,
) -> Result<Demo, StoreError> {
    if !is_office_of(c, region) {
        return Err(invalid(
            "region",
            region,
            "只有本级领导小组办公室可以选树示范项目",
            "only the office of the region marks demonstration projects",
        )
        .with_code(ErrorCode::NotIssuer));
    }
    let p = crate::projects::get(db, project_id).await?;
    if !(p.region_code == region || regions.within(&p.region_code, region)) {
        return Err(StoreError::NotFound("项目", "project", project_id.to_string()));
    }
    if reason.trim().is_empty() {
        return Err(invalid("reason", "", "请写明选树理由（好的经验做法）", "say why (the practice worth spreading)"));
    }
    let now = clock::now_rfc3339();
    let mut tx = db.begin().await?;
    audit::lock(&mut tx).await?;
    let r = with_tx!(&mut tx, cx => sqlx::query("INSERT INTO demo_projects (project_id, year, region_code, reason, marked_by, marked_at) VALUES ($1,$2,$3,$4,$5,$6)")
        .bind(project_id).bind(i64::from(year)).bind(region).bind(reason.trim()).bind(actor).bind(&now).execute(&mut *cx).await.map(|r| r.rows_affected()));
    match r {
        Ok(_) => {}
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(invalid(
                "project",
                project_id.to_string(),
                format!("该项目已是 {year} 年示范项目"),
                format!("the project is already a {year} demonstration project"),
            )
            .with_code(ErrorCode::Conflict));
        }
        Err(e) => return Err(e.into()),
    }
    audit::append(
        &mut tx,
        &audit::Entry::new(
            actor,
            origin,
            "demo.mark",
            "project",
            &project_id.to_string(),
            json!({"year": year, "region": region}),
        ),
    )
    .await?;
    tx.commit().await?;
    demos(db, regions, region, Some(year))
        .await?
        .into_iter()
        .find(|d| d.project_id == project_id)
        .ok_or_else(|| StoreError::Other("demo vanished".into()))
}

/// Demonstration projects chosen by an office inside `scope`, by year.
pub async fn demos(db: &Db, regions: &Regions, scope: &str, year: Option<i32>) -> Result<Vec<Demo>, StoreError> {
    let all: Vec<Demo> = with_db!(db, p => sqlx::query_as("SELECT d.project_id, p.name AS project_name, p.region_code AS project_region, d.year, d.region_code, d.reason, d.marked_by, d.marked_at FROM demo_projects d JOIN projects p ON p.id = d.project_id WHERE ($1 = 0 OR d.year = $1) ORDER BY d.year DESC, d.project_id")
        .bind(i64::from(year.unwrap_or(0))).fetch_all(p).await?);
    Ok(all
        .into_iter()
        .filter(|d| {
            let inside = |r: &str| scope.is_empty() || r == scope || regions.within(r, scope);
            inside(&d.region_code) || inside(&d.project_region)
        })
        .collect())
}
