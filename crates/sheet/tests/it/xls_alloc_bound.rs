//! `.xls` input can't make the reader allocate absurdly (fuzz finding: 8.8 KB made calamine ask for 2 GiB).
//!
//! This test binary has its own global allocator that records, per thread, the largest single allocation
//! asked for. A request above `HARD_CAP` is refused (the process then aborts with a backtrace, so a failing
//! input can't take the machine's memory); otherwise each case asserts the largest request stayed below a
//! bound proportional to the input. Mutations come from a fixed-seed generator, so a failure is reproducible
//! by its case number.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::{Duration, Instant};

use jiugai_sheet::estate::read_estates_bytes;
use jiugai_sheet::{FileError, Format, ReadOptions};

const HARD_CAP: usize = 256 << 20;

struct Recording;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) -> bool {
    let _ = LARGEST.try_with(|l| l.set(l.get().max(size)));
    if size > HARD_CAP {
        eprintln!("allocation of {size} bytes refused:\n{}", std::backtrace::Backtrace::force_capture());
        return false;
    }
    true
}

unsafe impl GlobalAlloc for Recording {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        if !note(l.size()) {
            return std::ptr::null_mut();
        }
        unsafe { System.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        if !note(l.size()) {
            return std::ptr::null_mut();
        }
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new_size: usize) -> *mut u8 {
        if !note(new_size) {
            return std::ptr::null_mut();
        }
        unsafe { System.realloc(p, l, new_size) }
    }
}

#[global_allocator]
static ALLOC: Recording = Recording;

/// Runs `f` and returns its result with the largest single allocation it asked for on this thread.
fn largest_allocation<T>(f: impl FnOnce() -> T) -> (T, usize) {
    LARGEST.with(|l| l.set(0));
    let r = f();
    (r, LARGEST.with(|l| l.get()))
}

