//! Checks of an `.xls` before calamine reads it: the OLE compound file (MS-CFB) that holds it, then the
//! extents of its worksheets. calamine trusts both, so a file of a few KB could make it allocate without
//! bound — or ask for so much at once that the allocation fails and the process aborts (not a catchable panic).
//!
//! **Compound file.** calamine 0.38's reader follows sector chains through the FAT without loop detection and
//! with the size a directory entry declares. The fuzz finding `fuzz/regressions/xls-calamine-oom-2GiB.xls`
//! (8.8 KB): its only FAT sector (16) is cut short by the end of the file, its first directory sector (17)
//! lies past the end, calamine reads that as zeros, and FAT entry 0 points to sector 0 itself, so
//! `Cfb::new` → `Sectors::get_chain(dir_start, .., usize::MAX)` appends sector 0 to the directory buffer
//! forever (the 2 GiB request was the fuzzer's malloc limit, not the end). Other shapes do the same through
//! the root entry's size (mini stream), the mini FAT, the Workbook stream's size, or DIFAT entries naming one
//! sector many times (the FAT grows up to ~127× the file). [`check`] walks exactly the chains calamine will
//! walk — the DIFAT chain, the FAT sectors, the directory chain, the mini stream and mini FAT when the header
//! declares one, and the `Workbook`/`Book` stream — and refuses the file unless every sector they name lies
//! inside the file (FAT, DIFAT, directory and mini FAT sectors wholly), no chain revisits a sector, every
//! FAT/mini-FAT lookup is in range, the header's sector size (512/4096), mini sector size (64), mini-stream
//! cutoff (4096) and FAT sector count agree with the spec and the DIFAT, and every declared size fits in the
//! file. After it passes, everything calamine's compound-file layer allocates is bounded by the file length.
//!
//! **Worksheets.** calamine then allocates each sheet's used rectangle at once (`Range::from_sparse`) and
//! reserves what its Dimensions record claims, and clones a shared string for every cell that refers to it.
//! Two cells at A1 and at row/column 65,536 would ask for 128 GiB; one long shared string in many 14-byte
//! cells multiplies the file ~10,000×. [`check`] walks the records as calamine does and bounds the rectangle
//! ([`MAX_SHEET_CELLS`]), the shared-string count ([`MAX_SST_STRINGS`]) and the text cells copy ([`MAX_SST_TEXT`]).
//!
//! Pure and linear: it reads only the bytes given; it allocates a bit per sector, a copy of the Workbook
//! stream (at most the file's length) and two bytes per shared string.

/// Largest `.xls` read at all (the web upload limit is 20 MiB; Excel 97-2003 workbooks of a ledger are far
/// smaller). calamine keeps the whole file plus the Workbook stream in memory.
pub(crate) const MAX_XLS_BYTES: usize = 64 << 20;

const HEADER_LEN: usize = 512;
const SIGNATURE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
/// Sector ids at or above this are markers (calamine stops its DIFAT walk there).
const MAXREGSECT_END: u32 = 0xFFFF_FFFA;
const DIFSECT: u32 = 0xFFFF_FFFC;
const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const MINI_SECTOR: usize = 64;
const MINI_CUTOFF: u64 = 4096;
const DIR_ENTRY: usize = 128;

/// Why a compound file is refused: English and Chinese, for `FileError::Corrupt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invalid {
    pub en: String,
    pub zh: &'static str,
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid .xls structure: {} / .xls 文件结构无效：{}", self.en, self.zh)
    }
}

fn bad(en: impl Into<String>, zh: &'static str) -> Invalid {
    Invalid { en: en.into(), zh }
}

fn u16_at(d: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([d[at], d[at + 1]])
}
fn u32_at(d: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([d[at], d[at + 1], d[at + 2], d[at + 3]])
}
fn u64_at(d: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(d[at..at + 8].try_into().expect("8 bytes"))
}

/// One bit per sector, to see a chain come back to a sector it has already used.
struct Seen(Vec<u64>);

impl Seen {
    fn new(n: usize) -> Seen {
        Seen(vec![0; n.div_ceil(64)])
    }
    /// Marks `i`; false if it was marked already.
    fn insert(&mut self, i: usize) -> bool {
        let (w, b) = (i / 64, 1u64 << (i % 64));
        let fresh = self.0[w] & b == 0;
        self.0[w] |= b;
        fresh
    }
}

