//! Consultations of the households of one estate (optionally for a project): consent (意愿), plan
//! opinions (方案), satisfaction (满意度), joint decisions under the Civil Code (共同决定) and free surveys.
//! Ballots come by one-time QR code, by paper entered twice, or by assisted entry; the tally is decided
//! by `jiugai-rules` under the estate's profile; closing locks and signs the result.
//!
//! Serialisation: every ballot, paper entry and closing first takes the audit chain's head row (the
//! same lock every audited change takes), then reads the consultation's state, then writes. So a ballot
//! and the closing never interleave: a ballot committed before the closing is in the final tally, one
//! arriving after it is refused — on SQLite and PostgreSQL alike.

use jiugai_domain::{ErrorCode, Label};
use jiugai_rules::{Decision, EffectiveProfile, Outcome};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::households;
use crate::projects::invalid;
use crate::{Db, StoreError, Tx, audit, clock, with_db, with_tx};

pub use jiugai_domain::{Channel, Choice, ConsultationKind as Kind, Matter, PaperStatus};
pub use jiugai_rules::Counts;

#[derive(Clone, Debug, Serialize, PartialEq, sqlx::FromRow)]
pub struct Consultation {
    pub id: i64,
    pub estate_id: i64,
    pub project_id: Option<i64>,
    pub kind: Kind,
    pub matter: Option<Matter>,
    pub title: String,
    pub question: String,
    pub opens_at: String,
    pub closes_at: String,
    pub rule_key: String,
    pub eligible_households: i64,
    pub eligible_area_dm2: i64,
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
    /// Why it was closed before `closes_at` (required then).
    pub close_reason: Option<String>,
    pub result_json: Option<String>,
    pub result_sha256: Option<String>,
    pub passed: Option<bool>,
    pub version: i64,
    pub created_at: String,
    pub created_by: String,
}

/// Where a consultation is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Not yet open.
    Scheduled,
    /// Taking ballots.
    Open,
    /// Past its closing time, not yet closed (locked) by the office.
    Ended,
    /// Closed: the result is locked and signed.
    Closed,
}

impl State {
    pub fn zh(self) -> &'static str {
        match self {
            State::Scheduled => "未开始",
            State::Open => "进行中",
            State::Ended => "已截止，待封存结果",
            State::Closed => "已结束，结果已封存",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            State::Scheduled => "not yet open",
            State::Open => "open",
            State::Ended => "ended, result not yet locked",
            State::Closed => "closed, result locked",
        }
    }
}

impl Consultation {
    pub fn state_at(&self, now: &str) -> State {
        if self.closed_at.is_some() {
            State::Closed
        } else if now < self.opens_at.as_str() {
            State::Scheduled
        } else if now >= self.closes_at.as_str() {
            State::Ended
        } else {
            State::Open
        }
    }
    pub fn state(&self) -> State {
        self.state_at(&clock::now_rfc3339())
    }
    pub fn matter_enum(&self) -> Matter {
        self.matter.unwrap_or(Matter::Ordinary)
    }
}

const COLS: &str = "id, estate_id, project_id, kind, matter, title, question, opens_at, closes_at, rule_key, eligible_households, eligible_area_dm2, \
    closed_at, closed_by, close_reason, result_json, result_sha256, passed, version, created_at, created_by";

pub async fn get(db: &Db, id: i64) -> Result<Consultation, StoreError> {
    let sql = format!("SELECT {COLS} FROM consultations WHERE id = $1");
    let c: Option<Consultation> =
        with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?);
    c.ok_or_else(|| StoreError::NotFound("征询", "consultation", id.to_string()))
}

/// The consultation `id` of estate `estate_id` (404 when it belongs to another estate).
pub async fn of_estate(db: &Db, estate_id: i64, id: i64) -> Result<Consultation, StoreError> {
    let c = get(db, id).await?;
    if c.estate_id != estate_id {
        return Err(StoreError::NotFound("征询", "consultation", id.to_string()));
    }
    Ok(c)
}

async fn list_where(db: &Db, cond: &str, v: i64) -> Result<Vec<Consultation>, StoreError> {
    let sql = format!("SELECT {COLS} FROM consultations WHERE {cond} = $1 ORDER BY id DESC");
    Ok(with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(v).fetch_all(pool).await?))
}

pub async fn list_for_estate(db: &Db, estate_id: i64) -> Result<Vec<Consultation>, StoreError> {
    list_where(db, "estate_id", estate_id).await
}

pub async fn list_for_project(db: &Db, project_id: i64) -> Result<Vec<Consultation>, StoreError> {
    list_where(db, "project_id", project_id).await
}

// ───────────────────────────── Times ─────────────────────────────

/// Parses a time as offices write it, in Beijing time (UTC+8): `2026-12-01`, `2026-12-01 09:00`,
/// `2026-12-01T09:00`, or RFC 3339 with `Z`. Returns RFC 3339 UTC with milliseconds, like the clock.
pub fn parse_time(field: &str, s: &str, end_of_day: bool) -> Result<String, StoreError> {
    let t = s.trim();
    jiugai_domain::time::from_beijing_at(t, end_of_day).ok_or_else(|| {
        invalid(
            field,
            t,
            format!("时间“{t}”无法识别：请写成 2026-12-01 09:00（北京时间）"),
            format!("cannot read the time “{t}”: write it as 2026-12-01 09:00 (Beijing time)"),
        )
    })
}

/// An RFC 3339 UTC time shown in Beijing time: `2026-12-01 09:00`.
pub fn local_text(rfc: &str) -> String {
    jiugai_domain::time::beijing(rfc)
}

// ───────────────────────────── Creation ─────────────────────────────

#[derive(Clone, Debug)]
pub struct NewConsultation {
    pub estate_id: i64,
    pub project_id: Option<i64>,
    pub kind: Kind,
    pub matter: Option<Matter>,
    pub title: String,
    pub question: String,
    /// Beijing time as offices write it, or RFC 3339 UTC (see [`parse_time`]).
    pub opens_at: String,
    pub closes_at: String,
}

impl Default for NewConsultation {
    /// A free survey with nothing filled in (every field must be given before it can be created).
    fn default() -> Self {
        NewConsultation {
            estate_id: 0,
            project_id: None,
            kind: Kind::Survey,
            matter: None,
            title: String::new(),
            question: String::new(),
            opens_at: String::new(),
            closes_at: String::new(),
        }
    }
}

/// Opens a consultation of an estate's households. The registry must list households; the households
/// and their areas are frozen as the electorate. A project consultation must name an estate of the project.
pub async fn create(db: &Db, n: &NewConsultation, actor: &str, origin: &str) -> Result<Consultation, StoreError> {
    let matter = match (n.kind, n.matter) {
        (Kind::JointDecision, Some(m)) => Some(m),
        (Kind::JointDecision, None) => {
            return Err(invalid(
                "matter",
                "",
                "共同决定须选择事项类别：ordinary（一般事项，过半数）或 major（重大事项，四分之三，如使用维修资金、改建重建）",
                "a joint decision needs its matter: ordinary (more than half) or major (three quarters: maintenance fund, rebuilding…)",
            ));
        }
        _ => None,
    };
    let title = n.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(invalid(
            "title",
            title,
            "请填写征询标题（不超过 200 字）",
            "give the consultation a title (up to 200 characters)",
        ));
    }
    let question = n.question.trim();
    if question.is_empty() || question.chars().count() > 2000 {
        return Err(invalid(
            "question",
            question,
            "请填写向居民提出的问题（不超过 2000 字）",
            "give the question put to the residents (up to 2000 characters)",
        ));
    }
    let opens = parse_time("opens_at", &n.opens_at, false)?;
    let closes = parse_time("closes_at", &n.closes_at, true)?;
    if closes <= opens {
        return Err(invalid(
            "closes_at",
            &n.closes_at,
            format!("截止时间 {} 须晚于开始时间 {}", local_text(&closes), local_text(&opens)),
            "the closing time must be after the opening time",
        ));
    }
    let estate = crate::estates::get(db, n.estate_id).await?;
    if let Some(pid) = n.project_id {
        let p = crate::projects::get(db, pid).await?;
        if !p.estate_ids.contains(&n.estate_id) {
            return Err(invalid(
                "project_id",
                pid.to_string(),
                format!("项目 #{pid}「{}」不包括小区「{}」：请在项目所含的小区发起征询", p.name, estate.data.name),
                format!(
                    "project #{pid} ({}) does not include estate {}: consult an estate of the project",
                    p.name, estate.data.name
                ),
            ));
        }
    }
    let (count, _) = households::totals(db, n.estate_id).await?;
    if count == 0 {
        return Err(invalid(
            "estate_id",
            n.estate_id.to_string(),
            format!(
                "小区「{}」还没有住户名册：请先导入住户名册（jiugai import households），再发起征询",
                estate.data.name
            ),
            format!(
                "estate {} has no household registry: import it first (jiugai import households), then open the consultation",
                estate.data.name
            ),
        ));
    }
    let rule = jiugai_rules::consultation_rule(n.kind, matter).unwrap_or("");
    let now = clock::now_rfc3339();
    let id: i64 = {
        let mut tx = db.begin().await?;
        let id: i64 = with_tx!(&mut tx, cx => sqlx::query_scalar("INSERT INTO consultations (estate_id, project_id, kind, matter, title, question, opens_at, closes_at, rule_key, eligible_households, eligible_area_dm2, version, created_at, created_by) \
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, 0, 1, $10, $11) RETURNING id")
            .bind(n.estate_id).bind(n.project_id).bind(n.kind).bind(matter).bind(title).bind(question).bind(&opens).bind(&closes).bind(rule).bind(&now).bind(actor)
            .fetch_one(&mut *cx).await?);
        with_tx!(&mut tx, cx => sqlx::query("INSERT INTO consultation_households (consultation_id, household_id, area_dm2) SELECT $1, id, area_dm2 FROM households WHERE estate_id = $2")
            .bind(id).bind(n.estate_id).execute(&mut *cx).await?.rows_affected());
        let (hh, ar): (i64, Option<i64>) = with_tx!(&mut tx, cx => sqlx::query_as("SELECT COUNT(*), CAST(SUM(area_dm2) AS BIGINT) FROM consultation_households WHERE consultation_id = $1")
            .bind(id).fetch_one(&mut *cx).await?);
        with_tx!(&mut tx, cx => sqlx::query("UPDATE consultations SET eligible_households = $1, eligible_area_dm2 = $2 WHERE id = $3").bind(hh).bind(ar.unwrap_or(0)).bind(id).execute(&mut *cx).await?.rows_affected());
        audit::append(&mut tx, &audit::Entry::new(actor, origin, "consultation.create", "consultation", &id.to_string(), json!({"after": {
            "estate_id": n.estate_id, "project_id": n.project_id, "kind": n.kind, "matter": matter, "title": title, "question": question,
            "opens_at": opens, "closes_at": closes, "rule": rule, "eligible_households": hh, "eligible_area_dm2": ar.unwrap_or(0)}}))).await?;
        tx.commit().await?;
        id
    };
    get(db, id).await
}

