//! flamegraph: folded stacks in (profile -f, offcputime -f, stackcount -f),
//! an interactive SVG flame graph out, drawn by inferno.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use clap::Parser;
use inferno::flamegraph::{self, color::MultiPalette, Direction, Options, Palette};
use libtools::{bail, Context, Result};

const EXAMPLES: &str = "EXAMPLES:
    profile -af 30 | flamegraph > cpu.svg        # a CPU flame graph, kernel frames orange
    profile -df 30 | flamegraph > cpu.svg        # the same, kernel frames found by the - delimiter
    offcputime -f 10 | flamegraph --colors io --countname us > off.svg
    flamegraph --inverted --title 'Icicle' stacks.folded > icicle.svg";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("FRAME;FRAME;... COUNT", "an input line: a stack's frames from root to leaf joined by ;, a space and its count, as profile, offcputime, stackcount and wakeuptime print them with -f; lines with the same stack are added up, and lines without a count are ignored"),
        ("_[k]", "a suffix marking a kernel frame (profile -a); kernel frames are coloured apart from user frames"),
        ("-", "a frame between user frames and the kernel frames after it (the stack tools' -d); it is dropped, and the frames after it are drawn as kernel frames"),
        ("SVG", "the output: a box per frame, as wide as its share of all the counts, roots at the bottom (at the top with --inverted); hovering a box shows its frame, its count in --countname units and its percentage, and clicking it zooms in"),
    ],
    overhead: "flamegraph traces nothing and loads no BPF program, so it needs no privileges. It reads \
its whole input into memory, merges identical stacks and writes the SVG, at a cost that grows with \
the number of distinct stacks; very many of them make a large SVG that browsers are slow to draw, \
which --minwidth eases by leaving out the narrowest frames.",
    see_also: &["profile", "offcputime", "stackcount", "wakeuptime"],
    upstream: &[],
    hooks: crate::Hooks::None,
};

/// Draw a flame graph (SVG, on stdout) from folded stack lines
/// (`frame;frame;frame COUNT`, root first) read from FILES or stdin.
///
/// Kernel frames are those ending in `_[k]` (profile -a) or following a
/// `-` frame (profile -d); they are coloured apart from user frames.
#[derive(Parser, Debug)]
#[command(name = "flamegraph", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    /// Folded stack files (default: standard input)
    files: Vec<PathBuf>,
    /// The title at the top of the graph
    #[arg(long, default_value = "Flame Graph")]
    title: String,
    /// Colour palette: hot, mem, io, wakeup, java, js, perl, python, rust,
    /// red, green, blue, aqua, yellow, purple, orange [default: hot, or perl
    /// (kernel orange, user red, C++/Rust yellow) when frames are marked kernel]
    #[arg(long)]
    colors: Option<String>,
    /// Draw an icicle graph: roots at the top
    #[arg(long)]
    inverted: bool,
    /// Width of the image in pixels
    #[arg(long, default_value_t = 1200, value_parser = clap::value_parser!(u64).range(100..=100_000))]
    width: u64,
    /// Omit frames narrower than this many pixels
    #[arg(long, default_value_t = 0.1, value_parser = parse_minwidth)]
    minwidth: f64,
    /// What a count is, for the tooltips (samples, us, ...)
    #[arg(long, default_value = "samples")]
    countname: String,
}

fn parse_minwidth(s: &str) -> std::result::Result<f64, String> {
    match s.parse::<f64>() {
        Ok(px) if px.is_finite() && px >= 0.0 => Ok(px),
        _ => Err(format!("invalid width {s}: a number of pixels, 0 or more")),
    }
}

/// An input line as text that XML can carry: control characters (which no
/// XML document may hold) and bytes that are not UTF-8 escaped as the
/// stack tools escape them (`\x01`, `\xff`). Backslashes are kept: the
/// tools' folded output has escaped them already.
fn xml_safe(line: &[u8]) -> String {
    let pieces: Vec<String> = line.split(|&b| b == b'\\').map(libtools::output::escaped).collect();
    pieces.join("\\")
}

/// The SVG with the root bar labelled "all", as flamegraph.pl labels it
/// (inferno leaves its text empty; its tooltip already says all).
fn label_root(svg: &mut Vec<u8>) {
    const ROOT: &[u8] = b"<g><title>all (";
    let Some(root) = svg.windows(ROOT.len()).position(|w| w == ROOT) else {
        return;
    };
    const EMPTY: &[u8] = b"></text></g>";
    if let Some(at) = svg[root..].windows(EMPTY.len()).position(|w| w == EMPTY) {
        let at = root + at + 1;
        svg.splice(at..at, b"all".iter().copied());
    }
}

