//! Man pages and shell completions, generated from the same clap
//! definitions as `--help` (see `bpftk-docs`, which scripts/install runs).
//!
//! `prefix` is a packager's APP_PREFIX (`bpf-`): installed commands, and so
//! their man pages and completions, are named `<prefix><tool>`.

use std::io::Write;

use clap_complete::Shell;
use roff::{bold, italic, roman, Roff};

use crate::{Doc, Tool, TOOLS};

/// The man section of system administration commands, as bcc uses.
pub const SECTION: &str = "8";

/// The shells that completions are written for.
pub const SHELLS: [Shell; 3] = [Shell::Bash, Shell::Zsh, Shell::Fish];

/// Not written yet: `every_tool_has_a_man_page` fails while any tool uses it.
pub const PENDING: Doc = Doc {
    columns: &[],
    overhead: "",
    see_also: &[],
    upstream: &[],
    hooks: crate::Hooks::None,
};

/// A tool's command as installed: its clap definition renamed `<prefix><tool>`.
pub fn command(tool: &Tool, prefix: &str) -> clap::Command {
    (tool.command)().name(format!("{prefix}{}", tool.name))
}

/// The multicall binary's command: every tool as a subcommand, plus `list`.
pub fn multicall_command() -> clap::Command {
    let mut cmd = clap::Command::new("bpftk")
        .about("ready-made eBPF observability tools, in one binary")
        .long_about(
            "bpftk runs any of its tools: bpftk TOOL [ARGS...] is the same as running TOOL \
             [ARGS...]. A link to bpftk named after a tool (opensnoop, or with a packager's \
             prefix, bpf-opensnoop) runs that tool, busybox-style.",
        )
        .version(libtools::version!())
        .subcommand_required(true)
        .subcommand(clap::Command::new("list").about("list the tools, one line each"));
    for t in TOOLS {
        cmd = cmd.subcommand((t.command)().about(t.about));
    }
    cmd
}

/// The man page of `tool`, in roff.
pub fn man_page(tool: &Tool, prefix: &str) -> Vec<u8> {
    let cmd = command(tool, prefix);
    let (man, mut out) = page_head(&cmd);
    let traces = is_tracer(&cmd);
    if traces {
        let mut r = Roff::new();
        r.control("PP", []);
        r.text([roman(
            "It needs root, or CAP_BPF with CAP_PERFMON, and a kernel with BTF \
             (/sys/kernel/btf/vmlinux). Run with -v to see which hook it chose on this kernel.",
        )]);
        r.to_writer(&mut out).unwrap();
    }
    man.render_options_section(&mut out).unwrap();
    let mut r = Roff::new();
    columns_section(&mut r, tool.doc, traces);
    examples_section(&mut r, &cmd, tool.name, prefix);
    r.control("SH", ["OVERHEAD"]);
    r.text([roman(tool.doc.overhead)]);
    upstream_section(&mut r, tool);
    see_also_section(&mut r, tool.doc, prefix);
    r.to_writer(&mut out).unwrap();
    man.render_version_section(&mut out).unwrap();
    single_preamble(out)
}

/// A page's generator for `cmd`, and the page up to its DESCRIPTION.
fn page_head(cmd: &clap::Command) -> (clap_mangen::Man, Vec<u8>) {
    let man = clap_mangen::Man::new(cmd.clone())
        .title(cmd.get_name().to_ascii_uppercase())
        .section(SECTION)
        .source(format!("bpftk {}", env!("CARGO_PKG_VERSION")))
        .manual("bpftk");
    let mut out = Vec::new();
    // Writes to a Vec do not fail.
    man.render_title(&mut out).unwrap();
    man.render_name_section(&mut out).unwrap();
    man.render_synopsis_section(&mut out).unwrap();
    man.render_description_section(&mut out).unwrap();
    (man, out)
}

/// A tool (every one but flamegraph) loads BPF and has the common options.
fn is_tracer(cmd: &clap::Command) -> bool {
    cmd.get_arguments().any(|a| a.get_id() == "json")
}

/// Each piece rendered on its own starts with roff's apostrophe preamble
/// (two lines): keep the first.
fn single_preamble(page: Vec<u8>) -> Vec<u8> {
    let text = String::from_utf8(page).expect("roff is UTF-8");
    let mut lines = text.lines();
    let mut out: Vec<&str> = lines.by_ref().take(2).collect();
    let preamble = out.clone();
    let rest: Vec<&str> = lines.collect();
    let mut i = 0;
    while i < rest.len() {
        if rest[i..].starts_with(&preamble) {
            i += 2;
        } else {
            out.push(rest[i]);
            i += 1;
        }
    }
    let mut s = out.join("\n");
    s.push('\n');
    s.into_bytes()
}

