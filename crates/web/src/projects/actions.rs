//! The project page's forms: stage moves, exception, facts, content, steps, progress, site reports,
//! issues, documents, members. Each saves through the store and goes back to the page (303), or shows the
//! page again with the error next to the form (422, or 409 when someone else changed the project).

use std::collections::HashMap;

use axum::extract::{Form, Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use jiugai_store::StoreError;
use jiugai_store::projects::{self, Facts, items, ledger, steps};
use serde_json::{Value, json};

use crate::access::Ctx;
use crate::error::AppError;
use crate::view;
use crate::{AppState, MAX_ATTACHMENT};

type F = HashMap<String, String>;

fn get<'a>(f: &'a F, k: &str) -> &'a str {
    f.get(k).map(|s| s.as_str()).unwrap_or("")
}

pub fn version_of(f: &F) -> Result<i64, AppError> {
    get(f, "version").trim().parse().map_err(|_| {
        AppError::invalid(
            "version",
            "缺少版本号：请刷新页面后再提交",
            "the version is missing: reload the page and submit again",
        )
    })
}

async fn respond(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    section: &str,
    r: Result<(), AppError>,
) -> Result<Response, AppError> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/projects/{id}?ok=1#{section}")).into_response()),
        Err(e @ (AppError::Invalid { .. } | AppError::Store(StoreError::Stale { .. }))) => {
            let mut page = super::show::build(state, ctx, id).await?;
            page.error = e.message(ctx.lang);
            page.error_section = section.to_string();
            Ok((e.status(), view::html(&page)).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn move_stage(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<F>,
) -> Result<Response, AppError> {
    let r = async {
        let version = version_of(&f)?;
        let p = projects::get(&state.db, id).await?;
        let prof = super::profile_of(&state, &p)?;
        let year = get(&f, "plan_year").trim();
        let year: i32 = year.parse().map_err(|_| {
            AppError::invalid("plan_year", format!("计划年度“{year}”无效"), format!("plan year “{year}” is invalid"))
        })?;
        projects::move_stage(
            &state.db,
            &prof,
            id,
            version,
            crate::error::word("stage", get(&f, "stage"))?,
            year,
            get(&f, "reason"),
            &ctx.actor(),
            &ctx.origin,
        )
        .await?;
        Ok(())
    }
    .await;
    respond(&state, &ctx, id, "move", r).await
}

pub async fn exception(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<F>,
) -> Result<Response, AppError> {
    let r = async {
        // A form without a gate is the eligibility exception (the form before gates had names).
        let gate = match get(&f, "gate") {
            "" => projects::gates::Gate::Eligibility,
            g => projects::gates::Gate::parse(g).ok_or_else(|| {
                AppError::invalid(
                    "gate",
                    format!("例外的关口“{g}”无效：应为 eligibility、consent 或 steps"),
                    format!("the gate “{g}” is invalid: use eligibility, consent or steps"),
                )
            })?,
        };
        projects::gates::record(&state.db, id, version_of(&f)?, gate, get(&f, "reason"), &ctx.actor(), &ctx.origin)
            .await?;
        Ok(())
    }
    .await;
    respond(&state, &ctx, id, "move", r).await
}

/// Reads the facts form: every field present is set (an empty optional field clears it).
fn facts_of(f: &F) -> Result<Facts, AppError> {
    let mut x = Facts::default();
    let has = |k: &str| f.contains_key(k);
    if has("name") {
        x.name = Some(get(f, "name").to_string());
    }
    if has("investment") {
        x.investment_fen = Some(super::parse_yuan("investment", get(f, "investment"))?);
    }
    if has("new_floor_area") {
        let a = get(f, "new_floor_area").trim();
        x.new_floor_area_dm2 = Some(if a.is_empty() {
            0
        } else {
            jiugai_sheet::normalize::area_dm2(a).map_err(|_| {
                AppError::invalid(
                    "new_floor_area",
                    format!("新建面积“{a}”无效"),
                    format!("new floor area “{a}” is invalid"),
                )
            })?
        });
    }
    if has("name") {
        // checkboxes: absent means unchecked on the submitted facts form
        x.high_risk = Some(has("high_risk"));
        x.structural_change = Some(has("structural_change"));
    }
    macro_rules! count {
        ($k:ident, $zh:expr) => {
            if has(stringify!($k)) {
                x.$k = Some(super::parse_count(stringify!($k), $zh, get(f, stringify!($k)))?);
            }
        };
    }
    count!(consent_yes, "同意户数");
    count!(consent_households, "总户数");
    count!(participation_yes, "参与户数");
    count!(illegal_found, "违建数");
    count!(illegal_removed, "主动拆除违建数");
    count!(satisfaction_yes, "满意户数");
    count!(satisfaction_answered, "参与评价户数");
    if has("residents_fund") {
        let v = get(f, "residents_fund").trim();
        x.residents_fund_fen = Some(if v.is_empty() { None } else { Some(super::parse_yuan("residents_fund", v)?) });
    }
    if has("safety_rating") {
        let v = get(f, "safety_rating").trim();
        x.safety_rating = Some(if v.is_empty() { None } else { Some(v.to_string()) });
    }
    if has("companies") {
        x.companies = Some(get(f, "companies").to_string());
    }
    if has("hotline") {
        x.hotline = Some(get(f, "hotline").to_string());
    }
    if has("notice_from") {
        x.notice_from = Some(Some(get(f, "notice_from").to_string()).filter(|s| !s.trim().is_empty()));
    }
    Ok(x)
}

pub async fn facts(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<F>,
) -> Result<Response, AppError> {
    let section = if f.contains_key("notice_from") && !f.contains_key("name") { "notice" } else { "facts" };
    let r = async {
        let x = facts_of(&f)?;
        projects::update_facts(&state.db, id, version_of(&f)?, &x, &ctx.actor(), &ctx.origin).await?;
        Ok(())
    }
    .await;
    respond(&state, &ctx, id, section, r).await
}

pub fn item_input(
    item_id: i64,
    quantity: &str,
    unit: &str,
    cost: &str,
    payer: &str,
    note: &str,
) -> Result<items::ItemInput, AppError> {
    let q = quantity.trim();
    let quantity_centi = jiugai_sheet::normalize::area_dm2(q).map_err(|_| {
        AppError::invalid(
            "quantity",
            format!("数量“{q}”无效：请填写数字，最多两位小数"),
            format!("quantity “{q}” is invalid: give a number with at most two decimals"),
        )
    })?;
    Ok(items::ItemInput {
        item_id,
        quantity_centi,
        unit: Some(unit.trim().to_string()).filter(|s| !s.is_empty()),
        cost_fen: super::parse_yuan("cost", cost)?,
        payer: Some(payer.trim().to_string()).filter(|s| !s.is_empty()),
        note: note.to_string(),
    })
}

pub async fn add_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<F>,
) -> Result<Response, AppError> {
    let r = async {
        let p = projects::get(&state.db, id).await?;
        let prof = super::profile_of(&state, &p)?;
        let item_id: i64 = get(&f, "item_id")
            .parse()
            .map_err(|_| AppError::invalid("item_id", "请从目录中选择改造内容", "choose an item from the catalogue"))?;
        let it = item_input(
            item_id,
            get(&f, "quantity"),
            get(&f, "unit"),
            get(&f, "cost"),
            get(&f, "payer"),
            get(&f, "note"),
        )?;
        items::add_item(&state.db, &prof, id, version_of(&f)?, &it, &ctx.actor(), &ctx.origin).await?;
        Ok(())
    }
    .await;
    respond(&state, &ctx, id, "content", r).await
}

pub async fn remove_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, row)): Path<(i64, i64)>,
    Form(f): Form<F>,
) -> Result<Response, AppError> {
    let r = async {
        items::remove_item(&state.db, id, version_of(&f)?, row, &ctx.actor(), &ctx.origin).await?;
        Ok(())
    }
    .await;
    respond(&state, &ctx, id, "content", r).await
}

