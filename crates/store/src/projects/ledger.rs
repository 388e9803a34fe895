//! The construction ledger (调度台账) [000 三(四)]: progress per content item, dated site reports with
//! photos, quality and safety issues opened and closed, documents; and the ledger of a region as one table,
//! exportable to xlsx.

use serde::Serialize;
use serde_json::json;

use super::items;
use super::{Filter, Project, at_version, bump, get, invalid, list};
use crate::regions::Regions;
use crate::{Db, StoreError, audit, clock, with_db, with_tx};

/// Sets the progress (0–100 %) of content row `row`. Progress only goes forward unless `note` explains.
pub async fn set_progress(
    db: &Db,
    project_id: i64,
    expected: i64,
    row: i64,
    pct: i64,
    note: &str,
    actor: &str,
    origin: &str,
) -> Result<Project, StoreError> {
    at_version(db, project_id, expected).await?;
    let Some(old) = items::items(db, project_id).await?.into_iter().find(|i| i.id == row) else {
        return Err(invalid(
            "row",
            row.to_string(),
            format!("本项目没有第 {row} 条改造内容"),
            format!("this project has no content row {row}"),
        ));
    };
    if !(0..=100).contains(&pct) {
        return Err(invalid(
            "progress_pct",
            pct.to_string(),
            format!("进度 {pct}% 无效：应为 0 到 100 的整数"),
            format!("progress {pct}% is invalid: give a whole number from 0 to 100"),
        ));
    }
    if pct < old.progress_pct && note.trim().is_empty() {
        return Err(invalid(
            "progress_pct",
            pct.to_string(),
            format!("“{}”的进度从 {}% 降到 {pct}%：请在备注中说明原因", old.name, old.progress_pct),
            format!(
                "progress of “{}” goes down from {}% to {pct}%: explain why in the note",
                old.name, old.progress_pct
            ),
        ));
    }
    let now = clock::now_rfc3339();
    {
        let mut tx = db.begin().await?;
        bump(db, &mut tx, project_id, expected, &now).await?;
        with_tx!(&mut tx, cx => sqlx::query("UPDATE project_items SET progress_pct = $1 WHERE id = $2 AND project_id = $3").bind(pct).bind(row).bind(project_id).execute(&mut *cx).await?.rows_affected());
        audit::append(&mut tx, &audit::Entry::new(actor, origin, "project.progress", "project", &project_id.to_string(), json!({
            "version": expected + 1, "row": row, "name": old.name, "before": old.progress_pct, "after": pct, "note": note.trim()}))).await?;
        tx.commit().await?;
    };
    get(db, project_id).await
}

#[derive(Clone, Debug, Serialize, PartialEq, sqlx::FromRow)]
pub struct Document {
    pub id: i64,
    pub project_id: i64,
    pub step_key: Option<jiugai_domain::StepKey>,
    pub report_id: Option<i64>,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

const DOC_COLS: &str =
    "id, project_id, step_key, report_id, file_name, content_type, size, sha256, uploaded_by, uploaded_at";

/// A file given with a change (type and size are checked by the caller).
pub struct Upload<'a> {
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub data: &'a [u8],
}

fn sha_hex(data: &[u8]) -> String {
    jiugai_domain::digest::sha256_hex(data)
}

