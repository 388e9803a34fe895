//! Complaints and reports from residents (投诉举报) [SPEC §7; 000 四(二)]: submitted without an account
//! about a project or an estate, given a tracking number, routed to the responsible region, answered
//! within a time limit (SLA), and followed by the resident by tracking number.
//!
//! Invariants:
//! - The tracking number (`TS` + received date + `-` + 8 characters from an alphabet without 0/O/1/I,
//!   40 random bits from the operating system) cannot be guessed or enumerated; it is the resident's
//!   only key. What [`track`] returns is the public view: status, dated status changes and the office's
//!   replies — never the staff's names, the resident's contact or the internal region.
//! - Routing: the street (街道/乡镇) of the estate, or of the project's estates when they share one street;
//!   else their county ("县（区）组织推进、街道社区实施落实 … 畅通投诉举报渠道" [000 四(二); 004 七(一)]).
//!   Staff see a complaint when its region lies inside their scope (a street-level user does not see a
//!   complaint routed to its county).
//! - SLA: `due_on` = received date + N days, N from the profile rule `complaint_response_days` of the
//!   region's profile when a profile sets it, else [`DEFAULT_RESPONSE_DAYS`] (15 days, this system's
//!   default: the seeds ask for open complaint channels but set no time limit). Overdue: not resolved and
//!   `due_on` < today (due on the day itself is not overdue).
//! - A public complaint must name a project whose notice (公示) is published, or an estate of such a
//!   project: the public pages never reveal the internal registry, and residents reach the form from the
//!   notice page.
//! - Every change is versioned (`UPDATE … WHERE version = $expected`, else [`StoreError::Stale`]) and audited
//!   in its transaction; the audit entry holds no contact data and not the text.

use serde::Serialize;
use serde_json::json;

use crate::estates::query::{Bind, bind_all};
use crate::projects::invalid;
use crate::regions::{Level, Regions};
use crate::{Db, StoreError, audit, clock, with_db, with_tx};
pub use jiugai_domain::{ComplaintCategory as Category, ComplaintStatus as Status};

/// Days to answer when no profile sets `complaint_response_days` (this system's default).
pub const DEFAULT_RESPONSE_DAYS: i64 = 15;

/// The same text about the same subject within this many minutes is refused as a duplicate.
pub const DUPLICATE_MINUTES: i64 = 10;

pub const BODY_MIN: usize = 5;
pub const BODY_MAX: usize = 2000;
pub const REPLY_MAX: usize = 2000;

/// What a resident submits.
#[derive(Clone, Debug, Default)]
pub struct NewComplaint {
    pub project_id: Option<i64>,
    pub estate_id: Option<i64>,
    pub category: String,
    pub body: String,
    pub contact_name: String,
    pub contact_phone: String,
}

/// A complaint as staff see it (with the names of its project and estate).
#[derive(Clone, Debug, Serialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Complaint {
    pub id: i64,
    pub tracking_no: String,
    pub project_id: Option<i64>,
    pub project_name: Option<String>,
    pub estate_id: Option<i64>,
    pub estate_name: Option<String>,
    pub region_code: String,
    pub category: Category,
    pub body: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub status: Status,
    /// YYYY-MM-DD: answer by this day.
    pub due_on: String,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl Complaint {
    /// Received date (YYYY-MM-DD).
    pub fn received_on(&self) -> &str {
        self.created_at.get(..10).unwrap_or("")
    }
    /// Days left until `due_on` (negative: days overdue); `None` once resolved.
    pub fn days_left(&self, today: jiugai_rules::Date) -> Option<i64> {
        if self.status == Status::Resolved {
            return None;
        }
        jiugai_rules::Date::parse(&self.due_on).map(|d| d.to_days() - today.to_days())
    }
    pub fn overdue(&self, today: jiugai_rules::Date) -> bool {
        self.days_left(today).is_some_and(|d| d < 0)
    }
}

/// One entry of a complaint's history (staff view: with the actor).
#[derive(Clone, Debug, Serialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    pub at: String,
    pub actor: String,
    pub status: Status,
    pub note: String,
}

/// One entry of the public history: the day, the status, the office's reply.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicEvent {
    pub on: String,
    pub status: Status,
    pub reply: String,
}

