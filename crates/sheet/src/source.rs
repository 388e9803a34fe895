//! Row sources: xlsx (streamed cell by cell), xls (whole range), csv (streamed, encoding detected).

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek};
use std::path::Path;

use calamine::{CellErrorType, Data, DataRef, Reader, Xls, Xlsx};
use encoding_rs::{Decoder, Encoding, GB18030, UTF_16BE, UTF_16LE};

use crate::normalize::number_text;
use crate::{FileError, Format, ReadOptions};

/// One cell as read.
#[derive(Clone, Debug)]
pub(crate) enum Raw<'a> {
    Empty,
    Text(Cow<'a, str>),
    Number(f64),
    /// An Excel serial date in the 1900 date system.
    Date(f64),
    Bool(bool),
    /// A formula error such as "#N/A".
    Error(&'static str),
}

impl Raw<'_> {
    pub(crate) fn is_blank(&self) -> bool {
        match self {
            Raw::Empty => true,
            Raw::Text(s) => s.trim_matches(crate::normalize::is_space).is_empty(),
            _ => false,
        }
    }

    /// The text a person sees.
    pub(crate) fn text(&self) -> Cow<'_, str> {
        match self {
            Raw::Empty => Cow::Borrowed(""),
            Raw::Text(s) => Cow::Borrowed(s.as_ref()),
            Raw::Number(v) => Cow::Owned(number_text(*v)),
            Raw::Date(v) => Cow::Owned(date_text(*v)),
            Raw::Bool(b) => Cow::Borrowed(if *b { "TRUE" } else { "FALSE" }),
            Raw::Error(e) => Cow::Borrowed(e),
        }
    }
}

pub(crate) fn date_text(serial: f64) -> String {
    match crate::normalize::ymd_from_excel_serial(serial) {
        Some((y, m, d)) => format!("{y:04}-{m:02}-{d:02}"),
        None => number_text(serial),
    }
}

fn error_text(e: &CellErrorType) -> &'static str {
    match e {
        CellErrorType::Div0 => "#DIV/0!",
        CellErrorType::NA => "#N/A",
        CellErrorType::Name => "#NAME?",
        CellErrorType::Null => "#NULL!",
        CellErrorType::Num => "#NUM!",
        CellErrorType::Ref => "#REF!",
        CellErrorType::Value => "#VALUE!",
        CellErrorType::GettingData => "#DATA!",
    }
}

/// A row of cells (column index from 0).
pub(crate) trait Cells {
    fn len(&self) -> usize;
    fn get(&self, i: usize) -> Raw<'_>;
}

/// Receives rows in order. Returning an error stops reading.
pub(crate) trait Sink {
    /// `row` is the 1-based spreadsheet row number.
    fn row<C: Cells + ?Sized>(&mut self, row: u32, cells: &C) -> Result<(), FileError>;
    /// Rows `first..=last` are absent from the file (blank).
    fn blank_rows(&mut self, first: u32, last: u32) -> Result<(), FileError>;
}

// ---------------------------------------------------------------- xlsx

struct XlsxRow<'r, 'a> {
    cells: &'r [DataRef<'a>],
    offset: f64,
}

impl Cells for XlsxRow<'_, '_> {
    fn len(&self) -> usize {
        self.cells.len()
    }
    fn get(&self, i: usize) -> Raw<'_> {
        match self.cells.get(i) {
            None | Some(DataRef::Empty) => Raw::Empty,
            Some(DataRef::Int(v)) => Raw::Number(*v as f64),
            Some(DataRef::Float(v)) => Raw::Number(*v),
            Some(DataRef::String(s)) => Raw::Text(Cow::Borrowed(s.as_str())),
            Some(DataRef::SharedString(s)) => Raw::Text(Cow::Borrowed(s)),
            Some(DataRef::Bool(b)) => Raw::Bool(*b),
            Some(DataRef::DateTime(dt)) => {
                if dt.is_duration() {
                    Raw::Number(dt.as_f64())
                } else {
                    Raw::Date(dt.as_f64() + self.offset)
                }
            }
            Some(DataRef::DateTimeIso(s)) | Some(DataRef::DurationIso(s)) => Raw::Text(Cow::Borrowed(s.as_str())),
            Some(DataRef::Error(e)) => Raw::Error(error_text(e)),
        }
    }
}