struct Cfb<'a> {
    data: &'a [u8],
    size: usize,
    /// Sectors that lie wholly inside the file (FAT, DIFAT, directory and mini FAT sectors must).
    whole: usize,
    /// Sectors that start inside the file (a stream's last sector may be cut short).
    started: usize,
    /// The FAT sectors, in the order calamine concatenates them.
    fat_sectors: Vec<u32>,
}

/// A directory entry as calamine reads it.
struct Entry<'a> {
    raw: &'a [u8],
    start: u32,
    len: u64,
}

impl Entry<'_> {
    fn kind(&self) -> u8 {
        self.raw[66]
    }
    /// calamine's lookup: the UTF-16 name up to the first NUL, compared ASCII case-insensitively.
    fn is_named(&self, name: &str) -> bool {
        let units = self.raw[..64].chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).take_while(|u| *u != 0);
        let mut want = name.bytes();
        for u in units {
            match want.next() {
                Some(b) if u < 0x80 && (u as u8).eq_ignore_ascii_case(&b) => {}
                _ => return false,
            }
        }
        want.next().is_none()
    }
}

impl Cfb<'_> {
    /// The bytes of a chain's sectors, `len` of them (as calamine assembles a stream).
    fn gather(&self, ids: &[u32], len: u64) -> Vec<u8> {
        let mut v = Vec::with_capacity(len as usize);
        for id in ids {
            let s = self.sector(*id);
            let take = s.len().min(len as usize - v.len());
            v.extend_from_slice(&s[..take]);
        }
        v
    }

    fn sector(&self, id: u32) -> &[u8] {
        let from = (id as usize + 1) * self.size;
        &self.data[from..(from + self.size).min(self.data.len())]
    }

    fn fat_len(&self) -> usize {
        self.fat_sectors.len() * (self.size / 4)
    }

    /// FAT entry `id`; the caller has checked `id < fat_len()`.
    fn fat(&self, id: u32) -> u32 {
        let per = self.size / 4;
        let (s, i) = (id as usize / per, id as usize % per);
        u32_at(self.sector(self.fat_sectors[s]), i * 4)
    }

    /// Walks a chain as calamine's `Sectors::get_chain(start, fats, r, len)` does: from `start` until
    /// ENDOFCHAIN or until `len` bytes are gathered. Returns the sectors visited and the bytes gathered.
    fn chain(&self, what: &str, start: u32, len: u64, whole_sectors: bool) -> Result<(Vec<u32>, u64), Invalid> {
        let limit = if whole_sectors { self.whole } else { self.started };
        let mut seen = Seen::new(limit);
        let mut ids = Vec::new();
        let mut got = 0u64;
        let mut id = start;
        while id != ENDOFCHAIN {
            if id as usize >= limit {
                return Err(bad(format!("{what} names sector {id}, past the end of the file"), "扇区编号超出文件末尾"));
            }
            if !seen.insert(id as usize) {
                return Err(bad(format!("{what} loops back to sector {id}"), "扇区链出现循环"));
            }
            ids.push(id);
            got += self.sector(id).len() as u64;
            if got >= len {
                break;
            }
            if id as usize >= self.fat_len() {
                return Err(bad(format!("{what}: sector {id} has no FAT entry"), "扇区不在分配表范围内"));
            }
            id = self.fat(id);
        }
        Ok((ids, got.min(len)))
    }
}

/// Checks `.xls` bytes: the compound-file structure, then the worksheets' extents and shared text (see the
/// module documentation).
pub(crate) fn check(data: &[u8]) -> Result<(), Invalid> {
    match workbook_stream(data, true)? {
        Some(w) => check_sheet_extents(&w),
        None => Err(bad("no Workbook stream", "缺少 Workbook 流")),
    }
}

/// Checks only what calamine's `Cfb::new` reads (header, DIFAT, FAT, directory, mini stream and mini FAT).
/// calamine's xlsx reader opens any input that is a compound file this way, to see whether it is an
/// encrypted workbook, so compound-file bytes handed over as `.xlsx` need this before calamine.
pub(crate) fn check_container(data: &[u8]) -> Result<(), Invalid> {
    workbook_stream(data, false).map(|_| ())
}

