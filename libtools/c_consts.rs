//! Build-time: the integer `#define`s of a bpf/ header as Rust constants, so
//! that a number the BPF side and Rust share is written once, in C. Used by
//! libtools/build.rs (the shared headers) and tools/build.rs (each tool's).
//!
//! It reads the plain object-like defines of our own headers: integer
//! literals (decimal, hex, octal), names defined before them, the operators
//! `+ - * / % << >> | & ^ ~` and parentheses, and one outer cast to a
//! `__u8`..`__s64` type, which sets the Rust type (else `u64`, or `i64` for
//! a negative value). Defines inside `#if` blocks (per-architecture) and
//! function-like macros are left out; anything else it cannot read is an
//! error that names the line, so no constant is silently missing.

use std::fmt::Write;

/// Rust source with one `pub const` per define of `header` (its text).
pub fn generate(header: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut depth = 0usize;
    let mut guard: Option<String> = None;
    let mut lines = header.lines().peekable();
    let mut known: Vec<String> = Vec::new();
    while let Some(raw) = lines.next() {
        let line = strip_comment(raw).trim().to_string();
        let Some(directive) = line.strip_prefix('#') else {
            continue;
        };
        let directive = directive.trim_start();
        let word = directive.split_whitespace().next().unwrap_or("");
        match word {
            "ifndef" if depth == 0 && guard.is_none() => {
                // An include guard: `#ifndef X` then `#define X`.
                let name = directive["ifndef".len()..].trim().to_string();
                let next = lines.peek().map(|l| strip_comment(l).trim().to_string());
                if next.is_some_and(|n| n == format!("#define {name}")) {
                    lines.next();
                    guard = Some(name);
                } else {
                    depth += 1;
                }
            }
            "if" | "ifdef" | "ifndef" => depth += 1,
            "endif" if depth > 0 => depth -= 1,
            "define" if depth == 0 => {
                let rest = directive["define".len()..].trim_start();
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                let value = rest[name.len()..].to_string();
                if value.starts_with('(') || name.starts_with("__") {
                    continue; // function-like macro, or a reserved name
                }
                let value = value.trim();
                if value.is_empty() {
                    continue;
                }
                let (ty, expr) =
                    translate(value, &known).map_err(|e| format!("#define {name} {value}: {e}"))?;
                writeln!(
                    out,
                    "pub const {name}: {ty} = {{\n    let v: i128 = {expr};\n    v as {ty}\n}};"
                )
                .unwrap();
                known.push(name);
            }
            _ => {}
        }
    }
    Ok(out)
}

fn strip_comment(line: &str) -> &str {
    let end = [line.find("/*"), line.find("//")]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(line.len());
    &line[..end]
}

const C_TYPES: &[(&str, &str)] = &[
    ("__u8", "u8"),
    ("__u16", "u16"),
    ("__u32", "u32"),
    ("__u64", "u64"),
    ("__s8", "i8"),
    ("__s16", "i16"),
    ("__s32", "i32"),
    ("__s64", "i64"),
];

/// (Rust type, expression evaluated in i128) for a define's value.
fn translate(value: &str, known: &[String]) -> Result<(&'static str, String), String> {
    let mut ty = None;
    let mut expr = String::new();
    let mut negative = false;
    let chars: Vec<char> = value.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric()) {
                i += 1;
            }
            let lit: String = chars[start..i].iter().collect();
            let lit = lit.trim_end_matches(['u', 'U', 'l', 'L']);
            let n = if let Some(h) = lit.strip_prefix("0x").or(lit.strip_prefix("0X")) {
                i128::from_str_radix(h, 16)
            } else if lit.len() > 1 && lit.starts_with('0') {
                i128::from_str_radix(&lit[1..], 8)
            } else {
                lit.parse()
            }
            .map_err(|_| format!("cannot read the number {lit}"))?;
            write!(expr, "{n}i128").unwrap();
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            if let Some((_, rust)) = C_TYPES.iter().find(|(c, _)| *c == word) {
                // A cast: `(TYPE)` just before; take back the `(`.
                if !expr.ends_with('(') || chars.get(i) != Some(&')') {
                    return Err(format!("{word} is not a cast"));
                }
                expr.pop();
                i += 1;
                if ty.is_some() {
                    return Err("more than one cast".into());
                }
                ty = Some(*rust);
            } else if known.contains(&word) {
                write!(expr, "({word} as i128)").unwrap();
            } else {
                return Err(format!("{word} is not a constant defined before it"));
            }
        } else if "+-*/%|&^()".contains(c) {
            if c == '-' && expr.trim_end().is_empty() {
                negative = true;
            }
            expr.push(c);
            i += 1;
        } else if c == '~' {
            expr.push('!');
            i += 1;
        } else if (c == '<' || c == '>') && chars.get(i + 1) == Some(&c) {
            expr.push(c);
            expr.push(c);
            i += 2;
        } else {
            return Err(format!("cannot read {c:?}"));
        }
    }
    let ty = ty.unwrap_or(if negative || expr.starts_with("-") {
        "i64"
    } else {
        "u64"
    });
    Ok((ty, expr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_our_kinds_of_define() {
        let h = "#ifndef __X_H\n#define __X_H\n#define A 128 /* bytes */\n#define B (A * 2)\n\
                 #define U ((__u32)-1)\n#define M 00170000\n#define F(x) x\n\
                 #if defined(__TARGET_ARCH_x86)\n#define NR 2\n#endif\n#endif\n";
        let rs = generate(h).unwrap();
        let def = |name: &str, ty: &str, expr: &str| {
            format!("pub const {name}: {ty} = {{\n    let v: i128 = {expr};\n    v as {ty}\n}};")
        };
        assert!(rs.contains(&def("A", "u64", "128i128")), "{rs}");
        assert!(rs.contains(&def("B", "u64", "((A as i128)*2i128)")), "{rs}");
        assert!(rs.contains(&def("U", "u32", "(-1i128)")), "{rs}");
        assert!(rs.contains(&def("M", "u64", "61440i128")), "{rs}");
        assert!(!rs.contains(" F:") && !rs.contains(" NR:"), "{rs}");
    }

    #[test]
    fn unreadable_defines_are_errors() {
        let e = generate("#define X foo\n").unwrap_err();
        assert!(e.contains("#define X foo"), "{e}");
    }
}
