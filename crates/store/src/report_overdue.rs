//! Steps overdue at a month's end (月末逾期未办步骤), the one report figure that needs the policy: each project
//! as it stood at the month's last day (its stage and plan year from its moves, its steps done by then) has its
//! steps decided by its profile (a project entered later with dated steps counts as its records say: the
//! date it was typed in is not a date of the programme) ([`crate::projects::steps::view`]) with that day as "today".
//!
//! Above county level the counts are cached per county and month in `report_overdue`, computed the first
//! time a report of that month is read, deleted with the county's other aggregates when a record of the
//! county changes ([`crate::report_facts`]), and keyed by the profiles' signature, so a profile loaded later
//! recomputes them.

use std::collections::{BTreeMap, HashMap};

use crate::projects::{self, Filter, Project, steps};
use crate::regions::Regions;
use crate::reports::month_bounds;
use crate::{Db, StoreError, with_db, with_tx};
use jiugai_domain::Stage;
use jiugai_rules::ProfileSet;

/// Overdue steps at the end of `month` of the projects in `scope`, by (first estate's county, street).
async fn by_place(
    db: &Db,
    regions: &Regions,
    profiles: &ProfileSet,
    scope: &str,
    month: &str,
) -> Result<HashMap<(String, String), i64>, StoreError> {
    let (_, last) = month_bounds(month)?;
    let end = last.to_string();
    let end_instant = format!("{}T16:00:00", last); // Beijing midnight after `last`, in UTC
    let list = projects::list(
        db,
        regions,
        &Filter { scope: scope.to_string(), limit: Some(i64::MAX / 2), ..Default::default() },
    )
    .await?;
    let ids: Vec<i64> = list.iter().map(|p| p.id).collect();
    let mut moves: HashMap<i64, Vec<(Stage, Stage, i64, i64, String)>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let l = chunk.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        let rows: Vec<(i64, Stage, Stage, i64, i64, String)> = with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT project_id, from_stage, to_stage, from_year, to_year, at FROM project_moves WHERE project_id IN ({l}) ORDER BY project_id, at, id")))
            .fetch_all(p).await?);
        for (pid, f, t, fy, ty, at) in rows {
            moves.entry(pid).or_default().push((f, t, fy, ty, at));
        }
    }
    let mut done = steps::done_steps_of(db, &ids).await?;
    let mut cache: HashMap<String, Option<jiugai_rules::EffectiveProfile>> = HashMap::new();
    let mut out: HashMap<(String, String), i64> = HashMap::new();
    for p in list {
        let asof = as_of(p.clone(), moves.get(&p.id).map(Vec::as_slice).unwrap_or(&[]), &end_instant);
        let name = asof.profile_name(profiles).to_string();
        let Some(eff) = cache.entry(name.clone()).or_insert_with(|| profiles.effective(&name).ok()) else {
            continue;
        };
        let done_then: Vec<_> =
            done.remove(&p.id).unwrap_or_default().into_iter().filter(|d| d.done_on.as_str() <= end.as_str()).collect();
        let n = steps::view(eff, &asof, &done_then, last).iter().filter(|s| s.overdue).count() as i64;
        if n > 0 {
            let (county, street) = asof.places.first().cloned().unwrap_or((asof.region_code.clone(), None));
            *out.entry((county, street.unwrap_or_default())).or_default() += n;
        }
    }
    Ok(out)
}

/// The project as it stood at `end` (an instant): stage and plan year from the moves made by then.
fn as_of(mut p: Project, moves: &[(Stage, Stage, i64, i64, String)], end: &str) -> Project {
    let before: Vec<_> = moves.iter().filter(|m| m.4.as_str() < end).collect();
    if let Some(m) = before.last() {
        p.stage = m.1;
        p.plan_year = m.3 as i32;
    } else if let Some(m) = moves.first() {
        p.stage = m.0;
        p.plan_year = m.2 as i32;
    }
    p
}

/// Overdue steps at the end of `month`, by child region of `code`.
pub async fn overdue(
    db: &Db,
    regions: &Regions,
    profiles: &ProfileSet,
    code: &str,
    month: &str,
) -> Result<BTreeMap<String, i64>, StoreError> {
    let mut out = BTreeMap::new();
    if !crate::reports::above_county(regions, code) {
        for ((county, street), n) in by_place(db, regions, profiles, code, month).await? {
            *out.entry(regions.child_under(code, &county, &street)).or_default() += n;
        }
        return Ok(out);
    }
    crate::report_facts::refresh(db, code).await?;
    let sig = crate::policies::signature(db).await?;
    let (lo, hi) = crate::report_facts::range(code);
    // Counties with records whose count for this month (under these profiles) is not cached yet.
    let missing: Vec<String> = with_db!(db, p => sqlx::query_scalar(
        "SELECT f.county_code FROM report_facts f WHERE f.month = '0000-00' AND f.county_code >= $1 AND f.county_code < $2 \
         AND NOT EXISTS (SELECT 1 FROM report_overdue o WHERE o.county_code = f.county_code AND o.month = $3 AND o.sig = $4)")
        .bind(&lo).bind(&hi).bind(month).bind(&sig).fetch_all(p).await?);
    if !missing.is_empty() {
        // Many missing: one pass over the whole range; a few: county by county.
        let mut counts: HashMap<String, i64> = missing.iter().map(|c| (c.clone(), 0)).collect();
        let scopes: Vec<String> = if missing.len() > 20 { vec![code.to_string()] } else { missing.clone() };
        for s in &scopes {
            for ((county, _), n) in by_place(db, regions, profiles, s, month).await? {
                if let Some(c) = counts.get_mut(&county) {
                    *c += n;
                }
            }
        }
        let mut tx = db.begin().await?;
        for (county, n) in &counts {
            with_tx!(&mut tx, cx => sqlx::query(
                "INSERT INTO report_overdue (county_code, month, sig, overdue) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (county_code, month) DO UPDATE SET sig = EXCLUDED.sig, overdue = EXCLUDED.overdue")
                .bind(county).bind(month).bind(&sig).bind(n).execute(&mut *cx).await?.rows_affected());
        }
        tx.commit().await?;
    }
    let rows: Vec<(String, i64)> = with_db!(db, p => sqlx::query_as(
        "SELECT county_code, overdue FROM report_overdue WHERE month = $1 AND sig = $2 AND county_code >= $3 AND county_code < $4")
        .bind(month).bind(&sig).bind(&lo).bind(&hi).fetch_all(p).await?);
    for (county, n) in rows {
        *out.entry(regions.child_under(code, &county, "")).or_default() += n;
    }
    Ok(out)
}
