//! The estate file: every field, eligibility with its rule, history, attachments.

use axum::extract::{Path, Query, State};
use axum::response::Html;
use jiugai_store::estates::{self, FIELDS};
use serde::Deserialize;

use super::form;
use crate::AppState;
use crate::access::{Action, Ctx};
use crate::error::AppError;
use crate::view::{self, FieldView, HistoryView, Layout, ShowPage};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Notice {
    pub saved: String,
    pub uploaded: String,
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> Result<Html<String>, AppError> {
    let page = build(&state, &ctx, id, String::new()).await?;
    let notice = if !n.saved.is_empty() {
        ctx.t().s("show.saved")
    } else if !n.uploaded.is_empty() {
        ctx.t().s("show.uploaded")
    } else {
        ""
    };
    Ok(view::html(&ShowPage { notice: notice.to_string(), ..page }))
}

fn value_text(v: &serde_json::Value, t: crate::i18n::Tr) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Bool(b) => t.s(if *b { "edit.yes" } else { "edit.no" }).to_string(),
        serde_json::Value::Array(a) => a.iter().map(|x| value_text(x, t)).collect::<Vec<_>>().join("、"),
        other => other.to_string(),
    }
}

pub async fn build(state: &AppState, ctx: &Ctx, id: i64, upload_error: String) -> Result<ShowPage, AppError> {
    let t = ctx.t();
    let e = estates::get(&state.db, id).await?;
    let d = &e.data;
    let mut fields: Vec<FieldView> = Vec::new();
    for (k, _) in FIELDS {
        let mut value = form::display_of(d, k, ctx.lang);
        if *k == "region_code" {
            value =
                format!("{value} {}", state.regions.get(&d.region_code).map(|r| r.full_name.as_str()).unwrap_or(""));
        }
        fields.push(FieldView { key: k.to_string(), label: t.field(k), value });
    }
    let el = super::eligibility_of(state, d);
    let verdict =
        el.as_ref().map(|e| jiugai_store::estates::query::verdict_key(e.verdict)).unwrap_or("unknown").to_string();
    let (reason, rule) = match &el {
        Some(e) => (
            if t.zh() { e.reason_zh.clone() } else { e.reason_en.clone() },
            format!("{} = {}（{}）— {}", e.rule.rule, e.rule.value, e.rule.profile, e.rule.source),
        ),
        None => (String::new(), String::new()),
    };
    let history = estates::history(&state.db, id)
        .await?
        .into_iter()
        .rev()
        .map(|h| {
            let changes: Vec<(String, String, String)> = match &h.changes {
                serde_json::Value::Object(m) => m
                    .iter()
                    .filter(|(k, _)| *k != "created")
                    .map(|(k, v)| {
                        let (a, b) = match v {
                            serde_json::Value::Array(p) if p.len() == 2 => (value_text(&p[0], t), value_text(&p[1], t)),
                            _ => (String::new(), value_text(v, t)),
                        };
                        (t.field(k), a, b)
                    })
                    .collect(),
                _ => vec![],
            };
            HistoryView {
                version: h.version,
                at: view::short_time(&h.changed_at),
                actor: h.actor.clone(),
                source: h.source.clone(),
                changes,
            }
        })
        .collect();
    let attachments = jiugai_store::attachments::list(&state.db, id).await?;
    let (households, _) = jiugai_store::residents::households::totals(&state.db, id).await?;
    Ok(ShowPage {
        l: Layout::new(ctx, state, "estates", &format!("/estates/{id}")),
        id,
        name: d.name.clone(),
        version: e.version,
        updated_at: view::short_time(&e.updated_at),
        fields,
        verdict_label: t.verdict(&verdict).to_string(),
        verdict,
        reason,
        rule,
        history,
        attachments,
        can_write: ctx.may(Action::WriteEstate),
        notice: String::new(),
        upload_error,
        households,
    })
}
