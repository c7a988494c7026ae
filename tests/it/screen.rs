//! A real terminal for end-to-end tests: a tmux server of its own per test, one window of a
//! chosen width running one shell command, read back with `capture-pane`.

use std::process::Command as StdCommand;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::common::{Sim, binary, eventually};

pub(crate) struct Tmux {
    socket: String,
}

impl Tmux {
    /// Runs `imsjob ARGS` against `sim` on a `cols`-column terminal, after `setup` (shell
    /// text such as `stty echoctl;`). `None` when tmux is not installed.
    pub(crate) fn imsjob(sim: &Sim, cols: u16, setup: &str, args: &str) -> Option<Self> {
        Self::imsjob_at(sim, &sim.endpoint, cols, setup, args)
    }

    /// As [`Self::imsjob`], on `endpoint` (another service's jobs on the simulator).
    pub(crate) fn imsjob_at(
        sim: &Sim,
        endpoint: &str,
        cols: u16,
        setup: &str,
        args: &str,
    ) -> Option<Self> {
        // `env -i`: the program sees only what is set here, whatever the tmux server has.
        // The shell traps SIGINT so that a Ctrl-C meant for imsjob does not end the window.
        let command = format!(
            "trap : INT; {setup} env -i HOME={home} TERM=xterm-256color IMSJOB_ENDPOINT={endpoint} \
             OS_PROJECT_ID={project} OS_AUTH_TOKEN={token} {binary} {args}; \
             echo __EXIT=$?; sleep 600",
            home = sim.home.path().display(),
            endpoint = endpoint,
            project = sim.project_id,
            token = sim.token,
            binary = binary().display(),
        );
        Self::shell(cols, &command)
    }

    /// Runs a shell command on a `cols`-column terminal. `None` when tmux is not installed.
    pub(crate) fn shell(cols: u16, command: &str) -> Option<Self> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let probe = StdCommand::new("tmux").arg("-V").output();
        if !probe.is_ok_and(|o| o.status.success()) {
            return None;
        }
        let socket = format!(
            "imsjob-screen-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let started = StdCommand::new("tmux")
            .env_remove("TMUX")
            .args(["-L", &socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-x", &cols.to_string(), "-y", "60", "sh", "-c", command])
            .status()
            .expect("tmux runs");
        assert!(started.success(), "tmux new-session");
        Some(Self { socket })
    }

    /// The screen, row by row, as the terminal shows it (wrapped lines stay wrapped).
    pub(crate) fn screen(&self) -> String {
        let output = StdCommand::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-S", "-"])
            .output()
            .expect("capture");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Types keys into the window (`C-c` for Ctrl-C).
    pub(crate) fn keys(&self, keys: &str) {
        let status = StdCommand::new("tmux")
            .args(["-L", &self.socket, "send-keys", keys])
            .status()
            .expect("tmux send-keys");
        assert!(status.success());
    }

    /// Waits until the screen satisfies `condition`; the last screen seen either way.
    pub(crate) fn until(
        &self,
        limit: Duration,
        condition: impl Fn(&str) -> bool,
    ) -> (bool, String) {
        let mut screen = String::new();
        let met = eventually(limit, || {
            screen = self.screen();
            condition(&screen)
        });
        (met, screen)
    }

    /// Waits for the command to end; its exit code and the final screen.
    pub(crate) fn finish(&self) -> (i32, String) {
        let (ended, screen) = self.until(Duration::from_secs(40), |s| s.contains("__EXIT="));
        assert!(ended, "the command ended: {screen}");
        let code = screen
            .split("__EXIT=")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|code| code.parse().ok())
            .expect("an exit code");
        (code, screen)
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = StdCommand::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

/// Every id is on one screen row, whole.
pub(crate) fn ids_whole(screen: &str, ids: &[&str]) -> bool {
    ids.iter()
        .all(|id| screen.lines().any(|row| row.contains(id)))
}
