//! Money by source [SPEC §8; 000 三(三); 001 三; 002 三(四); 003 四(一); 004 五]: each project's funding plan,
//! allocation documents (资金下达) to projects or to lower regions, payments (拨付) and their reversals, and
//! reallocations (资金调整).
//!
//! Invariants:
//! - Every figure is a sum of entries (`fund_allocations`, `fund_payments`); no running total is stored, so
//!   nothing can drift. [`reconcile`] proves it: no project pays more than a source allocated to it, each
//!   reallocation nets to zero, a reversal never exceeds its payment.
//! - A payment beyond what that source allocated to that project (minus what was paid) is refused
//!   (`over_allocation`), checked after taking the write lock (`audit::lock`), so concurrent payments
//!   against one allocation never overdraw it on either backend.
//! - Allocations are positive; money goes back or elsewhere only by a reallocation. Central-subsidy money
//!   moves between projects only with a decision number, a reason and an approver [001 三(一)
//!   专账管理、专款专用] (`ring_fenced` otherwise).
//! - Entries are never edited: a reversal is a new negative payment pointing at the one it reverses. Every
//!   act is audited in its transaction.

use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

use crate::estates::query::{Bind, bind_all};
use crate::regions::{Level, Regions};
use crate::{Db, StoreError, Tx, audit, clock, with_db, with_tx};
use jiugai_domain::{CapitalModel, ErrorCode, FundSource, Label};
use jiugai_rules::{Decision, Fen, ProfileSet};

/// The ring-fencing clause.
pub const RING_FENCE: &str = "芮城县实施方案 [001 三(一)]：严格按照保障性安居工程专项资金管理规定使用中央补助资金，实行专账管理、专款专用，不得挤占、挪用";

/// Money as people type it (`120.5万`, `1,205,000元`, `１２０５０００`) → fen.
pub fn parse_amount(field: &str, s: &str) -> Result<i64, StoreError> {
    jiugai_domain::number::parse_fen(s).map_err(|_| {
        StoreError::invalid(
            field,
            s,
            format!("金额“{s}”无法识别：请写 1205000、1,205,000元 或 120.5万（最多到分）"),
            format!("amount “{s}” is not money: write 1205000, 1,205,000元 or 120.5万 (to the fen)"),
        )
    })
}

pub fn parse_source(s: &str) -> Result<FundSource, StoreError> {
    FundSource::parse(s.trim())
        .or_else(|| {
            FundSource::ALL
                .iter()
                .copied()
                .find(|f| f.zh() == s.trim() || f.zh().starts_with(s.trim()) && !s.trim().is_empty())
        })
        .ok_or_else(|| {
            let zh: Vec<String> = FundSource::ALL.iter().map(|f| format!("{}（{}）", f.as_str(), f.zh())).collect();
            StoreError::invalid(
                "source",
                s,
                format!("资金来源“{s}”无效：可选 {}", zh.join("、")),
                format!(
                    "unknown source “{s}”: one of {}",
                    FundSource::ALL.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", ")
                ),
            )
        })
}

fn positive(field: &str, fen: i64) -> Result<(), StoreError> {
    if fen <= 0 {
        return Err(StoreError::invalid(field, Fen(fen).to_string(), "金额须大于零", "the amount must be above zero"));
    }
    Ok(())
}

/// One source's figures for a project or a region, derived from the entries.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Figures {
    pub planned_fen: i64,
    pub allocated_fen: i64,
    pub paid_fen: i64,
}

impl Figures {
    pub fn unpaid_fen(&self) -> i64 {
        self.allocated_fen - self.paid_fen
    }
    /// Paid / allocated as text (`62.50%`), when anything was allocated.
    pub fn payment_rate(&self) -> Option<String> {
        jiugai_domain::number::percent(self.paid_fen, self.allocated_fen)
    }
    fn add(&mut self, o: &Figures) {
        self.planned_fen += o.planned_fen;
        self.allocated_fen += o.allocated_fen;
        self.paid_fen += o.paid_fen;
    }
}

