//! Benchmark of the project read paths at provincial/national scale (not a test; see BENCHMARKS.md).
//!
//! ```text
//! cargo run --release -p jiugai-store --example projects_bench -- [PROJECTS] [DATABASE_URL]
//! ```
//! Defaults: 50,000 projects on a fresh temp SQLite file. A PostgreSQL URL names a database that is
//! dropped and created. Estates and projects are written with plain multi-row INSERTs (the import and
//! `projects::create` paths are measured elsewhere); each project has one estate, four content items, and
//! — for plan years up to 2026 — the steps up to its design done, so that its later steps are overdue.
//! Then it times what offices do all day: the dashboard summary, a county's list, the overdue steps of a
//! province, a province's ledger, a city's ranking, one project's document.

use std::time::Instant;

use jiugai_rules::ProfileSet;
use jiugai_store::projects::{self, Filter, ledger, steps};
use jiugai_store::regions::{Level, Regions};
use jiugai_store::testing;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(50_000);
    let (db, url, dir) = testing::fresh_bench_db(args.get(2).map(String::as_str)).await;
    let regions = Regions::load(&db).await.unwrap();
    let counties: Vec<String> = {
        let mut v: Vec<String> = jiugai_store::regions::embedded()
            .into_iter()
            .filter(|r| r.level == Level::County)
            .map(|r| r.code)
            .collect();
        v.sort();
        v
    };
    let profiles = ProfileSet::builtin();
    let t = Instant::now();
    let now = "2026-11-22T00:00:00Z";
    let stages = ["reserve", "planning", "implementation", "completed", "accepted", "management"];
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let mut e = String::from(
            "INSERT INTO estates (id, region_code, name, built_years, built_year_min, households, version, created_at, updated_at) VALUES ",
        );
        let mut p = String::from(
            "INSERT INTO projects (id, name, region_code, plan_year, stage, investment_fen, consent_yes, consent_households, version, created_at, created_by, updated_at) VALUES ",
        );
        let mut pe = String::from("INSERT INTO project_estates (project_id, estate_id) VALUES ");
        let mut it = String::from(
            "INSERT INTO project_items (project_id, item_id, quantity_centi, unit, cost_fen, payer, owners_fen, progress_pct) VALUES ",
        );
        let mut st = String::from("INSERT INTO project_steps (project_id, step_key, done_on, actor, at) VALUES ");
        let mut first_step = true;
        for (k, &i) in chunk.iter().enumerate() {
            let id = i + 1;
            let county = &counties[i % counties.len()];
            let year = 2019 + ((i / 2) % 9) as i64; // 2019..2027
            let stage = if year >= 2026 { stages[i % 3] } else { stages[(i / 7) % 6] };
            let sep = if k == 0 { "" } else { "," };
            let built = 1980 + (i % 25);
            e.push_str(&format!(
                "{sep}({id}, '{county}', '小区{id}', '{built}', {built}, {}, 1, '{now}', '{now}')",
                20 + i % 200
            ));
            p.push_str(&format!(
                "{sep}({id}, '项目{id}', '{county}', {year}, '{stage}', {}, {}, {}, 1, '{now}', 'bench', '{now}')",
                100_000_000 + (i as i64 % 97) * 1_000_000,
                15 + i % 5,
                20
            ));
            pe.push_str(&format!("{sep}({id}, {id})"));
            for (j, item) in [17i64, 14, 23, 33].iter().enumerate() {
                let s = if k == 0 && j == 0 { "" } else { "," };
                it.push_str(&format!(
                    "{s}({id}, {item}, {}, '㎡', {}, '{}', 0, {})",
                    10_000 + j * 100,
                    1_000_000 + (i % 13) as i64 * 10_000,
                    if *item > 22 { "X" } else { "N" },
                    (i * 7 + j * 31) % 101
                ));
            }
            if year <= 2026 {
                for (key, on) in [("survey", format!("{year}-01-20")), ("design", format!("{year}-02-20"))] {
                    st.push_str(&format!(
                        "{}({id}, '{key}', '{on}', 'bench', '{now}')",
                        if first_step { "" } else { "," }
                    ));
                    first_step = false;
                }
            }
        }
        testing::execute(&db, &e).await;
        testing::execute(&db, &p).await;
        testing::execute(&db, &pe).await;
        testing::execute(&db, &it).await;
        if !first_step {
            testing::execute(&db, &st).await;
        }
    }
    if url.starts_with("postgres") {
        for t in ["estates", "projects"] {
            testing::execute(
                &db,
                &format!("SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT MAX(id) FROM {t}))"),
            )
            .await;
        }
        testing::execute(&db, "ANALYZE").await;
    }
    println!(
        "setup: {n} projects in {:.1} s ({})",
        t.elapsed().as_secs_f64(),
        if url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" }
    );
    let county = &counties[0];
    let province = &county[..2];
    macro_rules! time {
        ($what:expr, $e:expr) => {{
            let t = Instant::now();
            let v = $e;
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            println!("| {} | {:.0} ms |", $what, ms);
            v
        }};
    }
    println!("| what | time |\n| --- | --- |");
    let open = time!(
        "  (part: list of open projects, whole country)",
        projects::list(&db, &regions, &Filter { open_until: Some(2026), limit: Some(100_000), ..Default::default() })
            .await
            .unwrap()
    );
    let _ = time!(
        format!("  (part: done steps of {} open projects)", open.len()),
        steps::done_steps_of(&db, &open.iter().map(|p| p.id).collect::<Vec<_>>()).await.unwrap()
    );
    let _ = time!(
        "  (part: overdue of open projects)",
        steps::overdue(&db, &profiles, &open, projects::today()).await.unwrap()
    );
    let s = time!(
        "dashboard summary, whole country (stages, 有人管, overdue over open projects)",
        projects::summary(&db, &regions, &profiles, &Filter::default()).await.unwrap()
    );
    println!(
        "|   → {} projects, {} overdue steps in {} projects, {}/{} renovated estates managed | |",
        s.projects, s.overdue_steps, s.overdue_projects, s.managed_estates, s.renovated_estates
    );
    let l = time!(
        format!("list of one county ({county})"),
        projects::list(&db, &regions, &Filter { scope: county.clone(), ..Default::default() }).await.unwrap()
    );
    let _ = time!("its overdue steps", steps::overdue(&db, &profiles, &l, projects::today()).await.unwrap());
    let prov = time!(
        format!("list of one province ({province}), ≤5000 rows"),
        projects::list(&db, &regions, &Filter { scope: province.to_string(), ..Default::default() }).await.unwrap()
    );
    let _ =
        time!("the province's overdue steps", steps::overdue(&db, &profiles, &prov, projects::today()).await.unwrap());
    let rows = time!("the province's ledger rows", ledger::rows_for(&db, prov.clone()).await.unwrap());
    let out = dir.path().join("ledger.xlsx");
    time!(format!("the province's ledger to xlsx ({} rows)", rows.len()), ledger::export(&rows, &out).unwrap());
    let cands: Vec<_> = projects::list(
        &db,
        &regions,
        &Filter { scope: province.to_string(), plan_year: Some(2027), ..Default::default() },
    )
    .await
    .unwrap()
    .into_iter()
    .filter(|p| matches!(p.stage, jiugai_store::projects::Stage::Reserve | jiugai_store::projects::Stage::Planning))
    .collect();
    let k = cands.len();
    time!(
        format!("ranking of the province's 2027 candidates ({k})"),
        projects::ranking(&db, &profiles, cands).await.unwrap()
    );
    let p = projects::get(&db, 1).await.unwrap();
    let prof = profiles.effective(profiles.for_region(&p.region_code)).unwrap();
    time!("one project's document (API/CLI)", projects::json::document(&db, &prof, &p).await.unwrap());
    db.close().await;
}
