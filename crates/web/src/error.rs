//! Typed errors of the web layer. A handler returns `Err(AppError)`; the response it makes carries the
//! error in its extensions, and [`render_errors`] (one layer over the whole router) turns it into JSON
//! under `/api/` and an HTML page elsewhere, in the request's language.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
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
    /// Bad input: a code, a message in each language, and the field it concerns.
    Invalid { code: &'static str, zh: String, en: String, field: Option<String> },
    /// Anything the store reports.
    Store(StoreError),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::EstateNotFound(_) | StoreError::ProjectNotFound(_) | StoreError::NotFound(..) => {
                AppError::NotFound
            }
            StoreError::Invalid { field, zh, en, .. } => {
                AppError::Invalid { code: "invalid", zh, en, field: Some(field) }
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
        code: "invalid_value",
        zh: format!("“{field}”的值“{}”无效：应为 {}", e.value, e.expected.join("、")),
        en: format!("“{}” is not a valid {field}: use one of {}", e.value, e.expected.join(", ")),
        field: Some(field.to_string()),
    })
}

impl AppError {
    pub fn invalid(field: &str, zh: impl Into<String>, en: impl Into<String>) -> AppError {
        AppError::Invalid { code: "invalid", zh: zh.into(), en: en.into(), field: Some(field.to_string()) }
    }
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::Csrf | AppError::PasswordChange => StatusCode::FORBIDDEN,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Store(StoreError::Conflict { .. } | StoreError::Stale { .. }) => StatusCode::CONFLICT,
            AppError::Store(
                StoreError::RegionNotFound(_)
                | StoreError::RegionAmbiguous(..)
                | StoreError::RegionLevel(..)
                | StoreError::File(_),
            ) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound => "not_found",
            AppError::Forbidden => "forbidden",
            AppError::Unauthorized => "unauthorized",
            AppError::PasswordChange => "password_change_required",
            AppError::Csrf => "csrf",
            AppError::RateLimited => "rate_limited",
            AppError::Invalid { code, .. } => code,
            AppError::Store(StoreError::Conflict { .. } | StoreError::Stale { .. }) => "version_conflict",
            AppError::Store(
                StoreError::RegionNotFound(_) | StoreError::RegionAmbiguous(..) | StoreError::RegionLevel(..),
            ) => "invalid_region",
            AppError::Store(StoreError::File(_)) => "bad_file",
            AppError::Store(_) => "internal",
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
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Invalid { field, .. } => field.as_deref(),
            _ => None,
        }
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
    let body = json!({"error": {"code": e.code(), "message": e.message(lang), "field": e.field()}});
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