/// Sets a project's planned amount from a source (0 removes it).
pub async fn set_plan(
    db: &Db,
    project_id: i64,
    source: FundSource,
    planned_fen: i64,
    model: Option<CapitalModel>,
    actor: &str,
    origin: &str,
) -> Result<(), StoreError> {
    crate::projects::get(db, project_id).await?;
    if planned_fen < 0 {
        return Err(StoreError::invalid(
            "amount",
            Fen(planned_fen).to_string(),
            "计划金额不能为负",
            "a planned amount cannot be negative",
        ));
    }
    if model.is_some() && source != FundSource::SocialCapital {
        return Err(StoreError::invalid(
            "model",
            "",
            "合作模式只适用于社会资本",
            "a model applies to social capital only",
        ));
    }
    let now = clock::now_rfc3339();
    let mut tx = db.begin().await?;
    audit::lock(&mut tx).await?;
    let before: Option<i64> = with_tx!(&mut tx, cx => sqlx::query_scalar("SELECT planned_fen FROM fund_plans WHERE project_id = $1 AND source = $2")
        .bind(project_id).bind(source).fetch_optional(&mut *cx).await?);
    with_tx!(&mut tx, cx => sqlx::query("DELETE FROM fund_plans WHERE project_id = $1 AND source = $2").bind(project_id).bind(source).execute(&mut *cx).await?.rows_affected());
    if planned_fen > 0 {
        with_tx!(&mut tx, cx => sqlx::query("INSERT INTO fund_plans (project_id, source, planned_fen, model, version, updated_at, updated_by) VALUES ($1, $2, $3, $4, 1, $5, $6)")
            .bind(project_id).bind(source).bind(planned_fen).bind(model.map(|m| m.as_str())).bind(&now).bind(actor).execute(&mut *cx).await?.rows_affected());
    }
    audit::append(
        &mut tx,
        &audit::Entry::new(
            actor,
            origin,
            "funds.plan",
            "project",
            &project_id.to_string(),
            json!({
        "source": source, "before": before, "after": planned_fen, "model": model}),
        ),
    )
    .await?;
    tx.commit().await
}

/// Sets a project's estimate (概算) and/or settlement (结算).
pub async fn set_figures(
    db: &Db,
    project_id: i64,
    estimate: Option<i64>,
    settlement: Option<i64>,
    actor: &str,
    origin: &str,
) -> Result<(), StoreError> {
    crate::projects::get(db, project_id).await?;
    for (f, v) in [("estimate", estimate), ("settlement", settlement)] {
        if v.is_some_and(|v| v < 0) {
            return Err(StoreError::invalid(f, "", "金额不能为负", "an amount cannot be negative"));
        }
    }
    let mut tx = db.begin().await?;
    audit::lock(&mut tx).await?;
    with_tx!(&mut tx, cx => sqlx::query("UPDATE projects SET estimate_fen = COALESCE($1, estimate_fen), settlement_fen = COALESCE($2, settlement_fen) WHERE id = $3")
        .bind(estimate).bind(settlement).bind(project_id).execute(&mut *cx).await?.rows_affected());
    audit::append(
        &mut tx,
        &audit::Entry::new(
            actor,
            origin,
            "funds.figures",
            "project",
            &project_id.to_string(),
            json!({"estimate_fen": estimate, "settlement_fen": settlement}),
        ),
    )
    .await?;
    tx.commit().await
}

/// An allocation document.
#[derive(Clone, Debug)]
pub struct NewDocument {
    pub doc_no: String,
    pub issued_on: String,
    /// The issuing level (a region code).
    pub issuer_code: String,
    pub source: FundSource,
    pub note: String,
}

/// One line of an allocation: to a project or to a lower region.
#[derive(Clone, Debug, PartialEq)]
pub struct AllocationLine {
    pub project_id: Option<i64>,
    pub region_code: Option<String>,
    pub amount_fen: i64,
    pub note: String,
    /// The row of the imported table, when imported.
    pub row: Option<u32>,
}

