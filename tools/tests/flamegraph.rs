//! flamegraph on input no tool of ours writes: the SVG must stay a
//! well-formed XML document whatever bytes a frame holds.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_flamegraph");

fn draw(input: &[u8], args: &[&str]) -> String {
    let mut fg = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    fg.stdin.take().unwrap().write_all(input).unwrap();
    let out = fg.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("the SVG is UTF-8")
}

/// A character XML 1.0 allows in a document.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

#[test]
fn control_bytes_and_bad_utf8_are_escaped_not_fatal() {
    let input =
        b"main;evil\x1b[31m\x01frame;leaf 5\r\nmain;bad\xff\xfeutf8 3\nmain;back\\\\slash 2\n";
    let svg = draw(input, &[]);
    let bad: Vec<char> = svg.chars().filter(|&c| !xml_char(c)).collect();
    assert!(bad.is_empty(), "characters XML forbids: {bad:?}");
    // The bytes are there to be read back, as the stack tools escape them.
    assert!(
        svg.contains("evil\\x1b[31m\\x01frame"),
        "escaped frame missing"
    );
    assert!(svg.contains("bad\\xff\\xfeutf8"), "bad UTF-8 frame missing");
    assert!(svg.contains("back\\\\slash"), "backslashes doubled or lost");
    // The root bar is labelled, as flamegraph.pl labels it.
    assert!(svg.contains("<title>all (10 samples, 100%)</title>"));
    assert!(svg.contains(">all</text>"), "the root bar has no label");
}

#[test]
fn widths_must_be_finite_pixels() {
    for w in ["inf", "nan", "-1", "NaN", "-inf"] {
        assert_usage_error(BIN, &["--minwidth", w]);
    }
    let svg = draw(b"a;b 1\n", &["--minwidth", "0"]);
    assert!(svg.contains(">b</text>"));
}
