//! Writes the man pages and shell completions of every tool and of `bpftk`
//! under a `$PREFIX/share` directory (scripts/install runs it; it is not
//! installed itself), or the README's table of tools (`--readme`).

use std::path::PathBuf;

use clap::Parser;

/// Write man pages (man/man8) and bash, zsh and fish completions under SHARE
#[derive(Parser)]
#[command(name = "bpftk-docs", version = libtools::version!())]
struct Args {
    /// The $PREFIX/share directory to write into
    #[arg(required_unless_present = "readme")]
    share: Option<PathBuf>,
    /// Rewrite the table of tools in this README instead
    #[arg(long, value_name = "FILE", conflicts_with = "share")]
    readme: Option<PathBuf>,
    /// Name the commands <PREFIX><tool> (a packager's APP_PREFIX, e.g. bpf-)
    #[arg(long, default_value = "")]
    prefix: String,
}

fn main() {
    let args = Args::parse();
    if let Some(path) = &args.readme {
        let result = std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|text| bpftk::docs::with_readme_table(&text))
            .and_then(|text| std::fs::write(path, text).map_err(|e| e.to_string()));
        if let Err(e) = result {
            eprintln!("bpftk-docs: error: {}: {e}", path.display());
            std::process::exit(1);
        }
        return;
    }
    let share = args.share.expect("clap requires SHARE without --readme");
    match bpftk::docs::write_all(&share, &args.prefix) {
        Ok(files) => {
            for f in files {
                println!("{f}");
            }
        }
        Err(e) => {
            eprintln!("bpftk-docs: error: {}: {e}", share.display());
            std::process::exit(1);
        }
    }
}