/// What the resident sees by tracking number.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tracking {
    pub tracking_no: String,
    pub status: Status,
    pub category: Category,
    pub received_on: String,
    /// The project's name (its notice is public), if the complaint is about a project.
    pub project_name: Option<String>,
    pub history: Vec<PublicEvent>,
}

const SELECT: &str = "SELECT c.id, c.tracking_no, c.project_id, p.name AS project_name, c.estate_id, e.name AS estate_name, c.region_code, \
    c.category, c.body, c.contact_name, c.contact_phone, c.status, c.due_on, c.created_at, c.updated_at, c.version \
    FROM complaints c LEFT JOIN projects p ON p.id = c.project_id LEFT JOIN estates e ON e.id = c.estate_id";

/// A new tracking number for a complaint received on `on`: `TS20260115-7K3M9QXA` (8 × 5 = 40 random bits:
/// each byte's low 5 bits pick a symbol, unbiased).
pub fn new_tracking_no(on: jiugai_rules::Date) -> String {
    format!("TS{}-{}", on.to_string().replace('-', ""), crate::codes::random(8))
}

/// A tracking number as a person types it (lower case, spaces, without the dash, full-width) → the
/// stored form, or `None` when it cannot be one.
pub fn normalize_tracking_no(s: &str) -> Option<String> {
    let t = crate::codes::normalize(s);
    if t.len() != 18
        || !t.starts_with("TS")
        || !t[2..10].bytes().all(|b| b.is_ascii_digit())
        || !t[10..].bytes().all(|b| crate::codes::ALPHABET.contains(&b))
    {
        return None;
    }
    Some(format!("{}-{}", &t[..10], &t[10..]))
}

/// A timestamp for `today` (which honours `JIUGAI_TODAY` through [`crate::projects::today`]) at the current
/// time of day, RFC 3339 UTC.
pub fn stamp(today: jiugai_rules::Date) -> String {
    let now = clock::now_rfc3339();
    format!("{today}{}", now.get(10..).unwrap_or("T00:00:00.000Z"))
}

/// Days to answer under the profile of `region_code`: (days, where the value comes from).
pub fn response_days(profiles: &jiugai_rules::ProfileSet, region_code: &str) -> (i64, String) {
    let name = profiles.for_region(region_code);
    if let Ok(eff) = profiles.effective(name)
        && let Some(r) = eff.rule("complaint_response_days", None)
        && let jiugai_rules::RuleValue::Count(n) = r.value
        && n > 0
    {
        return (n, format!("{}（{}）", r.source, r.profile));
    }
    (DEFAULT_RESPONSE_DAYS, "本系统默认值（文件未规定投诉办理时限）".into())
}

