//! Typed errors of the web layer. A handler returns `Err(AppError)`; the response it makes carries the
//! error in its extensions, and [`render_errors`] (one layer over the whole router) turns it into JSON
//! under `/api/` and an HTML page elsewhere, in the request's language.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiugai_domain::ErrorCode;
use jiugai_store::{Lang, StoreError};
use serde_json::json;

use crate::i18n;

#[derive(Debug)]
pub enum AppError {
    /// Not there, or not in the caller's scope: the two are indistinguishable.
    NotFound,
    /// Visible to the caller, but its role may not do this.
    Forbidden,
    /// Not signed in (or the token is unknown or revoked).
    Unauthorized,
    /// The one-time password must be changed first.
    PasswordChange,
    /// A form or request whose CSRF token is missing or wrong.
    Csrf,
    /// Too many failed sign-ins.
    RateLimited,
    /// A refusal: its stable code, a message in each language, the field it concerns and, when a rule of
    /// the policy refused, the rule key and its source clause.
    Invalid { code: ErrorCode, zh: String, en: String, field: Option<String>, rule: Option<(String, String)> },
    /// Anything the store reports.
    Store(StoreError),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::EstateNotFound(_) | StoreError::ProjectNotFound(_) | StoreError::NotFound(..) => {
                AppError::NotFound
            }
            StoreError::Invalid { code, field, zh, en, rule, .. } => {
                AppError::Invalid { code, zh, en, field: Some(field), rule }
            }
            other => AppError::Store(other),
        }
    }
}

/// A word of the vocabulary from a form field, a query or a path (`stage=implementation`): refused with
/// the field, the value and the words it accepts.
pub fn word<W>(field: &str, s: &str) -> Result<W, AppError>
where
    W: std::str::FromStr<Err = jiugai_domain::vocab::UnknownWord>,
{
    s.trim().parse::<W>().map_err(|e| AppError::Invalid {
        code: ErrorCode::InvalidValue,
        zh: format!("“{field}”的值“{}”无效：应为 {}", e.value, e.expected.join("、")),
        en: format!("“{}” is not a valid {field}: use one of {}", e.value, e.expected.join(", ")),
        field: Some(field.to_string()),
        rule: None,
    })
}

impl AppError {
    /// A request body that is not the JSON asked for.
    pub fn bad_json(zh: impl Into<String>, en: impl Into<String>) -> AppError {
        AppError::Invalid { code: ErrorCode::BadJson, zh: zh.into(), en: en.into(), field: None, rule: None }
    }
    pub fn invalid(field: &str, zh: impl Into<String>, en: impl Into<String>) -> AppError {
        AppError::Invalid {
            code: ErrorCode::InvalidValue,
            zh: zh.into(),
            en: en.into(),
            field: Some(field.to_string()),
            rule: None,
        }
    }
    pub fn status(&self) -> StatusCode {
        status_of(self.code())
    }
    /// The stable code of this error (see [`ErrorCode`]).
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::NotFound => ErrorCode::NotFound,
            AppError::Forbidden => ErrorCode::Forbidden,
            AppError::Unauthorized => ErrorCode::Unauthorized,
            AppError::PasswordChange => ErrorCode::PasswordChangeRequired,
            AppError::Csrf => ErrorCode::Csrf,
            AppError::RateLimited => ErrorCode::RateLimited,
            AppError::Invalid { code, .. } => *code,
            AppError::Store(e) => e.code(),
        }
    }
    pub fn message(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        match self {
            AppError::NotFound => i18n::s(lang, "err.not_found").into(),
            AppError::Forbidden => i18n::s(lang, "err.forbidden").into(),
            AppError::Unauthorized => i18n::s(lang, "err.unauthorized").into(),
            AppError::PasswordChange => i18n::s(lang, "err.password_change").into(),
            AppError::Csrf => i18n::s(lang, "err.csrf").into(),
            AppError::RateLimited => i18n::s(lang, "err.rate_limited").into(),
            AppError::Invalid { zh: z, en, .. } => {
                if zh {
                    z.clone()
                } else {
                    en.clone()
                }
            }
            AppError::Store(StoreError::Sqlx(_) | StoreError::Connect(..) | StoreError::Migration(..)) => {
                tracing::error!("{self:?}");
                i18n::s(lang, "err.internal").into()
            }
            AppError::Store(e) => e.message(lang),
        }
    }
    /// The policy rule (key, source clause) that refused, if a rule did.
    pub fn rule(&self) -> Option<&(String, String)> {
        match self {
            AppError::Invalid { rule, .. } => rule.as_ref(),
            _ => None,
        }
    }
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Invalid { field, .. } => field.as_deref(),
            _ => None,
        }
    }
}

