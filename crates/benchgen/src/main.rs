//! `jiugai-benchgen`: writes national-scale estate ledgers for the import benchmarks (see `bench/README.md`).
//!
//! ```text
//! jiugai-benchgen ledger --rows 300000 --seed 42 -o bench/out/ledger-300k.csv
//! jiugai-benchgen ledger --rows 300000 --seed 42 -o bench/out/ledger-300k.xlsx
//! ```
//!
//! The output is deterministic: the same `--rows` and `--seed` give the same rows in both formats (the csv and the
//! xlsx of one seed hold the same ledger). The header is on row 1, with no title row above it, so that the peers
//! (pandas) read it as they are. At the end it prints `rows N households H` on stdout: H is the sum of 户数, which
//! every importer of the file must reproduce.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

const DIVISIONS_JSON: &str = include_str!("../../store/data/divisions/pcas-code.json");

pub const HEADERS: [&str; 11] = [
    "区划代码",
    "所属街道",
    "小区名称",
    "坐落位置",
    "建成年代",
    "楼栋数",
    "户数",
    "建筑面积（㎡）",
    "产权性质",
    "原产权单位",
    "物业管理",
];

const USAGE: &str = "\
usage: jiugai-benchgen ledger [--rows N] [--seed S] [--shared-strings] -o FILE.csv|FILE.xlsx

Writes a deterministic national estate ledger (header row, then N rows; defaults: --rows 300000 --seed 42).
  .csv   UTF-8 without BOM, comma separated, quoted where needed, \\n line ends
  .xlsx  one sheet written by rust_xlsxwriter in constant-memory mode (inline strings);
         --shared-strings writes a shared-string table instead, as Excel itself saves
Prints `rows N households H` (H = sum of 户数) at the end.";

// ---------------------------------------------------------------------------------------------------------------
// PRNG: splitmix64, small and good enough for test data; no dependency, stable across platforms and versions.

struct SplitMix64(u64);