// ───────────────────────────── Ballots ─────────────────────────────

/// A kind as a form or a request gives it.
pub fn parse_kind(s: &str) -> Result<Kind, StoreError> {
    Kind::parse(s.trim()).ok_or_else(|| {
        invalid(
            "kind",
            s,
            "征询类型应为 consent（意愿）、plan（方案）、satisfaction（满意度）、joint_decision（共同决定）或 survey（问卷）",
            "kind must be consent, plan, satisfaction, joint_decision or survey",
        )
    })
}

/// A joint decision's matter as a form gives it (empty: none).
pub fn parse_matter(s: &str) -> Result<Option<Matter>, StoreError> {
    match s.trim() {
        "" => Ok(None),
        t => Matter::parse(t).map(Some).ok_or_else(|| {
            invalid(
                "matter",
                t,
                "共同决定须选择事项类别：ordinary（一般事项，过半数）或 major（重大事项，四分之三，如使用维修资金、改建重建）",
                "a joint decision needs its matter: ordinary (more than half) or major (three quarters: maintenance fund, rebuilding…)",
            )
        }),
    }
}

/// A choice as a form or a request gives it (`yes`, `no`, `abstain`).
pub fn parse_choice(s: &str) -> Result<Choice, StoreError> {
    Choice::parse(s.trim()).ok_or_else(|| {
        invalid(
            "choice",
            s,
            "表决意见应为 yes（同意）、no（不同意）或 abstain（弃权）",
            "the choice must be yes, no or abstain",
        )
    })
}

/// How a ballot was accepted.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Accepted {
    pub consultation_id: i64,
    pub household_id: i64,
    pub choice: Choice,
    pub channel: Channel,
    /// True when it replaced an earlier ballot of the household.
    pub changed: bool,
}

fn closed_msg(c: &Consultation, state: State) -> StoreError {
    match state {
        State::Scheduled => invalid(
            "consultation",
            c.id.to_string(),
            format!("「{}」尚未开始，{} 起可以表决", c.title, local_text(&c.opens_at)),
            format!("“{}” is not open yet; voting starts {} (Beijing time)", c.title, local_text(&c.opens_at)),
        ),
        State::Ended => invalid(
            "consultation",
            c.id.to_string(),
            format!("「{}」已于 {} 截止，不再接受表决", c.title, local_text(&c.closes_at)),
            format!("“{}” ended at {} (Beijing time); no more ballots", c.title, local_text(&c.closes_at)),
        ),
        _ => invalid(
            "consultation",
            c.id.to_string(),
            format!("「{}」已结束，结果已封存，不再接受表决", c.title),
            format!("“{}” is closed and its result locked; no more ballots", c.title),
        ),
    }
}

/// Reads the consultation inside a transaction (after [`audit::lock`]).
async fn read_in_tx(tx: &mut Tx, id: i64) -> Result<Consultation, StoreError> {
    let sql = format!("SELECT {COLS} FROM consultations WHERE id = $1");
    let c: Option<Consultation> =
        with_tx!(tx, cx => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *cx).await?);
    c.ok_or_else(|| StoreError::NotFound("征询", "consultation", id.to_string()))
}

/// One accepted submission: the counted ballot and its history row.
struct Submission<'a> {
    consultation_id: i64,
    household_id: i64,
    choice: Choice,
    channel: Channel,
    by: &'a str,
    at: &'a str,
}