/// The public notice of project `id` is published (else the public may not name it).
async fn published_project(db: &Db, id: i64) -> Result<Option<crate::projects::Project>, StoreError> {
    match crate::projects::get(db, id).await {
        Ok(p) if p.notice_from.is_some() => Ok(Some(p)),
        Ok(_) | Err(StoreError::ProjectNotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A project with a published notice that renovates estate `id`, if any (the public may name that estate).
pub async fn published_project_of_estate(db: &Db, id: i64) -> Result<Option<i64>, StoreError> {
    let row: Option<i64> = with_db!(db, p => sqlx::query_scalar(
        "SELECT p.id FROM projects p JOIN project_estates pe ON pe.project_id = p.id WHERE pe.estate_id = $1 AND p.notice_from IS NOT NULL ORDER BY p.id DESC LIMIT 1")
        .bind(id).fetch_optional(p).await?);
    Ok(row)
}

/// The responsible region of these estates: their street when they share one (known to the tree), else
/// their county.
pub async fn route(db: &Db, regions: &Regions, estate_ids: &[i64]) -> Result<String, StoreError> {
    let mut county = String::new();
    let mut streets: Vec<Option<String>> = Vec::new();
    for id in estate_ids {
        let e = crate::estates::get(db, *id).await?;
        if county.is_empty() {
            county = e.data.region_code.clone();
        }
        streets.push(e.data.street_code.clone().filter(|s| regions.get(s).is_some_and(|r| r.level == Level::Street)));
    }
    match streets.first() {
        Some(Some(s)) if streets.iter().all(|x| x.as_ref() == Some(s)) => Ok(s.clone()),
        _ => Ok(county),
    }
}

/// Records a complaint received at `at` (RFC 3339; its date is the received date) and returns it with its
/// tracking number. The caller is the public (`actor` "resident").
pub async fn submit(
    db: &Db,
    regions: &Regions,
    profiles: &jiugai_rules::ProfileSet,
    n: &NewComplaint,
    at: &str,
    origin: &str,
) -> Result<Complaint, StoreError> {
    let received = at
        .get(..10)
        .and_then(jiugai_rules::Date::parse)
        .ok_or_else(|| invalid("at", at, "受理时间无效", "the time received is invalid"))?;
    let Some(category) = Category::parse(&n.category) else {
        use jiugai_domain::Label;
        let zh = Category::ALL.iter().map(|c| c.zh()).collect::<Vec<_>>().join("、");
        let en = Category::ALL.iter().map(|c| c.en()).collect::<Vec<_>>().join(", ");
        return Err(invalid(
            "category",
            &n.category,
            format!("请选择投诉类别：{zh}"),
            format!("choose a category: {en}"),
        ));
    };
    let body = n.body.trim();
    let chars = body.chars().count();
    if !(BODY_MIN..=BODY_MAX).contains(&chars) {
        return Err(invalid(
            "body",
            format!("{chars}"),
            format!("请描述问题，{BODY_MIN} 至 {BODY_MAX} 个字（现有 {chars} 个字）"),
            format!("describe the problem in {BODY_MIN} to {BODY_MAX} characters (now {chars})"),
        ));
    }
    let name = n.contact_name.trim();
    if name.chars().count() > 50 {
        return Err(invalid(
            "contact_name",
            name,
            "联系人姓名不超过 50 个字",
            "the contact name must be at most 50 characters",
        ));
    }
    let phone: String = n.contact_phone.trim().to_string();
    if phone.chars().count() > 20
        || !phone.chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | ' ' | '(' | ')'))
    {
        return Err(invalid(
            "contact_phone",
            &phone,
            "联系电话只能填写数字（可含 - + 空格），不超过 20 位；也可以不填",
            "the phone may hold digits (and - + spaces), at most 20; or leave it empty",
        ));
    }
    // What it is about: a published project (optionally one of its estates), or an estate of one.
    let (project_id, estate_id, estates) = match (n.project_id, n.estate_id) {
        (None, None) => {
            return Err(invalid(
                "project_id",
                "",
                "请说明投诉涉及的改造项目或小区：请从项目公示页的“投诉举报”链接进入",
                "say which project or estate it is about: use the “complaint” link on the project's public notice",
            ));
        }
        (Some(pid), eid) => {
            let Some(p) = published_project(db, pid).await? else {
                return Err(invalid(
                    "project_id",
                    pid.to_string(),
                    format!("没有编号为 {pid} 的已公示改造项目：请核对编号，或从项目公示页的“投诉举报”链接进入"),
                    format!(
                        "there is no project {pid} with a published notice: check the number, or use the “complaint” link on the project's notice"
                    ),
                ));
            };
            match eid {
                Some(e) if !p.estate_ids.contains(&e) => {
                    return Err(invalid(
                        "estate_id",
                        e.to_string(),
                        format!("小区 {e} 不属于项目“{}”：请从列表中选择小区，或不选", p.name),
                        format!("estate {e} is not part of project “{}”: choose one from the list, or none", p.name),
                    ));
                }
                Some(e) => (Some(pid), Some(e), vec![e]),
                None => (Some(pid), None, p.estate_ids.clone()),
            }
        }
        (None, Some(e)) => {
            if published_project_of_estate(db, e).await?.is_none() {
                return Err(invalid(
                    "estate_id",
                    e.to_string(),
                    format!("没有编号为 {e} 且在已公示项目中的小区：请从项目公示页的“投诉举报”链接进入"),
                    format!(
                        "there is no estate {e} in a project with a published notice: use the “complaint” link on the project's notice"
                    ),
                ));
            }
            (None, Some(e), vec![e])
        }
    };
    // The same text about the same subject within a few minutes: a resubmitted form (a refreshed receipt
    // page) or a replay, not a new complaint. The earlier tracking number is not shown (it is its sender's).
    if let Some(since) = clock::shift(at, -DUPLICATE_MINUTES * 60) {
        let n: i64 = with_db!(db, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM complaints WHERE COALESCE(project_id, 0) = $1 AND COALESCE(estate_id, 0) = $2 AND body = $3 AND created_at >= $4 AND created_at <= $5")
            .bind(project_id.unwrap_or(0)).bind(estate_id.unwrap_or(0)).bind(body).bind(&since).bind(at).fetch_one(pool).await?);
        if n > 0 {
            return Err(invalid(
                "body",
                format!("{chars}"),
                format!(
                    "相同内容已在 {DUPLICATE_MINUTES} 分钟内提交过，不再重复受理：请凭当时回执上的受理编号查询进度"
                ),
                format!(
                    "the same report was submitted in the last {DUPLICATE_MINUTES} minutes and is not received twice: follow it with the tracking number on that receipt"
                ),
            ));
        }
    }
    let region = route(db, regions, &estates).await?;
    let (days, source) = response_days(profiles, &region);
    let due = jiugai_rules::Date::from_days(received.to_days() + days)
        .ok_or_else(|| invalid("at", at, "受理时间无效", "the time received is invalid"))?
        .to_string();
    let mut tries = 0;
    let id = loop {
        tries += 1;
        let no = new_tracking_no(received);
        let mut tx = db.begin().await?;
        let r = with_tx!(&mut tx, cx => sqlx::query_scalar("INSERT INTO complaints (tracking_no, project_id, estate_id, region_code, category, body, contact_name, contact_phone, status, due_on, created_at, updated_at, version) \
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'received', $9, $10, $10, 1) RETURNING id")
            .bind(&no).bind(project_id).bind(estate_id).bind(&region).bind(category.as_str()).bind(body).bind(name).bind(&phone).bind(&due).bind(at)
            .fetch_one(&mut *cx).await);
        let id: i64 = match r {
            Ok(id) => id,
            Err(sqlx::Error::Database(d)) if d.is_unique_violation() && tries < 5 => continue,
            Err(e) => return Err(e.into()),
        };
        with_tx!(&mut tx, cx => sqlx::query("INSERT INTO complaint_events (complaint_id, at, actor, status, note) VALUES ($1, $2, 'resident', 'received', '')")
            .bind(id).bind(at).execute(&mut *cx).await?.rows_affected());
        audit::append(&mut tx, &audit::Entry::new("resident", origin, "complaint.submit", "complaint", &id.to_string(), json!({"after": {
            "tracking_no": no, "project_id": project_id, "estate_id": estate_id, "region_code": region, "category": category,
            "due_on": due, "response_days": days, "response_days_source": source, "body_chars": chars, "has_contact": !name.is_empty() || !phone.is_empty()}}))).await?;
        tx.commit().await?;
        break id;
    };
    get(db, id).await
}

pub async fn get(db: &Db, id: i64) -> Result<Complaint, StoreError> {
    let sql = format!("{SELECT} WHERE c.id = $1");
    let c: Option<Complaint> =
        with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?);
    c.ok_or_else(|| StoreError::NotFound("投诉", "complaint", id.to_string()))
}

