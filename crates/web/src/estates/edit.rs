//! Editing an estate file with optimistic locking: the form carries the version it showed; if someone
//! saved in between, the editor is told which fields they changed and keeps their own input.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiugai_store::StoreError;
use jiugai_store::estates::{self, EstateData};

use super::form::{self, EDITABLE, FieldError};
use crate::AppState;
use crate::access::Ctx;
use crate::error::AppError;
use crate::view::{self, EditPage, FormField, Layout};

fn fields(ctx: &Ctx, values: &HashMap<String, String>, errors: &[FieldError]) -> Vec<FormField> {
    let t = ctx.t();
    EDITABLE
        .iter()
        .map(|(k, kind)| FormField {
            key: k.to_string(),
            label: t.field(k),
            value: values.get(*k).cloned().unwrap_or_default(),
            error: errors
                .iter()
                .find(|e| e.0 == *k)
                .map(|e| if t.zh() { e.1.clone() } else { e.2.clone() })
                .unwrap_or_default(),
            kind,
        })
        .collect()
}

fn values_of(d: &EstateData) -> HashMap<String, String> {
    EDITABLE.iter().map(|(k, _)| (k.to_string(), form::text_of(d, k))).collect()
}

pub async fn form(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Result<Html<String>, AppError> {
    let e = estates::get(&state.db, id).await?;
    let page = EditPage {
        l: Layout::new(&ctx, &state, "estates", &format!("/estates/{id}/edit")),
        id,
        name: e.data.name.clone(),
        version: e.version,
        fields: fields(&ctx, &values_of(&e.data), &[]),
        has_errors: false,
        conflict: vec![],
    };
    Ok(view::html(&page))
}

pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(input): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let version: i64 = input.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
    let current = estates::get(&state.db, id).await?;
    let submitted = EDITABLE.iter().filter_map(|(k, _)| input.get(*k).map(|v| (*k, v.as_str())));
    let (data, mut errors) = form::apply(&current.data, submitted);
    let layout = || Layout::new(&ctx, &state, "estates", &format!("/estates/{id}/edit"));
    if errors.is_empty() {
        match estates::update(&state.db, &state.regions, id, version, &data, &ctx.actor(), &ctx.origin).await {
            Ok(_) => {
                jiugai_store::estates::query::refresh_eligibility(&state.db, &state.profiles()).await?;
                return Ok(Redirect::to(&format!("/estates/{id}?saved=1")).into_response());
            }
            Err(StoreError::Conflict { current: now_version, changed, .. }) => {
                // Keep the editor's input; list what the other person changed, with the values now stored.
                let now = estates::get(&state.db, id).await?;
                let t = ctx.t();
                // The store names the changed fields by their Chinese labels.
                let key_of =
                    |label: &str| estates::FIELDS.iter().find(|(_, l)| *l == label).map(|(k, _)| *k).unwrap_or("");
                let conflict = changed
                    .iter()
                    .map(|l| key_of(l))
                    .map(|k| (t.field(k), form::display_of(&now.data, k, ctx.lang)))
                    .collect();
                let page = EditPage {
                    l: layout(),
                    id,
                    name: now.data.name.clone(),
                    version: now_version,
                    fields: fields(&ctx, &input, &[]),
                    has_errors: false,
                    conflict,
                };
                return Ok((StatusCode::CONFLICT, Html(view::render(&page))).into_response());
            }
            Err(StoreError::Invalid { field, zh, en, .. }) => errors.push((field, zh, en)),
            Err(e) => return Err(e.into()),
        }
    }
    let page = EditPage {
        l: layout(),
        id,
        name: current.data.name.clone(),
        version,
        fields: fields(&ctx, &input, &errors),
        has_errors: true,
        conflict: vec![],
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(view::render(&page))).into_response())
}
