//! The output forms every stack tool shares: bcc's multi-line form, folded
//! lines for flame graphs, and JSON Lines.

use super::{MISSED_KERNEL, MISSED_USER};
use crate::output::{escaped, json_field, json_string, Value};

/// One aggregated stack sample, ready to print.
pub struct Sample<'a> {
    pub pid: u32,
    pub comm: &'a [u8],
    pub count: u64,
    /// Innermost first; None: lost (the stack map was full, or a collision).
    pub user: Option<&'a [String]>,
    pub kernel: Option<&'a [String]>,
}

/// A frame of a folded line, one stack a line and frames split at ';':
/// control bytes escaped as everywhere, and the separator too (`\x3b`),
/// for a name (a comm set with prctl) may hold both.
fn folded_frame(f: &[u8]) -> String {
    escaped(f).replace(';', "\\x3b")
}

impl Sample<'_> {
    /// Both stacks were taken and hold frames: only then a delimiter.
    fn has_both(&self) -> bool {
        self.user.is_some_and(|u| !u.is_empty()) && self.kernel.is_some_and(|k| !k.is_empty())
    }
}

/// Which parts of a stack a report shows.
#[derive(Clone, Copy, Debug, Default)]
pub struct StackParts {
    pub user: bool,
    pub kernel: bool,
    /// `-d`: a `-` between kernel and user frames (`--` in the multi-line form).
    pub delimiter: bool,
    /// `-a`: `_[k]` after each kernel frame, as flamegraph colour schemes expect.
    pub annotate: bool,
}

impl StackParts {
    /// The user and kernel stacks, but for the one `-K` or `-U` leaves out.
    pub fn shown(user_only: bool, kernel_only: bool) -> StackParts {
        StackParts {
            user: !kernel_only,
            kernel: !user_only,
            ..StackParts::default()
        }
    }

    /// With `-d` (`on`): a delimiter between kernel and user frames.
    pub fn delimited(self, on: bool) -> StackParts {
        StackParts {
            delimiter: on,
            ..self
        }
    }

    /// With `-a` (`on`): kernel frames annotated `_[k]`.
    pub fn annotated(self, on: bool) -> StackParts {
        StackParts {
            annotate: on,
            ..self
        }
    }

    fn kernel_name(&self, f: &str) -> String {
        if self.annotate {
            format!("{f}_[k]")
        } else {
            f.to_string()
        }
    }

    /// bcc's folded line: `comm;user frames root to leaf;-;kernel frames count`.
    pub fn folded(&self, s: &Sample) -> String {
        // Counts across processes (stackcount -K) have no comm to lead.
        let mut line: Vec<String> = Vec::new();
        if !s.comm.is_empty() {
            line.push(folded_frame(s.comm));
        }
        let both = self.user && self.kernel;
        if self.user {
            match s.user {
                None => line.push(MISSED_USER.into()),
                Some(u) => line.extend(u.iter().rev().map(|f| folded_frame(f.as_bytes()))),
            }
        }
        if self.kernel {
            if self.delimiter && both && s.has_both() {
                line.push("-".into());
            }
            match s.kernel {
                None => line.push(MISSED_KERNEL.into()),
                Some(k) => line.extend(
                    k.iter()
                        .rev()
                        .map(|f| folded_frame(self.kernel_name(f).as_bytes())),
                ),
            }
        }
        format!("{} {}", line.join(";"), s.count)
    }