/// The region a complaint is routed to (for the access guard); `None` when there is no such complaint.
pub async fn region_of(db: &Db, id: i64) -> Result<Option<String>, StoreError> {
    let r: Option<String> = with_db!(db, p => sqlx::query_scalar("SELECT region_code FROM complaints WHERE id = $1").bind(id).fetch_optional(p).await?);
    Ok(r)
}

/// The staff's history of a complaint, oldest first.
pub async fn events(db: &Db, id: i64) -> Result<Vec<Event>, StoreError> {
    Ok(with_db!(db, p => sqlx::query_as(
        "SELECT at, actor, status, note FROM complaint_events WHERE complaint_id = $1 ORDER BY id").bind(id).fetch_all(p).await?))
}

/// The public view by tracking number (typed as a person types it); `None` for a malformed number and
/// for one that does not exist alike.
pub async fn track(db: &Db, tracking_no: &str) -> Result<Option<Tracking>, StoreError> {
    let Some(no) = normalize_tracking_no(tracking_no) else { return Ok(None) };
    let sql = format!("{SELECT} WHERE c.tracking_no = $1");
    let c: Option<Complaint> =
        with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(&no).fetch_optional(pool).await?);
    let Some(c) = c else { return Ok(None) };
    let history = events(db, c.id)
        .await?
        .into_iter()
        .map(|e| PublicEvent { on: e.at.get(..10).unwrap_or("").to_string(), status: e.status, reply: e.note })
        .collect();
    Ok(Some(Tracking {
        tracking_no: c.tracking_no.clone(),
        status: c.status,
        category: c.category,
        received_on: c.received_on().to_string(),
        project_name: c.project_name.clone(),
        history,
    }))
}