/// Attaches a document to the project, or to one of its steps. Documents do not change the project's
/// version: adding one never conflicts with an edit.
pub async fn add_document(
    db: &Db,
    project_id: i64,
    step_key: Option<jiugai_domain::StepKey>,
    f: &Upload<'_>,
    actor: &str,
    origin: &str,
) -> Result<Document, StoreError> {
    get(db, project_id).await?;
    let now = clock::now_rfc3339();
    let sha = sha_hex(f.data);
    let id: i64 = {
        let mut tx = db.begin().await?;
        let id: i64 = with_tx!(&mut tx, cx => sqlx::query_scalar("INSERT INTO project_documents (project_id, step_key, report_id, file_name, content_type, size, sha256, data, uploaded_by, uploaded_at) VALUES ($1,$2,NULL,$3,$4,$5,$6,$7,$8,$9) RETURNING id")
            .bind(project_id).bind(step_key).bind(f.file_name).bind(f.content_type).bind(f.data.len() as i64).bind(&sha).bind(f.data).bind(actor).bind(&now)
            .fetch_one(&mut *cx).await?);
        audit::append(&mut tx, &audit::Entry::new(actor, origin, "project.document.add", "project", &project_id.to_string(), json!({"after": {
            "document_id": id, "step": step_key, "file_name": f.file_name, "content_type": f.content_type, "size": f.data.len(), "sha256": sha}}))).await?;
        tx.commit().await?;
        id
    };
    Ok(documents(db, project_id).await?.into_iter().find(|d| d.id == id).expect("just inserted"))
}

pub async fn documents(db: &Db, project_id: i64) -> Result<Vec<Document>, StoreError> {
    let sql = format!("SELECT {DOC_COLS} FROM project_documents WHERE project_id = $1 ORDER BY id");
    let rows: Vec<Document> =
        with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(project_id).fetch_all(p).await?);
    Ok(rows)
}

pub async fn document(db: &Db, project_id: i64, id: i64) -> Result<Option<(Document, Vec<u8>)>, StoreError> {
    let sql = format!("SELECT {DOC_COLS}, data FROM project_documents WHERE id = $1 AND project_id = $2");
    #[derive(sqlx::FromRow)]
    struct WithData {
        #[sqlx(flatten)]
        d: Document,
        data: Vec<u8>,
    }
    let row: Option<WithData> =
        with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).bind(project_id).fetch_optional(p).await?);
    Ok(row.map(|r| (r.d, r.data)))
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SiteReport {
    pub id: i64,
    pub report_date: String,
    pub text: String,
    pub author: String,
    pub created_at: String,
    pub photos: Vec<Document>,
}