impl SplitMix64 {
    fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (Lemire's multiply-shift; the bias for the small n used here is negligible).
    fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent` / 100.
    fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// Picks from `(item, weight)` pairs.
    fn weighted<'a>(&mut self, items: &[(&'a str, u64)]) -> &'a str {
        let total: u64 = items.iter().map(|(_, w)| w).sum();
        let mut x = self.below(total);
        for (item, w) in items {
            if x < *w {
                return item;
            }
            x -= w;
        }
        items[items.len() - 1].0
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Vocabulary.

const NAME_STEMS: &[&str] = &[
    "幸福", "和平", "建设", "红旗", "东风", "光明", "胜利", "团结", "文化", "新华", "人民", "前进", "朝阳", "向阳",
    "解放", "友谊", "长征", "民主", "工农", "育才", "青年", "振兴", "兴华", "跃进", "红星", "东方", "金桥", "春晖",
    "滨河", "北苑", "南苑", "西苑", "东苑", "桃园", "梨园", "杏林", "松柏", "翠竹", "丽景", "锦绣", "府前", "站前",
    "湖滨", "河西", "城北", "城南", "长青", "永安", "康乐", "安居",
];

/// Work units whose staff housing many old estates were: used both in names ("纺织厂家属院") and as 原产权单位.
const UNITS: &[&str] = &[
    "纺织厂",
    "机械厂",
    "化肥厂",
    "供销社",
    "粮食局",
    "电业局",
    "邮电局",
    "水利局",
    "卫生局",
    "教育局",
    "交通局",
    "税务局",
    "人民医院",
    "第一中学",
    "实验小学",
    "印刷厂",
    "食品厂",
    "酒厂",
    "棉纺厂",
    "钢铁厂",
    "煤矿",
    "运输公司",
    "建筑公司",
    "自来水公司",
    "百货公司",
    "粮站",
    "物资局",
    "农机厂",
    "汽修厂",
    "商业局",
    "工商局",
    "财政局",
    "烟草公司",
    "石油公司",
    "林业局",
    "公安局",
    "法院",
    "检察院",
    "农业银行",
    "工商银行",
];

const NAME_SUFFIXES: &[(&str, u64)] = &[("小区", 60), ("家属院", 25), ("住宅楼", 15)];

const COMPANY_KINDS: &[&str] = &["公司", "有限公司", "厂", "集团", "总公司"];

const ROADS: &[&str] = &[
    "人民", "解放", "建设", "中山", "新华", "胜利", "和平", "东风", "文化", "北京", "长江", "黄河", "工农", "健康",
    "团结", "光明", "青年", "朝阳", "迎宾", "滨河", "府前", "站前", "学府", "民主", "兴业", "振兴", "红旗", "育才",
    "环城", "车站",
];

const ROAD_DIRS: &[&str] = &["", "", "", "东", "西", "南", "北", "中"];

const TENURES: &[(&str, u64)] =
    &[("房改房", 45), ("单位自管房", 20), ("直管公房", 12), ("商品房", 10), ("集资房", 10), ("军队离退休干部住宅", 3)];

const MANAGEMENT: &[(&str, u64)] = &[("无", 35), ("单位管理", 20), ("居民自管", 30), ("专业物业", 15)];

// ---------------------------------------------------------------------------------------------------------------
// The division tree.

struct County {
    code: String,
    streets: Vec<String>,
}

fn counties() -> Result<Vec<County>, String> {
    let tree: serde_json::Value = serde_json::from_str(DIVISIONS_JSON).map_err(|e| format!("pcas-code.json: {e}"))?;
    let children = |v: &serde_json::Value| -> Vec<serde_json::Value> {
        v.get("children").and_then(|c| c.as_array()).cloned().unwrap_or_default()
    };
    let text = |v: &serde_json::Value, k: &str| v.get(k).and_then(|s| s.as_str()).unwrap_or("").to_string();
    let mut out = Vec::new();
    for province in tree.as_array().ok_or("pcas-code.json: not an array")? {
        for city in children(province) {
            for county in children(&city) {
                let code = text(&county, "code");
                if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
                    continue;
                }
                let streets: Vec<String> =
                    children(&county).iter().map(|s| text(s, "name")).filter(|n| !n.is_empty()).collect();
                out.push(County { code, streets });
            }
        }
    }
    if out.is_empty() {
        return Err("pcas-code.json: no counties".into());
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------------------------
// Rows.

enum Year {
    Plain(u32),
    Typed(String),
}

struct Row<'a> {
    code: &'a str,
    street: &'a str,
    name: String,
    address: String,
    year: Year,
    buildings: u32,
    households: u32,
    /// Floor area in hundredths of a square metre.
    area_centi: u64,
    tenure: &'static str,
    owner: String,
    management: &'static str,
}

impl Row<'_> {
    fn area_text(&self) -> String {
        format!("{}.{:02}", self.area_centi / 100, self.area_centi % 100)
    }

    fn year_text(&self) -> String {
        match &self.year {
            Year::Plain(y) => y.to_string(),
            Year::Typed(s) => s.clone(),
        }
    }
}

struct Generator<'a> {
    rng: SplitMix64,
    counties: &'a [County],
    /// Names already used, per county index.
    used: Vec<HashSet<String>>,
}

const FALLBACK_STREET: &str = "城关街道";

impl<'a> Generator<'a> {
    fn new(seed: u64, counties: &'a [County]) -> Self {
        Generator { rng: SplitMix64::new(seed), counties, used: (0..counties.len()).map(|_| HashSet::new()).collect() }
    }

    fn row(&mut self) -> Row<'a> {
        let counties: &'a [County] = self.counties;
        let rng = &mut self.rng;
        let ci = rng.below(counties.len() as u64) as usize;
        let county = &counties[ci];
        let street = if county.streets.is_empty() { FALLBACK_STREET } else { rng.pick(&county.streets).as_str() };

        // Name: stem, stem + unit, or unit alone, then a suffix; numbered when the county already has it.
        let unit = *rng.pick(UNITS);
        let (stem, named_after_unit) = match rng.below(10) {
            0..=4 => (rng.pick(NAME_STEMS).to_string(), false),
            5..=6 => (format!("{}{}", rng.pick(NAME_STEMS), unit), true),
            _ => (unit.to_string(), true),
        };
        let suffix = rng.weighted(NAME_SUFFIXES);
        let used = &mut self.used[ci];
        let mut name = format!("{stem}{suffix}");
        let mut n = 2;
        while used.contains(&name) {
            name = format!("{stem}{n}号{suffix}");
            n += 1;
        }
        used.insert(name.clone());

        let (road, dir) = (rng.pick(ROADS), rng.pick(ROAD_DIRS));
        let last_number = if rng.percent(80) { 120 } else { 399 };
        let address = format!("{road}{dir}路{}号", rng.range(1, last_number));

        let built = rng.range(1985, 2005) as u32;
        let year = if rng.percent(95) {
            Year::Plain(built)
        } else {
            match rng.below(3) {
                0 => Year::Typed(format!("{built}年")),
                1 => {
                    // Two phases, both within 1985..=2005.
                    let gap = rng.range(1, 4) as u32;
                    let (a, b) = if built + gap > 2005 { (built - gap, built) } else { (built, built + gap) };
                    Year::Typed(format!("{a}、{b}"))
                }
                _ => Year::Typed(format!("{built}年{}月", rng.range(1, 12))),
            }
        };

        // Mostly small estates: buildings skewed low, households per building 8..48, capped at 8..600.
        let buildings = (rng.range(1, 20).min(rng.range(1, 20))) as u32;
        let households = (buildings * rng.range(8, 48) as u32).clamp(8, 600);
        let area_centi = households as u64 * rng.range(5000, 11000) + rng.below(100);

        let tenure = rng.weighted(TENURES);
        let owner = match rng.below(10) {
            0..=2 => String::new(),
            3..=6 if named_after_unit => format!("县{unit}"),
            3..=5 => format!("县{}", rng.pick(UNITS)),
            _ => format!("{}{}", rng.pick(NAME_STEMS), rng.pick(COMPANY_KINDS)),
        };
        let management = rng.weighted(MANAGEMENT);

        Row {
            code: &county.code,
            street,
            name,
            address,
            year,
            buildings,
            households,
            area_centi,
            tenure,
            owner,
            management,
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Writers.

fn csv_field(out: &mut Vec<u8>, field: &str) {
    if field.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        out.push(b'"');
        for b in field.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(field.as_bytes());
    }
}

fn write_csv(path: &Path, rows: u64, generator: &mut Generator) -> Result<u64, String> {
    let file = File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let mut line = Vec::with_capacity(512);
    let mut households = 0u64;
    let write_line = |out: &mut BufWriter<File>, fields: &[&str], line: &mut Vec<u8>| -> Result<(), String> {
        line.clear();
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                line.push(b',');
            }
            csv_field(line, f);
        }
        line.push(b'\n');
        out.write_all(line).map_err(|e| format!("{}: {e}", path.display()))
    };
    write_line(&mut out, &HEADERS, &mut line)?;
    for _ in 0..rows {
        let r = generator.row();
        households += r.households as u64;
        let (year, buildings, hh, area) =
            (r.year_text(), r.buildings.to_string(), r.households.to_string(), r.area_text());
        write_line(
            &mut out,
            &[r.code, r.street, &r.name, &r.address, &year, &buildings, &hh, &area, r.tenure, &r.owner, r.management],
            &mut line,
        )?;
    }
    out.flush().map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(households)
}

fn write_xlsx(path: &Path, rows: u64, generator: &mut Generator, shared_strings: bool) -> Result<u64, String> {
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| format!("{}: {e}", path.display());
    if rows > 1_048_575 {
        return Err(format!("{}: an xlsx sheet holds at most 1,048,575 data rows", path.display()));
    }
    let mut workbook = Workbook::new();
    // A fixed creation time, so that the same seed gives the same bytes.
    let created = ExcelDateTime::from_ymd(2024, 1, 1).map_err(err)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title("老旧小区台账（基准测试生成）")
            .set_author("jiugai-benchgen")
            .set_creation_datetime(&created),
    );
    let sheet = if shared_strings {
        workbook.add_worksheet_with_low_memory().map_err(err)?
    } else {
        workbook.add_worksheet_with_constant_memory().map_err(err)?
    };
    sheet.set_name("小区台账").map_err(err)?;
    for (col, width) in [10.0, 16.0, 22.0, 20.0, 12.0, 8.0, 8.0, 14.0, 14.0, 18.0, 10.0].into_iter().enumerate() {
        sheet.set_column_width(col as u16, width).map_err(err)?;
    }
    for (col, h) in HEADERS.iter().enumerate() {
        sheet.write_string(0, col as u16, *h).map_err(err)?;
    }
    let mut households = 0u64;
    for i in 0..rows {
        let r = generator.row();
        households += r.households as u64;
        let row = (i + 1) as u32;
        sheet.write_string(row, 0, r.code).map_err(err)?;
        sheet.write_string(row, 1, r.street).map_err(err)?;
        sheet.write_string(row, 2, &r.name).map_err(err)?;
        sheet.write_string(row, 3, &r.address).map_err(err)?;
        match &r.year {
            Year::Plain(y) => sheet.write_number(row, 4, *y as f64).map_err(err)?,
            Year::Typed(s) => sheet.write_string(row, 4, s).map_err(err)?,
        };
        sheet.write_number(row, 5, r.buildings as f64).map_err(err)?;
        sheet.write_number(row, 6, r.households as f64).map_err(err)?;
        sheet.write_number(row, 7, r.area_centi as f64 / 100.0).map_err(err)?;
        sheet.write_string(row, 8, r.tenure).map_err(err)?;
        if !r.owner.is_empty() {
            sheet.write_string(row, 9, &r.owner).map_err(err)?;
        }
        sheet.write_string(row, 10, r.management).map_err(err)?;
    }
    workbook.save(path).map_err(err)?;
    Ok(households)
}

// ---------------------------------------------------------------------------------------------------------------

struct Options {
    rows: u64,
    seed: u64,
    output: PathBuf,
    shared_strings: bool,
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    match args.first().map(String::as_str) {
        Some("ledger") => {}
        Some("-h" | "--help") | None => return Err(USAGE.into()),
        Some(other) => return Err(format!("unknown command `{other}`\n\n{USAGE}")),
    }
    let mut rows = 300_000u64;
    let mut seed = 42u64;
    let mut output = None;
    let mut shared_strings = false;
    let mut it = args[1..].iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = || inline.clone().or_else(|| it.next().cloned()).ok_or(format!("{flag} needs a value"));
        match flag {
            "--rows" | "-n" => {
                rows = value()?.replace('_', "").parse().map_err(|e| format!("--rows: {e}"))?;
            }
            "--seed" | "-s" => seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "-o" | "--output" => output = Some(PathBuf::from(value()?)),
            "--shared-strings" => shared_strings = true,
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown option `{other}`\n\n{USAGE}")),
        }
    }
    let output = output.ok_or(format!("-o FILE.csv|FILE.xlsx is required\n\n{USAGE}"))?;
    Ok(Options { rows, seed, output, shared_strings })
}

fn run(options: &Options) -> Result<(), String> {
    let started = Instant::now();
    let counties = counties()?;
    let mut generator = Generator::new(options.seed, &counties);
    let ext = options.output.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let households = match ext.as_deref() {
        Some("csv") => write_csv(&options.output, options.rows, &mut generator)?,
        Some("xlsx") => write_xlsx(&options.output, options.rows, &mut generator, options.shared_strings)?,
        _ => {
            return Err(format!("{}: the output must end in .csv or .xlsx", options.output.display()));
        }
    };
    let bytes = std::fs::metadata(&options.output).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "wrote {} ({:.1} MB, {} counties, seed {}) in {:.2} s",
        options.output.display(),
        bytes as f64 / 1e6,
        counties.len(),
        options.seed,
        started.elapsed().as_secs_f64()
    );
    println!("rows {} households {}", options.rows, households);
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse_args(&args) {
        Ok(o) => o,
        Err(msg) => {
            let help = args.iter().any(|a| a == "-h" || a == "--help") || args.is_empty();
            eprintln!("{msg}");
            return if help && msg == USAGE { ExitCode::SUCCESS } else { ExitCode::from(2) };
        }
    };
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("jiugai-benchgen: {msg}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_rows() {
        let counties = counties().unwrap();
        let mut a = Generator::new(7, &counties);
        let mut b = Generator::new(7, &counties);
        for _ in 0..1000 {
            let (x, y) = (a.row(), b.row());
            assert_eq!((x.code, &x.name, x.households, x.area_centi), (y.code, &y.name, y.households, y.area_centi));
        }
    }

    #[test]
    fn values_in_range_and_names_unique_per_county() {
        let counties = counties().unwrap();
        assert!(counties.len() > 2900);
        let mut g = Generator::new(42, &counties);
        let mut seen = HashSet::new();
        for _ in 0..20_000 {
            let r = g.row();
            assert_eq!(r.code.len(), 6);
            assert!((1..=20).contains(&r.buildings));
            assert!((8..=600).contains(&r.households));
            let per = r.area_centi as f64 / 100.0 / r.households as f64;
            assert!((50.0..=111.0).contains(&per), "{per}");
            assert!(seen.insert((r.code.to_string(), r.name.clone())));
            if let Year::Plain(y) = r.year {
                assert!((1985..=2005).contains(&y));
            }
        }
    }

    #[test]
    fn csv_quoting() {
        let mut v = Vec::new();
        csv_field(&mut v, "a,\"b\"");
        assert_eq!(v, b"\"a,\"\"b\"\"\"");
    }
}
