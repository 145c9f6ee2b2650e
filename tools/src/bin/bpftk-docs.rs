//! Writes the man pages and shell completions of every tool and of `bpftk`
//! under a `$PREFIX/share` directory (scripts/install runs it; it is not
//! installed itself).

use std::path::PathBuf;

use clap::Parser;

/// Write man pages (man/man8) and bash, zsh and fish completions under SHARE
#[derive(Parser)]
#[command(name = "bpftk-docs", version = libtools::version!())]
struct Args {
    /// The $PREFIX/share directory to write into
    share: PathBuf,
    /// Name the commands <PREFIX><tool> (a packager's APP_PREFIX, e.g. bpf-)
    #[arg(long, default_value = "")]
    prefix: String,
}

fn main() {
    let args = Args::parse();
    match bpftk::docs::write_all(&args.share, &args.prefix) {
        Ok(files) => {
            for f in files {
                println!("{f}");
            }
        }
        Err(e) => {
            eprintln!("bpftk-docs: error: {}: {e}", args.share.display());
            std::process::exit(1);
        }
    }
}