/// Excel's maximum column count; cells beyond are ignored.
const MAX_COLS: usize = 16_384;

fn pick_sheet(names: Vec<String>, opts: &ReadOptions) -> Result<String, FileError> {
    match &opts.sheet {
        Some(want) => {
            if let Some(n) = names.iter().find(|n| *n == want) {
                return Ok(n.clone());
            }
            let w = want.trim();
            if let Some(n) = names.iter().find(|n| n.trim() == w) {
                return Ok(n.clone());
            }
            Err(FileError::SheetNotFound { name: want.clone(), available: names })
        }
        None => names.into_iter().next().ok_or_else(|| FileError::Corrupt("no worksheet / 没有工作表".into())),
    }
}

/// Runs third-party parsing that may panic on damaged input (no user code inside) and turns a panic
/// into [`FileError::Corrupt`].
fn guard<T>(f: impl FnOnce() -> Result<T, FileError>) -> Result<T, FileError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(_) => Err(FileError::Corrupt("damaged workbook / 工作簿已损坏".into())),
    }
}

fn corrupt(e: impl std::fmt::Display) -> FileError {
    FileError::Corrupt(e.to_string())
}

/// Rows handed from the parsing thread to the checking thread, reused.
struct Batch<'a> {
    rows: Vec<(u32, Vec<DataRef<'a>>)>,
    used: usize,
}

const BATCH_ROWS: usize = 512;

/// Streams an xlsx sheet; returns the sheet name. calamine parses the XML on one thread while the
/// sink checks rows on this one (the two cores overlap); rows travel in reused batches, so memory
/// stays flat and shared strings are never copied.
pub(crate) fn stream_xlsx<RS: Read + Seek + Send, S: Sink>(
    rs: RS,
    opts: &ReadOptions,
    sink: &mut S,
) -> Result<String, FileError> {
    let mut wb: Xlsx<RS> = guard(move || Xlsx::new(rs).map_err(corrupt))?;
    let sheet = pick_sheet(wb.sheet_names(), opts)?;
    let offset = if wb.has_1904_epoch() { 1462.0 } else { 0.0 };
    let mut reader = guard(|| wb.worksheet_cells_reader(&sheet).map_err(corrupt))?;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Batch<'_>>(4);
    let (ret_tx, ret_rx) = std::sync::mpsc::channel::<Batch<'_>>();
    std::thread::scope(|scope| {
        let producer = scope.spawn(move || -> Result<(), FileError> {
            let mut batch = Batch { rows: Vec::new(), used: 0 };
            let mut cur: Option<u32> = None;
            loop {
                let cell = match reader.next_cell() {
                    Ok(Some(c)) => c,
                    Ok(None) => break,
                    Err(e) => {
                        // hand over what was read, then report
                        if batch.used > 0 {
                            let _ = tx.send(batch);
                        }
                        return Err(corrupt(e));
                    }
                };
                let (r, c) = cell.get_position();
                if cur != Some(r) {
                    if batch.used == BATCH_ROWS {
                        let full = std::mem::replace(
                            &mut batch,
                            ret_rx.try_recv().unwrap_or(Batch { rows: Vec::new(), used: 0 }),
                        );
                        if tx.send(full).is_err() {
                            return Ok(()); // the reader stopped (e.g. no header): nothing more wanted
                        }
                        batch.used = 0;
                    }
                    if batch.used == batch.rows.len() {
                        batch.rows.push((r, Vec::with_capacity(32)));
                    }
                    let slot = &mut batch.rows[batch.used];
                    slot.0 = r;
                    slot.1.clear();
                    batch.used += 1;
                    cur = Some(r);
                }
                let c = c as usize;
                let v = cell.get_value();
                if c >= MAX_COLS || matches!(v, DataRef::Empty) {
                    continue;
                }
                let row = &mut batch.rows[batch.used - 1].1;
                if c >= row.len() {
                    row.resize(c + 1, DataRef::Empty);
                }
                row[c] = v.clone();
            }
            if batch.used > 0 {
                let _ = tx.send(batch);
            }
            Ok(())
        });
        let mut last_emitted: Option<u32> = None;
        let mut result: Result<(), FileError> = Ok(());
        for batch in rx.iter() {
            for (r, cells) in &batch.rows[..batch.used] {
                if let Err(e) = emit_xlsx(sink, &mut last_emitted, *r, cells, offset) {
                    result = Err(e);
                    break;
                }
            }
            if result.is_err() {
                break;
            }
            let _ = ret_tx.send(batch);
        }
        drop(rx);
        let produced = match producer.join() {
            Ok(r) => r,
            Err(_) => Err(FileError::Corrupt("worksheet reader failed / 工作表读取失败".into())),
        };
        result.and(produced)
    })?;
    Ok(sheet)
}