/// Writes the counted ballot and its history row inside a transaction; returns the choice it replaced.
async fn upsert_ballot(tx: &mut Tx, b: &Submission<'_>) -> Result<Option<Choice>, StoreError> {
    let Submission { consultation_id: cid, household_id: hid, choice, channel, by, at } = *b;
    Ok(with_tx!(tx, cx => {
        let before: Option<Choice> = sqlx::query_scalar("SELECT choice FROM ballots WHERE consultation_id = $1 AND household_id = $2")
            .bind(cid).bind(hid).fetch_optional(&mut *cx).await?;
        sqlx::query("INSERT INTO ballots (consultation_id, household_id, choice, channel, recorded_by, cast_at, changes, area_dm2) \
            SELECT $1, $2, $3, $4, $5, $6, 0, ch.area_dm2 FROM consultation_households ch WHERE ch.consultation_id = $1 AND ch.household_id = $2 \
            ON CONFLICT (consultation_id, household_id) DO UPDATE SET choice = excluded.choice, channel = excluded.channel, \
            recorded_by = excluded.recorded_by, cast_at = excluded.cast_at, changes = ballots.changes + 1")
            .bind(cid).bind(hid).bind(choice).bind(channel).bind(by).bind(at).execute(&mut *cx).await?;
        sqlx::query("INSERT INTO ballot_history (consultation_id, household_id, choice, channel, recorded_by, at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(cid).bind(hid).bind(choice).bind(channel).bind(by).bind(at).execute(&mut *cx).await?;
        before
    }))
}

/// Checks the household may vote in the consultation (inside a transaction).
async fn eligible_in_tx(tx: &mut Tx, c: &Consultation, hid: i64) -> Result<(), StoreError> {
    let ok: Option<i64> = with_tx!(tx, cx => sqlx::query_scalar("SELECT household_id FROM consultation_households WHERE consultation_id = $1 AND household_id = $2")
        .bind(c.id).bind(hid).fetch_optional(&mut *cx).await?);
    if ok.is_none() {
        return Err(invalid(
            "household_id",
            hid.to_string(),
            format!("住户 {} 不在「{}」的表决名册中（名册在征询开始时确定）", hid, c.title),
            format!("household {} is not on the roll of “{}” (fixed when it opened)", hid, c.title),
        ));
    }
    Ok(())
}

/// The counted ballot of a household, if any: (choice, channel, recorded by, cast at).
async fn counted_in_tx(
    tx: &mut Tx,
    cid: i64,
    hid: i64,
) -> Result<Option<(Choice, Channel, String, String)>, StoreError> {
    Ok(
        with_tx!(tx, cx => sqlx::query_as("SELECT choice, channel, recorded_by, cast_at FROM ballots WHERE consultation_id = $1 AND household_id = $2")
        .bind(cid).bind(hid).fetch_optional(&mut *cx).await?),
    )
}

/// The room label of a household (inside a transaction).
async fn label_in_tx(tx: &mut Tx, hid: i64) -> Result<String, StoreError> {
    let r: Option<(String, String, String)> = with_tx!(tx, cx => sqlx::query_as("SELECT building, unit, room FROM households WHERE id = $1")
        .bind(hid).fetch_optional(&mut *cx).await?);
    Ok(r.map(|(b, u, r)| households::label(&b, &u, &r)).unwrap_or_else(|| format!("#{hid}")))
}

/// Staff enter a ballot only for a household that has none counted: a ballot cast by the resident's own
/// code, a counted paper form or an earlier assisted entry is never overwritten by staff (SPEC §6). The
/// correction is a separate act: [`request_void`] by one user, approved by another ([`decide_void`]).
/// The refusal (`vote_exists`, 409) names the existing channel and its time in Beijing time.
async fn refuse_over_counted(tx: &mut Tx, c: &Consultation, hid: i64) -> Result<(), StoreError> {
    let Some((_, channel, by, at)) = counted_in_tx(tx, c.id, hid).await? else { return Ok(()) };
    let label = label_in_tx(tx, hid).await?;
    let (who_zh, who_en) = if channel == Channel::Qr {
        ("住户本人".to_string(), "the resident".to_string())
    } else {
        (by.clone(), by)
    };
    Err(StoreError::invalid(
        "household_id",
        hid.to_string(),
        format!(
            "{label} 已于 {}（北京时间）以「{}」方式表决（{who_zh}），工作人员不能覆盖。如需更正，须先申请作废该户的表决意见并说明理由，经另一位工作人员批准后再录入",
            local_text(&at),
            Label::zh(channel)
        ),
        format!(
            "{label} already voted by {} at {} (Beijing time, {who_en}); staff cannot overwrite it. To correct it, request that the ballot be voided with a reason; once another user approves, enter it again",
            Label::en(channel),
            local_text(&at)
        ),
    )
    .with_code(ErrorCode::VoteExists))
}

/// Records a ballot entered by staff: `assisted` (a community worker for an elderly resident) or a
/// ballot the office received otherwise. Paper forms go through [`paper_enter`] instead.
pub async fn cast_assisted(
    db: &Db,
    consultation_id: i64,
    household_id: i64,
    choice: Choice,
    actor: &str,
    origin: &str,
) -> Result<Accepted, StoreError> {
    let now = clock::now_rfc3339();
    {
        let mut tx = db.begin().await?;
        audit::lock(&mut tx).await?;
        let c = read_in_tx(&mut tx, consultation_id).await?;
        let st = c.state_at(&now);
        if st != State::Open {
            return Err(closed_msg(&c, st));
        }
        eligible_in_tx(&mut tx, &c, household_id).await?;
        refuse_over_counted(&mut tx, &c, household_id).await?;
        let before = upsert_ballot(
            &mut tx,
            &Submission {
                consultation_id: c.id,
                household_id,
                choice,
                channel: Channel::Assisted,
                by: actor,
                at: &now,
            },
        )
        .await?;
        audit::append(
            &mut tx,
            &audit::Entry::new(
                actor,
                origin,
                "ballot.assisted",
                "consultation",
                &c.id.to_string(),
                json!({"household_id": household_id, "choice": choice, "channel": "assisted", "before": before}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(Accepted {
            consultation_id: c.id,
            household_id,
            choice,
            channel: Channel::Assisted,
            changed: before.is_some(),
        })
    }
}

// ───────────────────────────── One-time codes ─────────────────────────────

pub const CODE_LEN: usize = 12;

/// A new one-time code: 12 symbols of [`crate::codes::ALPHABET`], 60 random bits.
pub fn new_code() -> String {
    crate::codes::random(CODE_LEN)
}

/// Normalises a code as typed (see [`crate::codes::normalize`]).
pub fn normalize_code(s: &str) -> String {
    crate::codes::normalize(s)
}

/// A household's slip: the code to print as a QR code.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Slip {
    pub household: households::Household,
    pub code: String,
    pub used_at: Option<String>,
}

/// Issues a one-time code to every household of the roll that has no valid one. Returns how many.
pub async fn issue_codes(db: &Db, consultation_id: i64, actor: &str, origin: &str) -> Result<u64, StoreError> {
    let c = get(db, consultation_id).await?;
    if c.closed_at.is_some() {
        return Err(closed_msg(&c, State::Closed));
    }
    let now = clock::now_rfc3339();
    {
        let mut tx = db.begin().await?;
        let missing: Vec<i64> = with_tx!(&mut tx, cx => sqlx::query_scalar("SELECT ch.household_id FROM consultation_households ch WHERE ch.consultation_id = $1 \
            AND NOT EXISTS (SELECT 1 FROM vote_codes v WHERE v.consultation_id = ch.consultation_id AND v.household_id = ch.household_id AND v.revoked_at IS NULL) \
            ORDER BY ch.household_id").bind(c.id).fetch_all(&mut *cx).await?);
        for hid in &missing {
            with_tx!(&mut tx, cx => sqlx::query("INSERT INTO vote_codes (code, consultation_id, household_id, issued_at) VALUES ($1, $2, $3, $4)")
                .bind(new_code()).bind(c.id).bind(*hid).bind(&now).execute(&mut *cx).await?.rows_affected());
        }
        audit::append(
            &mut tx,
            &audit::Entry::new(
                actor,
                origin,
                "consultation.codes",
                "consultation",
                &c.id.to_string(),
                json!({"issued": missing.len()}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(missing.len() as u64)
    }
}

/// Revokes the household's code (lost slip, or to let it change a ballot cast by code) and issues a new one.
pub async fn reissue_code(
    db: &Db,
    consultation_id: i64,
    household_id: i64,
    actor: &str,
    origin: &str,
) -> Result<String, StoreError> {
    let c = get(db, consultation_id).await?;
    if c.closed_at.is_some() {
        return Err(closed_msg(&c, State::Closed));
    }
    let now = clock::now_rfc3339();
    let code = new_code();
    {
        let mut tx = db.begin().await?;
        eligible_in_tx(&mut tx, &c, household_id).await?;
        with_tx!(&mut tx, cx => sqlx::query("UPDATE vote_codes SET revoked_at = $1 WHERE consultation_id = $2 AND household_id = $3 AND revoked_at IS NULL")
            .bind(&now).bind(c.id).bind(household_id).execute(&mut *cx).await?.rows_affected());
        with_tx!(&mut tx, cx => sqlx::query("INSERT INTO vote_codes (code, consultation_id, household_id, issued_at) VALUES ($1, $2, $3, $4)")
            .bind(&code).bind(c.id).bind(household_id).bind(&now).execute(&mut *cx).await?.rows_affected());
        audit::append(
            &mut tx,
            &audit::Entry::new(
                actor,
                origin,
                "consultation.code_reissued",
                "consultation",
                &c.id.to_string(),
                json!({"household_id": household_id}),
            ),
        )
        .await?;
        tx.commit().await?;
    };
    Ok(code)
}

/// (codes issued and valid, codes used) of a consultation.
pub async fn code_counts(db: &Db, consultation_id: i64) -> Result<(i64, i64), StoreError> {
    let (issued, used): (i64, Option<i64>) = with_db!(db, p => sqlx::query_as(
        "SELECT COUNT(*), CAST(SUM(CASE WHEN used_at IS NULL THEN 0 ELSE 1 END) AS BIGINT) FROM vote_codes WHERE consultation_id = $1 AND revoked_at IS NULL")
        .bind(consultation_id).fetch_one(p).await?);
    Ok((issued, used.unwrap_or(0)))
}

/// The valid slips of a consultation (one per household), optionally of one building, in room order.
pub async fn slips(db: &Db, consultation_id: i64, building: Option<&str>) -> Result<Vec<Slip>, StoreError> {
    let c = get(db, consultation_id).await?;
    let codes: Vec<(i64, String, Option<String>)> = with_db!(db, p => sqlx::query_as(
        "SELECT household_id, code, used_at FROM vote_codes WHERE consultation_id = $1 AND revoked_at IS NULL").bind(c.id).fetch_all(p).await?);
    let map: std::collections::HashMap<i64, (String, Option<String>)> =
        codes.into_iter().map(|(h, c, u)| (h, (c, u))).collect();
    let mut out = Vec::new();
    for h in households::list(db, c.estate_id).await? {
        if building.is_some_and(|b| b != h.building) {
            continue;
        }
        if let Some((code, used)) = map.get(&h.id) {
            out.push(Slip { household: h, code: code.clone(), used_at: used.clone() });
        }
    }
    Ok(out)
}

/// What a resident sees on opening a code: the consultation and which household the code is for.
#[derive(Clone, Debug, Serialize)]
pub struct CodeView {
    pub consultation: Consultation,
    pub household_label: String,
    pub estate_name: String,
    pub state: State,
    /// The ballot already cast with this code, if it was used.
    /// When the code was used (never how the household voted: the page is public).
    pub used: Option<String>,
    /// The household's ballot was voided: (when it was approved, the reason). Never the choice.
    pub voided: Option<(String, String)>,
}

fn wrong_code(code: &str) -> StoreError {
    invalid(
        "code",
        code,
        "表决码无效：请核对表决单上的二维码或 12 位表决码，或联系社区工作人员",
        "this voting code is not valid: check the QR code or the 12-character code on your slip, or ask the community office",
    )
}

/// Looks up a one-time code. A wrong or revoked code is an error that says what to do.
pub async fn open_code(db: &Db, code: &str) -> Result<CodeView, StoreError> {
    let code = normalize_code(code);
    let row: Option<(i64, i64, Option<String>, Option<String>)> = with_db!(db, p => sqlx::query_as(
        "SELECT consultation_id, household_id, used_at, revoked_at FROM vote_codes WHERE code = $1").bind(&code).fetch_optional(p).await?);
    let Some((cid, hid, used_at, revoked)) = row else { return Err(wrong_code(&code)) };
    if revoked.is_some() {
        return Err(invalid(
            "code",
            &code,
            "此表决码已作废（已补发新的表决单）：请使用新的表决单，或联系社区工作人员",
            "this code was replaced by a new slip: use the new slip, or ask the community office",
        ));
    }
    let c = get(db, cid).await?;
    let h = households::get(db, hid).await?;
    let estate = crate::estates::get(db, c.estate_id).await?;
    let used = used_at;
    let voided = voided_ballot(db, c.id, hid).await?.map(|v| (v.decided_at.unwrap_or_default(), v.reason));
    Ok(CodeView {
        state: c.state(),
        household_label: h.label(),
        estate_name: estate.data.name,
        consultation: c,
        used,
        voided,
    })
}

/// A resident's ballot by one-time code. The code is used once: a used, revoked or wrong code is refused
/// with a clear message, and a ballot after the closing time is refused.
pub async fn cast_by_code(db: &Db, code: &str, choice: Choice, origin: &str) -> Result<Accepted, StoreError> {
    let code = normalize_code(code);
    let now = clock::now_rfc3339();
    {
        let mut tx = db.begin().await?;
        audit::lock(&mut tx).await?;
        let row: Option<(i64, i64, Option<String>, Option<String>)> = with_tx!(&mut tx, cx => sqlx::query_as(
            "SELECT consultation_id, household_id, used_at, revoked_at FROM vote_codes WHERE code = $1").bind(&code).fetch_optional(&mut *cx).await?);
        let Some((cid, hid, used_at, revoked)) = row else { return Err(wrong_code(&code)) };
        if revoked.is_some() {
            return Err(invalid(
                "code",
                &code,
                "此表决码已作废（已补发新的表决单）：请使用新的表决单",
                "this code was replaced by a new slip: use the new slip",
            ));
        }
        if let Some(at) = used_at {
            return Err(invalid(
                "code",
                &code,
                format!(
                    "此表决码已于 {} 使用过，每个表决码只能使用一次。如需更改意见，请在截止前联系社区工作人员补发表决单",
                    local_text(&at)
                ),
                format!(
                    "this code was already used at {} (Beijing time); each code works once. To change your answer, ask the community office for a new slip before the closing time",
                    local_text(&at)
                ),
            ));
        }
        let c = read_in_tx(&mut tx, cid).await?;
        let st = c.state_at(&now);
        if st != State::Open {
            return Err(closed_msg(&c, st));
        }
        with_tx!(&mut tx, cx => sqlx::query("UPDATE vote_codes SET used_at = $1 WHERE code = $2").bind(&now).bind(&code).execute(&mut *cx).await?.rows_affected());
        let before = upsert_ballot(
            &mut tx,
            &Submission {
                consultation_id: cid,
                household_id: hid,
                choice,
                channel: Channel::Qr,
                by: "resident",
                at: &now,
            },
        )
        .await?;
        audit::append(&mut tx, &audit::Entry::new("resident", origin, "ballot.qr", "consultation", &cid.to_string(),
            json!({"household_id": hid, "choice": choice, "channel": "qr", "code_prefix": &code[..4.min(code.len())], "before": before}))).await?;
        tx.commit().await?;
        Ok(Accepted {
            consultation_id: cid,
            household_id: hid,
            choice,
            channel: Channel::Qr,
            changed: before.is_some(),
        })
    }
}

// ───────────────────────────── Paper ballots ─────────────────────────────

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PaperBallot {
    pub id: i64,
    pub consultation_id: i64,
    pub household_id: i64,
    pub household_label: String,
    pub scan_id: Option<i64>,
    pub first_choice: Choice,
    pub first_by: String,
    pub first_at: String,
    pub second_choice: Option<Choice>,
    pub second_by: Option<String>,
    pub second_at: Option<String>,
    pub status: PaperStatus,
    pub resolved_choice: Option<Choice>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<String>,
}

type PaperRow = (
    i64,
    i64,
    i64,
    Option<i64>,
    Choice,
    String,
    String,
    Option<Choice>,
    Option<String>,
    Option<String>,
    PaperStatus,
    Option<Choice>,
    Option<String>,
    Option<String>,
);
const PAPER_COLS: &str = "id, consultation_id, household_id, scan_id, first_choice, first_by, first_at, second_choice, second_by, second_at, status, resolved_choice, resolved_by, resolved_at";

fn paper_of(r: PaperRow, label: String) -> PaperBallot {
    PaperBallot {
        id: r.0,
        consultation_id: r.1,
        household_id: r.2,
        household_label: label,
        scan_id: r.3,
        first_choice: r.4,
        first_by: r.5,
        first_at: r.6,
        second_choice: r.7,
        second_by: r.8,
        second_at: r.9,
        status: r.10,
        resolved_choice: r.11,
        resolved_by: r.12,
        resolved_at: r.13,
    }
}

/// Whether a paper form of the household was already entered (at least once).
pub async fn has_paper(db: &Db, consultation_id: i64, household_id: i64) -> Result<bool, StoreError> {
    let id: Option<i64> = with_db!(db, p => sqlx::query_scalar("SELECT id FROM paper_ballots WHERE consultation_id = $1 AND household_id = $2")
        .bind(consultation_id).bind(household_id).fetch_optional(p).await?);
    Ok(id.is_some())
}

/// The paper ballots of a consultation (disputed first, then pending, then counted).
pub async fn paper_ballots(db: &Db, consultation_id: i64) -> Result<Vec<PaperBallot>, StoreError> {
    let c = get(db, consultation_id).await?;
    let sql = format!("SELECT {PAPER_COLS} FROM paper_ballots WHERE consultation_id = $1 ORDER BY id");
    let rows: Vec<PaperRow> =
        with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(c.id).fetch_all(p).await?);
    let labels: std::collections::HashMap<i64, String> =
        households::list(db, c.estate_id).await?.into_iter().map(|h| (h.id, h.label())).collect();
    let mut v: Vec<PaperBallot> = rows
        .into_iter()
        .map(|r| {
            let l = labels.get(&r.2).cloned().unwrap_or_default();
            paper_of(r, l)
        })
        .collect();
    let rank = |s: PaperStatus| match s {
        PaperStatus::Disputed => 0,
        PaperStatus::Pending => 1,
        _ => 2,
    };
    v.sort_by_key(|p| (rank(p.status), p.id));
    Ok(v)
}

/// What happened to a paper entry.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PaperOutcome {
    /// First entry recorded; a second user must enter the same form.
    AwaitingSecond,
    /// Second entry agreed with the first: the ballot is counted.
    Counted,
    /// Second entry differs: a third user must look at the scan and decide.
    Disputed,
}

/// Enters a paper form. The first entry (with the scan, an attachment of the estate) waits for a second
/// entry by a different user; when both agree the ballot is counted, else it is disputed until a third
/// user resolves it ([`paper_resolve`]).
pub async fn paper_enter(
    db: &Db,
    consultation_id: i64,
    household_id: i64,
    choice: Choice,
    scan_id: Option<i64>,
    user: &str,
    origin: &str,
) -> Result<(PaperOutcome, i64), StoreError> {
    let now = clock::now_rfc3339();
    {
        let mut tx = db.begin().await?;
        audit::lock(&mut tx).await?;
        let c = read_in_tx(&mut tx, consultation_id).await?;
        let st = c.state_at(&now);
        if st == State::Closed || st == State::Scheduled {
            return Err(closed_msg(&c, st));
        }
        eligible_in_tx(&mut tx, &c, household_id).await?;
        let sql = format!("SELECT {PAPER_COLS} FROM paper_ballots WHERE consultation_id = $1 AND household_id = $2");
        let existing: Option<PaperRow> = with_tx!(&mut tx, cx => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(c.id).bind(household_id).fetch_optional(&mut *cx).await?);
        let (outcome, pid) = match existing {
            None => {
                if st != State::Open {
                    return Err(closed_msg(&c, st));
                }
                refuse_over_counted(&mut tx, &c, household_id).await?;
                if let Some(sid) = scan_id {
                    let est: Option<i64> = with_tx!(&mut tx, cx => sqlx::query_scalar("SELECT estate_id FROM attachments WHERE id = $1").bind(sid).fetch_optional(&mut *cx).await?);
                    if est != Some(c.estate_id) {
                        return Err(invalid(
                            "scan_id",
                            sid.to_string(),
                            "扫描件不属于本小区的档案",
                            "the scan is not an attachment of this estate",
                        ));
                    }
                }
                let pid: i64 = with_tx!(&mut tx, cx => sqlx::query_scalar("INSERT INTO paper_ballots (consultation_id, household_id, scan_id, first_choice, first_by, first_at, status) VALUES ($1, $2, $3, $4, $5, $6, 'pending') RETURNING id")
                    .bind(c.id).bind(household_id).bind(scan_id).bind(choice).bind(user).bind(&now).fetch_one(&mut *cx).await?);
                audit::append(
                    &mut tx,
                    &audit::Entry::new(
                        user,
                        origin,
                        "ballot.paper.first",
                        "consultation",
                        &c.id.to_string(),
                        json!({"paper_id": pid, "household_id": household_id, "choice": choice, "scan_id": scan_id}),
                    ),
                )
                .await?;
                (PaperOutcome::AwaitingSecond, pid)
            }
            Some(r) => {
                let pid = r.0;
                match r.10 {
                    PaperStatus::Pending => {
                        if r.5 == user {
                            return Err(invalid(
                                "user",
                                user,
                                "同一张纸质表决票须由另一位工作人员第二次录入：您已录入过第一次",
                                "a paper form must be entered a second time by another user: you made the first entry",
                            ));
                        }
                        let agreed = r.4 == choice;
                        if agreed {
                            // A ballot counted meanwhile (the resident's code) is never overwritten.
                            refuse_over_counted(&mut tx, &c, household_id).await?;
                        }
                        let status = if agreed { PaperStatus::Agreed } else { PaperStatus::Disputed };
                        with_tx!(&mut tx, cx => sqlx::query("UPDATE paper_ballots SET second_choice = $1, second_by = $2, second_at = $3, status = $4 WHERE id = $5")
                            .bind(choice).bind(user).bind(&now).bind(status).bind(pid).execute(&mut *cx).await?.rows_affected());
                        if agreed {
                            let by = format!("{} + {}", r.5, user);
                            let before = upsert_ballot(
                                &mut tx,
                                &Submission {
                                    consultation_id: c.id,
                                    household_id,
                                    choice,
                                    channel: Channel::Paper,
                                    by: &by,
                                    at: &now,
                                },
                            )
                            .await?;
                            audit::append(&mut tx, &audit::Entry::new(user, origin, "ballot.paper.agreed", "consultation", &c.id.to_string(),
                                json!({"paper_id": pid, "household_id": household_id, "choice": choice, "first_by": r.5, "before": before}))).await?;
                            (PaperOutcome::Counted, pid)
                        } else {
                            audit::append(&mut tx, &audit::Entry::new(user, origin, "ballot.paper.disputed", "consultation", &c.id.to_string(),
                                json!({"paper_id": pid, "household_id": household_id, "first": r.4, "second": choice}))).await?;
                            (PaperOutcome::Disputed, pid)
                        }
                    }
                    PaperStatus::Disputed => {
                        return Err(invalid(
                            "household_id",
                            household_id.to_string(),
                            "这张纸质表决票两次录入不一致，正由第三人核对：请在“待核对”列表中处理",
                            "the two entries of this paper form disagree and await a third user: resolve it in the list of disputed forms",
                        ));
                    }
                    _ => {
                        return Err(invalid(
                            "household_id",
                            household_id.to_string(),
                            "该户的纸质表决票已录入并计票，不能重复录入",
                            "this household's paper form was already entered and counted",
                        ));
                    }
                }
            }
        };
        tx.commit().await?;
        Ok((outcome, pid))
    }
}

/// A third user, neither of the two who entered it, reads the scan and decides a disputed paper form.
pub async fn paper_resolve(
    db: &Db,
    consultation_id: i64,
    paper_id: i64,
    choice: Choice,
    user: &str,
    origin: &str,
) -> Result<Accepted, StoreError> {
    let now = clock::now_rfc3339();
    {
        let mut tx = db.begin().await?;
        audit::lock(&mut tx).await?;
        let c = read_in_tx(&mut tx, consultation_id).await?;
        let st = c.state_at(&now);
        if st == State::Closed {
            return Err(closed_msg(&c, st));
        }
        let sql = format!("SELECT {PAPER_COLS} FROM paper_ballots WHERE id = $1 AND consultation_id = $2");
        let r: PaperRow = match with_tx!(&mut tx, cx => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(paper_id).bind(c.id).fetch_optional(&mut *cx).await?)
        {
            Some(r) => r,
            None => return Err(StoreError::NotFound("纸质表决票", "paper ballot", paper_id.to_string())),
        };
        if r.10 != PaperStatus::Disputed {
            return Err(invalid(
                "paper_id",
                paper_id.to_string(),
                format!("这张纸质表决票的状态是“{}”，无需核对", jiugai_domain::Label::zh(r.10)),
                format!("this paper form is {}, not disputed", r.10),
            ));
        }
        if r.5 == user || r.8.as_deref() == Some(user) {
            return Err(invalid(
                "user",
                user,
                "核对须由录入之外的第三人进行：您录入过这张表决票",
                "a third user must resolve it: you entered this form",
            ));
        }
        refuse_over_counted(&mut tx, &c, r.2).await?;
        with_tx!(&mut tx, cx => sqlx::query("UPDATE paper_ballots SET status = 'resolved', resolved_choice = $1, resolved_by = $2, resolved_at = $3 WHERE id = $4")
            .bind(choice).bind(user).bind(&now).bind(paper_id).execute(&mut *cx).await?.rows_affected());
        let by = format!("{} + {} / {}", r.5, r.8.clone().unwrap_or_default(), user);
        let before = upsert_ballot(
            &mut tx,
            &Submission {
                consultation_id: c.id,
                household_id: r.2,
                choice,
                channel: Channel::Paper,
                by: &by,
                at: &now,
            },
        )
        .await?;
        audit::append(&mut tx, &audit::Entry::new(user, origin, "ballot.paper.resolved", "consultation", &c.id.to_string(),
            json!({"paper_id": paper_id, "household_id": r.2, "first": r.4, "second": r.7, "resolved": choice, "before": before}))).await?;
        tx.commit().await?;
        Ok(Accepted {
            consultation_id: c.id,
            household_id: r.2,
            choice,
            channel: Channel::Paper,
            changed: before.is_some(),
        })
    }
}

// ───────────────────────────── Voiding a ballot ─────────────────────────────

/// Where a request to void a counted ballot is.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum VoidStatus {
    /// Requested, waiting for a second user.
    Pending,
    /// Approved by a second user: the ballot no longer counts.
    Approved,
    /// Refused by a second user: the ballot stands.
    Rejected,
}

impl VoidStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VoidStatus::Pending => "pending",
            VoidStatus::Approved => "approved",
            VoidStatus::Rejected => "rejected",
        }
    }
    pub fn parse(s: &str) -> Option<VoidStatus> {
        match s {
            "pending" => Some(VoidStatus::Pending),
            "approved" => Some(VoidStatus::Approved),
            "rejected" => Some(VoidStatus::Rejected),
            _ => None,
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            VoidStatus::Pending => "待另一位工作人员批准",
            VoidStatus::Approved => "已批准作废",
            VoidStatus::Rejected => "已驳回，原表决有效",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            VoidStatus::Pending => "awaiting a second user",
            VoidStatus::Approved => "voided",
            VoidStatus::Rejected => "refused; the ballot stands",
        }
    }
}

