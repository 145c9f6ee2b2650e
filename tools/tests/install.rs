//! Packaging end to end: scripts/install and scripts/uninstall into a
//! scratch DESTDIR, the man pages as man(1) renders them, and the Debian
//! package from scripts/deb and the RPM from scripts/rpm installed into
//! scratch roots, each running a real tool from where it was installed.
//! The scripts take this build's binaries (BPFTK_BIN_DIR) rather than
//! building a release.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

const BPFTK: &str = env!("CARGO_BIN_EXE_bpftk");
const DOCS: &str = env!("CARGO_BIN_EXE_bpftk-docs");

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn bin_dir() -> String {
    Path::new(BPFTK)
        .parent()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// The tools as `bpftk list` names them.
fn tools() -> Vec<String> {
    let f = run(BPFTK, &["list"], &[]);
    f.assert_success();
    f.stdout
        .iter()
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect()
}

/// Run a script of ours with `env`; its stdout, or its stderr on failure.
fn script(name: &str, env: &[(&str, &str)]) -> Result<String, (i32, String)> {
    let out = Command::new(repo().join("scripts").join(name))
        .env("BPFTK_BIN_DIR", bin_dir())
        .envs(env.iter().copied())
        .output()
        .unwrap();
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err((
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ))
    }
}

/// Trace with the installed command `cmd`: it must report an open.
fn assert_traces_opens(cmd: &Path) {
    let file = unique_file("installed");
    let t = Tracer::start(cmd.to_str().unwrap(), &[]);
    run_child("/bin/cat", &[&file]);
    assert!(
        t.wait_for_text(&file),
        "{cmd:?} did not report the open of {file}"
    );
    t.stop().assert_success();
}