fn emit_xlsx<S: Sink>(
    sink: &mut S,
    last: &mut Option<u32>,
    r: u32,
    cells: &[DataRef<'_>],
    offset: f64,
) -> Result<(), FileError> {
    let mut rownum = r.saturating_add(1);
    if let Some(l) = *last
        && rownum <= l
    {
        // rows out of order (never written so by Excel): take the next number
        rownum = l.saturating_add(1);
    }
    let first_missing = last.map_or(1, |l| l.saturating_add(1));
    if rownum > first_missing {
        sink.blank_rows(first_missing, rownum - 1)?;
    }
    *last = Some(rownum);
    sink.row(rownum, &XlsxRow { cells, offset })
}

// ---------------------------------------------------------------- xls

struct XlsRow<'r> {
    cells: &'r [Data],
    offset: f64,
}

impl Cells for XlsRow<'_> {
    fn len(&self) -> usize {
        self.cells.len()
    }
    fn get(&self, i: usize) -> Raw<'_> {
        match self.cells.get(i) {
            None | Some(Data::Empty) => Raw::Empty,
            Some(Data::Int(v)) => Raw::Number(*v as f64),
            Some(Data::Float(v)) => Raw::Number(*v),
            Some(Data::String(s)) => Raw::Text(Cow::Borrowed(s.as_str())),
            Some(Data::Bool(b)) => Raw::Bool(*b),
            Some(Data::DateTime(dt)) => {
                if dt.is_duration() {
                    Raw::Number(dt.as_f64())
                } else {
                    Raw::Date(dt.as_f64() + self.offset)
                }
            }
            Some(Data::DateTimeIso(s)) | Some(Data::DurationIso(s)) => Raw::Text(Cow::Borrowed(s.as_str())),
            Some(Data::Error(e)) => Raw::Error(error_text(e)),
        }
    }
}

/// Reads an `.xls` held in memory. The compound-file structure is checked first (`cfb_check`): calamine
/// trusts sector chains and declared sizes, so a crafted file of a few KB could make it allocate without
/// bound.
pub(crate) fn stream_xls<S: Sink>(data: &[u8], opts: &ReadOptions, sink: &mut S) -> Result<String, FileError> {
    crate::cfb_check::check(data).map_err(corrupt)?;
    // calamine's xls reader can panic on damaged files; it runs before any row reaches the sink.
    let (sheet, offset, range) = guard(move || {
        let mut wb: Xls<Cursor<&[u8]>> = Xls::new(Cursor::new(data)).map_err(corrupt)?;
        let sheet = pick_sheet(wb.sheet_names(), opts)?;
        let offset = if wb.has_1904_epoch() { 1462.0 } else { 0.0 };
        let range = wb.worksheet_range(&sheet).map_err(corrupt)?;
        Ok((sheet, offset, range))
    })?;
    let Some((r0, _c0)) = range.start() else {
        return Ok(sheet);
    };
    if r0 > 0 {
        sink.blank_rows(1, r0)?;
    }
    for (i, cells) in range.rows().enumerate() {
        let rownum = r0.saturating_add(i as u32).saturating_add(1);
        let n = cells.iter().rposition(|c| !matches!(c, Data::Empty)).map_or(0, |p| p + 1);
        sink.row(rownum, &XlsRow { cells: &cells[..n], offset })?;
    }
    Ok(sheet)
}