/// A request to void a household's counted ballot: requested by one user with a reason, decided by
/// another (both audited). Approved, the ballot leaves the tally and staff may enter the household again.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct VoidRequest {
    pub id: i64,
    pub consultation_id: i64,
    pub household_id: i64,
    pub household_label: String,
    /// The voided ballot as it was counted.
    pub channel: Channel,
    pub choice: Choice,
    pub cast_at: String,
    pub recorded_by: String,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: String,
    pub status: VoidStatus,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
}

type VoidRow =
    (i64, i64, i64, Channel, Choice, String, String, String, String, String, String, Option<String>, Option<String>);
const VOID_COLS: &str = "id, consultation_id, household_id, channel, choice, cast_at, recorded_by, reason, requested_by, requested_at, status, decided_by, decided_at";

fn void_of(r: VoidRow, label: String) -> VoidRequest {
    VoidRequest {
        id: r.0,
        consultation_id: r.1,
        household_id: r.2,
        household_label: label,
        channel: r.3,
        choice: r.4,
        cast_at: r.5,
        recorded_by: r.6,
        reason: r.7,
        requested_by: r.8,
        requested_at: r.9,
        status: VoidStatus::parse(&r.10).unwrap_or(VoidStatus::Pending),
        decided_by: r.11,
        decided_at: r.12,
    }
}