pub async fn progress(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, row)): Path<(i64, i64)>,
    Form(f): Form<F>,
) -> Result<Response, AppError> {
    let r = async {
        let v = get(&f, "progress_pct").trim().trim_end_matches('%');
        let pct: i64 = v.parse().map_err(|_| {
            AppError::invalid(
                "progress_pct",
                format!("进度“{v}”无效：请填写 0 到 100 的整数"),
                format!("progress “{v}” is invalid: give a whole number from 0 to 100"),
            )
        })?;
        ledger::set_progress(&state.db, id, version_of(&f)?, row, pct, get(&f, "note"), &ctx.actor(), &ctx.origin)
            .await?;
        Ok(())
    }
    .await;
    respond(&state, &ctx, id, "content", r).await
}

/// The step's own record from the form (see `steps::Completion`).
pub fn step_detail(key: &str, f: &F) -> Value {
    let mut d = json!({});
    if key == "survey" {
        // Per estate of a package: agree_{estate id} and households_{estate id}.
        let mut list: Vec<Value> = Vec::new();
        for (k, v) in f {
            if let Some(eid) = k.strip_prefix("agree_").and_then(|e| e.parse::<i64>().ok()) {
                let hh = f.get(&format!("households_{eid}")).cloned().unwrap_or_default();
                if !v.trim().is_empty() || !hh.trim().is_empty() {
                    list.push(json!({"estate_id": eid, "agree": v.trim(), "households": hh.trim()}));
                }
            }
        }
        if !list.is_empty() {
            list.sort_by_key(|x| x["estate_id"].as_i64());
            d["estates"] = Value::Array(list);
        }
    }
    let fields: &[&str] = match key {
        "survey" => &["agree", "households"],
        "acceptance" => &["satisfied", "answered", "participants", "findings"],
        "spot_check" => &["result", "findings"],
        "handover" => &["operators"],
        "management" => &["mode", "maintenance_fund"],
        _ => &[],
    };
    for k in fields {
        if let Some(v) = f.get(*k) {
            d[*k] = json!(v);
        }
    }
    if key == "management" && !f.contains_key("maintenance_fund") {
        d["maintenance_fund"] = json!(false);
    }
    d
}

