//! The integer `#define`s of the shared BPF headers (bpf/*.h that no single
//! tool owns: bpftk.bpf.h, net.h, hist.h, ...) as `libtools::consts`.

use std::env;
use std::path::PathBuf;

#[path = "c_consts.rs"]
mod c_consts;

fn main() {
    let bpf = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("../bpf");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("consts.rs");
    println!("cargo:rerun-if-changed={}", bpf.display());
    let mut names: Vec<String> = std::fs::read_dir(&bpf)
        .expect("read bpf/")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut rs = String::new();
    for h in names.iter().filter(|n| n.ends_with(".h")) {
        let stem = h.trim_end_matches(".h").trim_end_matches(".bpf");
        if names.contains(&format!("{stem}.bpf.c")) {
            continue; // a tool's own header: tools/build.rs reads it
        }
        let path = bpf.join(h);
        println!("cargo:rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(&path).expect("read a bpf/ header");
        match c_consts::generate(&text) {
            Ok(c) if !c.is_empty() => rs.push_str(&format!("// bpf/{h}\n{c}")),
            Ok(_) => {}
            Err(e) => panic!("bpf/{h}: {e}"),
        }
    }
    std::fs::write(&out, rs).expect("write consts.rs");
}
