//! Whole-line checks of a table's layout. A tool's layout is written down
//! as the printf format libbpf-tools (or bcc) prints it with, say
//! `"%-6d %-16s %3d %3d %s"`; the header and the rows are then compared
//! with it as whole lines, so that a column printed one space off (a
//! header that does not sit over its data) fails the test, and not only a
//! wrong value. Fields that change from run to run (the time, a latency)
//! are masked with `Cell::Time`, `Cell::Num` or `Cell::Word`; every other
//! field is known and compared as text.

use std::fmt::Display;

/// One conversion of a printf format: `%-16s` is left-aligned, width 16.
#[derive(Clone, Copy, Debug)]
struct Conv {
    left: bool,
    width: usize,
    /// `%-12.12s`: at most 12 characters.
    precision: Option<usize>,
}

#[derive(Clone, Debug)]
enum Piece {
    Lit(String),
    Conv(Conv),
}

/// A table layout in printf notation (flags `-` and a width; the length
/// modifiers and the conversion letter do not matter here, cells are text).
#[derive(Clone, Debug)]
pub struct Printf {
    format: String,
    pieces: Vec<Piece>,
}

/// An expected cell of a row: its exact text, or a mask for a field that
/// varies from run to run.
#[derive(Clone, Debug)]
pub enum Cell {
    Is(String),
    /// `HH:MM:SS`.
    Time,
    /// A number: digits, maybe a sign and a decimal point.
    Num,
    /// Any text without spaces.
    Word,
    /// Any text to the end of the line (the last cell only).
    Rest,
}

/// The exact text of a cell.
pub fn is(v: impl Display) -> Cell {
    Cell::Is(v.to_string())
}

impl Cell {
    fn accepts(&self, c: char) -> bool {
        match self {
            Cell::Time => c.is_ascii_digit() || c == ':',
            Cell::Num => c.is_ascii_digit() || c == '.' || c == '-',
            Cell::Word => !c.is_whitespace(),
            Cell::Rest => true,
            Cell::Is(_) => unreachable!(),
        }
    }

    fn valid(&self, text: &str) -> bool {
        match self {
            Cell::Time => {
                let b = text.as_bytes();
                b.len() == 8 && b[2] == b':' && b[5] == b':'
            }
            Cell::Num => text.parse::<f64>().is_ok(),
            _ => true,
        }
    }

    fn shown(&self) -> String {
        match self {
            Cell::Is(s) => s.clone(),
            Cell::Time => "<HH:MM:SS>".into(),
            Cell::Num => "<number>".into(),
            Cell::Word => "<word>".into(),
            Cell::Rest => "<...>".into(),
        }
    }
}

fn pad(text: &str, c: Conv) -> String {
    let text: String = text
        .chars()
        .take(c.precision.unwrap_or(usize::MAX))
        .collect();
    if c.left {
        format!("{text:<w$}", w = c.width)
    } else {
        format!("{text:>w$}", w = c.width)
    }
}