/// Every file under `dir`, relative to it.
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() && !p.is_symlink() {
                todo.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn multicall_install_with_app_prefix_then_uninstall() {
    let dest = unique_path("destdir");
    let d = dest.to_str().unwrap();
    script("install", &[("DESTDIR", d), ("APP_PREFIX", "bpf-")]).unwrap();
    let root = dest.join("usr/local");
    let sbin = root.join("sbin");
    assert!(std::fs::metadata(sbin.join("bpftk")).unwrap().is_file());
    let mut want = vec![
        "sbin/bpftk".to_string(),
        "share/bpftk/installed".into(),
        "share/man/man8/bpftk.8".into(),
        "share/bash-completion/completions/bpftk".into(),
        "share/zsh/site-functions/_bpftk".into(),
        "share/fish/vendor_completions.d/bpftk.fish".into(),
    ];
    for t in tools() {
        let cmd = format!("bpf-{t}");
        let link = sbin.join(&cmd);
        assert_eq!(
            std::fs::read_link(&link).unwrap(),
            Path::new("bpftk"),
            "{link:?}"
        );
        want.extend([
            format!("sbin/{cmd}"),
            format!("share/man/man8/{cmd}.8"),
            format!("share/bash-completion/completions/{cmd}"),
            format!("share/zsh/site-functions/_{cmd}"),
            format!("share/fish/vendor_completions.d/{cmd}.fish"),
        ]);
    }
    want.sort();
    assert_eq!(files_under(&root), want);
    let zsh =
        std::fs::read_to_string(root.join("share/zsh/site-functions/_bpf-opensnoop")).unwrap();
    assert!(
        zsh.starts_with("#compdef bpf-opensnoop") && zsh.contains("--full-path"),
        "{zsh}"
    );

    // A link named bpf-opensnoop runs opensnoop.
    assert_traces_opens(&sbin.join("bpf-opensnoop"));
    let f = run(
        sbin.join("bpf-execsnoop").to_str().unwrap(),
        &["--version"],
        &[],
    );
    assert!(f.stdout[0].starts_with("execsnoop "), "{:?}", f.stdout);

    script("uninstall", &[("DESTDIR", d)]).unwrap();
    assert!(!dest.exists(), "left behind: {:?}", files_under(&dest));
}

#[test]
fn separate_layout_of_some_tools() {
    let dest = unique_path("destdir-sep");
    let d = dest.to_str().unwrap();
    script(
        "install",
        &[
            ("DESTDIR", d),
            ("PREFIX", "/usr"),
            ("LAYOUT", "separate"),
            ("TOOLS", "opensnoop"),
        ],
    )
    .unwrap();
    let root = dest.join("usr");
    assert_eq!(
        files_under(&root),
        [
            "sbin/opensnoop",
            "share/bash-completion/completions/opensnoop",
            "share/bpftk/installed",
            "share/fish/vendor_completions.d/opensnoop.fish",
            "share/man/man8/opensnoop.8",
            "share/zsh/site-functions/_opensnoop",
        ]
    );
    let bin = root.join("sbin/opensnoop");
    assert!(!bin.is_symlink());
    assert_traces_opens(&bin);
    script("uninstall", &[("DESTDIR", d), ("PREFIX", "/usr")]).unwrap();
    assert!(!dest.exists(), "left behind: {:?}", files_under(&dest));
}

#[test]
fn uninstall_keeps_what_it_did_not_install() {
    let dest = unique_path("destdir-keep");
    let sbin = dest.join("usr/local/sbin");
    std::fs::create_dir_all(&sbin).unwrap();
    std::fs::write(sbin.join("mine"), b"").unwrap();
    let d = dest.to_str().unwrap();
    script("install", &[("DESTDIR", d), ("TOOLS", "execsnoop")]).unwrap();
    script("uninstall", &[("DESTDIR", d)]).unwrap();
    assert_eq!(files_under(&dest), ["usr/local/sbin/mine"]);
    std::fs::remove_dir_all(&dest).unwrap();
}

#[test]
fn bad_install_settings_are_one_line() {
    for (env, what) in [
        (("LAYOUT", "flat"), "LAYOUT must be multicall or separate"),
        (("TOOLS", "nosuchsnoop"), "no tool named nosuchsnoop"),
        (("APP_PREFIX", "a/b"), "APP_PREFIX must not contain"),
    ] {
        let dest = unique_path("destdir-bad");
        let (code, err) =
            script("install", &[env, ("DESTDIR", dest.to_str().unwrap())]).unwrap_err();
        assert_eq!(code, 2, "{env:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("install: ") && err.contains(what), "{err}");
        assert!(!dest.exists());
    }
    let (code, err) = script("uninstall", &[("DESTDIR", "/nonexistent")]).unwrap_err();
    assert_eq!((code, err.lines().count()), (1, 1), "{err}");
}

#[test]
fn bpftk_list_names_every_tool_the_workspace_builds() {
    let mut built: Vec<String> = std::fs::read_dir(repo().join("tools/src/bin"))
        .unwrap()
        .map(|e| {
            e.unwrap()
                .path()
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n != "bpftk" && n != "bpftk-docs")
        .collect();
    built.sort();
    assert_eq!(tools(), built);
}

#[test]
fn every_man_page_renders_without_warnings() {
    let share = unique_path("share");
    let f = run(DOCS, &[share.to_str().unwrap()], &[]);
    f.assert_success();
    let pages: Vec<&String> = f.stdout.iter().filter(|p| p.ends_with(".8")).collect();
    assert_eq!(pages.len(), tools().len() + 1);
    for page in pages {
        let out = Command::new("man")
            .args(["--warnings", "-E", "UTF-8", "-l"])
            .arg(share.join(page))
            .env("MANWIDTH", "80")
            .output()
            .expect("man(1) is installed by scripts/setup");
        let text = String::from_utf8_lossy(&out.stdout);
        let warnings = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && warnings.is_empty(),
            "{page}: {warnings}"
        );
        for section in ["NAME", "SYNOPSIS", "DESCRIPTION"] {
            assert!(text.contains(section), "{page}: no {section}:\n{text}");
        }
    }
    std::fs::remove_dir_all(&share).unwrap();
}

/// `cmd ARGS...`, which must succeed: its standard output.
fn output_of(cmd: &str, args: &[&str]) -> String {
    let st = Command::new(cmd).args(args).output().unwrap();
    assert!(
        st.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&st.stderr)
    );
    String::from_utf8_lossy(&st.stdout).into_owned()
}

/// dpkg on a scratch root with an empty database: the packages'
/// dependencies are the machine's, so they are not checked there.
fn dpkg(root: &Path, args: &[&str]) -> String {
    let root = format!("--root={}", root.display());
    let pre = [root.as_str(), "--force-depends", "--force-not-root"];
    output_of("dpkg", &[&pre[..], args].concat())
}

/// The package beside Debian's libbpf-tools: both install, lintian finds
/// nothing, bpftk's commands are bpf-<tool> (and the plain names under
/// /usr/lib/bpftk/bin), and purging bpftk leaves libbpf-tools whole.
#[test]
fn debian_package_installs_beside_libbpf_tools_and_purges() {
    let out = script("deb", &[("DEB_COMPRESS", "gzip")]).unwrap();
    let deb = out.lines().last().unwrap().to_string();
    assert!(deb.ends_with(".deb"), "{out}");
    let field = |f: &str| {
        let o = Command::new("dpkg-deb")
            .args(["-f", &deb, f])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    assert_eq!(field("Package"), "bpftk");
    assert!(field("Depends").contains("libelf1"), "{}", field("Depends"));
    assert_eq!(field("Conflicts"), "");

    let lint = Command::new("lintian")
        .args(["--fail-on", "error,warning", &deb])
        .output()
        .unwrap();
    let tags = String::from_utf8_lossy(&lint.stdout);
    assert!(
        lint.status.success() && tags.trim().is_empty(),
        "lintian:\n{tags}"
    );

    let peers = Command::new(repo().join("scripts/fetch-peers"))
        .output()
        .unwrap();
    assert!(
        peers.status.success(),
        "{}",
        String::from_utf8_lossy(&peers.stderr)
    );
    let peer_deb = repo().join("target/peers/libbpf-tools.deb");

    let root = unique_path("dpkg-root");
    let admin = root.join("var/lib/dpkg");
    for d in ["info", "updates", "triggers"] {
        std::fs::create_dir_all(admin.join(d)).unwrap();
    }
    for f in ["status", "available"] {
        std::fs::write(admin.join(f), b"").unwrap();
    }
    dpkg(&root, &["-i", peer_deb.to_str().unwrap()]);
    dpkg(&root, &["-i", &deb]);
    let usr = root.join("usr");
    assert_eq!(
        dpkg(&root, &["-S", "/usr/sbin/opensnoop"]).trim(),
        "libbpf-tools: /usr/sbin/opensnoop"
    );
    let version = Command::new(usr.join("sbin/bpf-opensnoop"))
        .arg("--version")
        .output()
        .unwrap();
    let version = String::from_utf8_lossy(&version.stdout);
    assert!(version.starts_with("opensnoop 0.1.0 ("), "{version}");
    assert!(usr.join("share/man/man8/bpf-opensnoop.8.gz").is_file());
    assert!(usr
        .join("share/bash-completion/completions/bpf-opensnoop")
        .is_file());
    for f in ["copyright", "changelog.gz"] {
        assert!(usr.join("share/doc/bpftk").join(f).is_file(), "{f}");
    }
    assert!(!usr.join("share/bpftk").exists());
    assert_traces_opens(&usr.join("sbin/bpf-opensnoop"));
    assert_traces_opens(&usr.join("lib/bpftk/bin/opensnoop"));

    dpkg(&root, &["--purge", "bpftk"]);
    for gone in [
        "sbin/bpftk",
        "sbin/bpf-opensnoop",
        "lib/bpftk",
        "share/doc/bpftk",
    ] {
        assert!(!usr.join(gone).exists(), "{gone} is left after the purge");
    }
    assert!(usr.join("sbin/opensnoop").is_file());
    assert!(dpkg(&root, &["-l", "libbpf-tools"]).contains("ii  libbpf-tools"));
    std::fs::remove_dir_all(&root).unwrap();

    // APP_PREFIX= (plain names in /usr/sbin; the same .deb path, so here
    // and not in a test of its own): the package says it conflicts with
    // libbpf-tools, so apt refuses with that reason instead of failing on
    // the first file both own.
    let out = script("deb", &[("DEB_COMPRESS", "gzip"), ("APP_PREFIX", "")]).unwrap();
    let deb = out.lines().last().unwrap().to_string();
    let o = Command::new("dpkg-deb")
        .args(["-f", &deb, "Conflicts"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "libbpf-tools");
    let list = Command::new("dpkg-deb")
        .args(["-c", &deb])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&list.stdout).contains("./usr/sbin/opensnoop -> bpftk"));
    std::fs::remove_file(&deb).unwrap();
}

/// rpm on a scratch root with its own database; the package's library
/// dependencies are the machine's (Debian's), so they are not checked.
fn rpm(root: &Path, args: &[&str]) -> String {
    let root = format!("--root={}", root.display());
    let pre = [root.as_str(), "--dbpath", "/var/lib/rpm"];
    output_of("rpm", &[&pre[..], args].concat())
}

/// The RPM: the .deb's layout with Fedora's bpf- names, so it conflicts
/// with Fedora's libbpf-tools by name; a man page per command, rpmlint
/// clean under packaging/rpmlint.toml, the changelog from CHANGELOG.md; it
/// installs into a scratch root, traces from there and erases cleanly.
#[test]
fn rpm_package_lints_installs_and_erases() {
    let out = script("rpm", &[]).unwrap();
    let pkg = out.lines().last().unwrap().to_string();
    assert!(pkg.ends_with(".x86_64.rpm"), "{out}");
    let query = |args: &[&str]| output_of("rpm", &[&["-qp"], args, &[pkg.as_str()]].concat());
    assert_eq!(
        query(&["--queryformat", "%{NAME} %{VERSION} %{LICENSE}"]),
        "bpftk 0.1.0 MIT"
    );
    assert_eq!(query(&["--conflicts"]).trim(), "libbpf-tools");
    assert!(query(&["--requires"]).contains("libelf.so.1()(64bit)"));
    assert!(query(&["--changelog"]).contains("- 0.1.0-1\n- "));
    let files = query(&["-l"]);
    let files: Vec<&str> = files.lines().collect();
    for t in tools() {
        for f in [
            format!("/usr/sbin/bpf-{t}"),
            format!("/usr/lib/bpftk/bin/{t}"),
            format!("/usr/share/man/man8/bpf-{t}.8.gz"),
            format!("/usr/share/bash-completion/completions/bpf-{t}"),
        ] {
            assert!(files.contains(&f.as_str()), "{f} is not in the package");
        }
    }
    assert!(files.contains(&"/usr/share/licenses/bpftk/LICENSE"));

    let lint = Command::new("rpmlint")
        .arg("-c")
        .arg(repo().join("packaging/rpmlint.toml"))
        .arg(&pkg)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&lint.stdout);
    assert!(
        lint.status.success() && report.contains(" 0 errors, 0 warnings"),
        "rpmlint:\n{report}"
    );

    let root = unique_path("rpm-root");
    rpm(&root, &["--initdb"]);
    rpm(&root, &["-i", "--nodeps", &pkg]);
    assert_eq!(rpm(&root, &["-qa"]).trim(), "bpftk-0.1.0-1.x86_64");
    let usr = root.join("usr");
    let version = Command::new(usr.join("sbin/bpf-opensnoop"))
        .arg("--version")
        .output()
        .unwrap();
    let version = String::from_utf8_lossy(&version.stdout);
    assert!(version.starts_with("opensnoop 0.1.0 ("), "{version}");
    assert_traces_opens(&usr.join("lib/bpftk/bin/opensnoop"));
    rpm(&root, &["-e", "bpftk"]);
    assert_eq!(files_under(&usr), Vec::<String>::new(), "left after rpm -e");
    std::fs::remove_dir_all(&root).unwrap();
    std::fs::remove_file(&pkg).unwrap();
}