/// Records an allocation document and its lines, all or nothing. Returns the document's id.
pub async fn allocate(
    db: &Db,
    regions: &Regions,
    d: &NewDocument,
    lines: &[AllocationLine],
    actor: &str,
    origin: &str,
) -> Result<i64, StoreError> {
    let doc_no = d.doc_no.trim();
    if doc_no.is_empty() {
        return Err(StoreError::invalid(
            "doc",
            "",
            "请填写资金下达文件的文号",
            "give the allocation document's number (文号)",
        ));
    }
    if jiugai_rules::Date::parse(&d.issued_on).is_none() {
        return Err(StoreError::invalid(
            "date",
            &d.issued_on,
            "下达日期应写成 2026-03-01",
            "the date is written 2026-03-01",
        ));
    }
    let issuer = regions.get(&d.issuer_code).ok_or_else(|| StoreError::RegionNotFound(d.issuer_code.clone()))?;
    if lines.is_empty() {
        return Err(StoreError::invalid("lines", "", "文件中没有下达金额", "the document allocates nothing"));
    }
    for l in lines {
        let at = l.row.map(|r| format!("第 {r} 行：")).unwrap_or_default();
        if l.amount_fen <= 0 {
            let e = StoreError::invalid(
                "amount",
                Fen(l.amount_fen).to_string(),
                format!("{at}下达金额须大于零；收回或调剂资金请办理资金调整（须有调整文件）"),
                format!(
                    "{}an allocation must be above zero; to take money back or elsewhere record a reallocation",
                    l.row.map(|r| format!("row {r}: ")).unwrap_or_default()
                ),
            );
            return Err(if d.source == FundSource::Central {
                e.with_code(ErrorCode::RingFenced).with_rule("ring_fence", RING_FENCE)
            } else {
                e
            });
        }
        match (&l.project_id, &l.region_code) {
            (Some(pid), None) => {
                let p = crate::projects::get(db, *pid).await?;
                let inside = p.places.iter().all(|(c, _)| regions.within(c, &issuer.code));
                if !inside {
                    return Err(StoreError::invalid(
                        "project",
                        pid.to_string(),
                        format!("{at}项目 {pid}「{}」不在{}内", p.name, issuer.full_name),
                        format!("project {pid} is outside {}", issuer.code),
                    ));
                }
            }
            (None, Some(c)) => {
                if !regions.get(c).is_some_and(|r| r.code != issuer.code && regions.within(&r.code, &issuer.code)) {
                    return Err(StoreError::invalid(
                        "region",
                        c,
                        format!("{at}区划 {c} 不是{}的下级", issuer.full_name),
                        format!("region {c} is not below {}", issuer.code),
                    ));
                }
            }
            _ => {
                return Err(StoreError::invalid(
                    "project",
                    "",
                    format!("{at}每行须指明项目或下级区划之一"),
                    "each line names a project or a lower region",
                ));
            }
        }
    }
    let now = clock::now_rfc3339();
    let mut tx = db.begin().await?;
    audit::lock(&mut tx).await?;
    let dup: Option<i64> = with_tx!(&mut tx, cx => sqlx::query_scalar("SELECT id FROM fund_documents WHERE doc_no = $1 AND source = $2").bind(doc_no).bind(d.source).fetch_optional(&mut *cx).await?);
    if let Some(id) = dup {
        return Err(StoreError::invalid(
            "doc",
            doc_no,
            format!("文号“{doc_no}”的{}已经录入（#{id}），不能重复下达", d.source.zh()),
            format!("document “{doc_no}” for {} is already recorded (#{id})", d.source.en()),
        )
        .with_code(ErrorCode::Conflict));
    }
    let id: i64 = with_tx!(&mut tx, cx => sqlx::query_scalar("INSERT INTO fund_documents (doc_no, issued_on, issuer_code, source, note, created_at, created_by) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id")
        .bind(doc_no).bind(&d.issued_on).bind(&issuer.code).bind(d.source).bind(&d.note).bind(&now).bind(actor).fetch_one(&mut *cx).await?);
    for l in lines {
        with_tx!(&mut tx, cx => sqlx::query("INSERT INTO fund_allocations (document_id, project_id, region_code, source, amount_fen, note, row_no, created_at, created_by) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)")
            .bind(id).bind(l.project_id).bind(&l.region_code).bind(d.source).bind(l.amount_fen).bind(&l.note).bind(l.row.map(i64::from)).bind(&now).bind(actor)
            .execute(&mut *cx).await?.rows_affected());
    }
    let total: i64 = lines.iter().map(|l| l.amount_fen).sum();
    audit::append(&mut tx, &audit::Entry::new(actor, origin, "funds.allocate", "fund_document", &id.to_string(), json!({
        "doc_no": doc_no, "issued_on": d.issued_on, "issuer": issuer.code, "source": d.source, "lines": lines.len(), "total_fen": total}))).await?;
    tx.commit().await?;
    Ok(id)
}

async fn balance_in_tx(tx: &mut Tx, project_id: i64, source: FundSource) -> Result<(i64, i64), StoreError> {
    let a: i64 = with_tx!(tx, cx => sqlx::query_scalar("SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM fund_allocations WHERE project_id = $1 AND source = $2")
        .bind(project_id).bind(source).fetch_one(&mut *cx).await?);
    let p: i64 = with_tx!(tx, cx => sqlx::query_scalar("SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM fund_payments WHERE project_id = $1 AND source = $2")
        .bind(project_id).bind(source).fetch_one(&mut *cx).await?);
    Ok((a, p))
}

/// A payment to record.
#[derive(Clone, Debug, Default)]
pub struct NewPayment {
    pub project_id: i64,
    pub source: Option<FundSource>,
    pub amount_fen: i64,
    pub paid_on: String,
    pub payee: String,
    pub voucher: String,
    pub item_id: Option<i64>,
}