/// The man page of the multicall binary, bpftk(8): the tools and the links.
pub fn multicall_man_page(prefix: &str) -> Vec<u8> {
    let (man, mut out) = page_head(&multicall_command());
    let mut r = Roff::new();
    r.control("SH", ["TOOLS"]);
    for t in TOOLS {
        r.control("TP", []);
        r.text([
            bold(format!("{prefix}{}", t.name)),
            roman(format!("({SECTION})")),
        ]);
        r.text([roman(t.about)]);
    }
    r.control("SH", ["EXAMPLES"]);
    for (example, what) in [
        ("bpftk list", "the tools, one line each"),
        ("bpftk opensnoop -p 181", "run opensnoop for process 181"),
        ("bpftk profile --help", "a tool's options"),
    ] {
        r.control("TP", []);
        r.text([bold(example)]);
        r.text([roman(what)]);
    }
    r.to_writer(&mut out).unwrap();
    man.render_version_section(&mut out).unwrap();
    single_preamble(out)
}

fn columns_section(r: &mut Roff, doc: &Doc, traces: bool) {
    r.control("SH", ["COLUMNS"]);
    let json = if traces {
        " With --json the same fields are printed as JSON Lines, keys in snake case."
    } else {
        ""
    };
    r.text([roman(format!(
        "What the output shows, some parts only with the option named.{json}"
    ))]);
    for (name, meaning) in doc.columns {
        r.control("TP", []);
        r.text([bold(*name)]);
        r.text([roman(*meaning)]);
    }
}

/// EXAMPLES from the `after_help` text that `--help` shows: lines of
/// `command  # what it does`, the command renamed as installed.
fn examples_section(r: &mut Roff, cmd: &clap::Command, name: &str, prefix: &str) {
    let Some(text) = cmd.get_after_help().map(|s| s.to_string()) else {
        return;
    };
    r.control("SH", ["EXAMPLES"]);
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.ends_with(':') && !line.contains('#') {
            continue; // the "EXAMPLES:" heading
        }
        let (example, what) = line.split_once('#').unwrap_or((line, ""));
        let example = match example.strip_prefix(name) {
            Some(rest) => format!("{prefix}{name}{}", rest.trim_end()),
            None => example.trim_end().to_string(),
        };
        r.control("TP", []);
        r.text([bold(example)]);
        r.text([roman(what.trim())]);
    }
}

/// COMPATIBILITY: what differs from libbpf-tools on purpose, and why.
fn upstream_section(r: &mut Roff, tool: &Tool) {
    if tool.doc.upstream.is_empty() {
        return;
    }
    r.control("SH", ["COMPATIBILITY"]);
    r.text([roman(format!(
        "Where this tool differs from libbpf-tools' {} (bcc's where libbpf-tools has none), and why:",
        tool.name
    ))]);
    for line in tool.doc.upstream {
        r.control("IP", ["\\(bu", "2"]);
        r.text([roman(*line)]);
    }
}

fn see_also_section(r: &mut Roff, doc: &Doc, prefix: &str) {
    r.control("SH", ["SEE ALSO"]);
    let mut refs = Vec::new();
    for name in doc.see_also.iter().copied().chain(["bpftk"]) {
        let name = if name == "bpftk" {
            name.to_string()
        } else {
            format!("{prefix}{name}")
        };
        if !refs.is_empty() {
            refs.push(roman(", "));
        }
        refs.push(bold(name));
        refs.push(roman(format!("({SECTION})")));
    }
    refs.extend([
        roman(", "),
        bold("bpf"),
        roman("(2), "),
        italic("https://docs.kernel.org/bpf/"),
    ]);
    r.text(refs);
}

/// The completion script for `cmd` in `shell`.
pub fn completion(shell: Shell, cmd: &mut clap::Command) -> Vec<u8> {
    let name = cmd.get_name().to_string();
    let mut out = Vec::new();
    clap_complete::generate(shell, cmd, name, &mut out);
    out
}

/// Where a completion for `command` goes under `$PREFIX/share`.
pub fn completion_path(shell: Shell, command: &str) -> String {
    match shell {
        Shell::Bash => format!("bash-completion/completions/{command}"),
        Shell::Zsh => format!("zsh/site-functions/_{command}"),
        Shell::Fish => format!("fish/vendor_completions.d/{command}.fish"),
        _ => unreachable!("only SHELLS are written"),
    }
}

/// The README's markers around the table of tools that [`readme_table`] writes.
pub const README_BEGIN: &str = "<!-- tools table: written by bpftk-docs --readme; do not edit -->";
pub const README_END: &str = "<!-- end of tools table -->";
/// The markers of the list of differences from libbpf-tools.
pub const UPSTREAM_BEGIN: &str =
    "<!-- differences from libbpf-tools: written by bpftk-docs --readme; do not edit -->";
pub const UPSTREAM_END: &str = "<!-- end of differences -->";

/// The README's table of tools: name, summary and hooks, from the registry.
pub fn readme_table() -> String {
    let mut out = String::from(
        "| tool | what it shows | hooks, in order of preference |\n| --- | --- | --- |\n",
    );
    for t in TOOLS {
        let hooks = t
            .doc
            .hooks
            .text(|t| format!("`{t}`"))
            .unwrap_or_else(|| "none: no BPF".into());
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            t.name,
            t.about.replace('|', "\\|"),
            hooks.replace('|', "\\|")
        ));
    }
    out
}