/// The one table from error code to HTTP status: 404 for what is not there or not the caller's, 409 for a
/// conflict with the state of a record, 422 for input or a rule that refuses.
pub fn status_of(code: ErrorCode) -> StatusCode {
    use ErrorCode as C;
    match code {
        C::NotFound => StatusCode::NOT_FOUND,
        C::Unauthorized => StatusCode::UNAUTHORIZED,
        C::Forbidden | C::PasswordChangeRequired | C::Csrf | C::NotReviewer | C::NotReportOwner => {
            StatusCode::FORBIDDEN
        }
        C::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        C::Busy => StatusCode::SERVICE_UNAVAILABLE,
        C::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        C::StaleVersion
        | C::Conflict
        | C::NameTaken
        | C::VoteExists
        | C::EntryPending
        | C::CodeUsed
        | C::StepDone
        | C::PlanState => StatusCode::CONFLICT,
        C::CodeInvalid => StatusCode::NOT_FOUND,
        C::InvalidValue
        | C::BadJson
        | C::BadFile
        | C::InvalidRegion
        | C::NotOpen
        | C::ConsentMissing
        | C::StepMissing
        | C::StepOrder
        | C::StepNotNeeded
        | C::RuleNotMet
        | C::Ineligible
        | C::TargetMismatch
        | C::PlanChecksFailed
        | C::OverAllocation
        | C::RingFenced
        | C::NoAssessFormula => StatusCode::UNPROCESSABLE_ENTITY,
        C::WrongUnit | C::NotIssuer | C::NotAssignee => StatusCode::FORBIDDEN,
        C::TaskState => StatusCode::CONFLICT,
        C::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// What [`render_errors`] needs to write the body.
#[derive(Clone)]
pub struct ErrorInfo(pub Arc<AppError>);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut r = self.status().into_response();
        r.extensions_mut().insert(ErrorInfo(Arc::new(self)));
        r
    }
}

/// Renders errors: JSON `{"error": {"code", "message", "field"}}` under `/api/`, a page elsewhere;
/// an HTML request that is not signed in is sent to the sign-in page.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let lang = i18n::lang_of(req.headers());
    let path = req.uri().path_and_query().map(|p| p.to_string()).unwrap_or_default();
    let res = next.run(req).await;
    let Some(ErrorInfo(err)) = res.extensions().get::<ErrorInfo>().cloned() else {
        if res.status() == StatusCode::NOT_FOUND && res.headers().get(header::CONTENT_TYPE).is_none() {
            return (if api { json_error(&AppError::NotFound, lang) } else { html_error(&AppError::NotFound, lang) })
                .into_response();
        }
        return res;
    };
    if api {
        return json_error(&err, lang);
    }
    match &*err {
        AppError::Unauthorized => {
            Redirect::to(&format!("/login?next={}", crate::util::urlencode(&path))).into_response()
        }
        AppError::PasswordChange => Redirect::to("/account/password").into_response(),
        e => html_error(e, lang),
    }
}

pub fn json_error(e: &AppError, lang: Lang) -> Response {
    let (rule, source) = match e.rule() {
        Some((r, s)) => (Some(r.as_str()), Some(s.as_str())),
        None => (None, None),
    };
    let body = json!({"error": {"code": e.code(), "message": e.message(lang), "field": e.field(), "rule": rule, "source": source}});
    let mut r = (e.status(), axum::Json(body)).into_response();
    if matches!(e, AppError::Unauthorized) {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
    }
    r
}

fn html_error(e: &AppError, lang: Lang) -> Response {
    let t = i18n::Tr(lang);
    let page = crate::view::ErrorPage { t, status: e.status().as_u16(), message: e.message(lang) };
    (e.status(), Html(crate::view::render(&page))).into_response()
}
