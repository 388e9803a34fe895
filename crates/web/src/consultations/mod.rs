//! Consultations of an estate's households (SPEC §6): the list and the form that opens one, the page of
//! one consultation (live tally, checks, codes and slips, paper entry twice, disputed forms, assisted
//! entry, closing), the printable slips and result sheet, the public voting page reached by QR code, and
//! the JSON API. Every route is under `/estates/{id}/…`, so the guard has already checked that the estate
//! is in the caller's scope; handlers check that the consultation belongs to that estate.

pub mod actions;
pub mod api;
pub mod list;
pub mod print;
pub mod show;
pub mod vote;

use jiugai_rules::{EffectiveProfile, Outcome};
use jiugai_store::estates::Estate;
use jiugai_store::residents::consultations::{self as cons, Tally};

use crate::AppState;
use crate::error::AppError;
use crate::i18n::Tr;
use crate::util::m2;

pub fn profile_of(state: &AppState, e: &Estate) -> Result<EffectiveProfile, AppError> {
    let set = state.profiles();
    let name = set.for_estate(&e.data.region_code, e.data.street_code.as_deref());
    set.effective(name).map_err(|e| AppError::Store(jiugai_store::StoreError::Other(format!("profile {name}: {e}"))))
}

pub fn kind_label(t: Tr, kind: cons::Kind) -> String {
    t.l(kind).to_string()
}

pub fn choice_label(t: Tr, kind: cons::Kind, c: cons::Choice) -> String {
    jiugai_domain::label::choice(kind, c, t.0).to_string()
}

pub fn state_label(t: Tr, s: cons::State) -> String {
    t.b(s.zh(), s.en()).to_string()
}

/// A channel as stored in a tally's counts (`qr`, `paper`, `assisted`).
pub fn channel_label(t: Tr, c: &str) -> String {
    cons::Channel::parse(c).map_or_else(|| c.to_string(), |c| t.l(c).to_string())
}

pub fn matter_label(t: Tr, m: Option<cons::Matter>) -> String {
    m.map(|m| t.l(m).to_string()).unwrap_or_default()
}

fn pct(num: i64, den: i64) -> String {
    if den == 0 {
        return "—".into();
    }
    jiugai_rules::Ratio { num, den }.percent_text()
}

/// A row of the counts table: what, households, share of eligible households, area m², share of area.
pub struct CountRow {
    pub key: &'static str,
    pub label: String,
    pub households: i64,
    pub households_pct: String,
    pub area: String,
    pub area_pct: String,
}

pub fn count_rows(t: Tr, tally: &Tally) -> Vec<CountRow> {
    let e = tally.eligible;
    let row = |key: &'static str, label: String, c: cons::Counts| CountRow {
        key,
        label,
        households: c.households,
        households_pct: pct(c.households, e.households),
        area: m2(Some(c.area_dm2)),
        area_pct: pct(c.area_dm2, e.area_dm2),
    };
    vec![
        row("eligible", t.b("有表决权的户（名册）", "households on the roll").into(), tally.eligible),
        row("participating", t.b("参与表决", "taking part").into(), tally.participating),
        row("yes", choice_label(t, tally.kind, cons::Choice::Yes), tally.yes),
        row("no", choice_label(t, tally.kind, cons::Choice::No), tally.no),
        row("abstain", choice_label(t, tally.kind, cons::Choice::Abstain), tally.abstain),
    ]
}

/// A threshold of the rule: its value, what was achieved, pass or fail, and the clause.
pub struct CheckRow {
    pub check: String,
    pub required: String,
    pub achieved: String,
    pub pass: bool,
    pub outcome: String,
    pub clause: String,
    pub reason: String,
}

pub fn check_rows(t: Tr, tally: &Tally) -> Vec<CheckRow> {
    tally
        .checks
        .iter()
        .map(|d| CheckRow {
            check: d.check.clone(),
            required: d.rule.value.clone(),
            achieved: d
                .achieved
                .map(|a| format!("{}/{}（{}）", a.num, a.den, pct(a.num, a.den)))
                .unwrap_or_else(|| "—".into()),
            pass: d.outcome == Outcome::Pass,
            outcome: outcome_label(t, d.outcome),
            clause: d.rule.source.clone(),
            reason: t.b(&d.reason_zh, &d.reason_en).to_string(),
        })
        .collect()
}

pub fn outcome_label(t: Tr, o: Outcome) -> String {
    match o {
        Outcome::Pass => t.b("通过", "passed"),
        Outcome::Fail => t.b("未通过", "not passed"),
        Outcome::NotApplicable => t.b("不设门槛", "no threshold"),
    }
    .to_string()
}

pub fn outcome_class(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "pass",
        Outcome::Fail => "fail",
        Outcome::NotApplicable => "na",
    }
}