/// Records a payment; refused beyond the source's unpaid allocation to the project. Returns its id.
pub async fn pay(db: &Db, n: &NewPayment, actor: &str, origin: &str) -> Result<i64, StoreError> {
    let source =
        n.source.ok_or_else(|| StoreError::invalid("source", "", "请指明资金来源", "say which source pays"))?;
    positive("amount", n.amount_fen)?;
    if jiugai_rules::Date::parse(&n.paid_on).is_none() {
        return Err(StoreError::invalid(
            "date",
            &n.paid_on,
            "支付日期应写成 2026-03-01",
            "the date is written 2026-03-01",
        ));
    }
    if n.voucher.trim().is_empty() || n.payee.trim().is_empty() {
        return Err(StoreError::invalid(
            "voucher",
            "",
            "请填写收款单位和凭证号",
            "give the payee and the voucher number",
        ));
    }
    let p = crate::projects::get(db, n.project_id).await?;
    if let Some(item) = n.item_id
        && !crate::projects::items::items(db, p.id).await?.iter().any(|i| i.id == item)
    {
        return Err(StoreError::invalid(
            "item",
            item.to_string(),
            format!("改造内容 {item} 不属于项目「{}」", p.name),
            format!("item {item} is not part of project {}", p.name),
        ));
    }
    let now = clock::now_rfc3339();
    let mut tx = db.begin().await?;
    audit::lock(&mut tx).await?;
    let (allocated, paid) = balance_in_tx(&mut tx, n.project_id, source).await?;
    if paid + n.amount_fen > allocated {
        return Err(StoreError::invalid(
            "amount",
            Fen(n.amount_fen).to_string(),
            format!(
                "{}已下达给本项目 {}元，已支付 {}元，尚余 {}元：本次支付 {}元 超出 {}元",
                source.zh(),
                Fen(allocated),
                Fen(paid),
                Fen(allocated - paid),
                Fen(n.amount_fen),
                Fen(paid + n.amount_fen - allocated)
            ),
            format!(
                "{} allocated {} to the project, {} paid, {} left: this payment of {} exceeds it by {}",
                source.en(),
                Fen(allocated),
                Fen(paid),
                Fen(allocated - paid),
                Fen(n.amount_fen),
                Fen(paid + n.amount_fen - allocated)
            ),
        )
        .with_code(ErrorCode::OverAllocation));
    }
    let id: i64 = with_tx!(&mut tx, cx => sqlx::query_scalar("INSERT INTO fund_payments (project_id, source, amount_fen, paid_on, payee, voucher, item_id, created_at, created_by) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id")
        .bind(n.project_id).bind(source).bind(n.amount_fen).bind(&n.paid_on).bind(n.payee.trim()).bind(n.voucher.trim()).bind(n.item_id).bind(&now).bind(actor).fetch_one(&mut *cx).await?);
    audit::append(&mut tx, &audit::Entry::new(actor, origin, "funds.pay", "project", &n.project_id.to_string(), json!({
        "payment": id, "source": source, "amount_fen": n.amount_fen, "paid_on": n.paid_on, "voucher": n.voucher, "item_id": n.item_id, "unpaid_after_fen": allocated - paid - n.amount_fen}))).await?;
    tx.commit().await?;
    Ok(id)
}