fn file(rel: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

fn read_as(data: &[u8], format: Format) -> Result<u64, FileError> {
    read_estates_bytes(data, format, &ReadOptions::default(), |_| {}).map(|s| s.data_rows)
}

fn read_xls(data: &[u8]) -> Result<u64, FileError> {
    read_as(data, Format::Xls)
}

#[test]
fn the_2gib_reproducer_is_refused_quickly_without_large_allocation() {
    let data = file("../../fuzz/regressions/xls-calamine-oom-2GiB.xls");
    let t = Instant::now();
    let (res, largest) = largest_allocation(|| read_xls(&data));
    assert!(t.elapsed() < Duration::from_secs(2), "took {:?}", t.elapsed());
    match res {
        Err(FileError::Corrupt(msg)) => assert!(msg.contains("invalid .xls structure"), "{msg}"),
        other => panic!("expected a corrupt-file error, got {other:?}"),
    }
    assert!(largest < 64 * 1024, "largest allocation {largest} bytes");
    // handed over as .xlsx: calamine's xlsx reader opens compound files too (fuzz finding, 2026-11-22)
    let (res, largest) = largest_allocation(|| read_as(&data, Format::Xlsx));
    assert!(matches!(res, Err(FileError::Corrupt(_))), "{res:?}");
    assert!(largest < 64 * 1024, "largest allocation {largest} bytes");
    // the same through a path (the CLI, the web app's temp file)
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("upload.xls");
    std::fs::write(&p, &data).unwrap();
    let (res, largest) = largest_allocation(|| {
        jiugai_sheet::estate::read_estates(&p, &ReadOptions::default(), |_| {}).map(|s| s.data_rows)
    });
    assert!(matches!(res, Err(FileError::Corrupt(_))), "{res:?}");
    assert!(largest < 64 * 1024, "largest allocation {largest} bytes");
}

#[test]
fn the_real_fixture_reads_with_small_allocations() {
    let data = file("tests/fixtures/ruicheng.xls");
    let (res, largest) = largest_allocation(|| read_xls(&data));
    assert_eq!(res.unwrap(), 30);
    assert!(largest < 1 << 20, "largest allocation {largest} bytes");
}

/// xorshift64*: a fixed, dependency-free sequence.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Values that matter in a compound file: markers, sector ids near the file's end, sizes.
const INTERESTING: [u32; 14] =
    [0, 1, 2, 17, 18, 19, 64, 4095, 4096, 0x7FFF_FFFF, 0xFFFF_FFFA, 0xFFFF_FFFC, 0xFFFF_FFFE, 0xFFFF_FFFF];

fn mutate(rng: &mut Rng, base: &[u8]) -> Vec<u8> {
    let mut d = base.to_vec();
    for _ in 0..1 + rng.below(4) {
        let n = d.len();
        match rng.below(6) {
            // a random byte anywhere
            0 => {
                let at = rng.below(n);
                d[at] = rng.next() as u8;
            }
            // an interesting u32 in the header (sector ids, counts, DIFAT) or anywhere (FAT entries,
            // directory start/size fields, BIFF record fields)
            1..=3 => {
                let within = if rng.below(3) == 0 { 128.min(n) } else { n };
                let at = rng.below(within) & !3;
                if at + 4 <= n {
                    d[at..at + 4].copy_from_slice(&INTERESTING[rng.below(INTERESTING.len())].to_le_bytes());
                }
            }
            // an interesting u16 anywhere (BIFF record lengths, rows, columns)
            4 => {
                let at = rng.below(n);
                if at + 2 <= n {
                    let v = [0u16, 1, 0xFF, 0x100, 0x7FFF, 0xFFFE, 0xFFFF][rng.below(7)];
                    d[at..at + 2].copy_from_slice(&v.to_le_bytes());
                }
            }
            // cut or pad
            _ => d.resize(rng.below(n + 1024).max(8), 0),
        }
    }
    d
}

/// Mutations of the real `.xls` fixture, read as `.xls` and as `.xlsx`: every read ends in `Ok` or an error,
/// quickly, and no single
/// allocation exceeds 48 MiB. The bound comes from calamine's layout: a sheet of up to 2²⁰ cells (the most
/// jiugai-sheet lets through, `cfb_check::MAX_SHEET_CELLS`) is one 32 MiB rectangle plus a 40 MiB reservation
/// when its Dimensions record says so; reading the fixture itself stays under 1 MiB.
/// `JIUGAI_XLS_MUTATIONS=N` runs N cases instead of the default.
#[test]
fn mutated_xls_never_allocates_absurdly() {
    // calamine's own panics on damaged records (caught by the reader, turned into Corrupt) would print
    // thousands of backtraces; keep quiet about those only
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !info.location().is_some_and(|l| l.file().contains("calamine")) {
            default_hook(info);
        }
    }));
    let base = file("tests/fixtures/ruicheng.xls");
    let cases: u64 = std::env::var("JIUGAI_XLS_MUTATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let (mut ok, mut structure, mut other) = (0u64, 0u64, 0u64);
    for case in 0..cases {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ case.wrapping_mul(0x1000_0000_01B3));
        let d = mutate(&mut rng, &base);
        let t = Instant::now();
        let ((res, _), largest) = largest_allocation(|| (read_xls(&d), read_as(&d, Format::Xlsx)));
        assert!(largest <= 48 << 20, "case {case}: largest allocation {largest} bytes ({res:?})");
        assert!(t.elapsed() < Duration::from_secs(5), "case {case}: took {:?}", t.elapsed());
        match &res {
            Ok(_) => ok += 1,
            Err(FileError::Corrupt(m)) if m.contains("invalid .xls structure") => structure += 1,
            Err(_) => other += 1,
        }
    }
    eprintln!("{cases} mutated files: {ok} read, {structure} refused by the structure check, {other} other errors");
    // the mutations must not all be refused up front, or this tests nothing past the header check
    assert!(ok > 0, "no mutated file was read");
}
