//! Process hygiene at start: no core file may hold the secrets this process reads.
//!
//! A crash (or a `kill -QUIT`) of a process holding a password or a secret key would otherwise
//! write them to a core file that outlives the run, readable by whoever collects cores.

/// Turns core dumps off for this process: the core size limit goes to zero (soft and hard, so
/// nothing this process runs can raise it again) and, on Linux, the process is marked not
/// dumpable, which also covers `core_pattern` pipes and keeps other users' debuggers out.
/// Failures are ignored: a sandbox that forbids these calls already forbids core files.
pub(crate) fn forbid() {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, setrlimit};
        let _ = setrlimit(
            Resource::Core,
            Rlimit {
                current: Some(0),
                maximum: Some(0),
            },
        );
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::process::{DumpableBehavior, set_dumpable_behavior};
        let _ = set_dumpable_behavior(DumpableBehavior::NotDumpable);
    }
}