/// Reverses a payment by a new negative entry (never an edit). Returns the reversal's id.
pub async fn reverse(db: &Db, payment_id: i64, reason: &str, actor: &str, origin: &str) -> Result<i64, StoreError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(StoreError::invalid("reason", "", "冲销须说明理由", "a reversal needs a reason"));
    }
    let now = clock::now_rfc3339();
    let mut tx = db.begin().await?;
    audit::lock(&mut tx).await?;
    let row: Option<(i64, FundSource, i64, String)> = with_tx!(&mut tx, cx => sqlx::query_as("SELECT project_id, source, amount_fen, voucher FROM fund_payments WHERE id = $1 AND reverses_id IS NULL")
        .bind(payment_id).fetch_optional(&mut *cx).await?);
    let Some((pid, source, amount, voucher)) = row else {
        return Err(StoreError::NotFound("支付记录", "payment", payment_id.to_string()));
    };
    let done: i64 = with_tx!(&mut tx, cx => sqlx::query_scalar("SELECT COUNT(*) FROM fund_payments WHERE reverses_id = $1").bind(payment_id).fetch_one(&mut *cx).await?);
    if done > 0 {
        return Err(StoreError::invalid(
            "payment",
            payment_id.to_string(),
            "该笔支付已冲销",
            "the payment is already reversed",
        )
        .with_code(ErrorCode::Conflict));
    }
    let today = crate::projects::today().to_string();
    let id: i64 = with_tx!(&mut tx, cx => sqlx::query_scalar("INSERT INTO fund_payments (project_id, source, amount_fen, paid_on, payee, voucher, item_id, reverses_id, created_at, created_by) VALUES ($1,$2,$3,$4,$5,$6,NULL,$7,$8,$9) RETURNING id")
        .bind(pid).bind(source).bind(-amount).bind(&today).bind(format!("冲销：{reason}")).bind(&voucher).bind(payment_id).bind(&now).bind(actor).fetch_one(&mut *cx).await?);
    audit::append(
        &mut tx,
        &audit::Entry::new(
            actor,
            origin,
            "funds.reverse",
            "project",
            &pid.to_string(),
            json!({"payment": payment_id, "reversal": id, "amount_fen": -amount, "reason": reason}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A reallocation between projects.
#[derive(Clone, Debug, Default)]
pub struct NewMove {
    pub source: Option<FundSource>,
    pub from_project: i64,
    pub to_project: i64,
    pub amount_fen: i64,
    pub decision_no: String,
    pub reason: String,
    pub approver: String,
}

/// Moves unpaid allocated money of a source from one project to another. Central subsidy needs the
/// decision number, reason and approver [001 三(一)]; every source needs a reason.
pub async fn move_funds(db: &Db, m: &NewMove, actor: &str, origin: &str) -> Result<i64, StoreError> {
    let source =
        m.source.ok_or_else(|| StoreError::invalid("source", "", "请指明资金来源", "say which source moves"))?;
    positive("amount", m.amount_fen)?;
    if m.from_project == m.to_project {
        return Err(StoreError::invalid(
            "to",
            m.to_project.to_string(),
            "调出和调入是同一个项目",
            "from and to are the same project",
        ));
    }
    if source == FundSource::Central
        && (m.decision_no.trim().is_empty() || m.approver.trim().is_empty() || m.reason.trim().is_empty())
    {
        return Err(StoreError::invalid(
            "decision",
            m.decision_no.trim(),
            "中央补助资金专款专用：在项目间调整须有调整文件的文号、理由和批准单位（下达资金的一级）".to_string(),
            "central subsidy is ring-fenced: moving it between projects needs the decision's number, a reason and the approver (the allocating level)".to_string(),
        ).with_code(ErrorCode::RingFenced).with_rule("ring_fence", RING_FENCE));
    }
    if m.reason.trim().is_empty() {
        return Err(StoreError::invalid("reason", "", "资金调整须说明理由", "a reallocation needs a reason"));
    }
    let from = crate::projects::get(db, m.from_project).await?;
    let to = crate::projects::get(db, m.to_project).await?;
    let now = clock::now_rfc3339();
    let mut tx = db.begin().await?;
    audit::lock(&mut tx).await?;
    let (allocated, paid) = balance_in_tx(&mut tx, from.id, source).await?;
    if allocated - paid < m.amount_fen {
        return Err(StoreError::invalid(
            "amount",
            Fen(m.amount_fen).to_string(),
            format!(
                "项目「{}」的{}尚未支付的只有 {}元，不能调出 {}元",
                from.name,
                source.zh(),
                Fen(allocated - paid),
                Fen(m.amount_fen)
            ),
            format!(
                "project {} has only {} of {} unpaid; {} cannot move",
                from.name,
                Fen(allocated - paid),
                source.en(),
                Fen(m.amount_fen)
            ),
        )
        .with_code(ErrorCode::OverAllocation));
    }
    let id: i64 = with_tx!(&mut tx, cx => sqlx::query_scalar("INSERT INTO fund_moves (source, from_project, to_project, amount_fen, decision_no, reason, approver, at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id")
        .bind(source).bind(from.id).bind(to.id).bind(m.amount_fen).bind(m.decision_no.trim()).bind(m.reason.trim()).bind(m.approver.trim()).bind(&now).fetch_one(&mut *cx).await?);
    for (pid, amt) in [(from.id, -m.amount_fen), (to.id, m.amount_fen)] {
        with_tx!(&mut tx, cx => sqlx::query("INSERT INTO fund_allocations (move_id, project_id, source, amount_fen, note, created_at, created_by) VALUES ($1,$2,$3,$4,$5,$6,$7)")
            .bind(id).bind(pid).bind(source).bind(amt).bind(format!("资金调整 {}", m.decision_no.trim())).bind(&now).bind(actor).execute(&mut *cx).await?.rows_affected());
    }
    audit::append(&mut tx, &audit::Entry::new(actor, origin, "funds.move", "fund_move", &id.to_string(), json!({
        "source": source, "from": from.id, "to": to.id, "amount_fen": m.amount_fen, "decision_no": m.decision_no, "reason": m.reason, "approver": m.approver}))).await?;
    tx.commit().await?;
    Ok(id)
}

/// A project's figures by source (every source with a plan, an allocation or a payment).
pub async fn project_figures(db: &Db, project_id: i64) -> Result<BTreeMap<FundSource, Figures>, StoreError> {
    let rows: Vec<(FundSource, i64, i64, i64)> = with_db!(db, p => sqlx::query_as(
        "SELECT source, CAST(SUM(pl) AS BIGINT), CAST(SUM(al) AS BIGINT), CAST(SUM(pd) AS BIGINT) FROM ( \
           SELECT source, planned_fen AS pl, 0 AS al, 0 AS pd FROM fund_plans WHERE project_id = $1 \
           UNION ALL SELECT source, 0, amount_fen, 0 FROM fund_allocations WHERE project_id = $1 \
           UNION ALL SELECT source, 0, 0, amount_fen FROM fund_payments WHERE project_id = $1) x GROUP BY source")
        .bind(project_id).fetch_all(p).await?);
    Ok(rows
        .into_iter()
        .map(|(s, pl, al, pd)| (s, Figures { planned_fen: pl, allocated_fen: al, paid_fen: pd }))
        .collect())
}

/// The seeds' money rules for a project, each with its clause: co-funding (Qinzhou ≥20% [003 四(一)1]) and
/// the county's remainder (Ruicheng [001 三(二)]).
pub async fn checks(db: &Db, profiles: &ProfileSet, project_id: i64) -> Result<Vec<Decision>, StoreError> {
    let p = crate::projects::get(db, project_id).await?;
    let eff = profiles.effective(p.profile_name(profiles)).map_err(|e| StoreError::Other(e.to_string()))?;
    let f = project_figures(db, project_id).await?;
    let sum =
        |pred: fn(FundSource) -> bool| f.iter().filter(|(s, _)| pred(**s)).map(|(_, x)| x.planned_fen).sum::<i64>();
    let (est, settle): (Option<i64>, Option<i64>) = with_db!(db, pool => sqlx::query_as("SELECT estimate_fen, settlement_fen FROM projects WHERE id = $1").bind(project_id).fetch_one(pool).await?);
    let total = est.unwrap_or(p.investment_fen);
    let residents = sum(FundSource::is_residents);
    let enterprises = sum(FundSource::is_enterprises);
    let mut out = Vec::new();
    if eff.rule("cofunding_min_share", None).is_some() && total > 0 {
        let d = jiugai_rules::cofunding(
            &eff,
            &jiugai_rules::Funding {
                total_investment: Fen(total),
                residents: Fen(residents),
                enterprises: Fen(enterprises),
            },
        )
        .map_err(|e| StoreError::invalid("funding", "", e.message_zh.clone(), e.message_en.clone()))?;
        out.push(d);
    }
    let r = jiugai_rules::county_remainder(
        &eff,
        &jiugai_rules::Remainder {
            basis: Fen(settle.unwrap_or(total)),
            higher_subsidies: Fen(sum(FundSource::is_higher_subsidy)),
            non_government: Fen(residents + enterprises),
            county: Fen(f.get(&FundSource::County).map_or(0, |x| x.planned_fen)),
        },
    );
    if r.outcome != jiugai_rules::Outcome::NotApplicable {
        out.push(r);
    }
    Ok(out)
}

/// A region's (or child's) money by source.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegionFigures {
    pub region_code: String,
    pub name: String,
    pub by_source: BTreeMap<FundSource, Figures>,
    pub total: Figures,
    /// Allocated to this region (not yet to a project) to allocate further, by source.
    pub received_fen: BTreeMap<FundSource, i64>,
    pub projects: i64,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Summary {
    pub region: RegionFigures,
    pub children: Vec<RegionFigures>,
    pub year: Option<i32>,
}

/// Money by source and level: the region and each child, from the entries of projects inside it
/// (optionally of one plan year).
pub async fn summary(db: &Db, regions: &Regions, code: &str, year: Option<i32>) -> Result<Summary, StoreError> {
    let mut binds = Vec::new();
    let cond =
        crate::estates::query::region_cond(regions, code, &mut binds).map(|c| format!("AND {c}")).unwrap_or_default();
    binds.push(Bind::I(i64::from(year.unwrap_or(0))));
    let y = binds.len();
    // One row per project: where it lies (county, first street) — then its sums by source.
    let sql = format!(
        "SELECT p.id, p.region_code, COALESCE(MIN(e.street_code), '') FROM projects p JOIN project_estates pe ON pe.project_id = p.id \
         JOIN estates e ON e.id = pe.estate_id WHERE (${y} = 0 OR p.plan_year = ${y}) {cond} GROUP BY p.id, p.region_code"
    );
    let projects: Vec<(i64, String, String)> =
        with_db!(db, p => bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &binds).fetch_all(p).await?);
    let level = regions.get(code).map(|r| r.level);
    let name_of = |c: &str| {
        if c.is_empty() {
            "全国".to_string()
        } else {
            regions.get(c).map_or_else(|| c.to_string(), |r| r.name.clone())
        }
    };
    let mut region = RegionFigures { region_code: code.to_string(), name: name_of(code), ..Default::default() };
    let mut kids: BTreeMap<String, RegionFigures> = BTreeMap::new();
    for (pid, county, street) in &projects {
        let f = project_figures(db, *pid).await?;
        let k = regions.child_under(code, county, street);
        let kid = kids.entry(k.clone()).or_insert_with(|| RegionFigures {
            region_code: k.clone(),
            name: name_of(&k),
            ..Default::default()
        });
        for target in [&mut region, kid] {
            target.projects += 1;
            for (s, x) in &f {
                target.by_source.entry(*s).or_default().add(x);
                target.total.add(x);
            }
        }
    }
    // Money sent down to regions inside, not yet to projects.
    let received: Vec<(String, FundSource, i64)> = with_db!(db, p => sqlx::query_as(
        "SELECT region_code, source, CAST(SUM(amount_fen) AS BIGINT) FROM fund_allocations WHERE region_code IS NOT NULL AND (region_code = $1 OR region_code LIKE $2) GROUP BY region_code, source")
        .bind(code).bind(format!("{code}%")).fetch_all(p).await?);
    for (c, s, n) in received {
        *region.received_fen.entry(s).or_default() += n;
        if c != code {
            let k =
                if regions.get(&c).and_then(|r| r.parent_code.as_deref()) == Some(code) || level == Some(Level::City) {
                    c.get(..6).unwrap_or(&c).to_string()
                } else {
                    c.clone()
                };
            if let Some(kid) = kids.get_mut(&k) {
                *kid.received_fen.entry(s).or_default() += n;
            }
        }
    }
    Ok(Summary { region, children: kids.into_values().collect(), year })
}

/// One reconciliation problem.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mismatch {
    pub what: String,
    pub message: String,
}

/// Proves that the entries agree: per project and source paid ≤ allocated, each move nets to zero, each
/// reversal mirrors its payment. An empty list is a clean bill.
pub async fn reconcile(db: &Db) -> Result<Vec<Mismatch>, StoreError> {
    let mut out = Vec::new();
    let over: Vec<(i64, FundSource, i64, i64)> = with_db!(db, p => sqlx::query_as(
        "SELECT x.project_id, x.source, CAST(SUM(x.al) AS BIGINT), CAST(SUM(x.pd) AS BIGINT) FROM ( \
           SELECT project_id, source, amount_fen AS al, 0 AS pd FROM fund_allocations WHERE project_id IS NOT NULL \
           UNION ALL SELECT project_id, source, 0, amount_fen FROM fund_payments) x GROUP BY x.project_id, x.source \
         HAVING SUM(x.pd) > SUM(x.al)").fetch_all(p).await?);
    for (pid, s, a, pd) in over {
        out.push(Mismatch {
            what: format!("project {pid} {}", s.as_str()),
            message: format!("项目 {pid} {}：已支付 {}元 超过已下达 {}元", s.zh(), Fen(pd), Fen(a)),
        });
    }
    let moves: Vec<(i64, i64)> = with_db!(db, p => sqlx::query_as(
        "SELECT move_id, CAST(SUM(amount_fen) AS BIGINT) FROM fund_allocations WHERE move_id IS NOT NULL GROUP BY move_id HAVING SUM(amount_fen) <> 0").fetch_all(p).await?);
    for (m, n) in moves {
        out.push(Mismatch {
            what: format!("move {m}"),
            message: format!("资金调整 #{m} 调出调入不平，差 {}元", Fen(n)),
        });
    }
    let rev: Vec<(i64,)> = with_db!(db, p => sqlx::query_as(
        "SELECT r.id FROM fund_payments r JOIN fund_payments o ON o.id = r.reverses_id WHERE r.amount_fen <> -o.amount_fen").fetch_all(p).await?);
    for (r,) in rev {
        out.push(Mismatch { what: format!("reversal {r}"), message: format!("冲销 #{r} 与原支付金额不符") });
    }
    Ok(out)
}

/// What an allocation table import found (and stored, when `committed`).
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AllocationReport {
    pub committed: bool,
    pub document_id: Option<i64>,
    pub lines: usize,
    pub total_fen: i64,
    pub errors: Vec<crate::targets::SheetError>,
}

/// Imports an allocation table for document `d`: every row's project matched by number or by name inside
/// the issuing region (a name must be unique there), the 合计 row checked by the reader; all or nothing.
#[allow(clippy::too_many_arguments)]
pub async fn import_allocations(
    db: &Db,
    regions: &Regions,
    sheet: &jiugai_sheet::allocation::AllocationSheet,
    d: &NewDocument,
    dry_run: bool,
    lang: jiugai_sheet::Lang,
    actor: &str,
    origin: &str,
) -> Result<AllocationReport, StoreError> {
    let zh = lang == jiugai_sheet::Lang::Zh;
    let mut errors: Vec<crate::targets::SheetError> = sheet
        .issues
        .iter()
        .map(|i| crate::targets::SheetError {
            row: i.row,
            column: i.column.clone(),
            value: i.value.clone(),
            message: i.message(lang),
        })
        .collect();
    let projects = crate::projects::list(
        db,
        regions,
        &crate::projects::Filter { scope: d.issuer_code.clone(), limit: Some(1_000_000), ..Default::default() },
    )
    .await?;
    let mut lines = Vec::new();
    for r in &sheet.rows {
        let found: Vec<&crate::projects::Project> = match r.project_id {
            Some(id) => projects.iter().filter(|p| p.id == id).collect(),
            None => projects.iter().filter(|p| p.name == r.project).collect(),
        };
        let what = r.project_id.map_or_else(|| r.project.clone(), |i| i.to_string());
        match found.len() {
            1 => lines.push(AllocationLine {
                project_id: Some(found[0].id),
                region_code: None,
                amount_fen: r.amount_fen,
                note: r.note.clone(),
                row: Some(r.row),
            }),
            0 => errors.push(crate::targets::SheetError {
                row: r.row,
                column: if r.project_id.is_some() { "项目编号".into() } else { "项目名称".into() },
                value: what.clone(),
                message: if zh {
                    format!("下达单位辖区内没有项目“{what}”：请核对项目名称或改填项目编号")
                } else {
                    format!(
                        "no project “{what}” inside the issuing region: check the name or give the project's number"
                    )
                },
            }),
            n => errors.push(crate::targets::SheetError {
                row: r.row,
                column: "项目名称".into(),
                value: what.clone(),
                message: if zh {
                    format!("有 {n} 个项目都叫“{what}”：请改填项目编号")
                } else {
                    format!("{n} projects are called “{what}”: give the project's number")
                },
            }),
        }
    }
    if sheet.rows.is_empty() && errors.is_empty() {
        errors.push(crate::targets::SheetError {
            row: 0,
            column: String::new(),
            value: String::new(),
            message: if zh { "表中没有下达金额".into() } else { "the table allocates nothing".into() },
        });
    }
    let total_fen: i64 = lines.iter().map(|l| l.amount_fen).sum();
    let mut document_id = None;
    if errors.is_empty() && !dry_run {
        document_id = Some(allocate(db, regions, d, &lines, actor, origin).await?);
    }
    Ok(AllocationReport { committed: document_id.is_some(), document_id, lines: lines.len(), total_fen, errors })
}

/// One payment entry (a reversal has a negative amount and `reverses_id`).
#[derive(Clone, Debug, Serialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentRow {
    pub id: i64,
    pub project_id: i64,
    pub source: FundSource,
    pub amount_fen: i64,
    pub paid_on: String,
    pub payee: String,
    pub voucher: String,
    pub item_id: Option<i64>,
    pub reverses_id: Option<i64>,
    pub created_at: String,
    pub created_by: String,
}

