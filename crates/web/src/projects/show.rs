//! The project page: header and stage, timeline of steps (with forms for the steps the caller may
//! complete), content (N+X) with totals, construction ledger, documents, members, moves, ranking score.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use jiugai_store::projects::{self, ManagementMode, Stage, items, ledger, steps};
use serde::Deserialize;

use crate::AppState;
use crate::access::{Action, Ctx};
use crate::error::AppError;
use crate::view::{self, Layout};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Notice {
    pub created: String,
    pub ok: String,
}

pub struct EstateLine {
    pub id: i64,
    pub name: String,
    pub eligible: bool,
    pub reason: String,
    /// The household count its consent is checked against (registry, else 户数), prefilled in the survey form.
    pub households: String,
}

pub struct StepLine {
    pub key: String,
    pub name: String,
    pub required: bool,
    pub due: String,
    pub done: String,
    pub started: String,
    pub overdue: bool,
    pub actor: String,
    pub department: String,
    pub note: String,
    pub detail: Vec<(String, String)>,
    pub rule: String,
    pub reason: String,
    pub can_complete: bool,
    pub documents: Vec<ledger::Document>,
}

pub struct ItemLine {
    pub row: i64,
    pub code: String,
    pub class: String,
    pub name: String,
    pub quantity: String,
    pub unit: String,
    pub cost: String,
    pub payer: String,
    pub public: String,
    pub owners: String,
    pub progress: i64,
}

pub struct SumLine {
    pub label: String,
    pub cost: String,
    pub public: String,
    pub owners: String,
    pub items: i64,
}

pub struct ScoreLine {
    pub factor: String,
    pub weight: i64,
    pub value: String,
    pub points: String,
    pub source: String,
}

