//! Reading the stack tools' `--format pprof` files with the real client:
//! `go tool pprof` from Debian's golang-go (scripts/setup installs it).

use std::path::Path;
use std::process::Command;

/// `go tool pprof ARGS FILE`'s standard output; it must succeed. go keeps
/// a build cache and pprof its settings under HOME: both go to a fresh
/// directory, removed after.
pub fn go_pprof(args: &[&str], file: &Path) -> String {
    let home = super::unique_path("go-home");
    std::fs::create_dir(&home).unwrap();
    let out = Command::new("go")
        .args(["tool", "pprof"])
        .args(args)
        .arg(file)
        .env("HOME", &home)
        .env("GOCACHE", home.join("cache"))
        .env("PPROF_TMPDIR", &home)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run go tool pprof (scripts/setup installs golang-go): {e}")
        });
    let _ = std::fs::remove_dir_all(&home);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "go tool pprof {args:?} {file:?}: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// A function's line in `-top`: flat and cumulative, as printed and in
/// per cent of the total.
#[derive(Debug)]
pub struct TopRow {
    pub flat: String,
    pub flat_pct: f64,
    pub cum: String,
    pub cum_pct: f64,
    pub name: String,
}

/// The function lines of `go tool pprof -top` (after `flat  flat%  ...`).
pub fn top_rows(text: &str) -> Vec<TopRow> {
    let pct = |s: &str| -> f64 {
        s.trim_end_matches('%')
            .parse()
            .unwrap_or_else(|_| panic!("{s:?}"))
    };
    text.lines()
        .skip_while(|l| !l.trim_start().starts_with("flat  flat%"))
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert!(f.len() >= 6, "not a -top line: {l:?}");
            TopRow {
                flat: f[0].into(),
                flat_pct: pct(f[1]),
                cum: f[3].into(),
                cum_pct: pct(f[4]),
                name: f[5..].join(" "),
            }
        })
        .collect()
}

/// The `-top` line of function `name`.
pub fn top_row<'a>(rows: &'a [TopRow], name: &str) -> &'a TopRow {
    rows.iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no {name} in -top: {rows:?}"))
}

/// One sample of `go tool pprof -traces`: its labels, its value as
/// printed, and its frames, leaf first.
#[derive(Debug)]
pub struct Trace {
    pub labels: Vec<(String, String)>,
    pub value: String,
    pub frames: Vec<String>,
}

impl Trace {
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The samples of `-traces`: blocks after `-----------+----` lines, each
/// `key:  value` label lines, then `VALUE   leaf` and a frame a line.
pub fn traces(text: &str) -> Vec<Trace> {
    let mut out = Vec::new();
    for block in text.split("-----------+").skip(1) {
        let mut t = Trace {
            labels: Vec::new(),
            value: String::new(),
            frames: Vec::new(),
        };
        for line in block.lines().skip(1) {
            let trimmed = line.trim();
            if trimmed.is_empty() {
                continue;
            }
            match trimmed.split_once(":  ") {
                Some((k, v)) if t.value.is_empty() && !k.contains(' ') => {
                    t.labels.push((k.into(), v.trim().into()))
                }
                _ if t.value.is_empty() => {
                    let (value, leaf) = trimmed
                        .split_once(char::is_whitespace)
                        .unwrap_or_else(|| panic!("not a sample line: {line:?}"));
                    t.value = value.into();
                    t.frames.push(leaf.trim().into());
                }
                // The profile's comment follows the last trace, unended.
                _ if !line.starts_with(' ') => break,
                _ => t.frames.push(trimmed.into()),
            }
        }
        if !t.value.is_empty() {
            out.push(t);
        }
    }
    out
}

/// The values of each sample of `go tool pprof -raw`, one per sample type
/// (the lines `  3   30303030: 1 2 3` under `Samples:`).
pub fn raw_values(text: &str) -> Vec<Vec<u64>> {
    text.lines()
        .skip_while(|l| *l != "Samples:")
        .skip(2)
        .take_while(|l| *l != "Locations")
        .filter_map(|l| {
            let (values, _) = l.split_once(':')?;
            values
                .split_whitespace()
                .map(|v| v.parse().ok())
                .collect::<Option<Vec<u64>>>()
                .filter(|v| !v.is_empty())
        })
        .collect()
}

/// The GNU build ID of an ELF file, as `readelf -n` prints it.
pub fn readelf_build_id(path: &Path) -> String {
    let out = Command::new("readelf")
        .arg("-n")
        .arg(path)
        .output()
        .expect("readelf (binutils)");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.trim().strip_prefix("Build ID: ").map(String::from))
        .unwrap_or_else(|| panic!("{path:?} has no build ID"))
}