/// Checks the compound-file structure and, if `workbook`, returns the stream calamine will parse
/// (`Workbook`, else `Book`; `None` if there is none).
fn workbook_stream(data: &[u8], workbook: bool) -> Result<Option<Vec<u8>>, Invalid> {
    let len = data.len();
    if len > MAX_XLS_BYTES {
        return Err(bad(
            format!("{len} bytes is more than the {} MiB an .xls may have here", MAX_XLS_BYTES >> 20),
            "文件过大",
        ));
    }
    if len < HEADER_LEN || data[..8] != SIGNATURE {
        return Err(bad("no compound-file header", "缺少复合文档文件头"));
    }
    if u16_at(data, 28) != 0xFFFE {
        return Err(bad("wrong byte-order mark", "字节序标记错误"));
    }
    let size = match u16_at(data, 30) {
        9 => 512,
        12 => 4096,
        s => return Err(bad(format!("sector shift {s} (must be 9 or 12)"), "扇区大小无效")),
    };
    if u16_at(data, 32) != 6 {
        return Err(bad("mini sector shift is not 6", "小扇区大小无效"));
    }
    if len < size {
        return Err(bad("shorter than its header sector", "文件短于文件头扇区"));
    }
    let n_fat = u32_at(data, 44) as usize;
    let dir_start = u32_at(data, 48);
    let cutoff = u32_at(data, 56) as u64;
    let mini_fat_start = u32_at(data, 60);
    let n_mini_fat = u32_at(data, 64) as u64;
    let difat_start = u32_at(data, 68);

    let whole = (len - size) / size;
    let started = (len - size).div_ceil(size);
    if cutoff != MINI_CUTOFF {
        return Err(bad(format!("mini stream cutoff {cutoff} (must be 4096)"), "小流阈值无效"));
    }
    if n_fat == 0 || n_fat > whole {
        return Err(bad(format!("{n_fat} FAT sectors declared in a file of {whole} sectors"), "分配表扇区数无效"));
    }
    if n_mini_fat > whole as u64 {
        return Err(bad(
            format!("{n_mini_fat} mini FAT sectors declared in a file of {whole} sectors"),
            "小分配表扇区数无效",
        ));
    }

    let mut cfb = Cfb { data, size, whole, started, fat_sectors: Vec::new() };

    // FAT sector list: the header's 109 DIFAT entries, then the DIFAT chain (calamine reads each DIFAT
    // sector whole and takes its last entry as the next one). Every id below DIFSECT is loaded as a FAT
    // sector; each must be a distinct sector inside the file, so the FAT is never longer than the file.
    let mut used = Seen::new(whole);
    let mut difat: Vec<u32> = data[76..HEADER_LEN].chunks_exact(4).map(|c| u32_at(c, 0)).collect();
    let mut id = difat_start;
    while id < MAXREGSECT_END {
        if id as usize >= whole {
            return Err(bad(format!("DIFAT sector {id} is past the end of the file"), "DIFAT 扇区超出文件末尾"));
        }
        if !used.insert(id as usize) {
            return Err(bad(format!("DIFAT chain reuses sector {id}"), "DIFAT 扇区链出现循环"));
        }
        let s = cfb.sector(id);
        difat.extend(s[..size - 4].chunks_exact(4).map(|c| u32_at(c, 0)));
        id = u32_at(s, size - 4);
    }
    for id in difat.into_iter().filter(|id| *id < DIFSECT) {
        if id as usize >= whole {
            return Err(bad(format!("FAT sector {id} is past the end of the file"), "分配表扇区超出文件末尾"));
        }
        if !used.insert(id as usize) {
            return Err(bad(format!("sector {id} is listed twice as a FAT or DIFAT sector"), "分配表扇区重复"));
        }
        cfb.fat_sectors.push(id);
    }
    if cfb.fat_sectors.len() != n_fat {
        return Err(bad(
            format!("header declares {n_fat} FAT sectors, the DIFAT lists {}", cfb.fat_sectors.len()),
            "分配表扇区数与 DIFAT 不符",
        ));
    }

    // Directory: calamine reads the whole chain (no size limit), so it must end inside the file.
    if dir_start == ENDOFCHAIN {
        return Err(bad("no directory", "缺少目录"));
    }
    let (dir_sectors, _) = cfb.chain("directory chain", dir_start, u64::MAX, true)?;
    let entries: Vec<Entry<'_>> = dir_sectors
        .iter()
        .flat_map(|id| cfb.sector(*id).chunks_exact(DIR_ENTRY))
        .map(|raw| Entry {
            raw,
            start: u32_at(raw, 116),
            len: if size == 512 { u32_at(raw, 120) as u64 } else { u64_at(raw, 120) },
        })
        .collect();
    for e in &entries {
        if e.kind() != 0 && e.len > len as u64 {
            return Err(bad(
                format!("a directory entry declares {} bytes in a file of {len}", e.len),
                "目录项声明的大小超过文件长度",
            ));
        }
    }
    let root = &entries[0];
    if root.kind() != 5 {
        return Err(bad("the first directory entry is not the root", "首个目录项不是根目录"));
    }
    if root.len > len as u64 {
        return Err(bad("the root entry declares more bytes than the file has", "根目录声明的大小超过文件长度"));
    }

    // Mini stream and mini FAT, loaded by calamine whenever the header declares mini FAT sectors.
    let (mini_stream, mini_fat_sectors, mini_fat_len) = if n_mini_fat > 0 {
        let (ids, ms) = cfb.chain("mini stream", root.start, root.len, false)?;
        let (fat_ids, mf) = cfb.chain("mini FAT chain", mini_fat_start, n_mini_fat * size as u64, true)?;
        (cfb.gather(&ids, ms), fat_ids, mf / 4)
    } else {
        (Vec::new(), Vec::new(), 0)
    };
    if !workbook {
        return Ok(None);
    }
    let mini_sectors = mini_stream.len() / MINI_SECTOR;
    let mut workbook: Option<Vec<u8>> = None;

    // The stream calamine opens: "Workbook", else "Book" (the first entry of that name).
    for name in ["Workbook", "Book"] {
        let Some(e) = entries.iter().find(|e| e.is_named(name)) else { continue };
        if e.len > len as u64 {
            return Err(bad(
                format!("{name} stream declares {} bytes in a file of {len}", e.len),
                "工作簿流声明的大小超过文件长度",
            ));
        }
        if e.len < MINI_CUTOFF {
            // in the mini stream, chained through the mini FAT
            let mut seen = Seen::new(mini_sectors);
            let mut bytes = Vec::new();
            let (mut id, mut got) = (e.start, 0u64);
            while id != ENDOFCHAIN {
                if id as usize >= mini_sectors {
                    return Err(bad(
                        format!("{name} stream names mini sector {id}, outside the mini stream"),
                        "工作簿流的小扇区超出范围",
                    ));
                }
                if !seen.insert(id as usize) {
                    return Err(bad(
                        format!("{name} stream loops back to mini sector {id}"),
                        "工作簿流的小扇区链出现循环",
                    ));
                }
                got += MINI_SECTOR as u64;
                let from = id as usize * MINI_SECTOR;
                bytes.extend_from_slice(&mini_stream[from..from + MINI_SECTOR]);
                if got >= e.len {
                    break;
                }
                if id as u64 >= mini_fat_len {
                    return Err(bad(
                        format!("{name} stream: mini sector {id} has no mini FAT entry"),
                        "小扇区不在小分配表范围内",
                    ));
                }
                let per = size / 4;
                id = u32_at(cfb.sector(mini_fat_sectors[id as usize / per]), (id as usize % per) * 4);
            }
            bytes.truncate(e.len as usize);
            workbook.get_or_insert(bytes);
        } else {
            let (ids, got) = cfb.chain(&format!("{name} stream"), e.start, e.len, false)?;
            if workbook.is_none() {
                workbook = Some(cfb.gather(&ids, got));
            }
        }
    }
    Ok(workbook)
}

