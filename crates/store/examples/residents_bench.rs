//! Benchmark of ballots and tallies (not a test; see BENCHMARKS.md).
//!
//! ```text
//! cargo run --release -p jiugai-store --example residents_bench -- [HOUSEHOLDS] [DATABASE_URL]
//! ```
//! Defaults: 1,000,000 households on a fresh temp SQLite file. A PostgreSQL URL names a database that is
//! dropped and created.
//!
//! 1. Tally: one consultation whose roll holds HOUSEHOLDS households, every one of which has voted
//!    (ballots written with plain multi-row INSERTs). Times opening it (freezing the roll), the live
//!    tally (best and median of 5), and closing (final tally, SHA-256 over the ordered ballots, audit).
//! 2. Throughput: a consultation of 20,000 households; one-time codes issued; then 1, 4 and 16
//!    concurrent clients cast ballots by code through `cast_by_code` (the path of `POST /v/{code}`),
//!    each ballot its own transaction with its audit entry. Reports ballots per second.

use std::sync::Arc;
use std::time::Instant;

use jiugai_rules::ProfileSet;
use jiugai_store::residents::consultations::{self as cons, NewConsultation};
use jiugai_store::{Db, testing};

async fn households(db: &Db, estate: i64, first_id: i64, n: usize) {
    let now = "2026-11-30T00:00:00Z";
    let mut i = 0usize;
    while i < n {
        let end = (i + 1000).min(n);
        let mut sql = String::from(
            "INSERT INTO households (id, estate_id, building, unit, room, area_dm2, owner_name, owner_phone, created_at, updated_at) VALUES ",
        );
        for k in i..end {
            let id = first_id + k as i64;
            let sep = if k == i { "" } else { "," };
            sql.push_str(&format!(
                "{sep}({id}, {estate}, '{}', '{}', '{}', {}, '业主', '', '{now}', '{now}')",
                k / 200 + 1,
                (k / 50) % 4 + 1,
                100 + k % 50,
                5000 + (k % 97) as i64 * 100
            ));
        }
        testing::execute(db, &sql).await;
        i = end;
    }
}

fn open(estate: i64) -> NewConsultation {
    NewConsultation {
        estate_id: estate,
        kind: cons::Kind::Consent,
        title: "bench".into(),
        question: "同意？".into(),
        opens_at: "2020-01-01".into(),
        closes_at: "2099-01-01".into(),
        ..Default::default()
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let (db, url, _dir) = testing::fresh_bench_db(args.get(2).map(String::as_str)).await;
    let now = "2026-11-30T00:00:00Z";
    testing::execute(&db, &format!("INSERT INTO estates (id, region_code, name, version, created_at, updated_at) VALUES (1, '140830', '基准大院', 1, '{now}', '{now}'), (2, '140830', '基准小区', 1, '{now}', '{now}')")).await;
    let profiles = ProfileSet::builtin();
    let prof = profiles.effective(profiles.for_region("140830")).unwrap();
    println!("backend: {}", if url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" });

    // 1. Tally over n households.
    let t = Instant::now();
    households(&db, 1, 1, n).await;
    println!("setup: {n} households in {:.1} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let c = cons::create(&db, &open(1), "bench", "bench").await.unwrap();
    println!("open (freeze a roll of {n}): {:.2} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let mut i = 0usize;
    while i < n {
        let end = (i + 1000).min(n);
        let mut sql = String::from(
            "INSERT INTO ballots (consultation_id, household_id, choice, channel, recorded_by, cast_at, area_dm2) VALUES ",
        );
        for k in i..end {
            let sep = if k == i { "" } else { "," };
            let choice = match k % 10 {
                0..=7 => "yes",
                8 => "no",
                _ => "abstain",
            };
            let channel = match k % 7 {
                0 => "paper",
                1 => "assisted",
                _ => "qr",
            };
            sql.push_str(&format!(
                "{sep}({}, {}, '{choice}', '{channel}', 'bench', '{now}', {})",
                c.id,
                k + 1,
                5000 + (k % 97) as i64 * 100
            ));
        }
        testing::execute(&db, &sql).await;
        i = end;
    }
    if url.starts_with("postgres") {
        testing::execute(&db, "ANALYZE").await;
    }
    println!("setup: {n} ballots in {:.1} s", t.elapsed().as_secs_f64());
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..5 {
        let t = Instant::now();
        let r = cons::tally(&db, &prof, &c).await.unwrap();
        times.push(t.elapsed().as_secs_f64());
        last = Some(r);
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let r = last.unwrap();
    assert_eq!(r.participating.households, n as i64);
    println!(
        "live tally of {n} households: best {:.3} s, median {:.3} s ({:?}: yes {}, no {}, abstain {})",
        times[0], times[2], r.outcome, r.yes.households, r.no.households, r.abstain.households
    );
    let t = Instant::now();
    let (closed, fin) = cons::close(&db, &prof, c.id, c.version, "测试：提前结束", "bench", "bench").await.unwrap();
    println!(
        "close (final tally + SHA-256 of {n} ballots + audit): {:.3} s, sha {}",
        t.elapsed().as_secs_f64(),
        &closed.result_sha256.unwrap()[..16]
    );
    assert_eq!(fin.yes, r.yes);

    // 2. Ballot throughput by code.
    let m = 20_000usize;
    households(&db, 2, n as i64 + 1, m).await;
    let db = Arc::new(db);
    for clients in [1usize, 4, 16] {
        let c = cons::create(&db, &open(2), "bench", "bench").await.unwrap();
        let t = Instant::now();
        cons::issue_codes(&db, c.id, "bench", "bench").await.unwrap();
        let issue = t.elapsed().as_secs_f64();
        let codes: Vec<String> = cons::slips(&db, c.id, None).await.unwrap().into_iter().map(|s| s.code).collect();
        let per = if clients == 1 { 2_000 } else { 8_000 };
        let codes = Arc::new(codes[..per].to_vec());
        let t = Instant::now();
        let mut tasks = Vec::new();
        for k in 0..clients {
            let db = db.clone();
            let codes = codes.clone();
            tasks.push(tokio::spawn(async move {
                for (i, code) in codes.iter().enumerate() {
                    if i % clients == k {
                        cons::cast_by_code(
                            &db,
                            code,
                            if i % 5 == 0 { cons::Choice::No } else { cons::Choice::Yes },
                            "bench",
                        )
                        .await
                        .unwrap();
                    }
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let secs = t.elapsed().as_secs_f64();
        println!(
            "ballots by code, {clients} client(s): {per} in {secs:.2} s = {:.0} ballots/s (issuing {m} codes took {issue:.2} s)",
            per as f64 / secs
        );
    }
}