impl Printf {
    pub fn new(format: &str) -> Printf {
        let mut pieces = Vec::new();
        let mut lit = String::new();
        let mut chars = format.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '%' {
                lit.push(c);
                continue;
            }
            if chars.peek() == Some(&'%') {
                chars.next();
                lit.push('%');
                continue;
            }
            if !lit.is_empty() {
                pieces.push(Piece::Lit(std::mem::take(&mut lit)));
            }
            let left = chars.next_if_eq(&'-').is_some();
            let mut width = 0;
            while let Some(d) = chars.next_if(char::is_ascii_digit) {
                width = width * 10 + d.to_digit(10).unwrap() as usize;
            }
            let precision = chars.next_if_eq(&'.').map(|_| {
                let mut p = 0;
                while let Some(d) = chars.next_if(char::is_ascii_digit) {
                    p = p * 10 + d.to_digit(10).unwrap() as usize;
                }
                p
            });
            while chars.next_if(|c| "lhz".contains(*c)).is_some() {}
            let conv = chars.next().expect("a conversion letter after %");
            assert!(
                "sdiuxcf".contains(conv),
                "unsupported %{conv} in {format:?}"
            );
            pieces.push(Piece::Conv(Conv {
                left,
                width,
                // %.Ns cuts a string to N; %.Nf is digits, not a cut.
                precision: precision.filter(|_| conv != 'f'),
            }));
        }
        if !lit.is_empty() {
            pieces.push(Piece::Lit(lit));
        }
        Printf {
            format: format.to_string(),
            pieces,
        }
    }

    fn convs(&self) -> usize {
        self.pieces
            .iter()
            .filter(|p| matches!(p, Piece::Conv(_)))
            .count()
    }

    /// The line printf would print with these cells, without trailing
    /// spaces (the tools do not pad their last column).
    pub fn line(&self, cells: &[&str]) -> String {
        assert_eq!(cells.len(), self.convs(), "cells for {:?}", self.format);
        let mut cells = cells.iter();
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Lit(s) => out.push_str(s),
                Piece::Conv(c) => out.push_str(&pad(cells.next().unwrap(), *c)),
            }
        }
        out.trim_end().to_string()
    }

    /// The header must be exactly `names` laid out by this format.
    pub fn assert_header(&self, line: &str, names: &[&str]) {
        assert_eq!(
            line,
            self.line(names),
            "header (printf layout {:?})",
            self.format
        );
    }

    /// Whether `line` is this format applied to `cells`, masks matching
    /// what they stand for, padded to the width as printf pads.
    pub fn matches(&self, line: &str, cells: &[Cell]) -> bool {
        assert_eq!(cells.len(), self.convs(), "cells for {:?}", self.format);
        let mut rest = line;
        let mut cells = cells.iter();
        for p in &self.pieces {
            match p {
                Piece::Lit(s) => match rest.strip_prefix(s.as_str()) {
                    Some(r) => rest = r,
                    // A line ends without the padding after its last field.
                    None if rest.is_empty() && s.trim().is_empty() => {}
                    None => return false,
                },
                Piece::Conv(c) => {
                    let cell = cells.next().unwrap();
                    match cell {
                        Cell::Is(text) => {
                            let want = pad(text, *c);
                            if let Some(r) = rest.strip_prefix(want.as_str()) {
                                rest = r;
                            } else if rest == want.trim_end() {
                                rest = "";
                            } else {
                                return false;
                            }
                        }
                        mask => {
                            let spaces = if c.left {
                                0
                            } else {
                                rest.len() - rest.trim_start_matches(' ').len()
                            };
                            let body = &rest[spaces..];
                            let n = body.find(|ch| !mask.accepts(ch)).unwrap_or(body.len());
                            if n == 0 || !mask.valid(&body[..n]) {
                                return false;
                            }
                            // printf pads to the width, never cuts.
                            let mut used = spaces + n;
                            if c.left && n < c.width {
                                let after = &body[n..];
                                let pad = after.len() - after.trim_start_matches(' ').len();
                                if pad < c.width - n && !after[pad..].is_empty() {
                                    return false;
                                }
                                used += pad.min(c.width - n);
                            } else if used != c.width.max(n) {
                                return false;
                            }
                            rest = &rest[used..];
                        }
                    }
                }
            }
        }
        rest.is_empty()
    }

    /// The expected line with the masks shown, for failure messages.
    pub fn shown(&self, cells: &[Cell]) -> String {
        let texts: Vec<String> = cells.iter().map(Cell::shown).collect();
        self.line(&texts.iter().map(String::as_str).collect::<Vec<_>>())
    }

    /// The first of `lines` that is this layout applied to `cells`; fails
    /// the test, showing the expected line and all lines, when none is.
    pub fn find<'a>(&self, lines: &'a [String], cells: &[Cell]) -> &'a str {
        lines
            .iter()
            .find(|l| self.matches(l, cells))
            .unwrap_or_else(|| {
                panic!(
                    "no line laid out as {:?}:\n  want {:?}\nin:\n{}",
                    self.format,
                    self.shown(cells),
                    lines
                        .iter()
                        .map(|l| format!("  {l:?}"))
                        .collect::<Vec<_>>()
                        .join("\n")
                )
            })
    }
}

#[test]
fn printf_layouts_match_whole_lines() {
    let p = Printf::new("%-8s %-6d %-16s %3d %s");
    assert_eq!(
        p.line(&["TIME", "PID", "COMM", "FD", "PATH"]),
        "TIME     PID    COMM              FD PATH"
    );
    let good = "12:34:56 1234   cat                3 /etc/passwd";
    let row = [
        Cell::Time,
        is(1234),
        is("cat"),
        Cell::Num,
        is("/etc/passwd"),
    ];
    assert!(p.matches(good, &row));
    // One space more or less anywhere, trailing spaces, a wrong value.
    for bad in [
        "12:34:56  1234   cat                3 /etc/passwd",
        "12:34:56 1234   cat               3 /etc/passwd",
        "12:34:56 1234   cat                 3 /etc/passwd",
        "12:34:56 1234   cat                3 /etc/passwd ",
        "12:34:56 1235   cat                3 /etc/passwd",
        "12:34 1234   cat                3 /etc/passwd",
    ] {
        assert!(!p.matches(bad, &row), "{bad:?}");
    }
    // A number wider than its column pushes the rest right, as printf does.
    assert!(p.matches("12:34:56 1234   cat              1234 /etc/passwd", &row));
    // A left-aligned last column is not padded.
    let p = Printf::new("%-7d %-6s");
    assert!(p.matches("1       ab", &[is(1), Cell::Word]));
    assert!(p.matches("1       ab", &[is(1), is("ab")]));
    assert!(!p.matches("1        ab", &[is(1), Cell::Word]));
    assert!(!p.matches("1 ab", &[is(1), is("ab")]));
}