/// A dated site report with its photos (the contractor's daily/weekly record).
pub async fn add_report(
    db: &Db,
    project_id: i64,
    report_date: &str,
    text: &str,
    photos: &[Upload<'_>],
    actor: &str,
    origin: &str,
) -> Result<SiteReport, StoreError> {
    get(db, project_id).await?;
    let date = super::steps::date_of("report_date", report_date)?;
    if date > super::today() {
        return Err(invalid(
            "report_date",
            report_date,
            "现场记录的日期不能晚于今天",
            "a site report cannot be dated after today",
        ));
    }
    let text = text.trim();
    if text.is_empty() {
        return Err(invalid(
            "text",
            "",
            "请填写现场情况（施工内容、人员、问题、错峰施工等）",
            "describe the site (work done, crew, problems, off-peak work…)",
        ));
    }
    let now = clock::now_rfc3339();
    let id: i64 = {
        let mut tx = db.begin().await?;
        let id: i64 = with_tx!(&mut tx, cx => sqlx::query_scalar("INSERT INTO site_reports (project_id, report_date, text, author, created_at) VALUES ($1,$2,$3,$4,$5) RETURNING id")
            .bind(project_id).bind(date.to_string()).bind(text).bind(actor).bind(&now).fetch_one(&mut *cx).await?);
        let mut shas = Vec::new();
        for f in photos {
            let sha = sha_hex(f.data);
            with_tx!(&mut tx, cx => sqlx::query("INSERT INTO project_documents (project_id, step_key, report_id, file_name, content_type, size, sha256, data, uploaded_by, uploaded_at) VALUES ($1,NULL,$2,$3,$4,$5,$6,$7,$8,$9)")
                .bind(project_id).bind(id).bind(f.file_name).bind(f.content_type).bind(f.data.len() as i64).bind(&sha).bind(f.data).bind(actor).bind(&now)
                .execute(&mut *cx).await?.rows_affected());
            shas.push(json!({"file_name": f.file_name, "sha256": sha, "size": f.data.len()}));
        }
        audit::append(
            &mut tx,
            &audit::Entry::new(
                actor,
                origin,
                "project.report.add",
                "project",
                &project_id.to_string(),
                json!({"after": {
            "report_id": id, "report_date": date.to_string(), "text": text, "photos": shas}}),
            ),
        )
        .await?;
        tx.commit().await?;
        id
    };
    Ok(reports(db, project_id).await?.into_iter().find(|r| r.id == id).expect("just inserted"))
}

pub async fn reports(db: &Db, project_id: i64) -> Result<Vec<SiteReport>, StoreError> {
    let rows: Vec<(i64, String, String, String, String)> = with_db!(db, p => sqlx::query_as(
        "SELECT id, report_date, text, author, created_at FROM site_reports WHERE project_id = $1 ORDER BY report_date DESC, id DESC").bind(project_id).fetch_all(p).await?);
    let docs = documents(db, project_id).await?;
    Ok(rows
        .into_iter()
        .map(|r| SiteReport {
            photos: docs.iter().filter(|d| d.report_id == Some(r.0)).cloned().collect(),
            id: r.0,
            report_date: r.1,
            text: r.2,
            author: r.3,
            created_at: r.4,
        })
        .collect())
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Issue {
    pub id: i64,
    pub kind: String,
    pub description: String,
    pub opened_on: String,
    pub opened_by: String,
    pub closed_on: Option<String>,
    pub closed_by: Option<String>,
    pub resolution: Option<String>,
}

pub const ISSUE_KINDS: [(&str, &str); 2] = [("quality", "质量问题"), ("safety", "安全隐患")];

pub async fn issues(db: &Db, project_id: i64) -> Result<Vec<Issue>, StoreError> {
    let rows: Vec<(i64, String, String, String, String, Option<String>, Option<String>, Option<String>)> = with_db!(db, p => sqlx::query_as(
        "SELECT id, kind, description, opened_on, opened_by, closed_on, closed_by, resolution FROM project_issues WHERE project_id = $1 ORDER BY id").bind(project_id).fetch_all(p).await?);
    Ok(rows
        .into_iter()
        .map(|r| Issue {
            id: r.0,
            kind: r.1,
            description: r.2,
            opened_on: r.3,
            opened_by: r.4,
            closed_on: r.5,
            closed_by: r.6,
            resolution: r.7,
        })
        .collect())
}

pub async fn open_issue(
    db: &Db,
    project_id: i64,
    kind: &str,
    description: &str,
    actor: &str,
    origin: &str,
) -> Result<Issue, StoreError> {
    get(db, project_id).await?;
    if !ISSUE_KINDS.iter().any(|k| k.0 == kind) {
        return Err(invalid(
            "kind",
            kind,
            "问题类别应为 quality（质量问题）或 safety（安全隐患）",
            "kind must be quality or safety",
        ));
    }
    let description = description.trim();
    if description.is_empty() {
        return Err(invalid(
            "description",
            "",
            "请描述问题（部位、情况、整改要求）",
            "describe the issue (where, what, what must be done)",
        ));
    }
    let today = super::today().to_string();
    let id: i64 = {
        let mut tx = db.begin().await?;
        let id: i64 = with_tx!(&mut tx, cx => sqlx::query_scalar("INSERT INTO project_issues (project_id, kind, description, opened_on, opened_by) VALUES ($1,$2,$3,$4,$5) RETURNING id")
            .bind(project_id).bind(kind).bind(description).bind(&today).bind(actor).fetch_one(&mut *cx).await?);
        audit::append(
            &mut tx,
            &audit::Entry::new(
                actor,
                origin,
                "project.issue.open",
                "project",
                &project_id.to_string(),
                json!({"after": {"issue_id": id, "kind": kind, "description": description, "opened_on": today}}),
            ),
        )
        .await?;
        tx.commit().await?;
        id
    };
    Ok(issues(db, project_id).await?.into_iter().find(|i| i.id == id).expect("just inserted"))
}

/// Closes an open issue with its resolution; closing one already closed is refused (the second of two
/// people closing it is told who did).
pub async fn close_issue(
    db: &Db,
    project_id: i64,
    issue_id: i64,
    resolution: &str,
    actor: &str,
    origin: &str,
) -> Result<Issue, StoreError> {
    let resolution = resolution.trim();
    if resolution.is_empty() {
        return Err(invalid("resolution", "", "请填写整改情况", "describe how it was resolved"));
    }
    let today = super::today().to_string();
    {
        let mut tx = db.begin().await?;
        let n = with_tx!(&mut tx, cx => sqlx::query("UPDATE project_issues SET closed_on = $1, closed_by = $2, resolution = $3 WHERE id = $4 AND project_id = $5 AND closed_on IS NULL")
            .bind(&today).bind(actor).bind(resolution).bind(issue_id).bind(project_id).execute(&mut *cx).await?.rows_affected());
        if n == 0 {
            drop(tx);
            return Err(match issues(db, project_id).await?.into_iter().find(|i| i.id == issue_id) {
                None => invalid(
                    "issue",
                    issue_id.to_string(),
                    format!("本项目没有编号为 {issue_id} 的问题"),
                    format!("this project has no issue {issue_id}"),
                ),
                Some(i) => invalid(
                    "issue",
                    issue_id.to_string(),
                    format!(
                        "该问题已于 {} 由 {} 销号",
                        i.closed_on.as_deref().unwrap_or(""),
                        i.closed_by.as_deref().unwrap_or("")
                    ),
                    format!(
                        "the issue was closed on {} by {}",
                        i.closed_on.as_deref().unwrap_or(""),
                        i.closed_by.as_deref().unwrap_or("")
                    ),
                ),
            });
        }
        audit::append(
            &mut tx,
            &audit::Entry::new(
                actor,
                origin,
                "project.issue.close",
                "project",
                &project_id.to_string(),
                json!({"issue_id": issue_id, "closed_on": today, "resolution": resolution}),
            ),
        )
        .await?;
        tx.commit().await?;
    };
    Ok(issues(db, project_id).await?.into_iter().find(|i| i.id == issue_id).expect("exists"))
}

/// One row of a region's ledger.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct LedgerRow {
    pub project: Project,
    pub estates: String,
    pub items: i64,
    pub cost_fen: i64,
    pub progress_bp: i64,
    pub open_issues: i64,
    pub closed_issues: i64,
    pub last_report: Option<String>,
}

/// The ledger of the projects `f` selects: one row per project with its computed progress.
pub async fn region_ledger(db: &Db, regions: &Regions, f: &Filter) -> Result<Vec<LedgerRow>, StoreError> {
    rows_for(db, list(db, regions, f).await?).await
}

/// The ledger rows of the given projects.
pub async fn rows_for(db: &Db, projects: Vec<Project>) -> Result<Vec<LedgerRow>, StoreError> {
    use std::collections::HashMap;
    let ids: Vec<i64> = projects.iter().map(|p| p.id).collect();
    let progress = items::progress_of(db, &ids).await?;
    let mut counts: HashMap<i64, (i64, i64)> = HashMap::new();
    let mut issues: HashMap<i64, (i64, i64)> = HashMap::new();
    let mut last: HashMap<i64, String> = HashMap::new();
    let mut names: HashMap<i64, String> = HashMap::new();
    for chunk in ids.chunks(500) {
        let list = chunk.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        let q1 = format!(
            "SELECT project_id, COUNT(*), CAST(SUM(cost_fen) AS BIGINT) FROM project_items WHERE project_id IN ({list}) GROUP BY project_id"
        );
        let q2 = format!(
            "SELECT project_id, COUNT(*) - COUNT(closed_on), COUNT(closed_on) FROM project_issues WHERE project_id IN ({list}) GROUP BY project_id"
        );
        let q3 = format!(
            "SELECT project_id, MAX(report_date) FROM site_reports WHERE project_id IN ({list}) GROUP BY project_id"
        );
        let q4 = format!(
            "SELECT pe.project_id, e.name FROM project_estates pe JOIN estates e ON e.id = pe.estate_id WHERE pe.project_id IN ({list}) ORDER BY pe.project_id, e.id"
        );
        let (r1, r2, r3, r4): (Vec<(i64, i64, i64)>, Vec<(i64, i64, i64)>, Vec<(i64, String)>, Vec<(i64, String)>) = with_db!(db, p => (
            sqlx::query_as(sqlx::AssertSqlSafe(q1)).fetch_all(p).await?,
            sqlx::query_as(sqlx::AssertSqlSafe(q2)).fetch_all(p).await?,
            sqlx::query_as(sqlx::AssertSqlSafe(q3)).fetch_all(p).await?,
            sqlx::query_as(sqlx::AssertSqlSafe(q4)).fetch_all(p).await?,
        ));
        counts.extend(r1.into_iter().map(|(id, n, c)| (id, (n, c))));
        issues.extend(r2.into_iter().map(|(id, o, c)| (id, (o, c))));
        last.extend(r3);
        for (id, n) in r4 {
            let e = names.entry(id).or_default();
            if !e.is_empty() {
                e.push('、');
            }
            e.push_str(&n);
        }
    }
    Ok(projects
        .into_iter()
        .map(|p| {
            let (items, cost_fen) = counts.get(&p.id).copied().unwrap_or((0, 0));
            let (open_issues, closed_issues) = issues.get(&p.id).copied().unwrap_or((0, 0));
            LedgerRow {
                estates: names.remove(&p.id).unwrap_or_default(),
                items,
                cost_fen,
                progress_bp: progress.get(&p.id).copied().unwrap_or(0),
                open_issues,
                closed_issues,
                last_report: last.remove(&p.id),
                project: p,
            }
        })
        .collect())
}

pub const LEDGER_HEADERS: [&str; 13] = [
    "项目编号",
    "项目名称",
    "县区代码",
    "计划年度",
    "阶段",
    "小区",
    "改造内容（项）",
    "估算金额（元）",
    "总投资（元）",
    "总体进度（%）",
    "未销号问题",
    "已销号问题",
    "最近现场记录",
];

/// Writes the ledger to an xlsx (or csv, by the file's extension).
pub fn export(rows: &[LedgerRow], path: &std::path::Path) -> Result<(), StoreError> {
    use jiugai_sheet::write::Cell;
    let cells = rows.iter().map(|r| {
        vec![
            Cell::Int(r.project.id),
            Cell::Text(r.project.name.clone()),
            Cell::Text(r.project.region_code.clone()),
            Cell::Int(i64::from(r.project.plan_year)),
            Cell::Text(jiugai_domain::Label::zh(r.project.stage).to_string()),
            Cell::Text(r.estates.clone()),
            Cell::Int(r.items),
            // hundredths written with two decimals: yuan from fen, percent from basis points
            Cell::Dm2(r.cost_fen),
            Cell::Dm2(r.project.investment_fen),
            Cell::Dm2(r.progress_bp),
            Cell::Int(r.open_issues),
            Cell::Int(r.closed_issues),
            Cell::Text(r.last_report.clone().unwrap_or_default()),
        ]
    });
    let csv = path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if csv {
        jiugai_sheet::write::write_csv(path, &LEDGER_HEADERS, cells)?;
    } else {
        jiugai_sheet::write::write_xlsx(path, "调度台账", &LEDGER_HEADERS, cells)?;
    }
    Ok(())
}