// ---------------------------------------------------------------- csv

struct CsvRow<'r> {
    rec: &'r csv::ByteRecord,
}

impl Cells for CsvRow<'_> {
    fn len(&self) -> usize {
        self.rec.len()
    }
    fn get(&self, i: usize) -> Raw<'_> {
        match self.rec.get(i) {
            None | Some([]) => Raw::Empty,
            Some(b) => Raw::Text(String::from_utf8_lossy(b)),
        }
    }
}

/// Detected text encoding of a csv file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CsvEncoding {
    Utf8,
    Gb18030,
    Utf16Le,
    Utf16Be,
}

/// Detects the encoding from the first bytes; returns it and how many BOM bytes to skip.
pub(crate) fn detect_encoding(sample: &[u8]) -> (CsvEncoding, usize) {
    if sample.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return (CsvEncoding::Utf8, 3);
    }
    if sample.starts_with(&[0xFF, 0xFE]) {
        return (CsvEncoding::Utf16Le, 2);
    }
    if sample.starts_with(&[0xFE, 0xFF]) {
        return (CsvEncoding::Utf16Be, 2);
    }
    match std::str::from_utf8(sample) {
        Ok(_) => (CsvEncoding::Utf8, 0),
        // cut in the middle of a character at the end of the sample: still UTF-8
        Err(e) if e.error_len().is_none() => (CsvEncoding::Utf8, 0),
        Err(_) => (CsvEncoding::Gb18030, 0),
    }
}

fn encoding_of(e: CsvEncoding) -> Option<&'static Encoding> {
    match e {
        CsvEncoding::Utf8 => None,
        CsvEncoding::Gb18030 => Some(GB18030),
        CsvEncoding::Utf16Le => Some(UTF_16LE),
        CsvEncoding::Utf16Be => Some(UTF_16BE),
    }
}

/// Decodes a byte stream to UTF-8 on the fly.
struct DecodeReader<R> {
    inner: R,
    decoder: Decoder,
    inbuf: Vec<u8>,
    in_start: usize,
    in_end: usize,
    eof: bool,
    out: Vec<u8>,
    out_start: usize,
    out_end: usize,
    done: bool,
}

impl<R: Read> DecodeReader<R> {
    fn new(inner: R, enc: &'static Encoding) -> Self {
        DecodeReader {
            inner,
            decoder: enc.new_decoder_without_bom_handling(),
            inbuf: vec![0; 64 * 1024],
            in_start: 0,
            in_end: 0,
            eof: false,
            out: vec![0; 3 * 64 * 1024 + 64],
            out_start: 0,
            out_end: 0,
            done: false,
        }
    }
}

impl<R: Read> Read for DecodeReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.out_start < self.out_end {
                let n = buf.len().min(self.out_end - self.out_start);
                buf[..n].copy_from_slice(&self.out[self.out_start..self.out_start + n]);
                self.out_start += n;
                return Ok(n);
            }
            if self.done {
                return Ok(0);
            }
            if self.in_start == self.in_end && !self.eof {
                let n = self.inner.read(&mut self.inbuf)?;
                self.in_start = 0;
                self.in_end = n;
                if n == 0 {
                    self.eof = true;
                }
            }
            let last = self.eof;
            let (res, read, written, _) =
                self.decoder.decode_to_utf8(&self.inbuf[self.in_start..self.in_end], &mut self.out, last);
            self.in_start += read;
            self.out_start = 0;
            self.out_end = written;
            if last && res == encoding_rs::CoderResult::InputEmpty {
                // the decoder has finished; it must not be called again
                self.done = true;
            }
        }
    }
}

