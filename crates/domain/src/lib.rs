//! # jiugai-domain — the words, numbers and times every part of jiugai shares
//!
//! - [`vocab`]: the programme's vocabulary as enums (stages, workflow steps, consultation kinds, choices
//!   and channels, complaint statuses and categories, management modes, eligibility verdicts, roles),
//!   stored as the same text everywhere and parsed once where text enters.
//! - [`label`]: what people read for each word, in Chinese and English ([`Lang`]).
//! - [`ids`]: record ids as newtypes.
//! - [`units`]: exact values — [`Date`], [`Fen`] (money in 0.01 yuan), [`Dm2`] (0.01 m²), [`Ratio`], bounds.
//! - [`number`]: the one reader of numbers as people type them, and the one formatter (grouping, 万元, %).
//! - [`time`]: stored instants (UTC text) and Beijing time for people.
//! - [`digest`], [`random`]: SHA-256 hex and unbiased random codes.
//!
//! Pure but for the clock ([`time::now_rfc3339`]) and the OS random source.

pub mod code;
pub mod digest;
pub mod ids;
pub mod label;
pub mod number;
pub mod random;
pub mod time;
pub mod units;
pub mod vocab;

pub use code::ErrorCode;
pub use ids::*;
pub use label::{Label, Lang};
pub use units::{Cmp, Date, Dm2, Fen, MonthDay, Ratio, Threshold, Weekday};
pub use vocab::*;
