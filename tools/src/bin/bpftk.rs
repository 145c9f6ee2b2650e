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
    let arg1 = std::env::args().nth(1);
    match arg1.as_deref() {
        Some("list") => {
            for t in TOOLS {
                println!("{:<14} {}", t.name, t.about);
            }
        }
        Some("-h" | "--help") => println!("bpftk: ready-made eBPF observability tools\n\n{USAGE}"),
        Some("-V" | "--version") => println!("bpftk {}", libtools::version!()),
        Some(name) => match TOOLS.iter().find(|t| t.name == name) {
            Some(tool) => (tool.main)(),
            None => {
                eprintln!("bpftk: error: no tool named {name} (bpftk list shows them)");
                std::process::exit(2);
            }
        },
        None => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    }
}