/// Picks the delimiter: the one under which some row of the sample has a cell `is_header` accepts;
/// failing that, the one occurring most often (outside quotes) in a single line of the sample.
pub(crate) fn detect_delimiter(sample: &str, is_header: &dyn Fn(&str) -> bool) -> u8 {
    const CANDIDATES: [u8; 4] = [b',', b'\t', b';', b'|'];
    for d in CANDIDATES {
        let mut rdr =
            csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(d).from_reader(sample.as_bytes());
        let mut rec = csv::StringRecord::new();
        let mut n = 0;
        while n < 40 {
            match rdr.read_record(&mut rec) {
                Ok(true) => {}
                _ => break,
            }
            n += 1;
            if rec.len() > 1 && rec.iter().any(is_header) {
                return d;
            }
        }
    }
    let mut best = (0usize, b',');
    for line in sample.lines().take(40) {
        for d in CANDIDATES {
            let mut inq = false;
            let mut cnt = 0;
            for b in line.bytes() {
                if b == b'"' {
                    inq = !inq;
                } else if b == d && !inq {
                    cnt += 1;
                }
            }
            if cnt > best.0 {
                best = (cnt, d);
            }
        }
    }
    best.1
}

/// Streams csv from a reader. `is_header` helps delimiter detection.
pub(crate) fn stream_csv<R: Read, S: Sink>(
    mut rd: R,
    is_header: &dyn Fn(&str) -> bool,
    sink: &mut S,
) -> Result<(), FileError> {
    // sample the head for encoding and delimiter
    let mut head = Vec::with_capacity(64 * 1024);
    (&mut rd).take(64 * 1024).read_to_end(&mut head)?;
    let (enc, bom) = detect_encoding(&head);
    let body_head = &head[bom.min(head.len())..];
    let sample: Cow<'_, str> = match encoding_of(enc) {
        None => String::from_utf8_lossy(body_head),
        Some(e) => e.decode_without_bom_handling(body_head).0,
    };
    let delim = detect_delimiter(&sample, is_header);
    let chained = Cursor::new(body_head.to_vec()).chain(rd);
    match encoding_of(enc) {
        None => csv_records(chained, delim, sink),
        Some(e) => csv_records(DecodeReader::new(chained, e), delim, sink),
    }
}

fn csv_records<R: Read, S: Sink>(rd: R, delim: u8, sink: &mut S) -> Result<(), FileError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delim)
        .terminator(csv::Terminator::Any(b'\n'))
        .buffer_capacity(256 * 1024)
        .from_reader(LfReader::new(rd));
    let mut rec = csv::ByteRecord::new();
    // Excel shows one row per record and one per blank line. The csv crate skips blank lines, so
    // they are counted from the lines each record consumed (the stream's line ends are all "\n"
    // here, see `LfReader`): consumed = blank lines + 1 + newlines inside quoted fields.
    let mut row: u32 = 0;
    let mut prev_after: u64 = rdr.position().line();
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(e)),
        }
        let after = rdr.position().line();
        let inner_newlines = rec.as_slice().iter().filter(|&&b| b == b'\n').count() as u64;
        let blanks = after.saturating_sub(prev_after).saturating_sub(1 + inner_newlines);
        prev_after = after;
        if blanks > 0 {
            let first = row.saturating_add(1);
            let last = row.saturating_add(u32::try_from(blanks).unwrap_or(u32::MAX));
            sink.blank_rows(first, last)?;
            row = last;
        }
        row = row.saturating_add(1);
        sink.row(row, &CsvRow { rec: &rec })?;
    }
    Ok(())
}

/// Makes every line end "\n" (CRLF and lone CR too, also inside quoted fields) and ends the stream
/// with one, so that csv line positions count spreadsheet rows exactly.
struct LfReader<R> {
    inner: R,
    last_cr: bool,
    last_byte: Option<u8>,
    finished: bool,
}

