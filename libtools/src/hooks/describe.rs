//! A declaration in words, for `--help`, the man page and the README: the
//! same text wherever a tool's hooks are documented, so none goes stale.

use super::decl::{AttachPoint, Prog, Target};

/// The last alternative of an optional point: going without it.
const NONE: &str = "none (left out)";

/// `points` best first: each alternative as its kind and targets, the
/// alternatives joined by "; else ". Points whose alternatives are of the
/// same kinds are told together; others each after their name. `code`
/// dresses a target (backticks in Markdown).
pub fn describe(points: &[AttachPoint], code: fn(&str) -> String) -> String {
    // Points grouped by their sequence of alternative kinds, in order.
    let mut groups: Vec<(Vec<String>, Vec<&AttachPoint>)> = Vec::new();
    for point in points {
        let mut kinds: Vec<String> = point.alternatives.iter().map(|a| label(a)).collect();
        if point.optional {
            kinds.push(NONE.into());
        }
        match groups.iter_mut().find(|(k, _)| *k == kinds) {
            Some((_, members)) => members.push(point),
            None => groups.push((kinds, vec![point])),
        }
    }
    let told: Vec<String> = groups
        .iter()
        .map(|(kinds, members)| {
            let alternatives: Vec<String> = (0..kinds.len())
                .map(|rank| match members[0].alternatives.get(rank) {
                    Some(_) => {
                        alternative(members.iter().flat_map(|p| &p.alternatives[rank]), code)
                    }
                    None => NONE.into(),
                })
                .collect();
            alternatives.join("; else ")
        })
        .collect();
    if told.len() == 1 {
        return told.into_iter().next().unwrap_or_default();
    }
    groups
        .iter()
        .zip(told)
        .map(|((_, members), text)| {
            let names: Vec<&str> = members.iter().map(|p| p.what).collect();
            format!("{}: {text}", names.join(", "))
        })
        .collect::<Vec<_>>()
        .join(". ")
}

/// One alternative (its programs across the points told together): each
/// target once, after the kinds of program that hook it, targets of the
/// same kinds together: `kprobe+kretprobe f, g`, `tp_btf a with tracepoint b`.
fn alternative<'a>(progs: impl Iterator<Item = &'a Prog>, code: fn(&str) -> String) -> String {
    let mut targets: Vec<(String, Vec<&str>)> = Vec::new();
    for prog in progs {
        let (t, kind) = (target(prog), kind(prog));
        match targets.iter_mut().find(|(seen, _)| *seen == t) {
            Some((_, kinds)) if !kinds.contains(&kind) => kinds.push(kind),
            Some(_) => {}
            None => targets.push((t, vec![kind])),
        }
    }
    let mut by_kinds: Vec<(String, Vec<String>)> = Vec::new();
    for (t, kinds) in targets {
        let kinds = kinds.join("+");
        match by_kinds.iter_mut().find(|(k, _)| *k == kinds) {
            Some((_, ts)) => ts.push(code(&t)),
            None => by_kinds.push((kinds, vec![code(&t)])),
        }
    }
    by_kinds
        .iter()
        .map(|(kinds, ts)| format!("{kinds} {}", ts.join(", ")))
        .collect::<Vec<_>>()
        .join(" with ")
}

/// A program's kind as the kernel's words: `fexit`, `kretprobe` for
/// return programs.
fn kind(prog: &Prog) -> &'static str {
    match &prog.target {
        Target::Fentry { ret: true, .. } => "fexit",
        Target::Kprobe { ret: true, .. } => "kretprobe",
        Target::Uprobe { ret: true, .. } => "uretprobe",
        t => t.kind().name(),
    }
}

/// An alternative's kind as the kernel's words: `kprobe+kretprobe` where it
/// has both, `fexit` for return programs alone.
fn label(progs: &[Prog]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for name in progs.iter().map(kind) {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names.join("+")
}

/// The target alone, without the `ret:` that the kind already says.
fn target(prog: &Prog) -> String {
    match &prog.target {
        Target::Kprobe { func, .. } | Target::Fentry { func, .. } => func.clone(),
        Target::Uprobe { binary, func, .. } => format!("{func} in {binary}"),
        t => t.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(t: &str) -> String {
        t.to_string()
    }

    #[test]
    fn alike_points_are_told_together() {
        let points = [
            AttachPoint::new("open entry")
                .or([Prog::tracepoint("a", "syscalls:sys_enter_openat")])
                .or([Prog::raw_tp("b", "sys_enter")]),
            AttachPoint::new("open exit")
                .or([Prog::tracepoint("c", "syscalls:sys_exit_openat")])
                .or([Prog::raw_tp("d", "sys_exit")]),
        ];
        assert_eq!(
            describe(&points, plain),
            "tracepoint syscalls:sys_enter_openat, syscalls:sys_exit_openat; else raw_tp sys_enter, sys_exit"
        );
    }

    #[test]
    fn mixed_kinds_say_which_target_is_which() {
        let points = [AttachPoint::new("connect").or([
            Prog::tp_btf("a", "inet_sock_set_state"),
            Prog::tracepoint("b", "syscalls:sys_exit_connect"),
        ])];
        assert_eq!(
            describe(&points, plain),
            "tp_btf inet_sock_set_state with tracepoint syscalls:sys_exit_connect"
        );
    }

    #[test]
    fn unlike_points_are_named_and_return_probes_said() {
        let points = [
            AttachPoint::new("bind")
                .or([Prog::fexit("a", "inet_bind")])
                .or([
                    Prog::kprobe("b", "inet_bind"),
                    Prog::kretprobe("c", "inet_bind"),
                ]),
            AttachPoint::new("exit").or([Prog::raw_tp("d", "sys_exit")]),
        ];
        assert_eq!(
            describe(&points, |t| format!("`{t}`")),
            "bind: fexit `inet_bind`; else kprobe+kretprobe `inet_bind`. exit: raw_tp `sys_exit`"
        );
    }
}