/// Cells one worksheet of an `.xls` may span (its used rectangle, rows × columns, as calamine lays it out).
/// calamine allocates the whole rectangle (`Range::from_sparse`, 32 bytes a cell) and reserves what the
/// Dimensions record claims, so two cells at A1 and at row 65,536/column 65,536 would ask for 128 GiB and
/// abort the process. 2²⁰ cells is, e.g., 65,536 rows × 16 columns, 16,384 × 64 or 4,096 × 256: at most
/// 32 MiB for the rectangle and 40 MiB for the reservation. Larger sheets read as `.xlsx` (streamed).
pub(crate) const MAX_SHEET_CELLS: u64 = 1 << 20;

/// Walks the worksheets' records as calamine's `parse_workbook` does (the records of the workbook globals
/// up to EOF for the BoundSheet positions; from each position the records up to the sheet's EOF, nested
/// substreams skipped) and refuses a sheet whose Dimensions or cell positions span more than
/// [`MAX_SHEET_CELLS`]. Malformed records end the walk where they would end calamine's.
fn check_sheet_extents(stream: &[u8]) -> Result<(), Invalid> {
    let mut positions = Vec::new();
    let mut sst: Vec<u16> = Vec::new();
    for r in Records(stream) {
        match r.typ {
            0x0085 if r.data.len() >= 4 => positions.push(u32_at(r.data, 0) as usize),
            0x00FC => sst = sst_lengths(&r)?,
            0x000A => break,
            _ => {}
        }
    }
    // text calamine copies out of the shared-string table: one clone per LabelSst cell
    let mut text = 0u64;
    for pos in positions {
        let Some(sheet) = stream.get(pos..) else { break }; // calamine stops there (index panic)
        let (mut rows, mut cols) = ((u32::MAX, 0u32), (u32::MAX, 0u32));
        let (mut seen_bof, mut depth) = (false, 0usize);
        for r in Records(sheet) {
            if depth > 0 {
                match r.typ {
                    0x0809 => depth += 1,
                    0x000A => depth -= 1,
                    _ => {}
                }
                continue;
            }
            let d = r.data;
            let span = match r.typ {
                0x0809 => {
                    if seen_bof {
                        depth += 1;
                    } else {
                        seen_bof = true;
                    }
                    None
                }
                0x000A => break,
                0x0200 => {
                    // Dimensions, with calamine's arithmetic (u32, wrapping as in a release build)
                    let (rf, rl, mut cf, cl) = match d.len() {
                        10 => (u16_at(d, 0) as u32, u16_at(d, 2) as u32, u16_at(d, 4) as u32, u16_at(d, 6) as u32),
                        14 | 16 => (u32_at(d, 0), u32_at(d, 4), u16_at(d, 8) as u32, u16_at(d, 10) as u32),
                        _ => break,
                    };
                    if cf > 0xFF || cl < cf {
                        cf = 0;
                    }
                    let (n_rows, n_cols) = if rl >= 1 && cl >= 1 {
                        ((rl - 1).wrapping_sub(rf).wrapping_add(1), (cl - 1).wrapping_sub(cf).wrapping_add(1))
                    } else {
                        (1, 1)
                    };
                    let n = n_rows as u64 * n_cols as u64;
                    if n > MAX_SHEET_CELLS {
                        return Err(too_large(n));
                    }
                    None
                }
                0x00FD if d.len() >= 10 => {
                    // LabelSst: at most 3 bytes of UTF-8 for each UTF-16 unit, plus the cell
                    if let Some(cch) = sst.get(u32_at(d, 6) as usize) {
                        text += 3 * *cch as u64 + 48;
                        if text > MAX_SST_TEXT {
                            return Err(bad(
                                format!("the cells repeat more than {} MiB of shared text", MAX_SST_TEXT >> 20),
                                "单元格引用的共享文本过多",
                            ));
                        }
                    }
                    let c = u16_at(d, 2) as u32;
                    Some((u16_at(d, 0) as u32, c, c))
                }
                // Number, Label, RString, BoolErr, RK, Formula: row, column first
                0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x0006 if d.len() >= 4 => {
                    let c = u16_at(d, 2) as u32;
                    Some((u16_at(d, 0) as u32, c, c))
                }
                // MulRk: row, first column, 6 bytes a cell
                0x00BD if d.len() >= 6 => {
                    let c = u16_at(d, 2) as u32;
                    Some((u16_at(d, 0) as u32, c, c + ((d.len() - 6) / 6).max(1) as u32 - 1))
                }
                _ => None,
            };
            if let Some((r, c0, c1)) = span {
                rows = (rows.0.min(r), rows.1.max(r));
                cols = (cols.0.min(c0), cols.1.max(c1));
                let n = (rows.1 - rows.0 + 1) as u64 * (cols.1 - cols.0 + 1) as u64;
                if n > MAX_SHEET_CELLS {
                    return Err(too_large(n));
                }
            }
        }
    }
    Ok(())
}