/// The README's list of what each tool does differently from libbpf-tools
/// (the man pages' COMPATIBILITY sections), tools that follow it left out.
/// Aliases share their family's list and are not repeated.
pub fn readme_upstream() -> String {
    let mut out = String::new();
    let mut seen: Vec<*const [&str]> = Vec::new();
    for t in TOOLS {
        let lines = t.doc.upstream;
        if lines.is_empty() || seen.contains(&(lines as *const _)) {
            continue;
        }
        seen.push(lines as *const _);
        out.push_str(&format!("- **{}**\n", t.name));
        for line in lines {
            out.push_str(&format!("  - {line}\n"));
        }
    }
    out
}

/// `text` with what stands between `begin` and `end` replaced by `body`.
fn between(text: &str, begin: &str, end: &str, body: &str) -> Result<String, String> {
    let start = text.find(begin).ok_or_else(|| format!("no line {begin}"))? + begin.len();
    let stop = start
        + text[start..]
            .find(end)
            .ok_or_else(|| format!("no line {end} after {begin}"))?;
    Ok(format!("{}\n{body}{}", &text[..start], &text[stop..]))
}

/// `readme` with its generated parts written anew: the table of tools
/// ([`readme_table`]) and the differences from libbpf-tools
/// ([`readme_upstream`]).
pub fn with_readme_table(readme: &str) -> Result<String, String> {
    let readme = between(readme, README_BEGIN, README_END, &readme_table())?;
    between(&readme, UPSTREAM_BEGIN, UPSTREAM_END, &readme_upstream())
}

/// Write every man page and completion under `share` (a `$PREFIX/share`),
/// for the tools as `<prefix><tool>` and for `bpftk`; returns the files
/// written, relative to `share`.
pub fn write_all(share: &std::path::Path, prefix: &str) -> std::io::Result<Vec<String>> {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let man_dir = format!("man/man{SECTION}");
    for t in TOOLS {
        let name = format!("{prefix}{}", t.name);
        files.push((format!("{man_dir}/{name}.{SECTION}"), man_page(t, prefix)));
        for shell in SHELLS {
            files.push((
                completion_path(shell, &name),
                completion(shell, &mut command(t, prefix)),
            ));
        }
    }
    files.push((
        format!("{man_dir}/bpftk.{SECTION}"),
        multicall_man_page(prefix),
    ));
    for shell in SHELLS {
        files.push((
            completion_path(shell, "bpftk"),
            completion(shell, &mut multicall_command()),
        ));
    }
    for (rel, bytes) in &files {
        let path = share.join(rel);
        std::fs::create_dir_all(path.parent().unwrap())?;
        std::fs::File::create(&path)?.write_all(bytes)?;
    }
    Ok(files.into_iter().map(|(rel, _)| rel).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_has_a_man_page() {
        for t in TOOLS {
            assert!(!t.doc.columns.is_empty(), "{}: no COLUMNS", t.name);
            assert!(!t.doc.overhead.is_empty(), "{}: no OVERHEAD", t.name);
            for other in t.doc.see_also {
                assert!(
                    TOOLS.iter().any(|o| o.name == *other && o.name != t.name),
                    "{}: SEE ALSO names {other}, not another bpftk tool",
                    t.name
                );
            }
            let page = String::from_utf8(man_page(t, "bpf-")).unwrap();
            assert_eq!(
                page.matches(".ds Aq").count(),
                2,
                "{}: one preamble",
                t.name
            );
            let title = format!(".TH BPF-{} 8", t.name.to_ascii_uppercase());
            assert!(page.contains(&title), "{}: no {title}", t.name);
            for section in [
                "NAME",
                "SYNOPSIS",
                "DESCRIPTION",
                "OPTIONS",
                "COLUMNS",
                "EXAMPLES",
                "OVERHEAD",
                "SEE ALSO",
            ] {
                assert!(
                    page.contains(&format!(".SH {section}"))
                        || page.contains(&format!(".SH \"{section}\"")),
                    "{}: no {section}",
                    t.name
                );
            }
            assert!(
                page.contains(&format!("\\fBbpf\\-{}", t.name)),
                "{}: examples name the installed command",
                t.name
            );
        }
    }

    #[test]
    fn readme_table_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md");
        let readme = std::fs::read_to_string(path).unwrap();
        assert!(
            with_readme_table(&readme).unwrap() == readme,
            "README.md's table of tools is stale: run \
             cargo run -p bpftk --bin bpftk-docs -- --readme README.md"
        );
    }

    #[test]
    fn completion_paths_are_the_shells_own() {
        assert_eq!(
            completion_path(Shell::Zsh, "opensnoop"),
            "zsh/site-functions/_opensnoop"
        );
        assert_eq!(
            completion_path(Shell::Fish, "x"),
            "fish/vendor_completions.d/x.fish"
        );
        let bash = String::from_utf8(completion(Shell::Bash, &mut multicall_command())).unwrap();
        assert!(bash.contains("opensnoop") && bash.contains("--json"));
    }
}
