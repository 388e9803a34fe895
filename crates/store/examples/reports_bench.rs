//! Benchmark of the monthly report and the dashboard's figures at national scale (not a test; see
//! BENCHMARKS.md, issue 15.5).
//!
//! ```text
//! cargo run --release -p jiugai-store --example reports_bench -- [PROJECTS] [DATABASE_URL]
//! ```
//! Defaults: 150,000 projects of two estates each (300,000 estates) over the 2,978 counties, on a fresh temp
//! SQLite file; a PostgreSQL URL names a database that is dropped and created. Every started project has
//! its moves, a central and a city allocation and two payments; 30,000 complaints, half answered. Rows are
//! written with plain multi-row INSERTs (the triggers that mark counties dirty fire as in real use). Then it
//! times, side by side in one run: the national report (children = provinces) and a province's monthly
//! roll-up (`reports::get`, children = cities) read from the aggregates, against the same figures computed
//! from the records (`reports::scan`, what the report did before the aggregates); the first read after the
//! load (every county recomputed once); and a read right after a payment (one county recomputed).

use std::time::Instant;

use jiugai_rules::ProfileSet;
use jiugai_store::regions::{Level, Regions};
use jiugai_store::{reports, testing};

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i]
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(150_000);
    let (db, url, _dir) = testing::fresh_bench_db(args.get(2).map(String::as_str)).await;
    let pg = url.starts_with("postgres");
    let regions = Regions::load(&db).await.unwrap();
    let mut counties: Vec<String> =
        jiugai_store::regions::embedded().into_iter().filter(|r| r.level == Level::County).map(|r| r.code).collect();
    counties.sort();
    let now = "2026-11-22T00:00:00Z";
    // PostgreSQL: the dirty-marking triggers (about 1 ms a row in PL/pgSQL) are off during the bulk load and
    // every county is marked dirty after it, as the migration does for existing data; SQLite keeps them on.
    let tables = [
        "project_moves",
        "project_steps",
        "fund_payments",
        "fund_allocations",
        "project_estates",
        "projects",
        "estates",
        "fund_documents",
        "complaints",
        "complaint_events",
    ];
    if pg {
        for t in tables {
            testing::execute(&db, &format!("ALTER TABLE {t} DISABLE TRIGGER USER")).await;
        }
    }
    let t = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
        let (mut e, mut p, mut pe, mut mv, mut al, mut pay) =
            (String::new(), String::new(), String::new(), String::new(), String::new(), String::new());
        for &i in chunk {
            let id = i + 1;
            let county = &counties[i % counties.len()];
            let year = 2019 + ((i / 3) % 9) as i64; // 2019..2027
            for k in 1..=2 {
                let eid = 2 * i + k;
                e.push_str(&format!(
                    "{}({eid}, '{county}', '小区{eid}', '1990', 1990, {}, {}, 1, '{now}', '{now}')",
                    if e.is_empty() { "" } else { "," },
                    20 + eid % 200,
                    (20 + eid % 200) * 8_000
                ));
                pe.push_str(&format!("{}({id}, {eid})", if pe.is_empty() { "" } else { "," }));
            }
            let started = year <= 2026;
            let completed = year <= 2025 || (year == 2026 && i % 2 == 0);
            let stage = if completed {
                "completed"
            } else if started {
                "implementation"
            } else {
                "planning"
            };
            p.push_str(&format!(
                "{}({id}, '项目{id}', '{county}', {year}, '{stage}', {}, {}, 1, '{now}', 'bench', '{now}')",
                if p.is_empty() { "" } else { "," },
                300_000_000 + (i as i64 % 97) * 1_000_000,
                if completed && i % 3 > 0 { "'professional'" } else { "NULL" }
            ));
            if started {
                let sm = 3 + (i % 4) as i64;
                let sep = if mv.is_empty() { "" } else { "," };
                mv.push_str(&format!(
                    "{sep}({id}, 'planning', 'implementation', {year}, {year}, 'b', 'bench', '{year}-{sm:02}-{:02}T02:00:00.000Z')",
                    1 + i % 28
                ));
                if completed {
                    let cm = if year == 2026 { 5 + (i % 6) as i64 } else { 9 + (i % 4) as i64 };
                    mv.push_str(&format!(
                        ",({id}, 'implementation', 'completed', {year}, {year}, 'b', 'bench', '{year}-{cm:02}-{:02}T02:00:00.000Z')",
                        1 + i % 28
                    ));
                }
                for (src, amt, m) in [("central", 150_000_000i64, 2), ("city", 50_000_000, 4)] {
                    al.push_str(&format!(
                        "{}(NULL, {id}, '{src}', {amt}, '{year}-{m:02}-10T00:00:00.000Z', 'bench')",
                        if al.is_empty() { "" } else { "," }
                    ));
                }
                for (src, amt, m) in [("central", 60_000_000i64, sm + 1), ("city", 20_000_000, sm + 3)] {
                    pay.push_str(&format!(
                        "{}({id}, '{src}', {amt}, '{year}-{m:02}-15', '施工单位', 'v{id}', '{now}', 'bench')",
                        if pay.is_empty() { "" } else { "," }
                    ));
                }
            }
        }
        testing::execute(&db, &format!("INSERT INTO estates (id, region_code, name, built_years, built_year_min, households, floor_area_dm2, version, created_at, updated_at) VALUES {e}")).await;
        testing::execute(&db, &format!("INSERT INTO projects (id, name, region_code, plan_year, stage, investment_fen, management_mode, version, created_at, created_by, updated_at) VALUES {p}")).await;
        testing::execute(&db, &format!("INSERT INTO project_estates (project_id, estate_id) VALUES {pe}")).await;
        if !mv.is_empty() {
            testing::execute(&db, &format!("INSERT INTO project_moves (project_id, from_stage, to_stage, from_year, to_year, reason, actor, at) VALUES {mv}")).await;
            testing::execute(&db, &format!("INSERT INTO fund_allocations (document_id, project_id, source, amount_fen, created_at, created_by) VALUES {al}")).await;
            testing::execute(&db, &format!("INSERT INTO fund_payments (project_id, source, amount_fen, paid_on, payee, voucher, created_at, created_by) VALUES {pay}")).await;
        }
    }
    let mut c = String::new();
    let mut ev = String::new();
    for i in 0..30_000usize {
        let county = &counties[(i * 7) % counties.len()];
        let (y, m, d) = (2024 + (i / 12) % 3, 1 + (i % 12), 1 + (i % 28));
        c.push_str(&format!(
            "{}({}, 'B{i:06}', '{county}', 'quality', 'x', 'received', '{y}-{m:02}-{:02}', '{y}-{m:02}-{d:02}T01:00:00.000Z', '{now}')",
            if c.is_empty() { "" } else { "," },
            i + 1,
            (d + 10).min(28)
        ));
        if i % 2 == 0 {
            ev.push_str(&format!(
                "{}({}, '{y}-{m:02}-{:02}T01:00:00.000Z', 'bench', 'resolved', 'ok')",
                if ev.is_empty() { "" } else { "," },
                i + 1,
                (d + 3 + i % 15).min(28)
            ));
        }
        if c.len() > 200_000 {
            testing::execute(&db, &format!("INSERT INTO complaints (id, tracking_no, region_code, category, body, status, due_on, created_at, updated_at) VALUES {c}")).await;
            testing::execute(
                &db,
                &format!("INSERT INTO complaint_events (complaint_id, at, actor, status, note) VALUES {ev}"),
            )
            .await;
            c.clear();
            ev.clear();
        }
    }
    if !c.is_empty() {
        testing::execute(&db, &format!("INSERT INTO complaints (id, tracking_no, region_code, category, body, status, due_on, created_at, updated_at) VALUES {c}")).await;
        testing::execute(
            &db,
            &format!("INSERT INTO complaint_events (complaint_id, at, actor, status, note) VALUES {ev}"),
        )
        .await;
    }
    if pg {
        for t in tables {
            testing::execute(&db, &format!("ALTER TABLE {t} ENABLE TRIGGER USER")).await;
        }
        testing::execute(&db, "INSERT INTO report_dirty (county_code, gen) SELECT DISTINCT region_code, 1 FROM estates ON CONFLICT (county_code) DO NOTHING").await;
        testing::execute(&db, "INSERT INTO report_dirty (county_code, gen) SELECT DISTINCT SUBSTR(region_code, 1, 6), 1 FROM complaints ON CONFLICT (county_code) DO NOTHING").await;
        for t in ["estates", "projects", "complaints"] {
            testing::execute(
                &db,
                &format!("SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT MAX(id) FROM {t}))"),
            )
            .await;
        }
        testing::execute(&db, "ANALYZE").await;
    }
    let backend = if pg { "PostgreSQL" } else { "SQLite" };
    println!(
        "setup: {n} projects, {} estates, 30,000 complaints in {:.1} s ({backend}, triggers {})",
        2 * n,
        t.elapsed().as_secs_f64(),
        if pg { "off during the load" } else { "on" }
    );
    let profiles = ProfileSet::builtin();
    let month = "2026-11";
    let province = "14";
    let t = Instant::now();
    let recomputed = jiugai_store::report_facts::refresh(&db, "").await.unwrap();
    println!("first read after the load: {recomputed} dirty counties recomputed in {:.1} s", t.elapsed().as_secs_f64());
    let runs = 200;
    let row = |what: &str, v: &mut Vec<f64>| {
        let (p50, p99, max) = (pct(v, 0.5), pct(v, 0.99), pct(v, 1.0));
        println!("| {what} | {p50:.1} ms | {p99:.1} ms | {max:.1} ms | {} |", v.len());
    };
    println!("| what ({backend}) | p50 | p99 | max | runs |\n| --- | --- | --- | --- | --- |");
    let mut nat = Vec::new();
    let mut first = None;
    for _ in 0..runs {
        let t = Instant::now();
        let r = reports::live(&db, &regions, "", month).await.unwrap();
        nat.push(t.elapsed().as_secs_f64() * 1000.0);
        first.get_or_insert(r);
    }
    row("national report, by province (aggregates)", &mut nat);
    let mut prov = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let r = reports::get(&db, &regions, &profiles, province, month).await.unwrap();
        prov.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(!r.rows.is_empty());
    }
    row(&format!("province {province}'s monthly roll-up, by city (reports::get, aggregates)"), &mut prov);
    // After a payment in one county: the read recomputes that county first.
    let mut after = Vec::new();
    let pid: i64 = testing::scalar(
        &db,
        "SELECT MIN(p.id) FROM projects p WHERE p.region_code LIKE '14%' AND p.stage = 'completed'",
    )
    .await;
    for i in 0..50 {
        testing::execute(&db, &format!("INSERT INTO fund_payments (project_id, source, amount_fen, paid_on, payee, voucher, created_at, created_by) VALUES ({pid}, 'city', 100, '2026-11-20', 'b', 'w{i}', '{now}', 'bench')")).await;
        let t = Instant::now();
        reports::get(&db, &regions, &profiles, province, month).await.unwrap();
        after.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    row("the province's roll-up right after a payment in one of its counties", &mut after);
    // The same figures from the records, side by side.
    let scan_runs = 5;
    let mut nat_scan = Vec::new();
    for _ in 0..scan_runs {
        let t = Instant::now();
        let r = reports::scan(&db, &regions, "", month).await.unwrap();
        nat_scan.push(t.elapsed().as_secs_f64() * 1000.0);
        let agg = reports::live(&db, &regions, "", month).await.unwrap();
        assert_eq!(r, agg, "the aggregates equal the records");
    }
    row("national report from the records (reports::scan, no aggregates)", &mut nat_scan);
    let mut prov_scan = Vec::new();
    for _ in 0..scan_runs {
        let t = Instant::now();
        reports::scan(&db, &regions, province, month).await.unwrap();
        prov_scan.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    row(&format!("province {province} from the records (reports::scan)"), &mut prov_scan);
    let f = &first.unwrap();
    let total = |k: &str| f.values().map(|x| x[k]).sum::<i64>();
    println!(
        "national November 2026: {} projects started in all, {} completed this year, {} paid this year (fen), {} complaints",
        total("projects_started_total"),
        total("projects_completed_ytd"),
        total("paid_ytd_fen"),
        total("complaints_month")
    );
    db.close().await;
}