/// The void requests of a consultation, pending first, then newest first.
pub async fn voids(db: &Db, consultation_id: i64) -> Result<Vec<VoidRequest>, StoreError> {
    let c = get(db, consultation_id).await?;
    let sql = format!("SELECT {VOID_COLS} FROM ballot_voids WHERE consultation_id = $1 ORDER BY id DESC");
    let rows: Vec<VoidRow> = with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(c.id).fetch_all(p).await?);
    let labels: std::collections::HashMap<i64, String> =
        households::list(db, c.estate_id).await?.into_iter().map(|h| (h.id, h.label())).collect();
    let mut v: Vec<VoidRequest> = rows
        .into_iter()
        .map(|r| {
            let l = labels.get(&r.2).cloned().unwrap_or_default();
            void_of(r, l)
        })
        .collect();
    v.sort_by_key(|x| (x.status != VoidStatus::Pending, -x.id));
    Ok(v)
}

/// The latest approved void of a household's ballot in a consultation (what `/v/{code}` tells the resident).
pub async fn voided_ballot(
    db: &Db,
    consultation_id: i64,
    household_id: i64,
) -> Result<Option<VoidRequest>, StoreError> {
    let sql = format!(
        "SELECT {VOID_COLS} FROM ballot_voids WHERE consultation_id = $1 AND household_id = $2 AND status = 'approved' ORDER BY id DESC LIMIT 1"
    );
    let r: Option<VoidRow> = with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(consultation_id).bind(household_id).fetch_optional(p).await?);
    Ok(r.map(|r| void_of(r, String::new())))
}

