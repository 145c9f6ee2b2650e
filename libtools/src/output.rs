//! Rows out: an aligned table with a header, JSON Lines with the same
//! fields, or (bcc's `-s/--csv`) comma-separated values. Standard output is block-buffered and flushed after each batch of
//! events, so a storm is cheap and an interactive user still sees each event.

use std::cell::{Cell, RefCell};
use std::io::{self, BufWriter, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use chrono::{DateTime, Local, SecondsFormat};

use crate::names;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A column: its header, its printf-style width and alignment. The JSON key
/// is the header in lower snake case (`AGE(s)` becomes `age_s`).
#[derive(Clone, Debug)]
pub struct Column {
    pub header: &'static str,
    pub width: usize,
    pub align: Align,
    key: String,
    /// Shown in the table only, left out of JSON (a `->` between states).
    pub table_only: bool,
}

impl Column {
    pub fn left(header: &'static str, width: usize) -> Self {
        Column {
            header,
            width,
            align: Align::Left,
            key: json_key(header),
            table_only: false,
        }
    }
    pub fn right(header: &'static str, width: usize) -> Self {
        Column {
            header,
            width,
            align: Align::Right,
            key: json_key(header),
            table_only: false,
        }
    }
    /// Leave this column out of JSON rows.
    pub fn table_only(mut self) -> Self {
        self.table_only = true;
        self
    }
    /// Override the JSON key when the header makes a poor one.
    pub fn key(mut self, key: &str) -> Self {
        self.key = key.to_string();
        self
    }
}

/// `COMM` -> `comm`, `AGE(s)` -> `age_s`, `LADDR:LPORT` -> `laddr_lport`.
pub fn json_key(header: &str) -> String {
    let mut key = String::with_capacity(header.len());
    for c in header.chars() {
        if c.is_ascii_alphanumeric() {
            key.push(c.to_ascii_lowercase());
        } else if !key.is_empty() && !key.ends_with('_') {
            key.push('_');
        }
    }
    while key.ends_with('_') {
        key.pop();
    }
    key
}

/// One cell of a row. Table and JSON render it each in their own way.
#[derive(Clone, Copy, Debug)]
pub enum Value<'a> {
    Int(i64),
    Uint(u64),
    Str(&'a str),
    /// Bytes from the kernel (paths, comms): shown as-is in the table with
    /// control characters escaped; in JSON, invalid UTF-8 becomes U+FFFD.
    Bytes(&'a [u8]),
    /// A decimal number with this many digits after the point in the
    /// table (`AGE(s)`, `TIME(s)`); JSON gets the number itself.
    Fixed(f64, usize),
    /// A number shown in octal, zero-padded to the column width; JSON gets the number.
    Octal(u64),
    /// An errno: a number in the table; JSON adds `<key>_name` ("ENOENT").
    Errno(i32),
    /// Wall-clock time: `HH:MM:SS` in the table, RFC 3339 in JSON.
    Time(DateTime<Local>),
    /// Unknown to the chosen hook: `-` in the table, null in JSON.
    Null,
    /// Not applicable: this text in the table (`n/a`), null in JSON.
    NullAs(&'static str),
    /// A list of byte strings (argv): joined by spaces in the table, an array in JSON.
    Strings(&'a [&'a [u8]]),
    /// An IPv4 or IPv6 address: its usual text in both forms.
    Addr(std::net::IpAddr),
    /// A list of numbers (sizes): joined by spaces in the table, an array in JSON.
    Uints(&'a [u64]),
}

/// The numbers of a `Value::Uints` cell as the table shows them.
fn joined(l: &[u64]) -> String {
    l.iter().map(u64::to_string).collect::<Vec<_>>().join(" ")
}

/// libbpf-tools' line above a table: `Tracing WHAT for N secs.` with a
/// duration, else `Tracing WHAT... Hit Ctrl-C to end.`
pub fn tracing_line(what: &str, duration: Option<std::time::Duration>) -> String {
    match duration {
        Some(d) => format!("Tracing {what} for {} secs.\n", d.as_secs()),
        None => format!("Tracing {what}... Hit Ctrl-C to end.\n"),
    }
}

/// A wall-clock time, as `Value::Time` holds it.
pub type Time = DateTime<Local>;

/// The wall-clock time for a `Value::Time` cell.
pub fn now() -> Time {
    Local::now()
}

impl Value<'_> {
    /// The wall-clock time now, for a `TIME` column (HH:MM:SS).
    pub fn now() -> Value<'static> {
        Value::Time(now())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    /// Comma-separated values: the headers, then each row's cells as the
    /// table shows them, unpadded; a field holding a comma or a quote is
    /// quoted (RFC 4180). Columns shown in the table only are left out.
    Csv,
}

pub struct Output<W: Write = StdoutFd> {
    format: Format,
    columns: Vec<Column>,
    out: RefCell<BufWriter<W>>,
    broken: Cell<bool>,
}

impl Output<StdoutFd> {
    pub fn stdout(json: bool, columns: Vec<Column>) -> Self {
        let format = if json { Format::Json } else { Format::Table };
        Output::new(format, columns, StdoutFd)
    }

    pub fn stdout_as(format: Format, columns: Vec<Column>) -> Self {
        Output::new(format, columns, StdoutFd)
    }
}

/// File descriptor 1, written directly (Rust's `Stdout` would retry an
/// interrupted write for ever). Once a stop signal has come, a reader that
/// takes more than [`STALLED`] to make room (`| sleep 60`) is given up on,
/// so the tool exits and detaches at once; what was not written is
/// dropped. A reader that is slow but alive (`| flamegraph` taking the
/// final report) still gets everything.
pub struct StdoutFd;

/// How long a stopping tool waits for a reader to make room.
const STALLED: i32 = 500; // ms

static ABANDONED: AtomicBool = AtomicBool::new(false);

impl Write for StdoutFd {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        loop {
            if ABANDONED.load(Ordering::Relaxed) {
                return Err(io::Error::other(STOPPED));
            }
            if crate::run::stopping() && !writable_within(STALLED) {
                ABANDONED.store(true, Ordering::Relaxed);
                continue;
            }
            // SAFETY: buf is valid for buf.len() bytes; fd 1 is not owned by Rust here.
            let n = unsafe { libc::write(1, buf.as_ptr().cast(), buf.len()) };
            if n >= 0 {
                return Ok(n as usize);
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
            // Interrupted by a signal: if it was a stop, the check above
            // now waits for the reader at most STALLED.
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// True when fd 1 can take a write within `ms` (or poll cannot tell).
fn writable_within(ms: i32) -> bool {
    let mut fd = libc::pollfd {
        fd: 1,
        events: libc::POLLOUT,
        revents: 0,
    };
    // SAFETY: one valid pollfd, and the count says one.
    let n = unsafe { libc::poll(&mut fd, 1, ms) };
    n != 0
}

/// The error a write abandoned at a stop signal returns: not reported.
const STOPPED: &str = "output abandoned at a stop signal";

/// The first write error that is worth reporting (not EPIPE: the reader
/// went away, as with `| head`; not a write abandoned at a stop signal).
/// `libtools::main` reports it as `cannot write output: ...` and exits 1.
static WRITE_ERROR: Mutex<Option<String>> = Mutex::new(None);

pub(crate) fn note_write_error(e: &io::Error) {
    // Nothing more can be shown: every loop ends as at a stop signal.
    crate::run::request_stop();
    if e.kind() == io::ErrorKind::BrokenPipe || e.to_string() == STOPPED {
        return;
    }
    let mut first = WRITE_ERROR.lock().unwrap_or_else(|p| p.into_inner());
    if first.is_none() {
        // "No space left on device", without Rust's " (os error 28)".
        let text = e.to_string();
        let text = match text.rfind(" (os error ") {
            Some(i) if text.ends_with(')') => text[..i].to_string(),
            _ => text,
        };
        *first = Some(text);
    }
}

/// The write error to report at exit, if any.
pub fn write_error() -> Option<String> {
    WRITE_ERROR
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
}

impl<W: Write> Output<W> {
    pub fn new(format: Format, columns: Vec<Column>, w: W) -> Self {
        Output {
            format,
            columns,
            out: RefCell::new(BufWriter::with_capacity(64 * 1024, w)),
            broken: Cell::new(false),
        }
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// The columns shown.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Announce that tracing has started: the header in table mode, a
    /// `Tracing ...` line on stderr in JSON mode. Call it only once every
    /// program is attached: scripts and tests take it as the ready signal.
    pub fn ready(&self, what: &str) {
        match self.format {
            Format::Table => {
                let mut line = String::new();
                for (i, c) in self.columns.iter().enumerate() {
                    let last = i + 1 == self.columns.len();
                    pad_into(&mut line, c.header, c.width, c.align, last);
                }
                self.write(|w| writeln!(w, "{line}"));
            }
            Format::Csv => {
                let names: Vec<&str> = self
                    .columns
                    .iter()
                    .filter(|c| !c.table_only)
                    .map(|c| c.header)
                    .collect();
                let mut line = Vec::new();
                for (i, name) in names.iter().enumerate() {
                    if i > 0 {
                        line.push(b',');
                    }
                    csv_field(&mut line, name.as_bytes());
                }
                line.push(b'\n');
                self.write(|w| w.write_all(&line));
            }
            Format::Json => eprintln!("Tracing {what}... Hit Ctrl-C to end."),
        }
        self.flush();
    }

    /// Write one row; `cells` follow the columns.
    pub fn row(&self, cells: &[Value]) {
        debug_assert_eq!(cells.len(), self.columns.len());
        let mut buf = Vec::with_capacity(128);
        match self.format {
            Format::Table => self.table_row(&mut buf, cells),
            Format::Json => self.json_row(&mut buf, cells),
            Format::Csv => self.csv_row(&mut buf, cells),
        }
        self.write(|w| w.write_all(&buf));
    }

    fn csv_row(&self, buf: &mut Vec<u8>, cells: &[Value]) {
        let shown = self
            .columns
            .iter()
            .zip(cells)
            .filter(|(c, _)| !c.table_only);
        let mut text = Vec::new();
        for (i, (c, v)) in shown.enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            text.clear();
            cell_text(&mut text, c, v);
            csv_field(buf, &text);
        }
        buf.push(b'\n');
    }

    fn table_row(&self, buf: &mut Vec<u8>, cells: &[Value]) {
        let mut cell = String::new();
        for (i, (c, v)) in self.columns.iter().zip(cells).enumerate() {
            let last = i + 1 == self.columns.len();
            if let Value::Bytes(b) = v {
                // Kept as bytes: a non-UTF-8 path is printed as the kernel gave it.
                let mut text = Vec::with_capacity(b.len());
                escape_control(b, &mut text);
                let pad = c.width.saturating_sub(text.len());
                if c.align == Align::Right {
                    buf.extend(std::iter::repeat_n(b' ', pad));
                }
                buf.extend_from_slice(&text);
                if c.align == Align::Left && !last {
                    buf.extend(std::iter::repeat_n(b' ', pad));
                }
                if !last {
                    buf.push(b' ');
                }
                continue;
            }
            cell.clear();
            match v {
                Value::Int(n) => cell.push_str(&n.to_string()),
                Value::Uint(n) => cell.push_str(&n.to_string()),
                Value::Str(s) => cell.push_str(s),
                Value::Octal(n) => cell.push_str(&format!("{n:0w$o}", w = c.width)),
                Value::Fixed(x, d) => cell.push_str(&format!("{x:.d$}")),
                Value::Errno(e) => cell.push_str(&e.to_string()),
                Value::Time(t) => cell.push_str(&t.format("%H:%M:%S").to_string()),
                Value::Null => cell.push('-'),
                Value::NullAs(s) => cell.push_str(s),
                Value::Strings(l) => {
                    let mut text = Vec::new();
                    for (i, b) in l.iter().enumerate() {
                        if i > 0 {
                            text.push(b' ');
                        }
                        escape_control(b, &mut text);
                    }
                    cell.push_str(&String::from_utf8_lossy(&text));
                }
                Value::Addr(a) => cell.push_str(&a.to_string()),
                Value::Uints(l) => cell.push_str(&joined(l)),
                Value::Bytes(_) => unreachable!(),
            }
            let mut s = String::new();
            pad_into(&mut s, &cell, c.width, c.align, last);
            buf.extend_from_slice(s.as_bytes());
        }
        buf.push(b'\n');
    }

    fn json_row(&self, buf: &mut Vec<u8>, cells: &[Value]) {
        buf.push(b'{');
        let shown = self
            .columns
            .iter()
            .zip(cells)
            .filter(|(c, _)| !c.table_only);
        for (i, (c, v)) in shown.enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            json_field(buf, &c.key, v);
        }
        buf.extend_from_slice(b"}\n");
    }

    /// Text that is not a row (a ready line a tool words itself, a note):
    /// on stdout in the table, at once; with --json on stderr, so that
    /// stdout stays JSON Lines.
    pub fn note(&self, text: &str) {
        match self.format {
            Format::Table | Format::Csv => {
                self.text(text);
                self.flush();
            }
            Format::Json => eprint!("{text}"),
        }
    }

    /// Free-form text, for tools whose output is not a table of rows.
    pub fn text(&self, s: &str) {
        self.write(|w| w.write_all(s.as_bytes()));
    }

    /// One record of a tool whose output is not a table of rows: `line` as
    /// it is in the table, `fields` as one JSON object with --json.
    pub fn record(&self, line: &str, fields: &[(&str, Value)]) {
        match self.format {
            Format::Table | Format::Csv => self.text(line),
            Format::Json => {
                let mut buf = Vec::with_capacity(256);
                buf.push(b'{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        buf.push(b',');
                    }
                    json_field(&mut buf, k, v);
                }
                buf.extend_from_slice(b"}\n");
                self.write(|w| w.write_all(&buf));
            }
        }
    }

    fn write(&self, f: impl FnOnce(&mut BufWriter<W>) -> io::Result<()>) {
        if self.broken.get() {
            return;
        }
        if let Err(e) = f(&mut self.out.borrow_mut()) {
            note_write_error(&e);
            self.broken.set(true);
        }
    }

    /// Flush buffered rows; after a failed write (the reader went away, as
    /// with `| head`, or the disk is full) the output is broken and the tool
    /// should stop; `libtools::main` reports what is worth reporting.
    pub fn flush(&self) {
        if self.broken.get() {
            return;
        }
        if let Err(e) = self.out.borrow_mut().flush() {
            note_write_error(&e);
            self.broken.set(true);
        }
    }

    pub fn is_broken(&self) -> bool {
        self.broken.get()
    }

    /// The end of a periodic report: flush; false when the reader has gone
    /// (the value a `run::summaries` or `periodic::reports` closure returns).
    pub fn end_report(&self) -> bool {
        self.flush();
        !self.is_broken()
    }

    #[cfg(test)]
    fn into_inner(self) -> W {
        self.out.into_inner().into_inner().ok().unwrap()
    }
}

/// A cell's text as the table shows it, unpadded (control bytes escaped).
fn cell_text(out: &mut Vec<u8>, c: &Column, v: &Value) {
    let s = match v {
        Value::Bytes(b) => return escape_control(b, out),
        Value::Strings(l) => {
            for (i, b) in l.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                escape_control(b, out);
            }
            return;
        }
        Value::Int(n) => n.to_string(),
        Value::Uint(n) => n.to_string(),
        Value::Str(s) => s.to_string(),
        Value::Octal(n) => format!("{n:0w$o}", w = c.width),
        Value::Fixed(x, d) => format!("{x:.d$}"),
        Value::Errno(e) => e.to_string(),
        Value::Time(t) => t.format("%H:%M:%S").to_string(),
        Value::Null => "-".to_string(),
        Value::NullAs(s) => s.to_string(),
        Value::Addr(a) => a.to_string(),
        Value::Uints(l) => joined(l),
    };
    out.extend_from_slice(s.as_bytes());
}

/// One CSV field: as it is, or quoted with its quotes doubled where it
/// holds a comma, a quote or a line break.
pub fn csv_field(out: &mut Vec<u8>, text: &[u8]) {
    if !text
        .iter()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    {
        return out.extend_from_slice(text);
    }
    out.push(b'"');
    for &b in text {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

fn pad_into(out: &mut String, s: &str, width: usize, align: Align, last: bool) {
    let n = s.chars().count();
    let pad = width.saturating_sub(n);
    if align == Align::Right {
        out.extend(std::iter::repeat_n(' ', pad));
    }
    out.push_str(s);
    if !last {
        if align == Align::Left {
            out.extend(std::iter::repeat_n(' ', pad));
        }
        out.push(' ');
    }
}

/// `"key":value` for one cell (an errno also adds `"<key>_name"`).
pub fn json_field(buf: &mut Vec<u8>, key: &str, v: &Value) {
    json_string(buf, key.as_bytes());
    buf.push(b':');
    match v {
        Value::Int(n) => buf.extend_from_slice(n.to_string().as_bytes()),
        Value::Uint(n) | Value::Octal(n) => buf.extend_from_slice(n.to_string().as_bytes()),
        Value::Str(s) => json_string(buf, s.as_bytes()),
        Value::Fixed(x, _) if x.is_finite() => buf.extend_from_slice(x.to_string().as_bytes()),
        Value::Fixed(..) => buf.extend_from_slice(b"null"),
        Value::Bytes(b) => {
            json_string(buf, b);
            // U+FFFD in the string loses bytes: give them back, in base64.
            if std::str::from_utf8(b).is_err() {
                buf.push(b',');
                json_string(buf, format!("{key}_bytes").as_bytes());
                buf.push(b':');
                buf.push(b'"');
                base64(b, buf);
                buf.push(b'"');
            }
        }
        Value::Errno(e) => {
            buf.extend_from_slice(e.to_string().as_bytes());
            buf.push(b',');
            json_string(buf, format!("{}_name", key).as_bytes());
            buf.push(b':');
            match names::errno_name(*e) {
                Some(n) if *e != 0 => json_string(buf, n.as_bytes()),
                _ => buf.extend_from_slice(b"null"),
            }
        }
        Value::Time(t) => json_string(
            buf,
            t.to_rfc3339_opts(SecondsFormat::Micros, false).as_bytes(),
        ),
        Value::Null | Value::NullAs(_) => buf.extend_from_slice(b"null"),
        Value::Addr(a) => json_string(buf, a.to_string().as_bytes()),
        Value::Uints(l) => {
            buf.push(b'[');
            buf.extend_from_slice(joined(l).replace(' ', ",").as_bytes());
            buf.push(b']');
        }
        Value::Strings(l) => {
            buf.push(b'[');
            for (i, b) in l.iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                json_string(buf, b);
            }
            buf.push(b']');
        }
    }
}

/// Write a whole report to stdout; a reader that went away (`| head`) is
/// not an error, any other failure is reported at exit.
pub fn print_or_quit(text: &str) {
    if let Err(e) = StdoutFd.write_all(text.as_bytes()) {
        note_write_error(&e);
    }
}

/// Bytes from the kernel or a process, made safe for a terminal and a
/// line-based reader: C0 controls, DEL and C1 controls (U+0080-U+009F,
/// which some terminals obey: U+009B is CSI) are escaped, and so is each
/// byte that is not UTF-8 (`\xff`), so that the bytes can be told back.
pub fn escape_control(b: &[u8], out: &mut Vec<u8>) {
    for chunk in b.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\n' => out.extend_from_slice(b"\\n"),
                '\t' => out.extend_from_slice(b"\\t"),
                '\r' => out.extend_from_slice(b"\\r"),
                '\\' => out.extend_from_slice(b"\\\\"),
                '\0'..='\x1f' | '\x7f' => {
                    out.extend_from_slice(format!("\\x{:02x}", c as u32).as_bytes())
                }
                '\u{80}'..='\u{9f}' => {
                    out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes())
                }
                c => {
                    let mut tmp = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
                }
            }
        }
        for &byte in chunk.invalid() {
            out.extend_from_slice(format!("\\x{byte:02x}").as_bytes());
        }
    }
}