pub async fn complete_step(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, key)): Path<(i64, String)>,
    Form(f): Form<F>,
) -> Result<Response, AppError> {
    let r = async {
        let p = projects::get(&state.db, id).await?;
        let prof = super::profile_of(&state, &p)?;
        let c = steps::Completion {
            done_on: get(&f, "done_on").to_string(),
            started_on: Some(get(&f, "started_on").to_string()).filter(|s| !s.is_empty()),
            department: get(&f, "department").to_string(),
            note: get(&f, "note").to_string(),
            detail: step_detail(&key, &f),
        };
        steps::complete(
            &state.db,
            &prof,
            (id, version_of(&f)?, crate::error::word("step", &key)?),
            &c,
            &ctx.actor(),
            &ctx.origin,
        )
        .await?;
        Ok(())
    }
    .await;
    respond(&state, &ctx, id, "steps", r).await
}

pub async fn open_issue(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<F>,
) -> Result<Response, AppError> {
    let r = async {
        ledger::open_issue(&state.db, id, get(&f, "kind"), get(&f, "description"), &ctx.actor(), &ctx.origin).await?;
        Ok(())
    }
    .await;
    respond(&state, &ctx, id, "ledger", r).await
}

pub async fn close_issue(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, iid)): Path<(i64, i64)>,
    Form(f): Form<F>,
) -> Result<Response, AppError> {
    let r = async {
        ledger::close_issue(&state.db, id, iid, get(&f, "resolution"), &ctx.actor(), &ctx.origin).await?;
        Ok(())
    }
    .await;
    respond(&state, &ctx, id, "ledger", r).await
}

pub async fn add_member(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<F>,
) -> Result<Response, AppError> {
    let r = async {
        projects::add_member(
            &state.db,
            id,
            version_of(&f)?,
            get(&f, "user_name").trim(),
            get(&f, "duty"),
            &ctx.actor(),
            &ctx.origin,
        )
        .await?;
        Ok(())
    }
    .await;
    respond(&state, &ctx, id, "facts", r).await
}

