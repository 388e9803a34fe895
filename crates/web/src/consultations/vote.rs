//! The resident's side (no account): the one-time code from the slip opens the question, the project's
//! public notice, and three large buttons. A used, void or wrong code is refused with a message that
//! says what to do. Also `POST /api/v1/vote/{code}` for the same in JSON.

use std::collections::HashMap;

use askama::Template;
use axum::Json;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiugai_store::residents::consultations::{self as cons, CodeView};
use jiugai_store::{StoreError, projects};
use serde_json::{Value, json};

use crate::AppState;
use crate::access::Ctx;
use crate::error::AppError;
use crate::i18n::Tr;
use crate::view;

/// The project's published notice, shown with the question.
pub struct NoticeLink {
    pub project_id: i64,
    pub name: String,
    pub investment: String,
    pub hotline: String,
}

#[derive(Template)]
#[template(path = "consultations/vote.html")]
pub struct VotePage {
    pub t: Tr,
    pub code: String,
    pub estate: String,
    pub room: String,
    pub title: String,
    pub kind: String,
    pub question: String,
    pub closes: String,
    /// The form is shown (open, code unused).
    pub can_vote: bool,
    /// The answer just recorded, or the one recorded earlier with this code.
    pub recorded: String,
    pub recorded_at: String,
    pub just_recorded: bool,
    pub choices: Vec<(&'static str, String)>,
    pub state: String,
    pub notice: Option<NoticeLink>,
    pub error: String,
    /// The confirmation step: the choice made, not yet cast (key, label).
    pub confirm: Option<(String, String)>,
    /// Whether the answer can still be changed, and how.
    pub change_rule: String,
    /// The household's ballot was voided: when and why.
    pub voided: String,
}

fn yuan(fen: i64) -> String {
    jiugai_rules::Fen(fen).to_string()
}

async fn page_of(state: &AppState, t: Tr, code: &str, v: &CodeView) -> Result<VotePage, AppError> {
    let c = &v.consultation;
    let notice = match c.project_id {
        Some(pid) => match projects::get(&state.db, pid).await {
            Ok(p) if p.notice_from.is_some() => Some(NoticeLink {
                project_id: p.id,
                name: p.name.clone(),
                investment: yuan(p.investment_fen),
                hotline: p.hotline.clone(),
            }),
            _ => None,
        },
        None => None,
    };
    // A used code says when, never what: the page is public and the code may be seen by others.
    let (recorded, recorded_at) = match &v.used {
        Some(at) => (String::new(), cons::local_text(at)),
        None => (String::new(), String::new()),
    };
    Ok(VotePage {
        t,
        code: cons::normalize_code(code),
        estate: v.estate_name.clone(),
        room: v.household_label.clone(),
        title: c.title.clone(),
        kind: super::kind_label(t, c.kind),
        question: c.question.clone(),
        closes: cons::local_text(&c.closes_at),
        can_vote: v.state == cons::State::Open && v.used.is_none(),
        recorded,
        recorded_at,
        just_recorded: false,
        choices: cons::Choice::ALL.iter().map(|&x| (x.as_str(), super::choice_label(t, c.kind, x))).collect(),
        state: super::state_label(t, v.state),
        notice,
        error: String::new(),
        confirm: None,
        change_rule: change_rule(t, v),
        voided: match &v.voided {
            Some((at, reason)) => format!(
                "{}{}{}{}",
                t.b("您的意见已于 ", "Your answer was voided at "),
                cons::local_text(at),
                t.b("（北京时间）被作废，原因：", " (Beijing time). Reason: "),
                reason
            ),
            None => String::new(),
        },
    })
}

/// What the resident is told about changing the answer: a code works once, and until the closing time a
/// new slip from the community office lets the household answer again (the last answer counts).
fn change_rule(t: Tr, v: &CodeView) -> String {
    let closes = cons::local_text(&v.consultation.closes_at);
    match v.state {
        cons::State::Open | cons::State::Scheduled => format!(
            "{}{closes}{}",
            t.b(
                "提交后不能用此表决码修改；截止前可以修改：请在 ",
                "Once submitted, this code cannot change the answer; until the closing time it can be changed: before "
            ),
            t.b(
                "（北京时间）前联系社区工作人员补发新的表决单，以最后一次提交为准。",
                " (Beijing time) ask the community office for a new slip; the last answer counts."
            )
        ),
        _ => t
            .b("征询已截止，意见不能再修改。", "The consultation has ended; the answer can no longer be changed.")
            .to_string(),
    }
}

fn refused(t: Tr, code: &str, message: String) -> VotePage {
    VotePage {
        t,
        code: cons::normalize_code(code),
        estate: String::new(),
        room: String::new(),
        title: String::new(),
        kind: String::new(),
        question: String::new(),
        closes: String::new(),
        can_vote: false,
        recorded: String::new(),
        recorded_at: String::new(),
        just_recorded: false,
        choices: Vec::new(),
        state: String::new(),
        notice: None,
        error: message,
        confirm: None,
        change_rule: String::new(),
        voided: String::new(),
    }
}

pub async fn page(State(state): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> Result<Response, AppError> {
    let t = ctx.t();
    match cons::open_code(&state.db, &code).await {
        Ok(v) => Ok(view::html(&page_of(&state, t, &code, &v).await?).into_response()),
        Err(e @ StoreError::Invalid { .. }) => {
            Ok((StatusCode::NOT_FOUND, view::html(&refused(t, &code, e.message(ctx.lang)))).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let t = ctx.t();
    let choice = f.get("choice").map(|s| s.trim()).unwrap_or("");
    // First the confirmation page (the choice and whether it can be changed); only `confirm=1` casts.
    if f.get("confirm").map(|s| s.trim()) != Some("1") {
        let v = match cons::open_code(&state.db, &code).await {
            Ok(v) => v,
            Err(e @ StoreError::Invalid { .. }) => {
                return Ok((StatusCode::NOT_FOUND, view::html(&refused(t, &code, e.message(ctx.lang)))).into_response());
            }
            Err(e) => return Err(e.into()),
        };
        let mut p = page_of(&state, t, &code, &v).await?;
        return match cons::parse_choice(choice) {
            Ok(ch) if p.can_vote => {
                p.confirm = Some((ch.as_str().to_string(), super::choice_label(t, v.consultation.kind, ch)));
                Ok(view::html(&p).into_response())
            }
            Ok(_) => Ok(view::html(&p).into_response()),
            Err(e) => {
                p.error = e.message(ctx.lang);
                Ok((StatusCode::UNPROCESSABLE_ENTITY, view::html(&p)).into_response())
            }
        };
    }
    let cast = async {
        let choice = cons::parse_choice(choice)?;
        cons::cast_by_code(&state.db, &code, choice, &ctx.origin).await.map(|_| choice)
    };
    match cast.await {
        Ok(choice) => {
            let v = cons::open_code(&state.db, &code).await?;
            let mut p = page_of(&state, t, &code, &v).await?;
            // Only the answer just cast, on the response to the one who cast it; a later visit says when only.
            p.recorded = super::choice_label(t, v.consultation.kind, choice);
            p.just_recorded = true;
            Ok(view::html(&p).into_response())
        }
        Err(e @ StoreError::Invalid { .. }) => match cons::open_code(&state.db, &code).await {
            Ok(v) => {
                let mut p = page_of(&state, t, &code, &v).await?;
                p.error = e.message(ctx.lang);
                let status = if v.used.is_some() { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
                Ok((status, view::html(&p)).into_response())
            }
            Err(_) => Ok((StatusCode::NOT_FOUND, view::html(&refused(t, &code, e.message(ctx.lang)))).into_response()),
        },
        Err(e) => Err(e.into()),
    }
}

/// `POST /api/v1/vote/{code}` with `{"choice": "yes" | "no" | "abstain"}`: 200 with the accepted ballot,
/// 404 for a wrong or void code, 409 for a used one, 422 otherwise (closed, bad choice).
pub async fn api(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let choice = v.get("choice").and_then(|c| c.as_str()).unwrap_or("");
    let cast = async { cons::cast_by_code(&state.db, &code, cons::parse_choice(choice)?, &ctx.origin).await };
    match cast.await {
        Ok(a) => Ok(Json(json!({"accepted": a})).into_response()),
        Err(e @ StoreError::Invalid { .. }) => {
            let status = match cons::open_code(&state.db, &code).await {
                Err(_) => StatusCode::NOT_FOUND,
                Ok(v) if v.used.is_some() => StatusCode::CONFLICT,
                Ok(_) => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let (zh, en) = (e.message(jiugai_store::Lang::Zh), e.message(jiugai_store::Lang::En));
            let msg = if ctx.lang == jiugai_store::Lang::Zh { zh.clone() } else { en.clone() };
            Ok((status, Json(json!({"error": {"code": "vote_refused", "message": msg, "message_zh": zh, "message_en": en, "field": "code"}}))).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