fn too_large(cells: u64) -> Invalid {
    bad(
        format!(
            "a worksheet spans {cells} cells, more than the {MAX_SHEET_CELLS} read from an .xls (delete unused rows and columns)"
        ),
        "工作表占用的单元格区域过大（请删除多余的行列）",
    )
}

/// Text (UTF-8 bytes, upper bound) that the LabelSst cells of a workbook may copy from its shared-string
/// table. calamine clones the whole string for every cell that refers to it, so a 14-byte record can cost
/// 192 KiB; 64 MiB is, e.g., a million cells of 20 Chinese characters.
pub(crate) const MAX_SST_TEXT: u64 = 64 << 20;
/// Strings in the shared-string table (calamine keeps a `String` for each, 24 bytes even when empty).
pub(crate) const MAX_SST_STRINGS: usize = 1 << 20;

/// The length (UTF-16 units) of each string of an SST record, as calamine's `parse_sst` reads them,
/// Continue records included. Where calamine would fail, the list ends (calamine then reads nothing).
fn sst_lengths(r: &Rec<'_>) -> Result<Vec<u16>, Invalid> {
    struct Cursor<'a> {
        data: &'a [u8],
        cont: &'a [u8],
    }
    impl Cursor<'_> {
        /// calamine's `continue_record`: the next Continue record's data replaces what is left.
        fn next_cont(&mut self) -> bool {
            if self.cont.len() < 4 {
                return false;
            }
            let l = u16_at(self.cont, 2) as usize;
            self.data = &self.cont[4..4 + l];
            self.cont = &self.cont[4 + l..];
            true
        }
        fn skip(&mut self, mut len: usize) -> bool {
            while len > 0 {
                if self.data.is_empty() && !self.next_cont() {
                    return false;
                }
                let l = len.min(self.data.len());
                self.data = &self.data[l..];
                len -= l;
            }
            true
        }
    }
    let mut out = Vec::new();
    if r.data.len() < 8 {
        return Ok(out);
    }
    let mut c = Cursor { data: &r.data[8..], cont: r.cont };
    while !c.data.is_empty() || c.next_cont() {
        if out.len() >= MAX_SST_STRINGS {
            return Err(bad(format!("more than {MAX_SST_STRINGS} shared strings"), "共享字符串过多"));
        }
        if c.data.is_empty() {
            out.push(0);
            continue;
        }
        if c.data.len() < 3 {
            break;
        }
        let cch = u16_at(c.data, 0);
        let flags = c.data[2];
        c.data = &c.data[3..];
        let mut high = flags & 1 != 0;
        let mut runs = 0;
        if flags & 8 != 0 {
            if c.data.len() < 2 {
                break;
            }
            runs = u16_at(c.data, 0) as usize * 4;
            c.data = &c.data[2..];
        }
        let mut ext = 0;
        if flags & 4 != 0 {
            if c.data.len() < 4 {
                break;
            }
            ext = u32_at(c.data, 0) as i32 as usize;
            c.data = &c.data[4..];
        }
        let mut left = cch as usize;
        while left > 0 {
            let l = left.min(if high { c.data.len() / 2 } else { c.data.len() });
            c.data = &c.data[if high { 2 * l } else { l }..];
            left -= l;
            if left > 0 {
                if !c.next_cont() || c.data.is_empty() {
                    return Ok(out);
                }
                high = c.data[0] & 1 != 0;
                c.data = &c.data[1..];
            }
        }
        if !c.skip(runs) || !c.skip(ext) {
            break;
        }
        out.push(cch);
    }
    Ok(out)
}