/// Files and text fields of a multipart form. Files are checked by size and by their first bytes.
pub(crate) struct Parts {
    pub fields: F,
    pub files: Vec<(String, &'static str, Vec<u8>)>,
}

pub(crate) async fn read_multipart(
    mut mp: Multipart,
    file_fields: &[&str],
    only_photos: bool,
) -> Result<Parts, AppError> {
    let mut fields = F::new();
    let mut files = Vec::new();
    while let Ok(Some(mut field)) = mp.next_field().await {
        let name = field.name().unwrap_or("").to_string();
        if file_fields.contains(&name.as_str()) {
            let fname = field.file_name().unwrap_or("file").rsplit(['/', '\\']).next().unwrap_or("file").to_string();
            let mut data = Vec::new();
            while let Ok(Some(chunk)) = field.chunk().await {
                data.extend_from_slice(&chunk);
                if data.len() > MAX_ATTACHMENT {
                    return Err(AppError::invalid(
                        &name,
                        format!("“{fname}”超过 10 MB：请压缩后再上传"),
                        format!("“{fname}” is larger than 10 MB: compress it and upload again"),
                    ));
                }
            }
            if data.is_empty() && fname.is_empty() {
                continue;
            }
            if data.is_empty() {
                if fname == "file" || fname.is_empty() {
                    continue;
                }
                return Err(AppError::invalid(&name, format!("“{fname}”是空文件"), format!("“{fname}” is empty")));
            }
            let kind = crate::estates::attachments::sniff(&data).filter(|k| !only_photos || k.starts_with("image/"));
            let Some(kind) = kind else {
                return Err(AppError::invalid(
                    &name,
                    format!("“{fname}”不是 JPEG、PNG 照片{}", if only_photos { "" } else { "或 PDF 文件" }),
                    format!("“{fname}” is not a JPEG or PNG photo{}", if only_photos { "" } else { " or a PDF" }),
                ));
            };
            files.push((fname, kind, data));
        } else {
            let text = field.text().await.unwrap_or_default();
            fields.insert(name, text);
        }
    }
    Ok(Parts { fields, files })
}

pub async fn add_report(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    mp: Multipart,
) -> Result<Response, AppError> {
    let r = async {
        let parts = read_multipart(mp, &["photos", "file"], true).await?;
        let uploads: Vec<ledger::Upload> =
            parts.files.iter().map(|(n, k, d)| ledger::Upload { file_name: n, content_type: k, data: d }).collect();
        ledger::add_report(
            &state.db,
            id,
            get(&parts.fields, "report_date"),
            get(&parts.fields, "text"),
            &uploads,
            &ctx.actor(),
            &ctx.origin,
        )
        .await?;
        Ok(())
    }
    .await;
    respond(&state, &ctx, id, "ledger", r).await
}

pub async fn add_document(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    mp: Multipart,
) -> Result<Response, AppError> {
    let r = async {
        let parts = read_multipart(mp, &["file"], false).await?;
        let Some((name, kind, data)) = parts.files.first() else {
            return Err(AppError::invalid("file", "请选择要上传的文件", "choose a file to upload"));
        };
        let step = match get(&parts.fields, "step_key") {
            "" => None,
            k => Some(crate::error::word("step_key", k)?),
        };
        ledger::add_document(
            &state.db,
            id,
            step,
            &ledger::Upload { file_name: name, content_type: kind, data },
            &ctx.actor(),
            &ctx.origin,
        )
        .await?;
        Ok(())
    }
    .await;
    respond(&state, &ctx, id, "documents", r).await
}

pub async fn download(State(state): State<AppState>, Path((id, did)): Path<(i64, i64)>) -> Result<Response, AppError> {
    let (d, data) = ledger::document(&state.db, id, did).await?.ok_or(AppError::NotFound)?;
    let disposition = format!("inline; filename*=UTF-8''{}", crate::util::urlencode(&d.file_name));
    Ok((
        [
            (header::CONTENT_TYPE, d.content_type.clone()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
        ],
        data,
    )
        .into_response())
}
