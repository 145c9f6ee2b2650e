//! Compiles every `bpf/*.bpf.c` into a skeleton `$OUT_DIR/<tool>.skel.rs`,
//! several at a time. A new tool needs no edit here.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;

use libbpf_cargo::SkeletonBuilder;

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("..");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let bpf_dir = root.join("bpf");
    let arch = match env::var("CARGO_CFG_TARGET_ARCH").unwrap().as_str() {
        "x86_64" => "x86",
        "aarch64" => "arm64",
        other => panic!("bpftk: no vmlinux.h for target architecture {other}"),
    };
    let vmlinux_dir = root.join("vmlinux").join(arch);

    println!("cargo:rerun-if-changed={}", bpf_dir.display());
    println!("cargo:rerun-if-changed={}", vmlinux_dir.display());
    let mut sources: Vec<PathBuf> = std::fs::read_dir(&bpf_dir)
        .expect("read bpf/")
        .map(|e| e.unwrap().path())
        .collect();
    for p in &sources {
        println!("cargo:rerun-if-changed={}", p.display());
    }
    sources.retain(|p| p.to_string_lossy().ends_with(".bpf.c"));
    sources.sort();

    let clang_args = [
        "-I".into(),
        bpf_dir.display().to_string(),
        "-I".into(),
        vmlinux_dir.display().to_string(),
        "-Wall".into(),
        "-Werror".into(),
        // Unused static helpers in the shared headers are fine.
        "-Wno-unused-function".into(),
    ];

    // One worker per available core; each compiles its share of the sources.
    let workers = thread::available_parallelism().map_or(2, |n| n.get());
    let chunks: Vec<Vec<PathBuf>> = (0..workers)
        .map(|w| sources.iter().skip(w).step_by(workers).cloned().collect())
        .collect();
    let errors: Vec<String> = thread::scope(|s| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                let (out, clang_args) = (&out, &clang_args);
                s.spawn(move || {
                    chunk
                        .iter()
                        .filter_map(|src| build_one(src, out, clang_args).err())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    if !errors.is_empty() {
        for e in &errors {
            eprintln!("{e}");
        }
        panic!("{} BPF program(s) failed to build", errors.len());
    }

    // `--version` names the commit the binaries were built from.
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(&root)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=BPFTK_GIT_COMMIT={commit}");
    println!(
        "cargo:rerun-if-changed={}",
        root.join(".git/HEAD").display()
    );
}

fn build_one(src: &Path, out: &Path, clang_args: &[String]) -> Result<(), String> {
    let name = src.file_name().unwrap().to_string_lossy();
    let tool = name.trim_end_matches(".bpf.c");
    let skel = out.join(format!("{tool}.skel.rs"));
    let obj = out.join(format!("{tool}.bpf.o"));
    SkeletonBuilder::new()
        .source(src)
        .obj(&obj)
        .clang_args(clang_args)
        .build_and_generate(&skel)
        .map_err(|e| format!("{}: {e:#}", src.display()))?;
    embed_object_file(&skel, &obj).map_err(|e| format!("{}: {e}", skel.display()))
}

/// The skeleton spells the BPF object out as a byte-array literal, which
/// costs rustc about a second per tool on every build of the crate; the same
/// bytes through `include_bytes!` cost nothing.
fn embed_object_file(skel: &Path, obj: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(skel).map_err(|e| e.to_string())?;
    let start = text
        .find("static DATA: [u8; ")
        .ok_or("no DATA array in the skeleton")?;
    let open = start + text[start..].find("= [").ok_or("DATA is not an array")?;
    let close = open + text[open..].find("];").ok_or("DATA array not closed")?;
    let embedded = format!(
        "{}= *include_bytes!({:?});{}",
        &text[..open],
        obj.display().to_string(),
        &text[close + 2..]
    );
    std::fs::write(skel, embedded).map_err(|e| e.to_string())
}
