//! Compiles every `bpf/*.bpf.c` into a skeleton `$OUT_DIR/<tool>.skel.rs`,
//! several at a time. A new tool needs no edit here.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;

use libbpf_cargo::SkeletonBuilder;

#[path = "../libtools/c_consts.rs"]
mod c_consts;

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
    // The tool's own header's defines (none without one): `skel::consts`.
    let header = src.with_file_name(format!("{tool}.h"));
    let consts = match std::fs::read_to_string(&header) {
        Ok(text) => c_consts::generate(&text).map_err(|e| format!("{}: {e}", header.display()))?,
        Err(_) => String::new(),
    };
    std::fs::write(out.join(format!("{tool}.consts.rs")), consts)
        .map_err(|e| format!("{tool}.consts.rs: {e}"))?;
    SkeletonBuilder::new()
        .source(src)
        .obj(&obj)
        .clang_args(clang_args)
        .build_and_generate(&skel)
        .map_err(|e| format!("{}: {e:#}", src.display()))?;
    embed_object_file(&skel, &obj).map_err(|e| format!("{}: {e}", skel.display()))?;
    add_rodata_accessor(&skel).map_err(|e| format!("{}: {e}", skel.display()))?;
    add_plain_impls(&skel).map_err(|e| format!("{}: {e}", skel.display()))
}

/// `plain::Plain` for every type of the skeleton made only of integers,
/// arrays of them and other such types, so that `libtools::decode` reads
/// events and map entries as any bytes, with no hand-written unsafe impl.
/// Types with a bool, a pointer or an enum are left out: not every byte
/// pattern is one of those.
fn add_plain_impls(skel: &Path) -> Result<(), String> {
    let mut text = std::fs::read_to_string(skel).map_err(|e| e.to_string())?;
    let start = text.find("    pub mod types {").ok_or("no types module")?;
    // (name, field types) of each struct and union in `types`.
    let mut types: Vec<(String, Vec<String>)> = Vec::new();
    let mut current: Option<(String, Vec<String>)> = None;
    for line in text[start..].lines().skip(1) {
        let line = line.trim();
        if let Some(rest) = line
            .strip_prefix("pub struct ")
            .or_else(|| line.strip_prefix("pub union "))
        {
            if let Some(name) = rest.strip_suffix(" {") {
                current = Some((name.to_string(), Vec::new()));
                continue;
            }
        }
        if let Some((name, fields)) = current.as_mut() {
            if line == "}" {
                types.push((std::mem::take(name), std::mem::take(fields)));
                current = None;
            } else if let Some((_, ty)) = line.strip_prefix("pub ").and_then(|f| f.split_once(": "))
            {
                fields.push(ty.trim_end_matches(',').to_string());
            }
        }
    }
    let mut plain: Vec<String> = Vec::new();
    // A type is plain once all its fields are: repeat until nothing changes.
    loop {
        let before = plain.len();
        for (name, fields) in &types {
            if !plain.contains(name) && fields.iter().all(|f| plain_type(f, &plain)) {
                plain.push(name.clone());
            }
        }
        if plain.len() == before {
            break;
        }
    }
    for name in plain.iter().filter(|n| !n.starts_with("__anon")) {
        text.push_str(&format!(
            "// SAFETY: {name} is integers and arrays of them only (tools/build.rs checked), valid for any bytes.\nunsafe impl plain::Plain for types::{name} {{}}\n"
        ));
    }
    std::fs::write(skel, text).map_err(|e| e.to_string())
}

fn plain_type(ty: &str, plain: &[String]) -> bool {
    const INTS: [&str; 10] = [
        "u8", "u16", "u32", "u64", "u128", "i8", "i16", "i32", "i64", "i128",
    ];
    if let Some(inner) = ty.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        return inner
            .rsplit_once("; ")
            .is_some_and(|(elem, _)| plain_type(elem, plain));
    }
    INTS.contains(&ty) || plain.iter().any(|p| p == ty)
}

/// `open.rodata()?` on the open skeleton: the typed `const volatile`
/// globals, or an error instead of the `Option` every tool would unwrap.
fn add_rodata_accessor(skel: &Path) -> Result<(), String> {
    let mut text = std::fs::read_to_string(skel).map_err(|e| e.to_string())?;
    if !text.contains("pub rodata_data: Option<&'obj mut types::rodata>") {
        return Ok(()); // no rodata in this object
    }
    let name = text
        .match_indices("pub struct Open")
        .map(|(i, _)| {
            text[i + "pub struct ".len()..]
                .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .next()
                .unwrap_or("")
        })
        .find(|n| n.ends_with("Skel"))
        .ok_or("no open skeleton struct")?
        .to_string();
    text.push_str(&format!(
        "
impl<'obj> {name}<'obj> {{
    /// The object's `const volatile` globals, to set before load.
    #[allow(dead_code)]
    pub fn rodata(&mut self) -> libtools::Result<&mut types::rodata> {{
        self.maps
            .rodata_data
            .as_deref_mut()
            .ok_or_else(|| libtools::anyhow!(\"internal error: .rodata is not mapped\"))
    }}
}}
"
    ));
    std::fs::write(skel, text).map_err(|e| e.to_string())
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