/// Which complaints to list.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// The caller's region (`""`: everywhere): complaints routed to a region inside it.
    pub scope: String,
    /// A further region inside the scope.
    pub region: Option<String>,
    /// `received`, `processing`, `resolved`, or `open` (not resolved).
    pub status: Option<String>,
    /// Only overdue ones (not resolved, due before `today`).
    pub overdue: bool,
    pub limit: Option<i64>,
}

/// "Inside region `code`" on `c.region_code`: the code's prefix range (codes nest by prefix).
fn region_cond(code: &str, binds: &mut Vec<Bind>) -> Option<String> {
    if code.is_empty() {
        return None;
    }
    binds.push(Bind::T(code.to_string()));
    let lo = binds.len();
    match code
        .parse::<u64>()
        .ok()
        .map(|n| format!("{:0width$}", n + 1, width = code.len()))
        .filter(|h| h.len() == code.len())
    {
        Some(hi) => {
            binds.push(Bind::T(hi));
            Some(format!("(c.region_code >= ${lo} AND c.region_code < ${})", binds.len()))
        }
        None => Some(format!("c.region_code = ${lo}")),
    }
}

fn conditions(f: &Filter, today: jiugai_rules::Date, binds: &mut Vec<Bind>) -> Result<Vec<String>, StoreError> {
    let mut wh = Vec::new();
    for code in [Some(f.scope.as_str()), f.region.as_deref()].into_iter().flatten() {
        if let Some(c) = region_cond(code, binds) {
            wh.push(c);
        }
    }
    match f.status.as_deref() {
        None | Some("") => {}
        Some("open") => wh.push("c.status <> 'resolved'".into()),
        Some(s) if Status::parse(s).is_some() => {
            binds.push(Bind::T(s.to_string()));
            wh.push(format!("c.status = ${}", binds.len()));
        }
        Some(s) => {
            return Err(invalid(
                "status",
                s,
                "状态应为 received（已受理）、processing（办理中）、resolved（已办结）或 open（未办结）",
                "status must be received, processing, resolved or open",
            ));
        }
    }
    if f.overdue {
        binds.push(Bind::T(today.to_string()));
        wh.push(format!("c.status <> 'resolved' AND c.due_on < ${}", binds.len()));
    }
    Ok(wh)
}

/// Complaints in the filter, the most urgent first (by due date, then id).
pub async fn list(db: &Db, f: &Filter, today: jiugai_rules::Date) -> Result<Vec<Complaint>, StoreError> {
    let mut binds = Vec::new();
    let wh = conditions(f, today, &mut binds)?;
    let sql = format!(
        "{SELECT} {} ORDER BY CASE WHEN c.status = 'resolved' THEN 1 ELSE 0 END, c.due_on, c.id LIMIT {}",
        if wh.is_empty() { String::new() } else { format!("WHERE {}", wh.join(" AND ")) },
        f.limit.unwrap_or(5000).clamp(1, 100_000)
    );
    Ok(with_db!(db, pool => bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &binds).fetch_all(pool).await?))
}

/// Open and overdue complaints in a scope (for the dashboard).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Summary {
    pub open: i64,
    pub overdue: i64,
}