/// Asks that a household's counted ballot be voided, with a reason. Nothing changes in the tally until a
/// different user approves ([`decide_void`]). One pending request per household.
pub async fn request_void(
    db: &Db,
    consultation_id: i64,
    household_id: i64,
    reason: &str,
    actor: &str,
    origin: &str,
) -> Result<VoidRequest, StoreError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(invalid(
            "reason",
            reason,
            "作废表决意见须说明理由（不超过 500 字），如：住户书面声明扫码并非本人操作",
            "voiding a ballot needs a reason (up to 500 characters), e.g. the resident declared in writing that the QR vote was not theirs",
        ));
    }
    let now = clock::now_rfc3339();
    let id = {
        let mut tx = db.begin().await?;
        audit::lock(&mut tx).await?;
        let c = read_in_tx(&mut tx, consultation_id).await?;
        if c.closed_at.is_some() {
            return Err(closed_msg(&c, State::Closed));
        }
        eligible_in_tx(&mut tx, &c, household_id).await?;
        let label = label_in_tx(&mut tx, household_id).await?;
        let Some((choice, channel, by, at)) = counted_in_tx(&mut tx, c.id, household_id).await? else {
            return Err(invalid(
                "household_id",
                household_id.to_string(),
                format!("{label} 没有已计入的表决意见，无需作废"),
                format!("{label} has no counted ballot to void"),
            ));
        };
        let pending: Option<(i64, String)> = with_tx!(&mut tx, cx => sqlx::query_as("SELECT id, requested_by FROM ballot_voids WHERE consultation_id = $1 AND household_id = $2 AND status = 'pending'")
            .bind(c.id).bind(household_id).fetch_optional(&mut *cx).await?);
        if let Some((pid, who)) = pending {
            return Err(invalid(
                "household_id",
                household_id.to_string(),
                format!("{label} 已有待批准的作废申请（#{pid}，{who} 提出）：请等待另一位工作人员处理"),
                format!("{label} already has a void request waiting (#{pid}, by {who}): another user must decide it"),
            )
            .with_code(ErrorCode::Conflict));
        }
        let id: i64 = with_tx!(&mut tx, cx => sqlx::query_scalar("INSERT INTO ballot_voids (consultation_id, household_id, channel, choice, cast_at, recorded_by, reason, requested_by, requested_at, status) \
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending') RETURNING id")
            .bind(c.id).bind(household_id).bind(channel).bind(choice).bind(&at).bind(&by).bind(reason).bind(actor).bind(&now)
            .fetch_one(&mut *cx).await?);
        audit::append(&mut tx, &audit::Entry::new(actor, origin, "ballot.void.request", "consultation", &c.id.to_string(),
            json!({"void_id": id, "household_id": household_id, "channel": channel, "cast_at": at, "reason": reason}))).await?;
        tx.commit().await?;
        id
    };
    let sql = format!("SELECT {VOID_COLS} FROM ballot_voids WHERE id = $1");
    let r: VoidRow = with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_one(p).await?);
    let label = households::get(db, household_id).await?.label();
    Ok(void_of(r, label))
}

/// A second user (not the one who asked) approves or refuses a void request. Approved: the ballot leaves
/// the tally (a voided paper form with it, so the household can be entered again); the resident's page
/// says when and why. Refused if the ballot changed since the request.
pub async fn decide_void(
    db: &Db,
    consultation_id: i64,
    void_id: i64,
    approve: bool,
    actor: &str,
    origin: &str,
) -> Result<VoidRequest, StoreError> {
    let now = clock::now_rfc3339();
    let hid = {
        let mut tx = db.begin().await?;
        audit::lock(&mut tx).await?;
        let c = read_in_tx(&mut tx, consultation_id).await?;
        if c.closed_at.is_some() {
            return Err(closed_msg(&c, State::Closed));
        }
        let sql = format!("SELECT {VOID_COLS} FROM ballot_voids WHERE id = $1 AND consultation_id = $2");
        let Some(r) = with_tx!(&mut tx, cx => sqlx::query_as::<_, VoidRow>(sqlx::AssertSqlSafe(sql)).bind(void_id).bind(c.id).fetch_optional(&mut *cx).await?)
        else {
            return Err(StoreError::NotFound("作废申请", "void request", void_id.to_string()));
        };
        let v = void_of(r, String::new());
        if v.status != VoidStatus::Pending {
            return Err(invalid(
                "void_id",
                void_id.to_string(),
                format!("该作废申请已处理（{}）", v.status.zh()),
                format!("this void request was already decided ({})", v.status.en()),
            )
            .with_code(ErrorCode::Conflict));
        }
        if v.requested_by == actor {
            return Err(invalid(
                "user",
                actor,
                "作废申请须由申请人以外的另一位工作人员批准：您是申请人",
                "a void request must be decided by a user other than the one who asked: you asked",
            )
            .with_code(ErrorCode::Forbidden));
        }
        if approve {
            let now_ballot = counted_in_tx(&mut tx, c.id, v.household_id).await?;
            if now_ballot.as_ref().map(|b| (b.1, b.3.as_str())) != Some((v.channel, v.cast_at.as_str())) {
                return Err(invalid(
                    "void_id",
                    void_id.to_string(),
                    "申请作废后该户的表决意见已变化：请驳回此申请，如仍需作废请重新申请",
                    "the household's ballot changed since the request: refuse it and ask again if needed",
                )
                .with_code(ErrorCode::Conflict));
            }
            with_tx!(&mut tx, cx => sqlx::query("DELETE FROM ballots WHERE consultation_id = $1 AND household_id = $2").bind(c.id).bind(v.household_id).execute(&mut *cx).await?.rows_affected());
            if v.channel == Channel::Paper {
                with_tx!(&mut tx, cx => sqlx::query("DELETE FROM paper_ballots WHERE consultation_id = $1 AND household_id = $2").bind(c.id).bind(v.household_id).execute(&mut *cx).await?.rows_affected());
            }
        }
        let status = if approve { VoidStatus::Approved } else { VoidStatus::Rejected };
        with_tx!(&mut tx, cx => sqlx::query("UPDATE ballot_voids SET status = $1, decided_by = $2, decided_at = $3 WHERE id = $4")
            .bind(status.as_str()).bind(actor).bind(&now).bind(void_id).execute(&mut *cx).await?.rows_affected());
        audit::append(&mut tx, &audit::Entry::new(actor, origin, if approve { "ballot.void.approve" } else { "ballot.void.reject" }, "consultation", &c.id.to_string(),
            json!({"void_id": void_id, "household_id": v.household_id, "channel": v.channel, "cast_at": v.cast_at, "requested_by": v.requested_by, "reason": v.reason}))).await?;
        tx.commit().await?;
        v.household_id
    };
    let sql = format!("SELECT {VOID_COLS} FROM ballot_voids WHERE id = $1");
    let r: VoidRow = with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(void_id).fetch_one(p).await?);
    let label = households::get(db, hid).await?.label();
    Ok(void_of(r, label))
}

