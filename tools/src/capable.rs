//! capable: security capability checks (cap_capable()) and their verdicts.

use clap::{Parser, ValueEnum};
use libtools::stacks::{self, StackResolver, StackStorage};
use libtools::{lifecycle, names, AttachPoint, CgroupArg, Column, Columns, Common, DurationArg};
use libtools::{PidArg, Prog, Result, Spec, Value};

libtools::skel!("capable");
use skel::{types::event, CapableSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    capable              # trace capability checks
    capable -p 185       # only trace PID 185
    capable -c CG        # only trace processes in cgroup (v2) path CG
    capable -K           # add kernel stacks to trace
    capable -U           # add user-space stacks to trace
    capable -x           # extra fields: show TID and INSETID columns
    capable -u pid       # each capability once per process
    capable --json       # JSON Lines, one object per check";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME", "the wall-clock time, HH:MM:SS"),
        ("UID", "the user ID of the task checked"),
        ("PID", "the process ID (the thread group)"),
        ("TID", "the thread ID (-x)"),
        ("COMM", "the task's name, at most 15 characters"),
        ("CAP", "the capability's number"),
        ("NAME", "the capability's name, as CAP_SYS_ADMIN, or ? for a number bpftk does not know"),
        ("AUDIT", "1 when the check is audited, 0 when the caller asked for none (CAP_OPT_NOAUDIT); - with the tracepoint hook, which does not carry it"),
        ("VERDICT", "allow or deny"),
        ("INSETID", "1 when the check was made with CAP_OPT_INSETID, else 0; - with the tracepoint hook (-x)"),
        ("KERNEL_STACK", "the kernel stack of the check, innermost frame first (-K); in the table its frames follow the row, one per line, indented; [Missed Kernel Stack] when it could not be stored"),
        ("USER_STACK", "the user stack, innermost frame first, after the kernel frames in the table (-U); [Missed User Stack] when it could not be stored"),
    ],
    overhead: "The hook runs on every capability check in the kernel, which many system calls make, \
so it can fire often on a busy system. -p and -c filter in the kernel (capable's own checks are \
left out), and each check that passes costs one ring buffer event; with -u, repeats are dropped in \
the kernel through an LRU hash map. -K and -U walk a stack on every traced check, even one that -u \
then drops, and each stack is named in user space as its event is printed: with them, narrow the \
trace with -p or -c on a busy system. Events the ring buffer had no room for are counted and \
reported at exit.",
    see_also: &["execsnoop", "stackcount", "syscount"],
    upstream: &[],
    hooks: crate::Hooks::Declared { object: "capable", points: hooks },
};

/// Trace security capability checks (cap_capable()) and their verdicts.
///
/// The cap_capable tracepoint does not carry the check's options: with it
/// (tp_btf or tracepoint), AUDIT and INSETID show `-` (null in JSON).
#[derive(Parser, Debug)]
#[command(name = "capable", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    pid: PidArg,
    /// Output kernel stack traces
    #[arg(short = 'K', long = "kernel-stack")]
    kernel_stack: bool,
    /// Output user stack traces
    #[arg(short = 'U', long = "user-stack")]
    user_stack: bool,
    /// Extra fields: show TID and INSETID columns
    #[arg(short = 'x', long = "extra-fields")]
    extra: bool,
    /// Print each capability once per pid or per cgroup
    #[arg(short, long, value_enum)]
    unique: Option<Unique>,
    #[command(flatten)]
    duration: DurationArg,
    #[command(flatten)]
    storage: StackStorage,
    #[command(flatten)]
    cgroup: CgroupArg,
    #[command(flatten)]
    common: Common,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Unique {
    Pid,
    Cgroup,
}

fn hooks() -> Vec<AttachPoint> {
    vec![AttachPoint::new("capability check")
        .or([Prog::tp_btf("tp_btf_capable", "cap_capable")])
        .or([Prog::tracepoint("tp_capable", "capability:cap_capable")])
        .or([Prog::fexit("fexit_capable", "cap_capable")])
        .or([
            Prog::kprobe("kprobe_capable", "cap_capable"),
            Prog::kretprobe("kretprobe_capable", "cap_capable"),
        ])]
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = args.duration.get()?;

    let spec = Spec::hooks(hooks()).pid(&args.pid)?.cgroup(&args.cgroup)?;
    let tool = lifecycle::start(Builder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.my_tgid = std::process::id();
        rodata.kernel_stack = args.kernel_stack;
        rodata.user_stack = args.user_stack;
        rodata.unique_type = match args.unique {
            None => 0,
            Some(Unique::Pid) => 1,
            Some(Unique::Cgroup) => 2,
        };
        args.storage.apply(&mut open.maps.stackmap)
    })?;

    let json = args.common.json;
    let out = Columns::new()
        .always([
            Column::left("TIME", 8),
            Column::left("UID", 5),
            Column::left("PID", 7),
        ])
        .when(args.extra, [Column::left("TID", 7)])
        .always([
            Column::left("COMM", 16),
            Column::left("CAP", 7),
            Column::left("NAME", 20),
            Column::left("AUDIT", 7),
            Column::left("VERDICT", 7),
        ])
        .when(args.extra, [Column::left("INSETID", 7)])
        .when(json && args.kernel_stack, [Column::left("KERNEL_STACK", 0)])
        .when(json && args.user_stack, [Column::left("USER_STACK", 0)])
        .stdout(json);

    let mut resolver = StackResolver::new();
    let map = &tool.maps.stackmap;
    tool.trace(&out, "security capability checks", duration, |data| {
        let e: event = libtools::decode(data);
        let known = |v: i32| if v < 0 { Value::Null } else { Value::Int(v.into()) };
        let mut stack = |on: bool, id: i32, user: Option<u32>| -> Vec<String> {
            if on {
                resolver.stack(map, id, user)
            } else {
                Vec::new()
            }
        };
        let kernel = stack(args.kernel_stack, e.kern_stack_id, None);
        let user = stack(args.user_stack, e.user_stack_id, Some(e.pid));
        out.row(&[
            Value::now(),
            Value::Uint(e.uid.into()),
            Value::Uint(e.pid.into()),
            Value::Uint(e.tid.into()),
            Value::Bytes(libtools::c_bytes(&e.comm)),
            Value::Int(e.cap.into()),
            Value::Str(names::capability_name(e.cap).unwrap_or("?")),
            known(e.audit),
            Value::Str(if e.ret == 0 { "allow" } else { "deny" }),
            known(e.insetid),
            Value::Strings(&stacks::frame_bytes(&kernel)),
            Value::Strings(&stacks::frame_bytes(&user)),
        ]);
        if !json {
            // bcc's layout: the frames under the row, innermost first.
            out.text(&stacks::frames_below(kernel.iter().chain(&user), "        "));
        }
    })
}