impl<R: Read> LfReader<R> {
    fn new(inner: R) -> Self {
        LfReader { inner, last_cr: false, last_byte: None, finished: false }
    }
}

impl<R: Read> Read for LfReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if self.finished {
                return Ok(0);
            }
            let n = self.inner.read(buf)?;
            if n == 0 {
                self.finished = true;
                if self.last_byte.is_some_and(|b| b != b'\n') {
                    buf[0] = b'\n';
                    return Ok(1);
                }
                return Ok(0);
            }
            let mut w = 0;
            for r in 0..n {
                let b = buf[r];
                if b == b'\r' {
                    buf[w] = b'\n';
                    w += 1;
                    self.last_cr = true;
                } else if b == b'\n' && self.last_cr {
                    self.last_cr = false;
                } else {
                    buf[w] = b;
                    w += 1;
                    self.last_cr = false;
                }
            }
            if w > 0 {
                self.last_byte = Some(buf[w - 1]);
                return Ok(w);
            }
            // the chunk was a lone "\n" after a "\r": read on
        }
    }
}

fn csv_error(e: csv::Error) -> FileError {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => FileError::Io(io),
        k => FileError::Corrupt(format!("{k:?}")),
    }
}

// ---------------------------------------------------------------- dispatch

/// Reads a file: the format from its first bytes if they are an Excel signature, else from the
/// extension. Returns the sheet name ("" for csv).
pub(crate) fn stream_path<S: Sink>(
    path: &Path,
    opts: &ReadOptions,
    is_header: &dyn Fn(&str) -> bool,
    sink: &mut S,
) -> Result<String, FileError> {
    let ext_format = Format::from_path(path);
    let mut f = File::open(path)?;
    let mut magic = [0u8; 8];
    let mut got = 0;
    while got < magic.len() {
        let n = f.read(&mut magic[got..])?;
        if n == 0 {
            break;
        }
        got += n;
    }
    f.rewind()?;
    let sniffed = Format::sniff(&magic[..got]);
    let format = match (sniffed, ext_format) {
        (Some(s), _) => s,
        (None, Some(Format::Csv)) => Format::Csv,
        (None, Some(Format::Xlsx | Format::Xls)) => {
            return Err(FileError::Corrupt(
                "not an Excel workbook (perhaps a web page or text saved with an Excel name) / 不是真正的 Excel 文件（可能是网页或文本改了扩展名）"
                    .into(),
            ));
        }
        (None, None) => {
            let extension = path.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default();
            return Err(FileError::UnknownFormat { extension });
        }
    };
    match format {
        Format::Xlsx => stream_xlsx(BufReader::with_capacity(256 * 1024, f), opts, sink),
        Format::Xls => {
            // read whole (calamine keeps it all in memory anyway) so the structure can be checked first
            let max = crate::cfb_check::MAX_XLS_BYTES;
            let mut data = Vec::new();
            f.take(max as u64 + 1).read_to_end(&mut data)?;
            stream_xls(&data, opts, sink)
        }
        Format::Csv => stream_csv(f, is_header, sink).map(|_| String::new()),
    }
}

pub(crate) fn stream_bytes<S: Sink>(
    data: &[u8],
    format: Format,
    opts: &ReadOptions,
    is_header: &dyn Fn(&str) -> bool,
    sink: &mut S,
) -> Result<String, FileError> {
    match format {
        Format::Xlsx => {
            // calamine's xlsx reader first opens a compound file (to spot an encrypted workbook): check it
            if Format::sniff(data) == Some(Format::Xls) {
                crate::cfb_check::check_container(data).map_err(corrupt)?;
            }
            stream_xlsx(Cursor::new(data), opts, sink)
        }
        Format::Xls => stream_xls(data, opts, sink),
        Format::Csv => stream_csv(data, is_header, sink).map(|_| String::new()),
    }
}