// ───────────────────────────── Tally ─────────────────────────────

/// The tally of a consultation: counts by household and by exclusive area, and each check of its rule.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Tally {
    pub consultation_id: i64,
    pub estate_id: i64,
    pub project_id: Option<i64>,
    pub kind: Kind,
    pub matter: Option<Matter>,
    pub eligible: Counts,
    pub participating: Counts,
    pub yes: Counts,
    pub no: Counts,
    pub abstain: Counts,
    /// Ballots by channel (households).
    pub by_channel: std::collections::BTreeMap<String, i64>,
    /// Each threshold of the rule with its value, the achieved figure and pass/fail.
    pub checks: Vec<Decision>,
    pub outcome: Outcome,
    pub reason_zh: String,
    pub reason_en: String,
    /// The profile that decided it.
    pub profile: String,
    /// True for the locked result of a closed consultation.
    #[serde(rename = "final")]
    pub final_: bool,
    pub at: String,
}

/// Decides a tally under the profile: the rules crate's decision on the counts.
pub fn decide(
    profile: &EffectiveProfile,
    c: &Consultation,
    t: &jiugai_rules::Turnout,
) -> Result<jiugai_rules::ConsultationDecision, StoreError> {
    jiugai_rules::decide_consultation(profile, c.kind, c.matter, t).map_err(|e| {
        invalid("tally", format!("{}/{}", t.yes.households, t.eligible.households), e.message_zh, e.message_en)
    })
}

#[derive(sqlx::FromRow)]
struct CountRow {
    choice: Choice,
    channel: Channel,
    households: i64,
    area_dm2: Option<i64>,
}

const COUNT_SQL: &str = "SELECT choice, channel, COUNT(*) AS households, CAST(SUM(area_dm2) AS BIGINT) AS area_dm2 \
    FROM ballots WHERE consultation_id = $1 GROUP BY choice, channel";

/// Counts the ballots (choice, channel, households, area) of a consultation: one statement.
async fn count_rows(db: &Db, cid: i64) -> Result<Vec<CountRow>, StoreError> {
    Ok(with_db!(db, p => sqlx::query_as(COUNT_SQL).bind(cid).fetch_all(p).await?))
}

/// The same inside a transaction.
async fn count_rows_in(tx: &mut Tx, cid: i64) -> Result<Vec<CountRow>, StoreError> {
    Ok(with_tx!(tx, cx => sqlx::query_as(COUNT_SQL).bind(cid).fetch_all(&mut *cx).await?))
}

fn assemble(
    profile: &EffectiveProfile,
    c: &Consultation,
    rows: Vec<CountRow>,
    final_: bool,
    at: String,
) -> Result<Tally, StoreError> {
    let (mut yes, mut no, mut abstain) = (Counts::default(), Counts::default(), Counts::default());
    let mut by_channel = std::collections::BTreeMap::new();
    for r in rows {
        let slot = match r.choice {
            Choice::Yes => &mut yes,
            Choice::No => &mut no,
            Choice::Abstain => &mut abstain,
        };
        slot.households += r.households;
        slot.area_dm2 += r.area_dm2.unwrap_or(0);
        *by_channel.entry(r.channel.as_str().to_string()).or_insert(0) += r.households;
    }
    let eligible = Counts { households: c.eligible_households, area_dm2: c.eligible_area_dm2 };
    let participating = Counts {
        households: yes.households + no.households + abstain.households,
        area_dm2: yes.area_dm2 + no.area_dm2 + abstain.area_dm2,
    };
    let jiugai_rules::ConsultationDecision { checks, outcome, reason_zh, reason_en } =
        decide(profile, c, &jiugai_rules::Turnout { eligible, yes, no, abstain })?;
    Ok(Tally {
        consultation_id: c.id,
        estate_id: c.estate_id,
        project_id: c.project_id,
        kind: c.kind,
        matter: c.matter,
        eligible,
        participating,
        yes,
        no,
        abstain,
        by_channel,
        checks,
        outcome,
        reason_zh,
        reason_en,
        profile: profile.name.clone(),
        final_,
        at,
    })
}

/// The tally: the locked one of a closed consultation, else the live one.
pub async fn tally(db: &Db, profile: &EffectiveProfile, c: &Consultation) -> Result<Tally, StoreError> {
    if let Some(t) = locked_tally(c)? {
        return Ok(t);
    }
    let rows = count_rows(db, c.id).await?;
    assemble(profile, c, rows, false, clock::now_rfc3339())
}

/// The signed result of a closed consultation, as stored.
pub fn locked_tally(c: &Consultation) -> Result<Option<Tally>, StoreError> {
    let Some(j) = &c.result_json else { return Ok(None) };
    let bad = |e: serde_json::Error| StoreError::Other(format!("stored result of consultation {}: {e}", c.id));
    let mut v: Value = serde_json::from_str(j).map_err(bad)?;
    Ok(Some(serde_json::from_value(v["tally"].take()).map_err(bad)?))
}

/// SHA-256 of the counted ballots in household order, one line `household_id TAB choice TAB channel` each.
fn ballots_digest(ballots: &[(i64, String, String)]) -> String {
    use std::fmt::Write;
    let mut h = jiugai_domain::digest::Hasher::new();
    let mut line = String::with_capacity(64);
    for (hid, choice, channel) in ballots {
        line.clear();
        let _ = writeln!(line, "{hid}\t{choice}\t{channel}");
        h.update(line.as_bytes());
    }
    h.hex()
}

fn sha_hex(data: &[u8]) -> String {
    jiugai_domain::digest::sha256_hex(data)
}

/// Closes a consultation: no ballot is accepted afterwards; the final tally, with the SHA-256 of the list
/// of counted ballots, is stored with its own SHA-256 and the digest is written into the audit log, in
/// one transaction. Closing before the announced time needs a reason, kept in the result, on the consultation
/// (`close_reason`) and in the audit log; pending paper forms and void requests keep it open (`entry_pending`).
pub async fn close(
    db: &Db,
    profile: &EffectiveProfile,
    id: i64,
    expected: i64,
    reason: &str,
    actor: &str,
    origin: &str,
) -> Result<(Consultation, Tally), StoreError> {
    let now = clock::now_rfc3339();
    let reason = reason.trim();
    {
        let mut tx = db.begin().await?;
        audit::lock(&mut tx).await?;
        let c = read_in_tx(&mut tx, id).await?;
        if c.closed_at.is_some() {
            return Err(invalid(
                "consultation",
                id.to_string(),
                format!("「{}」已于 {} 结束并封存结果", c.title, local_text(c.closed_at.as_deref().unwrap_or(""))),
                format!("“{}” was already closed", c.title),
            ));
        }
        if c.version != expected {
            return Err(StoreError::Stale { entity: "征询", id, expected, current: c.version });
        }
        if now < c.opens_at {
            return Err(closed_msg(&c, State::Scheduled));
        }
        // Pending void requests are decided first: the result must not depend on a request nobody decided.
        let voids: Vec<(String, String, String)> = with_tx!(&mut tx, cx => sqlx::query_as(
            "SELECT h.building, h.unit, h.room FROM ballot_voids v JOIN households h ON h.id = v.household_id WHERE v.consultation_id = $1 AND v.status = 'pending' ORDER BY h.building, h.unit, h.room")
            .bind(c.id).fetch_all(&mut *cx).await?);
        if !voids.is_empty() {
            let list: Vec<String> = voids.iter().map(|(b, u, r)| households::label(b, u, r)).collect();
            return Err(StoreError::invalid(
                "consultation",
                id.to_string(),
                format!("还有 {} 份作废申请待批准，不能结束征询：{}。请先由另一位工作人员批准或驳回", voids.len(), list.join("、")),
                format!("{} void request(s) await a decision, so the consultation cannot close: {}. Have another user approve or refuse them first", voids.len(), list.join(", ")),
            )
            .with_code(ErrorCode::EntryPending));
        }
        // Every paper form is counted before the result is sealed: none may wait for its second entry or be
        // disputed (SPEC §6: paper is entered twice; a disputed form is resolved against its scan).
        let open: Vec<(String, String, String, PaperStatus)> = with_tx!(&mut tx, cx => sqlx::query_as(
            "SELECT h.building, h.unit, h.room, p.status FROM paper_ballots p JOIN households h ON h.id = p.household_id WHERE p.consultation_id = $1 AND p.status IN ('pending', 'disputed') ORDER BY p.status, h.building, h.unit, h.room")
            .bind(c.id).fetch_all(&mut *cx).await?);
        if !open.is_empty() {
            let list = |zh: bool| {
                open.iter()
                    .map(|(b, u, r, st)| {
                        let what = match (st, zh) {
                            (PaperStatus::Disputed, true) => "两次录入不一致，待核对",
                            (PaperStatus::Disputed, false) => "entries disagree, to resolve",
                            (_, true) => "待第二次录入",
                            (_, false) => "awaiting its second entry",
                        };
                        format!("{}（{what}）", households::label(b, u, r))
                    })
                    .collect::<Vec<_>>()
                    .join(if zh { "、" } else { ", " })
            };
            return Err(StoreError::invalid(
                "consultation",
                id.to_string(),
                format!("还有 {} 张纸质表决票未完成录入，不能结束征询：{}。请先完成第二次录入或按扫描件核对", open.len(), list(true)),
                format!("{} paper form(s) are not settled, so the consultation cannot close: {}. Enter them a second time or resolve them against the scan first", open.len(), list(false)),
            )
            .with_code(jiugai_domain::ErrorCode::EntryPending));
        }
        let early = now < c.closes_at;
        if early && reason.is_empty() {
            return Err(invalid(
                "reason",
                "",
                format!(
                    "截止时间 {}（北京时间）之前结束征询须说明理由，理由将记入结果和审计日志",
                    local_text(&c.closes_at)
                ),
                format!(
                    "closing before {} (Beijing time) needs a reason; it is kept with the result and in the audit log",
                    local_text(&c.closes_at)
                ),
            ));
        }
        if reason.chars().count() > 500 {
            return Err(invalid("reason", reason, "理由不超过 500 字", "the reason is up to 500 characters"));
        }
        let close_reason: Option<&str> = if reason.is_empty() { None } else { Some(reason) };
        let rows = count_rows_in(&mut tx, c.id).await?;
        let mut t = assemble(profile, &c, rows, true, now.clone())?;
        t.final_ = true;
        let ballots: Vec<(i64, String, String)> = with_tx!(&mut tx, cx => sqlx::query_as("SELECT household_id, choice, channel FROM ballots WHERE consultation_id = $1 ORDER BY household_id")
            .bind(c.id).fetch_all(&mut *cx).await?);
        let ballots_sha = ballots_digest(&ballots);
        let doc = json!({"tally": t, "ballots": ballots.len(), "ballots_sha256": ballots_sha, "closed_by": actor, "closed_early": early, "close_reason": close_reason});
        let text = doc.to_string();
        let sha = sha_hex(text.as_bytes());
        let passed = match t.outcome {
            Outcome::Pass => Some(true),
            Outcome::Fail => Some(false),
            Outcome::NotApplicable => None,
        };
        with_tx!(&mut tx, cx => sqlx::query("UPDATE consultations SET closed_at = $1, closed_by = $2, result_json = $3, result_sha256 = $4, passed = $5, close_reason = $6, version = version + 1 WHERE id = $7")
            .bind(&now).bind(actor).bind(&text).bind(&sha).bind(passed).bind(close_reason).bind(c.id).execute(&mut *cx).await?.rows_affected());
        audit::append(&mut tx, &audit::Entry::new(actor, origin, "consultation.close", "consultation", &c.id.to_string(), json!({
            "result_sha256": sha, "ballots_sha256": ballots_sha, "ballots": ballots.len(), "outcome": t.outcome, "closed_early": early, "close_reason": close_reason,
            "yes": t.yes, "no": t.no, "abstain": t.abstain, "eligible": t.eligible}))).await?;
        tx.commit().await?;
        let c = get(db, id).await?;
        Ok((c, t))
    }
}