    /// bcc's multi-line form: kernel frames, `--`, user frames (innermost
    /// first), `-  comm (pid)`, the count, an empty line.
    pub fn multiline(&self, s: &Sample) -> String {
        let mut out = String::new();
        if self.kernel {
            match s.kernel {
                None => out.push_str(&format!("    {MISSED_KERNEL}\n")),
                Some(k) => k
                    .iter()
                    .for_each(|f| out.push_str(&format!("    {}\n", self.kernel_name(f)))),
            }
        }
        if self.user {
            if self.delimiter && self.kernel && s.has_both() {
                out.push_str("    --\n");
            }
            match s.user {
                None => out.push_str(&format!("    {MISSED_USER}\n")),
                Some(u) => u.iter().for_each(|f| out.push_str(&format!("    {f}\n"))),
            }
        }
        if !s.comm.is_empty() {
            out.push_str(&format!(
                "    {:<16} {} ({})\n",
                "-",
                String::from_utf8_lossy(s.comm),
                s.pid
            ));
        }
        out.push_str(&format!("        {}\n\n", s.count));
        out
    }

    /// One JSON object: pid, comm, count, and the frames innermost first
    /// (null when lost, absent when not asked for).
    pub fn json(&self, s: &Sample) -> String {
        let mut buf = Vec::with_capacity(256);
        buf.push(b'{');
        json_field(&mut buf, "pid", &Value::Uint(s.pid.into()));
        buf.push(b',');
        json_field(&mut buf, "comm", &Value::Bytes(s.comm));
        buf.push(b',');
        json_field(&mut buf, "count", &Value::Uint(s.count));
        if self.user {
            json_frames(&mut buf, "user_stack", s.user);
        }
        if self.kernel {
            json_frames(&mut buf, "kernel_stack", s.kernel);
        }
        buf.extend_from_slice(b"}\n");
        String::from_utf8(buf).expect("JSON is UTF-8")
    }
}

/// `,"key":["frame",...]`, or `null` for a lost stack.
fn json_frames(buf: &mut Vec<u8>, key: &str, frames: Option<&[String]>) {
    buf.push(b',');
    json_string(buf, key.as_bytes());
    buf.push(b':');
    let Some(frames) = frames else {
        buf.extend_from_slice(b"null");
        return;
    };
    buf.push(b'[');
    for (i, name) in frames.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        json_string(buf, name.as_bytes());
    }
    buf.push(b']');
}

/// One entry of wakeuptime's report: the threads that were blocked, the
/// task that woke them, its kernel stack (innermost first) and the
/// microseconds they were blocked.
pub struct Wakeup<'a> {
    pub waker: &'a str,
    pub target: &'a str,
    pub us: u64,
    pub frames: &'a [String],
}

/// How a stack report is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// bcc's default: frames one per line, then `-  comm (pid)` and the count.
    Multiline,
    /// `-f`: one folded line per stack, for flame graphs.
    Folded,
    /// `--json`: one object per stack.
    Json,
}

impl Form {
    pub fn new(folded: bool, json: bool) -> Form {
        if json {
            Form::Json
        } else if folded {
            Form::Folded
        } else {
            Form::Multiline
        }
    }

