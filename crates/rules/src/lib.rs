//! # jiugai-rules — policy profiles and decisions (旧改政策口径与判定)
//!
//! Rules differ by city, so they are **data**: a policy profile (政策配置) is a TOML file listing rules,
//! each with a `value` and the `source` it comes from (document + clause, e.g. `[001 二(三)1]`).
//! Profiles inherit (`inherits = "national"`): a child overrides single rules. The national baseline and
//! the five seed jurisdictions are built in (`profiles/*.toml`, embedded with `include_str!`); offices load
//! their own with [`ProfileSet::load`].
//!
//! ## Invariants
//! - **Pure.** No I/O of any kind: no files, network, database or clock. "Today" is always a parameter.
//! - **Every decision cites its rule.** Each outcome carries the rule key, the rule's value as text, the
//!   source (document + clause) and the profile that set it ([`RuleRef`]), plus a reason in Chinese and English.
//! - **Exact arithmetic.** Money is [`Fen`] (0.01 yuan), areas are [`Dm2`] (0.01 m²), shares are
//!   [`Ratio`]s compared by cross-multiplication in `i128`. No floating point anywhere in a comparison.
//! - **Every rule has a source.** A profile without `source` on a rule, with an unknown rule key, a value of
//!   the wrong type or a share outside 0–100 % is refused with its line and column ([`ProfileError`]).
//!   Values that are this system's assumption rather than a document's say so in their source
//!   (`本系统默认值（文件未规定）`).
//! - Dates are civil dates without zone; working days are Monday–Friday with **no holiday table**.

mod decide;
mod profile;
mod targets;

pub use decide::*;
pub use jiugai_domain::units::{Cmp, Date, Dm2, Fen, MonthDay, Ratio, Threshold, Weekday};
pub use profile::{
    BUILTIN, EffectiveProfile, EffectiveRule, FormulaItem, Kind, LoadError, NATIONAL, Profile, ProfileError,
    ProfileSet, RULES, ReviewStep, RuleEntry, RuleSpec, RuleValue, SetError, Variant, common_region, rule_spec,
};
pub use targets::{Actual, TargetIssue, TargetReport, TargetRow, TargetTable, YearProgress};