/// Recomputes the SHA-256 of a closed consultation's stored result and of its ballots: `true` when both
/// still match what was signed at closing.
pub async fn verify(db: &Db, c: &Consultation) -> Result<bool, StoreError> {
    let (Some(j), Some(sha)) = (&c.result_json, &c.result_sha256) else { return Ok(false) };
    if sha_hex(j.as_bytes()) != *sha {
        return Ok(false);
    }
    let v: Value = serde_json::from_str(j).map_err(|e| StoreError::Other(e.to_string()))?;
    let ballots: Vec<(i64, String, String)> = with_db!(db, p => sqlx::query_as("SELECT household_id, choice, channel FROM ballots WHERE consultation_id = $1 ORDER BY household_id").bind(c.id).fetch_all(p).await?);
    let now = ballots_digest(&ballots);
    Ok(v["ballots_sha256"].as_str() == Some(now.as_str()))
}

/// A household's ballot and its history (oldest first).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct BallotEntry {
    pub household_id: i64,
    pub household_label: String,
    pub choice: Choice,
    pub channel: Channel,
    pub recorded_by: String,
    pub at: String,
}

/// The counted ballots of a consultation, by household.
pub async fn ballots(db: &Db, c: &Consultation) -> Result<Vec<BallotEntry>, StoreError> {
    let rows: Vec<(i64, Choice, Channel, String, String)> = with_db!(db, p => sqlx::query_as(
        "SELECT household_id, choice, channel, recorded_by, cast_at FROM ballots WHERE consultation_id = $1").bind(c.id).fetch_all(p).await?);
    let map: std::collections::HashMap<i64, (Choice, Channel, String, String)> =
        rows.into_iter().map(|r| (r.0, (r.1, r.2, r.3, r.4))).collect();
    Ok(households::list(db, c.estate_id)
        .await?
        .into_iter()
        .filter_map(|h| {
            map.get(&h.id).map(|(choice, channel, by, at)| BallotEntry {
                household_id: h.id,
                household_label: h.label(),
                choice: *choice,
                channel: *channel,
                recorded_by: by.clone(),
                at: at.clone(),
            })
        })
        .collect())
}

/// Every accepted submission of a household, oldest first (the history of a changed ballot).
pub async fn history(db: &Db, c: &Consultation, household_id: i64) -> Result<Vec<BallotEntry>, StoreError> {
    let h = households::get(db, household_id).await?;
    let rows: Vec<(Choice, Channel, String, String)> = with_db!(db, p => sqlx::query_as(
        "SELECT choice, channel, recorded_by, at FROM ballot_history WHERE consultation_id = $1 AND household_id = $2 ORDER BY id").bind(c.id).bind(household_id).fetch_all(p).await?);
    Ok(rows
        .into_iter()
        .map(|(choice, channel, by, at)| BallotEntry {
            household_id,
            household_label: h.label(),
            choice,
            channel,
            recorded_by: by,
            at,
        })
        .collect())
}

/// The one JSON document of a consultation with its tally (live, or the locked result), printed by the
/// API and the CLI alike. The stored result text is left out: the tally is it, and its digest is kept.
pub fn document(c: &Consultation, tally: Option<&Tally>) -> Value {
    let mut v = serde_json::to_value(c).unwrap_or_default();
    v["state"] = json!(c.state());
    if let Some(o) = v.as_object_mut() {
        o.remove("result_json");
    }
    if let Some(t) = tally {
        v["tally"] = serde_json::to_value(t).unwrap_or_default();
    }
    v
}

/// The latest closed consultation of `kind` for an estate: one of the project when `project_id` is
/// given and it has one, else the estate's own.
pub async fn latest_closed(
    db: &Db,
    estate_id: i64,
    project_id: Option<i64>,
    kind: Kind,
) -> Result<Option<(Consultation, Tally)>, StoreError> {
    let sql = format!(
        "SELECT {COLS} FROM consultations WHERE estate_id = $1 AND kind = $2 AND closed_at IS NOT NULL ORDER BY closed_at DESC, id DESC"
    );
    let all: Vec<Consultation> = with_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(estate_id).bind(kind).fetch_all(pool).await?);
    let pick = project_id
        .and_then(|pid| all.iter().find(|c| c.project_id == Some(pid)))
        .or_else(|| all.iter().find(|c| c.project_id.is_none()));
    match pick {
        Some(c) => {
            let t = locked_tally(c)?
                .ok_or_else(|| StoreError::Other(format!("consultation {} closed without a result", c.id)))?;
            Ok(Some((c.clone(), t)))
        }
        None => Ok(None),
    }
}

/// The latest closed result of `kind` for each estate of a project (see [`latest_closed`]), and the
/// estates that have none.
pub async fn project_results(
    db: &Db,
    p: &crate::projects::Project,
    kind: Kind,
) -> Result<(Vec<(Consultation, Tally)>, Vec<i64>), StoreError> {
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for e in &p.estate_ids {
        match latest_closed(db, *e, Some(p.id), kind).await? {
            Some(r) => found.push(r),
            None => missing.push(*e),
        }
    }
    Ok((found, missing))
}

/// The record of closed consultations a project step relies on (kept in the step's detail).
pub fn evidence(results: &[(Consultation, Tally)]) -> Value {
    Value::Array(results.iter().map(|(c, t)| json!({
        "consultation_id": c.id, "estate_id": c.estate_id, "kind": c.kind, "closed_at": c.closed_at, "result_sha256": c.result_sha256,
        "eligible": t.eligible.households, "participating": t.participating.households, "yes": t.yes.households, "outcome": t.outcome,
    })).collect())
}