/// A folded line with its kernel frames marked `_[k]` and the `-`
/// delimiter dropped; true when it has a kernel frame.
pub fn mark_kernel(line: &str) -> (String, bool) {
    let Some((stack, count)) = line.trim_end().rsplit_once(' ') else {
        return (line.to_string(), false);
    };
    let mut kernel = false;
    let mut after_delimiter = false;
    let mut frames = Vec::new();
    for f in stack.split(';') {
        if f == "-" {
            after_delimiter = true;
            continue;
        }
        if after_delimiter && !f.ends_with("_[k]") {
            frames.push(format!("{f}_[k]"));
        } else {
            frames.push(f.to_string());
        }
        kernel |= after_delimiter || f.ends_with("_[k]");
    }
    (format!("{} {count}", frames.join(";")), kernel)
}

pub fn run(args: Args) -> Result<()> {
    let palette = match &args.colors {
        Some(c) => Some(
            c.parse::<Palette>()
                .map_err(|e| libtools::anyhow!("--colors: {e}"))?,
        ),
        None => None,
    };
    let mut lines = Vec::new();
    let mut read = |r: &mut dyn BufRead, name: &str| -> Result<()> {
        for l in r.split(b'\n') {
            let l = l.with_context(|| format!("cannot read {name}"))?;
            let l = xml_safe(l.strip_suffix(b"\r").unwrap_or(&l));
            if !l.trim().is_empty() {
                lines.push(l);
            }
        }
        Ok(())
    };
    if args.files.is_empty() {
        read(&mut std::io::stdin().lock(), "standard input")?;
    } else {
        for f in &args.files {
            let file = std::fs::File::open(f).with_context(|| format!("{}", f.display()))?;
            read(&mut std::io::BufReader::new(file), &f.to_string_lossy())?;
        }
    }
    let mut any_kernel = false;
    let marked: Vec<String> = lines
        .iter()
        .map(|l| {
            let (m, k) = mark_kernel(l);
            any_kernel |= k;
            m
        })
        .collect();
    if marked.is_empty() {
        bail!("no stacks on input: expected folded lines like 'main;work 42'");
    }

    let mut opt = Options::default();
    opt.title = args.title.clone();
    opt.colors = match palette {
        Some(p) => p,
        None if any_kernel => Palette::Multi(MultiPalette::Perl),
        None => Palette::default(),
    };
    if args.inverted {
        opt.direction = Direction::Inverted;
    }
    opt.image_width = Some(args.width as usize);
    opt.min_width = args.minwidth;
    opt.count_name = args.countname.clone();

    let mut svg = Vec::with_capacity(64 * 1024);
    flamegraph::from_lines(&mut opt, marked.iter().map(String::as_str), &mut svg)
        .map_err(|e| libtools::anyhow!("cannot draw the flame graph: {e}"))?;
    label_root(&mut svg);
    let mut out = std::io::stdout().lock();
    if out.write_all(&svg).and_then(|_| out.flush()).is_err() {
        return Ok(()); // the reader went away
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_is_made_fit_for_xml() {
        assert_eq!(xml_safe(b"main;a\x01b;c 3"), "main;a\\x01b;c 3");
        assert_eq!(xml_safe(b"main;\xff\xfe 1"), "main;\\xff\\xfe 1");
        assert_eq!(xml_safe(b"main;a\\\\b 1"), "main;a\\\\b 1");
        assert_eq!(xml_safe("main;caf\u{e9} 1".as_bytes()), "main;caf\u{e9} 1");
        assert!(parse_minwidth("inf").is_err());
        assert!(parse_minwidth("nan").is_err());
        assert!(parse_minwidth("-1").is_err());
        assert_eq!(parse_minwidth("0.5"), Ok(0.5));
    }

    #[test]
    fn kernel_frames_are_marked() {
        assert_eq!(mark_kernel("a;b 3"), ("a;b 3".into(), false));
        assert_eq!(
            mark_kernel("app;main;-;entry;leaf 7"),
            ("app;main;entry_[k];leaf_[k] 7".into(), true)
        );
        assert_eq!(
            mark_kernel("app;main;entry_[k] 1"),
            ("app;main;entry_[k] 1".into(), true)
        );
    }
}