const PAYMENT_COLS: &str =
    "id, project_id, source, amount_fen, paid_on, payee, voucher, item_id, reverses_id, created_at, created_by";

/// A project's payments and reversals, oldest first.
pub async fn payments(db: &Db, project_id: i64) -> Result<Vec<PaymentRow>, StoreError> {
    let sql = format!("SELECT {PAYMENT_COLS} FROM fund_payments WHERE project_id = $1 ORDER BY id");
    Ok(with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(project_id).fetch_all(p).await?))
}

pub async fn payment(db: &Db, id: i64) -> Result<Option<PaymentRow>, StoreError> {
    let sql = format!("SELECT {PAYMENT_COLS} FROM fund_payments WHERE id = $1");
    Ok(with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?))
}

/// An allocation document.
#[derive(Clone, Debug, Serialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentRow {
    pub id: i64,
    pub doc_no: String,
    pub issued_on: String,
    pub issuer_code: String,
    pub source: FundSource,
    pub note: String,
    pub created_at: String,
    pub created_by: String,
}

pub async fn document(db: &Db, id: i64) -> Result<Option<DocumentRow>, StoreError> {
    Ok(
        with_db!(db, p => sqlx::query_as("SELECT id, doc_no, issued_on, issuer_code, source, note, created_at, created_by FROM fund_documents WHERE id = $1")
        .bind(id).fetch_optional(p).await?),
    )
}

