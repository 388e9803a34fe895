//! The project as one JSON document, the same for the API (`GET /api/v1/projects/{id}`) and the CLI
//! (`jiugai projects show ID --json`): its fields, estates, steps (key, required, due, done, rule, clause…),
//! content with totals, moves and members.

use jiugai_rules::EffectiveProfile;
use serde_json::{Value, json};

use super::{Project, items, members, moves, steps, today};
use crate::{Db, StoreError};

pub async fn document(db: &Db, profile: &EffectiveProfile, p: &Project) -> Result<Value, StoreError> {
    let done = steps::done_steps(db, p.id).await?;
    let steps = steps::view(profile, p, &done, today());
    let its = items::items(db, p.id).await?;
    let totals = items::totals(&its);
    let mut estates = Vec::new();
    for id in &p.estate_ids {
        let e = crate::estates::get(db, *id).await?;
        estates
            .push(json!({"id": e.id, "name": e.data.name, "street": e.data.street, "households": e.data.households}));
    }
    let mut v = serde_json::to_value(p).unwrap_or_default();
    v["profile"] = json!(profile.name);
    v["estates"] = Value::Array(estates);
    v["overdue_steps"] = json!(steps.iter().filter(|s| s.overdue).map(|s| s.key).collect::<Vec<_>>());
    v["steps"] = serde_json::to_value(&steps).unwrap_or_default();
    v["items"] = serde_json::to_value(&its).unwrap_or_default();
    v["totals"] = json!({
        "cost_fen": totals.total.cost_fen, "public_fen": totals.total.public_fen, "owners_fen": totals.total.owners_fen,
        "progress_bp": totals.progress_bp,
        "by_class": totals.by_class.iter().map(|(c, s)| json!({"class": c, "cost_fen": s.cost_fen, "public_fen": s.public_fen, "owners_fen": s.owners_fen, "items": s.items})).collect::<Vec<_>>(),
        "by_payer": totals.by_payer.iter().map(|(c, s)| json!({"payer": c, "cost_fen": s.cost_fen, "public_fen": s.public_fen, "owners_fen": s.owners_fen, "items": s.items})).collect::<Vec<_>>(),
    });
    v["moves"] = serde_json::to_value(moves(db, p.id).await?).unwrap_or_default();
    v["members"] = serde_json::to_value(members(db, p.id).await?).unwrap_or_default();
    v["exceptions"] = serde_json::to_value(super::gates::exceptions(db, p).await?).unwrap_or_default();
    Ok(v)
}