/// A BIFF record as calamine's `RecordIter` yields it (Continue records folded into the one before).
struct Rec<'a> {
    typ: u16,
    data: &'a [u8],
    /// The Continue records that follow, headers included.
    cont: &'a [u8],
}

struct Records<'a>(&'a [u8]);

impl<'a> Iterator for Records<'a> {
    type Item = Rec<'a>;
    fn next(&mut self) -> Option<Rec<'a>> {
        let s = self.0;
        if s.len() < 4 {
            return None;
        }
        let len = u16_at(s, 2) as usize;
        if s.len() < len + 4 {
            return None; // calamine: an error, which ends reading
        }
        let (rec, mut next) = s.split_at(len + 4);
        let after = next;
        if next.len() > 4 && u16_at(next, 0) == 0x003C {
            while next.len() > 4 && u16_at(next, 0) == 0x003C {
                let l = u16_at(next, 2) as usize;
                if next.len() < l + 4 {
                    self.0 = &[];
                    return None;
                }
                next = &next[l + 4..];
            }
        }
        let cont = &after[..after.len() - next.len()];
        self.0 = next;
        Some(Rec { typ: u16_at(rec, 0), data: &rec[4..], cont })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(rel: &str) -> Vec<u8> {
        std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
    }

    fn ruicheng() -> Vec<u8> {
        fixture("tests/fixtures/ruicheng.xls")
    }