    /// A [`Wakeup`] in this form: bcc's `target:`/`waker:` block, a folded
    /// `waker;stack root to leaf;target us` line, or a JSON object.
    pub fn wakeup(&self, w: &Wakeup) -> String {
        match self {
            Form::Json => {
                let mut buf = Vec::with_capacity(256);
                buf.push(b'{');
                json_field(&mut buf, "waker", &Value::Str(w.waker));
                buf.push(b',');
                json_field(&mut buf, "target", &Value::Str(w.target));
                buf.push(b',');
                json_field(&mut buf, "us", &Value::Uint(w.us));
                json_frames(&mut buf, "waker_stack", Some(w.frames));
                buf.extend_from_slice(b"}\n");
                String::from_utf8(buf).expect("JSON is UTF-8")
            }
            Form::Folded => {
                let mut line = vec![w.waker];
                line.extend(w.frames.iter().rev().map(String::as_str));
                line.push(w.target);
                format!("{} {}\n", line.join(";"), w.us)
            }
            Form::Multiline => {
                let mut out = format!("\n    {:<16} {}\n", "target:", w.target);
                for f in w.frames {
                    out.push_str(&format!("    {f}\n"));
                }
                out.push_str(&format!(
                    "    {:<16} {}\n        {}\n",
                    "waker:", w.waker, w.us
                ));
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    /// Three samples of `app` (7), with these stacks.
    fn app<'a>(user: Option<&'a [String]>, kernel: Option<&'a [String]>) -> Sample<'a> {
        Sample {
            pid: 7,
            comm: b"app",
            count: 3,
            user,
            kernel,
        }
    }

    #[test]
    fn folded_names_cannot_break_the_line_or_add_frames() {
        let (u, k) = (v(&["f;g", "main"]), v(&["entry"]));
        let s = Sample {
            comm: b"ev\nil;x y",
            ..app(Some(&u), Some(&k))
        };
        let both = StackParts {
            user: true,
            kernel: true,
            ..Default::default()
        };
        assert_eq!(both.folded(&s), r"ev\nil\x3bx y;main;f\x3bg;entry 3");
    }

    #[test]
    fn folded_matches_bcc() {
        let (u, k) = (v(&["leaf_u", "main"]), v(&["leaf_k", "entry"]));
        let s = app(Some(&u), Some(&k));
        let both = StackParts {
            user: true,
            kernel: true,
            ..Default::default()
        };
        assert_eq!(both.folded(&s), "app;main;leaf_u;entry;leaf_k 3");
        let delim = StackParts {
            delimiter: true,
            ..both
        };
        assert_eq!(delim.folded(&s), "app;main;leaf_u;-;entry;leaf_k 3");
        let annotated = StackParts {
            annotate: true,
            ..both
        };
        assert_eq!(
            annotated.folded(&s),
            "app;main;leaf_u;entry_[k];leaf_k_[k] 3"
        );
        let lost = Sample {
            user: None,
            kernel: None,
            ..s
        };
        assert_eq!(
            both.folded(&lost),
            "app;[Missed User Stack];[Missed Kernel Stack] 3"
        );
        let user_only = StackParts {
            user: true,
            ..Default::default()
        };
        assert_eq!(user_only.folded(&s), "app;main;leaf_u 3");
    }

    #[test]
    fn multiline_matches_bcc() {
        let (u, k) = (v(&["leaf_u", "main"]), v(&["leaf_k"]));
        let s = app(Some(&u), Some(&k));
        let p = StackParts {
            user: true,
            kernel: true,
            delimiter: true,
            annotate: false,
        };
        assert_eq!(
            p.multiline(&s),
            "    leaf_k\n    --\n    leaf_u\n    main\n    -                app (7)\n        3\n\n"
        );
    }

    #[test]
    fn json_has_frames_innermost_first() {
        let u = v(&["leaf_u", "main"]);
        let s = app(Some(&u), None);
        let p = StackParts {
            user: true,
            kernel: true,
            ..Default::default()
        };
        let j: serde_json::Value = serde_json::from_str(&p.json(&s)).unwrap();
        assert_eq!(j["user_stack"], serde_json::json!(["leaf_u", "main"]));
        assert!(j["kernel_stack"].is_null());
        assert_eq!(j["count"], 3);
    }

    #[test]
    fn wakeups_match_bcc() {
        let frames = v(&["try_to_wake_up", "pipe_write"]);
        let w = Wakeup {
            waker: "sh",
            target: "head",
            us: 300,
            frames: &frames,
        };
        assert_eq!(
            Form::Multiline.wakeup(&w),
            "\n    target:          head\n    try_to_wake_up\n    pipe_write\n    waker:           sh\n        300\n"
        );
        assert_eq!(
            Form::Folded.wakeup(&w),
            "sh;pipe_write;try_to_wake_up;head 300\n"
        );
        assert_eq!(
            Form::Json.wakeup(&w),
            "{\"waker\":\"sh\",\"target\":\"head\",\"us\":300,\"waker_stack\":[\"try_to_wake_up\",\"pipe_write\"]}\n"
        );
    }
}
