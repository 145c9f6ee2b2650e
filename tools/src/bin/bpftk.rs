//! The multicall binary: `bpftk TOOL [ARGS]`, `bpftk list`, or a link named
//! after a tool (with or without a packager's prefix), busybox-style.

use std::path::Path;

use bpftk::{tool_for_program, TOOLS};

const USAGE: &str = "usage: bpftk TOOL [ARGS...]   run a tool (bpftk TOOL --help for its options)
       bpftk list              list the tools";

fn main() {
    let argv0 = std::env::args_os().next().unwrap_or_default();
    let program = Path::new(&argv0)
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    if let Some(tool) = tool_for_program(&program) {
        (tool.main)();
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let text = match args.first().map(String::as_str) {
        Some("list") if args.len() == 1 => TOOLS
            .iter()
            .map(|t| format!("{:<14} {}\n", t.name, t.about))
            .collect(),
        Some("list") => usage_error("bpftk list takes no arguments"),
        Some("-h" | "--help") => {
            format!("bpftk: ready-made eBPF observability tools\n\n{USAGE}\n")
        }
        Some("-V" | "--version") => format!("bpftk {}\n", libtools::version!()),
        Some(name) => match TOOLS.iter().find(|t| t.name == name) {
            Some(tool) => (tool.main)(),
            None => usage_error(&format!("no tool named {name} (bpftk list shows them)")),
        },
        None => usage_error(""),
    };
    libtools::output::print_or_quit(&text);
    if let Some(e) = libtools::output::write_error() {
        eprintln!("bpftk: error: cannot write output: {e}");
        std::process::exit(1);
    }
}

/// A usage error: the reason (if any) and the usage, exit status 2.
fn usage_error(why: &str) -> ! {
    if !why.is_empty() {
        eprintln!("bpftk: error: {why}");
    }
    eprintln!("{USAGE}");
    std::process::exit(2)
}