#[derive(Template)]
#[template(path = "projects/show.html")]
pub struct ShowPage {
    pub l: Layout,
    pub p: projects::Project,
    pub region: String,
    pub stage_label: &'static str,
    pub investment: String,
    pub profile: String,
    pub estates: Vec<EstateLine>,
    pub steps: Vec<StepLine>,
    pub overdue: usize,
    pub items: Vec<ItemLine>,
    pub sums: Vec<SumLine>,
    pub progress: String,
    pub catalogue: Vec<(String, Vec<items::CatalogueItem>)>,
    pub owner_share: String,
    pub reports: Vec<ledger::SiteReport>,
    pub issues: Vec<ledger::Issue>,
    pub documents: Vec<ledger::Document>,
    pub members: Vec<projects::Member>,
    pub moves: Vec<(projects::Move, &'static str, &'static str)>,
    pub stages: Vec<(&'static str, &'static str)>,
    pub modes: Vec<(&'static str, &'static str)>,
    pub score: String,
    pub score_max: i64,
    pub score_parts: Vec<ScoreLine>,
    pub today: String,
    /// Last day of the publicity period, once the notice is published.
    pub notice_until: String,
    pub can_write: bool,
    pub can_progress: bool,
    pub can_exception: bool,
    /// Admin exceptions to the gates: (gate label, reason, by, at in Beijing time).
    pub exceptions: Vec<(String, String, String, String)>,
    /// Gates without an exception yet: (key, label).
    pub open_gates: Vec<(&'static str, String)>,
    pub can_read_estates: bool,
    /// Residents' consultations of the project: (estate id, consultation id, estate name, title, kind, state, result).
    pub consultations: Vec<(i64, i64, String, String, String, String, String)>,
    pub notice: String,
    /// An error to show next to the form (`section` is the form's anchor).
    pub error: String,
    pub error_section: String,
}

impl ShowPage {
    pub fn opt(v: &Option<i64>) -> String {
        v.map(|x| x.to_string()).unwrap_or_default()
    }
    pub fn fund_text(&self) -> String {
        self.p.residents_fund_fen.map(super::yuan).unwrap_or_default()
    }
    pub fn fund_input(&self) -> String {
        self.p.residents_fund_fen.map(super::hundredths).unwrap_or_default()
    }
    pub fn investment_input(&self) -> String {
        super::hundredths(self.p.investment_fen)
    }
    pub fn area_input(&self) -> String {
        if self.p.new_floor_area_dm2 == 0 { String::new() } else { super::hundredths(self.p.new_floor_area_dm2) }
    }
    pub fn mode_label(&self) -> String {
        self.p.management_mode.map(|m| self.l.t.l(m).to_string()).unwrap_or_default()
    }
}

fn detail_lines(ctx: &Ctx, v: &serde_json::Value) -> Vec<(String, String)> {
    let t = ctx.t();
    let label = |k: &str| -> String {
        match k {
            "agree" => t.b("同意户数", "agreeing").into(),
            "households" => t.b("总户数", "households").into(),
            "satisfied" => t.b("满意户数", "satisfied").into(),
            "answered" => t.b("参与评价户数", "answered").into(),
            "participants" => t.b("参加单位和人员", "participants").into(),
            "findings" => t.b("验收意见", "findings").into(),
            "result" => t.b("抽检结论", "result").into(),
            "operators" => t.b("移交情况", "handed over").into(),
            "mode" => t.b("管理模式", "management").into(),
            "maintenance_fund" => t.b("建立维修资金", "maintenance fund").into(),
            "publicity_days" => t.b("公示天数要求", "required days").into(),
            "decision" => t.b("判定", "decision").into(),
            other => other.to_string(),
        }
    };
    let text = |k: &str, v: &serde_json::Value| -> String {
        match (k, v) {
            ("mode", serde_json::Value::String(m)) => {
                ManagementMode::parse(m).map(|x| t.l(x).to_string()).unwrap_or(m.clone())
            }
            ("result", serde_json::Value::String(r)) => match r.as_str() {
                "pass" => t.b("合格", "pass").into(),
                "fail" => t.b("不合格", "fail").into(),
                o => o.into(),
            },
            ("decision", d) => format!(
                "{} {} [{}]",
                d["value"].as_str().unwrap_or(""),
                if d["outcome"] == "pass" { t.b("达到", "met") } else { t.b("未达到", "not met") },
                d["clause"].as_str().unwrap_or("")
            ),
            (_, serde_json::Value::Bool(b)) => t.b(if *b { "是" } else { "否" }, if *b { "yes" } else { "no" }).into(),
            (_, serde_json::Value::String(s)) => s.clone(),
            (_, serde_json::Value::Array(a)) => a
                .iter()
                .map(|x| x.as_str().map(String::from).unwrap_or_else(|| x.to_string()))
                .collect::<Vec<_>>()
                .join("、"),
            (_, other) => other.to_string(),
        }
    };
    match v {
        serde_json::Value::Object(m) => {
            // The figures first, the decision on them last.
            let mut keys: Vec<&String> = m.keys().filter(|k| !m[k.as_str()].is_null()).collect();
            keys.sort_by_key(|k| {
                (
                    k.as_str() == "decision",
                    ["agree", "households", "satisfied", "answered"].iter().position(|x| x == k).unwrap_or(9),
                )
            });
            keys.into_iter().map(|k| (label(k), text(k, &m[k.as_str()]))).collect()
        }
        _ => vec![],
    }
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> Result<Html<String>, AppError> {
    let t = ctx.t();
    let notice = if !n.created.is_empty() {
        t.b("项目已创建，进入“储备”阶段。", "Project created in the reserve stage.").to_string()
    } else if !n.ok.is_empty() {
        t.b("已保存。", "Saved.").to_string()
    } else {
        String::new()
    };
    let mut page = build(&state, &ctx, id).await?;
    page.notice = notice;
    Ok(view::html(&page))
}

pub async fn build(state: &AppState, ctx: &Ctx, id: i64) -> Result<ShowPage, AppError> {
    let t = ctx.t();
    let p = projects::get(&state.db, id).await?;
    let prof = super::profile_of(state, &p)?;
    let today = projects::today();
    let done = steps::done_steps(&state.db, id).await?;
    let documents = ledger::documents(&state.db, id).await?;
    let exceptions = projects::gates::exceptions(&state.db, &p).await?;
    let mut estates = Vec::new();
    for (id, name, eligible, zh, en) in projects::estates_eligibility(&state.db, &prof, &p).await? {
        let households =
            projects::gates::registry_households(&state.db, id).await?.map(|n| n.to_string()).unwrap_or_default();
        estates.push(EstateLine { id, name, eligible, reason: if t.zh() { zh } else { en }, households });
    }
    let step_views = steps::view(&prof, &p, &done, today);
    let overdue = step_views.iter().filter(|s| s.overdue).count();
    let steps = step_views
        .into_iter()
        .map(|s| StepLine {
            name: super::step_label(ctx, s.key),
            required: s.required,
            due: s.due.clone().unwrap_or_default(),
            done: s.done.clone().unwrap_or_default(),
            started: s.started.clone().unwrap_or_default(),
            overdue: s.overdue,
            actor: s.actor.clone().unwrap_or_default(),
            department: s.department.clone().unwrap_or_default(),
            note: s.note.clone().unwrap_or_default(),
            detail: detail_lines(ctx, &s.detail),
            rule: format!("{} — {}", s.rule, s.clause),
            reason: if t.zh() { s.reason_zh.clone() } else { s.reason_en.clone() },
            can_complete: s.required && s.done.is_none() && ctx.may_step(s.key),
            documents: documents.iter().filter(|d| d.step_key == Some(s.key)).cloned().collect(),
            key: s.key.as_str().to_string(),
        })
        .collect();
    let its = items::items(&state.db, id).await?;
    let tot = items::totals(&its);
    let mut sums = Vec::new();
    let payer_label =
        |p: &str| if p == "N" { t.b("N 财政出资", "N public") } else { t.b("X 业主共担", "X co-paid") };
    for (c, payer, s) in &tot.by_class_payer {
        if s.items > 0 {
            sums.push(SumLine {
                label: format!("{} · {}", super::class_label(ctx, c), payer_label(payer)),
                cost: super::yuan(s.cost_fen),
                public: super::yuan(s.public_fen),
                owners: super::yuan(s.owners_fen),
                items: s.items,
            });
        }
    }
    for (c, s) in &tot.by_class {
        sums.push(SumLine {
            label: format!("{} {}", super::class_label(ctx, c), t.b("小计", "subtotal")),
            cost: super::yuan(s.cost_fen),
            public: super::yuan(s.public_fen),
            owners: super::yuan(s.owners_fen),
            items: s.items,
        });
    }
    for (payer, s) in &tot.by_payer {
        sums.push(SumLine {
            label: format!("{} {}", payer_label(payer), t.b("小计", "subtotal")),
            cost: super::yuan(s.cost_fen),
            public: super::yuan(s.public_fen),
            owners: super::yuan(s.owners_fen),
            items: s.items,
        });
    }
    sums.push(SumLine {
        label: t.b("合计", "Total").into(),
        cost: super::yuan(tot.total.cost_fen),
        public: super::yuan(tot.total.public_fen),
        owners: super::yuan(tot.total.owners_fen),
        items: tot.total.items,
    });
    let items = its
        .iter()
        .map(|i| ItemLine {
            row: i.id,
            code: i.code.clone(),
            class: super::class_label(ctx, &i.class).to_string(),
            name: i.name.clone(),
            quantity: super::hundredths(i.quantity_centi),
            unit: i.unit.clone(),
            cost: super::yuan(i.cost_fen),
            payer: i.payer.clone(),
            public: super::yuan(i.public_fen),
            owners: super::yuan(i.owners_fen),
            progress: i.progress_pct,
        })
        .collect();
    let cat = items::catalogue(&state.db, &p.region_code).await?;
    let catalogue = items::CLASSES
        .iter()
        .map(|(c, _, _)| {
            (super::class_label(ctx, c).to_string(), cat.iter().filter(|x| x.class == *c).cloned().collect())
        })
        .collect();
    let owner_share = prof
        .rule("x_owner_share", None)
        .map(|r| format!("{}（{}）", r.text, r.source))
        .unwrap_or_else(|| t.b("未设定", "not set").into());
    let score = projects::ranking(&state.db, &state.profiles(), vec![p.clone()]).await?.pop();
    let (score_text, score_max, score_parts) = match score {
        Some((_, s)) => (
            super::hundredths(s.score_centi),
            s.max_points,
            s.parts
                .iter()
                .map(|x| ScoreLine {
                    factor: factor_label(ctx, x.factor),
                    weight: x.weight,
                    value: format!("{}/{}", x.factor_value.num, x.factor_value.den),
                    points: super::hundredths(x.points_centi),
                    source: x.rule.source.clone(),
                })
                .collect(),
        ),
        None => (String::new(), 0, vec![]),
    };
    Ok(ShowPage {
        l: Layout::new(ctx, state, "projects", &format!("/projects/{id}")),
        region: view::region_name(state, &p.region_code, t),
        stage_label: super::stage_label(ctx, p.stage),
        investment: super::yuan(p.investment_fen),
        profile: format!("{}（{}）", prof.title, prof.name),
        estates,
        steps,
        overdue,
        items,
        sums,
        progress: super::hundredths(tot.progress_bp),
        catalogue,
        owner_share,
        reports: ledger::reports(&state.db, id).await?,
        issues: ledger::issues(&state.db, id).await?,
        documents,
        members: projects::members(&state.db, id).await?,
        moves: projects::moves(&state.db, id)
            .await?
            .into_iter()
            .map(|m| {
                let (a, b) = (super::stage_label(ctx, m.from_stage), super::stage_label(ctx, m.to_stage));
                (m, a, b)
            })
            .collect(),
        stages: Stage::ALL.iter().map(|&s| (s.as_str(), super::stage_label(ctx, s))).collect(),
        modes: projects::management_modes().map(|m| (m.as_str(), t.l(m))).collect(),
        score: score_text,
        score_max,
        score_parts,
        today: today.to_string(),
        notice_until: super::notice::period(state, &p).map(|x| x.1.to_string()).unwrap_or_default(),
        can_write: ctx.may(Action::WriteProject),
        can_progress: ctx.may(Action::ReportProgress),
        can_exception: ctx.may(Action::ProjectException),
        exceptions: exceptions
            .iter()
            .map(|e| {
                (
                    ctx.t().b(e.gate.zh(), e.gate.en()).to_string(),
                    e.reason.clone(),
                    e.actor.clone(),
                    jiugai_domain::time::beijing(&e.at),
                )
            })
            .collect(),
        open_gates: projects::gates::Gate::ALL
            .iter()
            .filter(|g| !exceptions.iter().any(|e| e.gate == **g))
            .map(|g| (g.as_str(), ctx.t().b(g.zh(), g.en()).to_string()))
            .collect(),
        can_read_estates: ctx.may(Action::ReadEstates),
        consultations: consultations_of(state, ctx, &p).await?,
        notice: String::new(),
        error: String::new(),
        error_section: String::new(),
        p,
    })
}

/// The project's consultations, newest first, with their state or locked result.
async fn consultations_of(
    state: &AppState,
    ctx: &Ctx,
    p: &projects::Project,
) -> Result<Vec<(i64, i64, String, String, String, String, String)>, AppError> {
    use jiugai_store::residents::consultations as cons;
    let t = ctx.t();
    let mut out = Vec::new();
    for c in cons::list_for_project(&state.db, p.id).await? {
        let estate = jiugai_store::estates::get(&state.db, c.estate_id).await?.data.name;
        let st = c.state();
        let result = match c.passed {
            Some(true) => t.b("通过", "passed").to_string(),
            Some(false) => t.b("未通过", "not passed").to_string(),
            None => String::new(),
        };
        out.push((
            c.estate_id,
            c.id,
            estate,
            c.title.clone(),
            crate::consultations::kind_label(t, c.kind),
            crate::consultations::state_label(t, st),
            result,
        ));
    }
    Ok(out)
}

pub fn factor_label(ctx: &Ctx, f: &str) -> String {
    let t = ctx.t();
    match f {
        "willingness" => t.b("改造意愿（同意户数占比）", "willingness (households agreeing)"),
        "contribution" => t.b("居民出资（占总投资）", "residents' contribution (of investment)"),
        "participation" => t.b("居民参与（参与户数占比）", "participation (households taking part)"),
        "illegal_removed" => t.b("主动拆除违建", "illegal structures removed voluntarily"),
        "age" => t.b("建成年代", "age"),
        "safety" => t.b("房屋安全等级", "safety rating"),
        other => other,
    }
    .to_string()
}
