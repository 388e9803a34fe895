//! Times reading a generated 300,000-row ledger as csv and xlsx.
//!
//! cargo run --release -p jiugai-sheet --example bench_read -- [DIR] [ROWS]
//! (files are generated into DIR, default the system temp dir, if missing)

use std::path::PathBuf;
use std::time::Instant;

use jiugai_sheet::estate::{self, EXPORT_HEADERS, EstateRecord, Management, RowOutcome};
use jiugai_sheet::{ReadOptions, write};

fn record(i: u64) -> EstateRecord {
    EstateRecord {
        row: 0,
        region_code: Some(format!("{}", 110101 + (i % 2800) * 100)),
        county: Some(format!("第{}县", i % 2800)),
        street: Some(format!("第{}街道", i % 97)),
        community: Some(format!("第{}社区", i % 13)),
        name: format!("测试小区{i}号院"),
        address: Some(format!("幸福路{}号", i % 1000)),
        built_years: if i.is_multiple_of(10) { vec![1995, 1997] } else { vec![1980 + (i % 25) as i32] },
        buildings: Some(1 + (i % 12) as i64),
        households: Some(20 + (i % 400) as i64),
        floor_area_dm2: Some(100_000 + (i as i64 * 7919) % 5_000_000),
        property_type: Some("房改房".into()),
        original_unit: None,
        management: Some(Management::ALL[(i % 4) as usize]),
        maintenance_fund: Some(i.is_multiple_of(3)),
        safety_rating: Some(['A', 'B', 'C', 'D'][(i % 4) as usize]),
        in_shantytown_plan: Some(false),
        self_built: None,
        urban_village: None,
        declared: None,
        historic: None,
        longitude_e6: Some(110_000_000 + (i % 1000) as i64 * 1000),
        latitude_e6: Some(34_000_000 + (i % 1000) as i64 * 1000),
        plan_year: Some(2021 + (i % 5) as i32),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = args.get(1).map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
    let n: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(300_000);
    let csv = dir.join(format!("bench_{n}.csv"));
    let xlsx = dir.join(format!("bench_{n}.xlsx"));
    if !csv.exists() {
        write::write_csv(&csv, EXPORT_HEADERS, (0..n).map(|i| estate::export_cells(&record(i)))).unwrap();
    }
    if !xlsx.exists() {
        write::write_xlsx(&xlsx, "ledger", EXPORT_HEADERS, (0..n).map(|i| estate::export_cells(&record(i)))).unwrap();
    }
    for p in [&csv, &xlsx] {
        let size = std::fs::metadata(p).unwrap().len();
        for _ in 0..3 {
            let t = Instant::now();
            let (mut ok, mut bad, mut hh) = (0u64, 0u64, 0i64);
            let s = estate::read_estates(p, &ReadOptions::default(), |o| match o {
                RowOutcome::Record(r) => {
                    ok += 1;
                    hh += r.households.unwrap_or(0);
                }
                RowOutcome::Rejected(_) => bad += 1,
            })
            .unwrap();
            println!(
                "{} ({:.1} MB): {} ok, {} rejected, households {} (summary {}), {:.3} s",
                p.display(),
                size as f64 / 1e6,
                ok,
                bad,
                hh,
                s.totals.households,
                t.elapsed().as_secs_f64()
            );
        }
    }
}