/// [`escape_control`] into a `String`, for text a tool lays out itself
/// (the top-like screens, stack headings).
pub fn escaped(b: &[u8]) -> String {
    let mut out = Vec::with_capacity(b.len());
    escape_control(b, &mut out);
    // escape_control writes ASCII escapes and whole UTF-8 characters only.
    String::from_utf8(out).unwrap_or_default()
}

/// Standard base64 with padding (RFC 4648), for bytes that are not UTF-8.
pub fn base64(bytes: &[u8], out: &mut Vec<u8>) {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for chunk in bytes.chunks(3) {
        let n = chunk.len();
        let v = (chunk[0] as u32) << 16
            | (*chunk.get(1).unwrap_or(&0) as u32) << 8
            | *chunk.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= n {
                out.push(ABC[(v >> (18 - 6 * i) & 63) as usize]);
            } else {
                out.push(b'=');
            }
        }
    }
}

/// A JSON string literal for arbitrary bytes; invalid UTF-8 becomes U+FFFD.
pub fn json_string(out: &mut Vec<u8>, b: &[u8]) {
    out.push(b'"');
    for chunk in b.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.extend_from_slice(b"\\\""),
                '\\' => out.extend_from_slice(b"\\\\"),
                '\n' => out.extend_from_slice(b"\\n"),
                '\r' => out.extend_from_slice(b"\\r"),
                '\t' => out.extend_from_slice(b"\\t"),
                c if (c as u32) < 0x20 || ('\u{7f}'..='\u{9f}').contains(&c) => {
                    out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes())
                }
                c => {
                    let mut tmp = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
                }
            }
        }
        if !chunk.invalid().is_empty() {
            out.extend_from_slice("\u{fffd}".as_bytes());
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols() -> Vec<Column> {
        vec![
            Column::left("PID", 6),
            Column::left("COMM", 16),
            Column::right("FD", 3),
            Column::right("ERR", 3),
            Column::left("PATH", 0),
        ]
    }

    fn render(format: Format, rows: &[Vec<Value>]) -> String {
        let out = Output::new(format, cols(), Vec::new());
        if format == Format::Table {
            out.ready("test");
        }
        for r in rows {
            out.row(r);
        }
        out.flush();
        String::from_utf8_lossy(&out.into_inner()).into_owned()
    }

    #[test]
    fn strings_are_an_array_in_json_and_joined_in_the_table() {
        let args: [&[u8]; 3] = [b"echo", b"a \"b\"", b""];
        let out = Output::new(Format::Json, vec![Column::left("ARGS", 0)], Vec::new());
        out.row(&[Value::Strings(&args)]);
        out.flush();
        let json = String::from_utf8(out.into_inner()).unwrap();
        assert_eq!(json, "{\"args\":[\"echo\",\"a \\\"b\\\"\",\"\"]}\n");
        let out = Output::new(Format::Table, vec![Column::left("ARGS", 0)], Vec::new());
        out.row(&[Value::Strings(&args)]);
        out.flush();
        assert_eq!(
            String::from_utf8(out.into_inner()).unwrap(),
            "echo a \"b\" \n"
        );
    }

    #[test]
    fn csv_is_the_table_text_unpadded_and_quoted_where_needed() {
        let cols = vec![
            Column::left("PID", 6),
            Column::left("->", 2).table_only(),
            Column::left("COMM", 10),
            Column::left("MS", 0),
        ];
        let out = Output::new(Format::Csv, cols, Vec::new());
        out.ready("test");
        out.row(&[
            Value::Uint(7),
            Value::Str("->"),
            Value::Bytes(b"a,\"b\"\x1b"),
            Value::Fixed(1.5, 3),
        ]);
        out.row(&[
            Value::Uint(8),
            Value::Str("->"),
            Value::Bytes(b"sh"),
            Value::Fixed(0.0, 3),
        ]);
        out.flush();
        assert_eq!(
            String::from_utf8(out.into_inner()).unwrap(),
            "PID,COMM,MS\n7,\"a,\"\"b\"\"\\x1b\",1.500\n8,sh,0.000\n"
        );
    }

    #[test]
    fn table_matches_printf_layout() {
        let s = render(
            Format::Table,
            &[vec![
                Value::Uint(1234),
                Value::Bytes(b"cat"),
                Value::Int(3),
                Value::Errno(0),
                Value::Bytes(b"/etc/passwd"),
            ]],
        );
        let expect = format!(
            "{:<6} {:<16} {:>3} {:>3} {}\n{:<6} {:<16} {:>3} {:>3} {}\n",
            "PID", "COMM", "FD", "ERR", "PATH", 1234, "cat", 3, 0, "/etc/passwd"
        );
        assert_eq!(s, expect);
    }

    #[test]
    fn table_escapes_control_characters_and_keeps_other_bytes() {
        let s = render(
            Format::Table,
            &[vec![
                Value::Uint(1),
                Value::Bytes(b"x"),
                Value::Int(-1),
                Value::Errno(2),
                Value::Bytes(b"/tmp/a\nb\xff"),
            ]],
        );
        let last = s.lines().last().unwrap();
        assert!(last.ends_with("/tmp/a\\nb\\xff"), "{last:?}");
        assert_eq!(s.lines().count(), 2);
    }

    #[test]
    fn json_escapes_odd_paths() {
        let s = render(
            Format::Json,
            &[vec![
                Value::Uint(7),
                Value::Bytes(b"sh"),
                Value::Int(-1),
                Value::Errno(2),
                Value::Bytes(b"/tmp/\"q\"\\\n\x01\xfe\xffend"),
            ]],
        );
        let v: serde_json::Value = serde_json::from_str(s.trim_end()).unwrap();
        assert_eq!(v["pid"], 7);
        assert_eq!(v["fd"], -1);
        assert_eq!(v["err"], 2);
        assert_eq!(v["err_name"], "ENOENT");
        assert_eq!(v["path"], "/tmp/\"q\"\\\n\u{1}\u{fffd}\u{fffd}end");
        let mut b64 = Vec::new();
        base64(b"/tmp/\"q\"\\\n\x01\xfe\xffend", &mut b64);
        assert_eq!(v["path_bytes"], std::str::from_utf8(&b64).unwrap());
        assert!(v["comm"].is_string() && v.get("comm_bytes").is_none());
    }

    #[test]
    fn json_null_and_time() {
        let out = Output::new(
            Format::Json,
            vec![Column::left("TIME", 8), Column::left("AUDIT", 5)],
            Vec::new(),
        );
        out.row(&[Value::Time(Local::now()), Value::Null]);
        out.flush();
        let s = String::from_utf8(out.into_inner()).unwrap();
        let v: serde_json::Value = serde_json::from_str(s.trim_end()).unwrap();
        assert!(v["audit"].is_null());
        let t = v["time"].as_str().unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(t).is_ok(), "{t}");
    }

    #[test]
    fn fixed_decimals_are_rounded_in_table_and_numbers_in_json() {
        let c = vec![Column::left("AGE(s)", 7), Column::left("X", 0)];
        let t = Output::new(Format::Table, c.clone(), Vec::new());
        t.row(&[Value::Fixed(1.23456, 2), Value::Fixed(0.5, 3)]);
        t.flush();
        assert_eq!(
            String::from_utf8(t.into_inner()).unwrap(),
            "1.23    0.500\n"
        );
        let j = Output::new(Format::Json, c, Vec::new());
        j.row(&[Value::Fixed(1.5, 2), Value::Fixed(f64::NAN, 3)]);
        j.flush();
        assert_eq!(
            String::from_utf8(j.into_inner()).unwrap(),
            "{\"age_s\":1.5,\"x\":null}\n"
        );
    }

    #[test]
    fn table_only_columns_stay_out_of_json() {
        let c = vec![
            Column::left("OLD", 3),
            Column::left("->", 2).table_only(),
            Column::left("NEW", 3),
        ];
        let cells = [Value::Str("a"), Value::Str("->"), Value::Str("b")];
        let t = Output::new(Format::Table, c.clone(), Vec::new());
        t.row(&cells);
        t.flush();
        assert_eq!(String::from_utf8(t.into_inner()).unwrap(), "a   -> b\n");
        let j = Output::new(Format::Json, c, Vec::new());
        j.row(&cells);
        j.flush();
        assert_eq!(
            String::from_utf8(j.into_inner()).unwrap(),
            "{\"old\":\"a\",\"new\":\"b\"}\n"
        );
    }

    #[test]
    fn json_keys_are_snake_case() {
        assert_eq!(json_key("COMM"), "comm");
        assert_eq!(json_key("AGE(s)"), "age_s");
        assert_eq!(json_key("LADDR:LPORT"), "laddr_lport");
        assert_eq!(json_key("EXIT_CODE"), "exit_code");
        assert_eq!(json_key("T"), "t");
    }

    #[test]
    fn octal_is_zero_padded_in_table_and_a_number_in_json() {
        let c = vec![Column::left("FLAGS", 8)];
        let t = Output::new(Format::Table, c.clone(), Vec::new());
        t.row(&[Value::Octal(0o100101)]);
        t.flush();
        assert_eq!(String::from_utf8(t.into_inner()).unwrap(), "00100101\n");
        let j = Output::new(Format::Json, c, Vec::new());
        j.row(&[Value::Octal(0o100101)]);
        j.flush();
        assert_eq!(
            String::from_utf8(j.into_inner()).unwrap(),
            "{\"flags\":32833}\n"
        );
    }

    #[test]
    fn c1_controls_and_stray_bytes_are_escaped() {
        let mut t = Vec::new();
        escape_control("a\u{9b}31mb\x1bc".as_bytes(), &mut t);
        escape_control(b"\x9b\xc3", &mut t);
        assert_eq!(
            String::from_utf8(t).unwrap(),
            "a\\u009b31mb\\x1bc\\x9b\\xc3"
        );
        let mut j = Vec::new();
        json_string(&mut j, "x\u{85}é".as_bytes());
        assert_eq!(String::from_utf8(j).unwrap(), "\"x\\u0085é\"");
    }

    #[test]
    fn base64_as_rfc4648() {
        for (raw, enc) in [
            (&b""[..], ""),
            (b"f", "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg=="),
            (b"\xff\xfe", "//4="),
        ] {
            let mut out = Vec::new();
            base64(raw, &mut out);
            assert_eq!(out, enc.as_bytes());
        }
    }
}