/// One allocation entry (a reallocation's pair has `move_id` and no document).
#[derive(Clone, Debug, Serialize, PartialEq, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AllocationRow {
    pub id: i64,
    pub document_id: Option<i64>,
    pub move_id: Option<i64>,
    pub project_id: Option<i64>,
    pub region_code: Option<String>,
    pub source: FundSource,
    pub amount_fen: i64,
    pub note: String,
    pub row_no: Option<i64>,
    pub created_at: String,
}

const ALLOC_COLS: &str =
    "id, document_id, move_id, project_id, region_code, source, amount_fen, note, row_no, created_at";

/// A project's allocation entries (documents and reallocations), oldest first.
pub async fn allocations(db: &Db, project_id: i64) -> Result<Vec<AllocationRow>, StoreError> {
    let sql = format!("SELECT {ALLOC_COLS} FROM fund_allocations WHERE project_id = $1 ORDER BY id");
    Ok(with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(project_id).fetch_all(p).await?))
}

/// The lines of an allocation document, in the table's order.
pub async fn document_lines(db: &Db, document_id: i64) -> Result<Vec<AllocationRow>, StoreError> {
    let sql = format!("SELECT {ALLOC_COLS} FROM fund_allocations WHERE document_id = $1 ORDER BY id");
    Ok(with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(document_id).fetch_all(p).await?))
}