pub async fn summary(db: &Db, scope: &str, today: jiugai_rules::Date) -> Result<Summary, StoreError> {
    let mut binds = Vec::new();
    let wh = conditions(&Filter { scope: scope.to_string(), ..Default::default() }, today, &mut binds)?;
    binds.push(Bind::T(today.to_string()));
    let t = binds.len();
    let sql = format!(
        "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(CASE WHEN c.due_on < ${t} THEN 1 ELSE 0 END), 0) AS BIGINT) FROM complaints c WHERE c.status <> 'resolved'{}",
        wh.iter().map(|w| format!(" AND {w}")).collect::<String>()
    );
    let (open, overdue): (i64, i64) =
        with_db!(db, pool => bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &binds).fetch_one(pool).await?);
    Ok(Summary { open, overdue })
}

/// A status as a form or a request gives it.
pub fn parse_status(s: &str) -> Result<Status, StoreError> {
    Status::parse(s.trim()).ok_or_else(|| {
        invalid(
            "status",
            s,
            "状态应为 received（已受理）、processing（办理中）或 resolved（已办结）",
            "status must be received, processing or resolved",
        )
    })
}

/// A change staff make to a complaint: the version they read, the new status, the public reply, when.
#[derive(Clone, Copy, Debug)]
pub struct Update<'a> {
    pub expected: i64,
    pub status: Status,
    pub reply: &'a str,
    pub at: &'a str,
}

/// Staff move a complaint forward (received → processing → resolved) and/or reply to the resident. The
/// reply is public (the resident reads it by tracking number); resolving needs one. A resolved complaint
/// is closed: the resident submits a new one if the problem comes back.
pub async fn update(db: &Db, id: i64, u: &Update<'_>, actor: &str, origin: &str) -> Result<Complaint, StoreError> {
    let Update { expected, status, reply, at } = *u;
    let c = get(db, id).await?;
    if c.version != expected {
        return Err(StoreError::Stale { entity: "投诉", id, expected, current: c.version });
    }
    let reply = reply.trim();
    if reply.chars().count() > REPLY_MAX {
        return Err(invalid(
            "reply",
            format!("{}", reply.chars().count()),
            format!("答复不超过 {REPLY_MAX} 个字"),
            format!("the reply must be at most {REPLY_MAX} characters"),
        ));
    }
    if c.status == Status::Resolved {
        return Err(invalid(
            "status",
            status.as_str(),
            "该投诉已办结，不能再修改；如问题复现，请居民重新提交",
            "this complaint is resolved and closed; if the problem comes back, the resident submits a new one",
        ));
    }
    if status < c.status {
        use jiugai_domain::Label;
        return Err(invalid(
            "status",
            status.as_str(),
            format!("状态只能向前推进（已受理 → 办理中 → 已办结），当前为“{}”", c.status.zh()),
            format!("the status only moves forward (received → processing → resolved); it is “{}”", c.status.en()),
        ));
    }
    if status == Status::Resolved && reply.is_empty() {
        return Err(invalid(
            "reply",
            "",
            "办结须填写给居民的答复（处理结果）",
            "resolving needs a reply to the resident (what was done)",
        ));
    }
    if status == c.status && reply.is_empty() {
        return Err(invalid(
            "reply",
            "",
            "状态没有变化：请填写答复，或选择新的状态",
            "the status does not change: write a reply or choose a new status",
        ));
    }
    let mut tx = db.begin().await?;
    let n = with_tx!(&mut tx, cx => sqlx::query("UPDATE complaints SET version = version + 1, status = $1, updated_at = $2 WHERE id = $3 AND version = $4")
        .bind(status.as_str()).bind(at).bind(id).bind(expected).execute(&mut *cx).await?.rows_affected());
    if n == 0 {
        tx.rollback().await?;
        let current = get(db, id).await?.version;
        return Err(StoreError::Stale { entity: "投诉", id, expected, current });
    }
    with_tx!(&mut tx, cx => sqlx::query("INSERT INTO complaint_events (complaint_id, at, actor, status, note) VALUES ($1, $2, $3, $4, $5)")
        .bind(id).bind(at).bind(actor).bind(status.as_str()).bind(reply).execute(&mut *cx).await?.rows_affected());
    audit::append(
        &mut tx,
        &audit::Entry::new(
            actor,
            origin,
            "complaint.update",
            "complaint",
            &id.to_string(),
            json!({
        "version": expected + 1, "before": {"status": c.status}, "after": {"status": status}, "reply": reply}),
        ),
    )
    .await?;
    tx.commit().await?;
    get(db, id).await
}
