//! The content catalogue: shipped items from the seeds in three classes, and items offices add.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiugai_store::projects::items::{self, CLASSES, CatalogueItem};

use crate::AppState;
use crate::access::{Action, Ctx};
use crate::error::AppError;
use crate::view::{self, Layout};

#[derive(Template)]
#[template(path = "projects/catalogue.html")]
pub struct CataloguePage {
    pub l: Layout,
    pub groups: Vec<(&'static str, String, Vec<CatalogueItem>)>,
    pub can_edit: bool,
    pub error: String,
}

async fn build(state: &AppState, ctx: &Ctx, error: String) -> Result<CataloguePage, AppError> {
    let scope = ctx.user()?.scope_code.clone();
    let all = items::catalogue(&state.db, &scope).await?;
    let groups = CLASSES
        .iter()
        .map(|(c, _, _)| {
            (*c, super::class_label(ctx, c).to_string(), all.iter().filter(|i| i.class == *c).cloned().collect())
        })
        .collect();
    Ok(CataloguePage {
        l: Layout::new(ctx, state, "projects", "/projects/catalogue"),
        groups,
        can_edit: ctx.may(Action::EditCatalogue),
        error,
    })
}

pub async fn page(State(state): State<AppState>, ctx: Ctx) -> Result<Html<String>, AppError> {
    Ok(view::html(&build(&state, &ctx, String::new()).await?))
}

pub async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let g = |k: &str| f.get(k).map(|s| s.as_str()).unwrap_or("");
    let scope = ctx.user()?.scope_code.clone();
    match items::add_to_catalogue(
        &state.db,
        &scope,
        g("class"),
        g("name"),
        g("unit"),
        g("payer"),
        g("source"),
        &ctx.actor(),
        &ctx.origin,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/projects/catalogue").into_response()),
        Err(e @ jiugai_store::StoreError::Invalid { .. }) => {
            let page = build(&state, &ctx, e.message(ctx.lang)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, view::html(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