    fn set_u32(d: &mut [u8], at: usize, v: u32) {
        d[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }

    /// Byte offset of directory entry `name` in ruicheng.xls (its directory is one chain of 512-byte sectors).
    fn dir_entry(d: &[u8], name: &str) -> usize {
        let dir = u32_at(d, 48) as usize;
        let from = (dir + 1) * 512;
        (0..4)
            .map(|i| from + i * DIR_ENTRY)
            .find(|at| {
                let e = Entry { raw: &d[*at..*at + DIR_ENTRY], start: 0, len: 0 };
                e.is_named(name)
            })
            .expect("entry")
    }

    #[test]
    fn real_fixture_passes() {
        assert_eq!(check(&ruicheng()), Ok(()));
    }

    /// The 2 GiB reproducer is wrong in three ways, each refused on its own: its only FAT sector (16) is
    /// cut short by the end of the file; padded to whole, its directory starts at sector 17, past the end;
    /// padded further, sector 17 reads as zeros and the directory chain runs 17 → 0 → 0 → … (the loop
    /// calamine followed without end).
    #[test]
    fn the_fuzz_found_2gib_file_is_refused_at_every_layer() {
        let d = fixture("../../fuzz/regressions/xls-calamine-oom-2GiB.xls");
        assert_eq!(d.len(), 8808);
        let e = check(&d).unwrap_err();
        assert!(e.en.contains("FAT sector 16 is past the end"), "{e}");
        let mut padded = d.clone();
        padded.resize(18 * 512, 0);
        let e = check(&padded).unwrap_err();
        assert!(e.en.contains("directory chain names sector 17, past the end"), "{e}");
        padded.resize(19 * 512, 0);
        let e = check(&padded).unwrap_err();
        assert!(e.en.contains("directory chain loops back to sector 0"), "{e}");
    }

    #[test]
    fn the_fuzz_found_assertion_file_is_refused() {
        assert!(check(&fixture("tests/fixtures/fuzz/xls-calamine-assert.xls")).is_err());
    }

    #[test]
    fn the_container_check_covers_what_the_xlsx_reader_opens() {
        assert_eq!(check_container(&ruicheng()), Ok(()));
        let e = check_container(&fixture("../../fuzz/regressions/xls-calamine-oom-2GiB.xls")).unwrap_err();
        assert!(e.en.contains("FAT sector 16"), "{e}");
    }

    #[test]
    fn truncated_files_are_refused() {
        let d = ruicheng();
        for cut in [0, 7, 100, 511, 512, 1024, d.len() / 2, d.len() - 512] {
            assert!(check(&d[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn header_fields_are_checked() {
        let d = ruicheng();
        let cases: [(usize, &[u8], &str); 6] = [
            (0, &[0; 8], "header"),
            (30, &[10, 0], "sector shift"),
            (32, &[7, 0], "mini sector shift"),
            (44, &[0, 0, 0, 0], "FAT sectors"),
            (44, &[0xff, 0xff, 0, 0], "FAT sectors"),
            (56, &[0, 0x20, 0, 0], "cutoff"),
        ];
        for (at, bytes, what) in cases {
            let mut m = d.clone();
            m[at..at + bytes.len()].copy_from_slice(bytes);
            let e = check(&m).unwrap_err();
            assert!(e.en.contains(what), "{what}: {e}");
        }
    }

    #[test]
    fn directory_sector_beyond_eof_is_refused() {
        let mut d = ruicheng();
        set_u32(&mut d, 48, 1000);
        assert!(check(&d).unwrap_err().en.contains("past the end"));
    }

    #[test]
    fn fat_loop_in_the_directory_chain_is_refused() {
        let mut d = ruicheng();
        let dir = u32_at(&d, 48);
        let fat0 = u32_at(&d, 76);
        // FAT entry of the directory sector points back to itself
        set_u32(&mut d, (fat0 as usize + 1) * 512 + dir as usize * 4, dir);
        assert!(check(&d).unwrap_err().en.contains("loops back"));
    }

    #[test]
    fn huge_stream_sizes_are_refused() {
        for name in ["Workbook", "Root Entry"] {
            let mut d = ruicheng();
            let at = dir_entry(&d, name);
            set_u32(&mut d, at + 120, 0x7FFF_FFFF);
            assert!(check(&d).unwrap_err().en.contains("declares"), "{name}");
        }
    }

    #[test]
    fn difat_loop_and_repeated_fat_sectors_are_refused() {
        let mut d = ruicheng();
        let fat0 = u32_at(&d, 76);
        set_u32(&mut d, 80, fat0); // the same FAT sector twice
        assert!(check(&d).unwrap_err().en.contains("twice"));

        let mut d = ruicheng();
        set_u32(&mut d, 68, 1000);
        assert!(check(&d).unwrap_err().en.contains("DIFAT sector 1000"));
    }

    #[test]
    fn oversized_input_is_refused_before_parsing() {
        let mut d = vec![0u8; MAX_XLS_BYTES + 1];
        d[..8].copy_from_slice(&SIGNATURE);
        assert!(check(&d).unwrap_err().en.contains("MiB"));
    }
}

#[cfg(test)]
mod sheet_extent_tests {
    use super::*;

    fn rec(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut v = typ.to_le_bytes().to_vec();
        v.extend((data.len() as u16).to_le_bytes());
        v.extend(data);
        v
    }

    /// Workbook globals (BOF, BoundSheet → the sheet, EOF) followed by one sheet's records.
    fn workbook(sheet_records: &[Vec<u8>]) -> Vec<u8> {
        workbook_with(&[], sheet_records)
    }

    /// The same with more records (e.g. an SST) in the globals.
    fn workbook_with(globals: &[Vec<u8>], sheet_records: &[Vec<u8>]) -> Vec<u8> {
        let bof = rec(0x0809, &[0; 16]);
        let mut v = bof.clone();
        for g in globals {
            v.extend(g);
        }
        let pos = v.len() + 4 + 10 + 4;
        let mut bound = (pos as u32).to_le_bytes().to_vec();
        bound.extend([0, 0, 1, 0, b'S', 0]);
        v.extend(rec(0x0085, &bound));
        v.extend(rec(0x000A, &[]));
        assert_eq!(v.len(), pos);
        v.extend(bof);
        for r in sheet_records {
            v.extend(r);
        }
        v.extend(rec(0x000A, &[]));
        v
    }

    fn number(row: u16, col: u16) -> Vec<u8> {
        let mut d = row.to_le_bytes().to_vec();
        d.extend(col.to_le_bytes());
        d.extend([0; 10]);
        rec(0x0203, &d)
    }

    fn dimensions(rf: u32, rl: u32, cf: u16, cl: u16) -> Vec<u8> {
        let mut d = rf.to_le_bytes().to_vec();
        d.extend(rl.to_le_bytes());
        d.extend(cf.to_le_bytes());
        d.extend(cl.to_le_bytes());
        d.extend([0, 0]);
        rec(0x0200, &d)
    }

    #[test]
    fn an_ordinary_sheet_passes() {
        let w = workbook(&[dimensions(0, 5000, 0, 30), number(0, 0), number(4999, 29)]);
        assert_eq!(check_sheet_extents(&w), Ok(()));
    }

    #[test]
    fn cells_far_apart_are_refused() {
        // two cells, 128 GiB of rectangle in calamine
        let w = workbook(&[number(0, 0), number(65_535, 65_535)]);
        assert!(check_sheet_extents(&w).unwrap_err().en.contains("spans"));
    }

    #[test]
    fn huge_dimensions_are_refused_even_when_wrapping() {
        for d in [dimensions(0, u32::MAX, 0, 255), dimensions(10, 5, 0, 2), dimensions(0, 65_536, 0, 256)] {
            assert!(check_sheet_extents(&workbook(&[d])).is_err());
        }
    }

    #[test]
    fn the_fixture_shared_strings_are_read_as_calamine_reads_them() {
        let d = std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ruicheng.xls"))
            .unwrap();
        let w = workbook_stream(&d, true).unwrap().unwrap();
        let sst = Records(&w).find(|r| r.typ == 0x00FC).expect("SST");
        let lens = sst_lengths(&sst).unwrap();
        // the header row's 小区名称 (4 characters) and the file's count of unique strings
        assert!(lens.contains(&4));
        assert_eq!(lens.len() as u32, u32_at(sst.data, 4), "cstUnique");
    }

    #[test]
    fn one_long_shared_string_repeated_in_many_cells_is_refused() {
        // SST: cstTotal, cstUnique, then one string of 20,000 one-byte characters (60 KB once decoded)
        let mut sst = vec![0; 8];
        sst.extend(20_000u16.to_le_bytes());
        sst.push(0);
        sst.extend(std::iter::repeat_n(b'x', 20_000));
        let label_sst = |row: u16| {
            let mut d = row.to_le_bytes().to_vec();
            d.extend([0, 0, 0, 0, 0, 0, 0, 0]); // column 0, XF 0, string 0
            rec(0x00FD, &d)
        };
        let with_sst = |cells: u16| workbook_with(&[rec(0x00FC, &sst)], &(0..cells).map(label_sst).collect::<Vec<_>>());
        assert_eq!(check_sheet_extents(&with_sst(100)), Ok(()));
        assert!(check_sheet_extents(&with_sst(1200)).unwrap_err().en.contains("shared text"));
    }

    #[test]
    fn a_chart_substream_inside_the_sheet_is_skipped_like_calamine_does() {
        let chart = [rec(0x0809, &[0; 16]), number(65_535, 255), rec(0x000A, &[])];
        let mut recs = vec![number(0, 0)];
        recs.extend(chart);
        assert_eq!(check_sheet_extents(&workbook(&recs)), Ok(()));
    }
}
