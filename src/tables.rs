//! The contract's tables, declared once: the exit codes (from [`ExitStatus::ALL`]) and the
//! environment variables ([`ENV_VARS`]). `--help` is built from them when it is shown; the
//! man pages, the README and `doc/contract.md` are generated from them, and
//! `tests/generated.rs` fails naming any copy that has gone stale.

use std::fmt::Write as _;

use crate::exit::ExitStatus;

/// An environment variable (or a few read together) and what it does.
#[derive(Debug, Clone, Copy)]
pub struct EnvVar {
    /// The names, as set in a shell.
    pub names: &'static [&'static str],
    /// One line; the flag that overrides it, when there is one, in parentheses.
    pub meaning: &'static str,
}

/// Every variable imsjob reads. An empty variable counts as unset.
pub const ENV_VARS: &[EnvVar] = &[
    EnvVar {
        names: &["IMSJOB_ENDPOINT"],
        meaning: "IMS base URL (a trailing /v1 or /v1/{project_id} is dropped, with a warning); overrides the catalog and the region (--endpoint)",
    },
    EnvVar {
        names: &["IMSJOB_SERVICE"],
        meaning: "ims (default), ecs, evs or bms: whose jobs API to ask (--service)",
    },
    EnvVar {
        names: &["OS_CLOUD"],
        meaning: "entry of clouds.yaml to use (--cloud)",
    },
    EnvVar {
        names: &["OS_AUTH_TOKEN", "OS_TOKEN"],
        meaning: "an IAM token, sent as X-Auth-Token (first authentication method)",
    },
    EnvVar {
        names: &["OS_ACCESS_KEY", "OS_SECRET_KEY", "OS_SECURITY_TOKEN"],
        meaning: "AK/SK, and the security token of temporary keys: requests are signed (second method)",
    },
    EnvVar {
        names: &["IMSJOB_AKSK_SIGNER"],
        meaning: "AK/SK signature variant: derived (the default; what the OTC Go SDK and Terraform send) or plain",
    },
    EnvVar {
        names: &["OS_AUTH_URL"],
        meaning: "IAM URL, for password authentication (third method); /v3 is appended when it names no version",
    },
    EnvVar {
        names: &["OS_USERNAME", "OS_PASSWORD"],
        meaning: "IAM user and password",
    },
    EnvVar {
        names: &["OS_USER_DOMAIN_NAME", "OS_DOMAIN_NAME"],
        meaning: "the user's domain (account) name",
    },
    EnvVar {
        names: &["OS_PROJECT_ID"],
        meaning: "project the jobs belong to (--project-id)",
    },
    EnvVar {
        names: &["OS_PROJECT_NAME"],
        meaning: "project to scope a token to; a name like eu-de_myproject also gives the region",
    },
    EnvVar {
        names: &["OS_PASSCODE"],
        meaning: "MFA one-time code for password authentication",
    },
    EnvVar {
        names: &["OS_REGION_NAME"],
        meaning: "region (--region); default: the project-name prefix, else eu-de",
    },
    EnvVar {
        names: &["OS_CACERT"],
        meaning: "extra CA certificates (PEM) to trust (--cacert)",
    },
    EnvVar {
        names: &["OS_INSECURE"],
        meaning: "do not verify TLS certificates, with a warning (--insecure): 1/0, true/false, yes/no, on/off",
    },
    EnvVar {
        names: &["OS_CLIENT_CONFIG_FILE"],
        meaning: "path of clouds.yaml (default: ./, ~/.config/openstack/, /etc/openstack/)",
    },
    EnvVar {
        names: &["OS_CLIENT_SECURE_FILE"],
        meaning: "path of secure.yaml (secrets kept apart from clouds.yaml)",
    },
    EnvVar {
        names: &["NO_COLOR"],
        meaning: "set and not empty: never colour (wins over --color)",
    },
    EnvVar {
        names: &["CLICOLOR"],
        meaning: "0: no colour unless --color always or CLICOLOR_FORCE",
    },
    EnvVar {
        names: &["CLICOLOR_FORCE"],
        meaning: "set and not 0: colour even off a terminal (unless --color never or NO_COLOR)",
    },
    EnvVar {
        names: &["TERM"],
        meaning: "dumb: no colour unless --color always or CLICOLOR_FORCE",
    },
    EnvVar {
        names: &["COLUMNS"],
        meaning: "width of tables when stdout is not a terminal (default: unlimited)",
    },
    EnvVar {
        names: &["HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY"],
        meaning: "proxy for HTTPS, HTTP or all requests (either case; only HTTP(S) proxies)",
    },
    EnvVar {
        names: &["NO_PROXY"],
        meaning: "hosts, domains and address ranges reached without the proxy (either case)",
    },
    EnvVar {
        names: &["SSL_CERT_FILE", "SSL_CERT_DIR"],
        meaning: "the system trust store, as OpenSSL tools take it",
    },
    EnvVar {
        names: &["XDG_CACHE_HOME"],
        meaning: "where the IAM token cache lives on Linux (default: ~/.cache)",
    },
];

/// The exit codes and their meanings, in the contract's order.
#[must_use]
pub fn exit_codes() -> Vec<(u8, &'static str)> {
    ExitStatus::ALL
        .into_iter()
        .map(|status| (status.code(), status.meaning()))
        .collect()
}

/// The sentence on several jobs: `With several jobs the most severe code wins: 3 > 5 > ...`.
#[must_use]
pub fn severity_sentence() -> String {
    let order: Vec<String> = ExitStatus::by_severity()
        .into_iter()
        .map(|status| status.code().to_string())
        .collect();
    format!(
        "With several jobs the most severe code wins: {}.",
        order.join(" > ")
    )
}

/// Width of the help text the tables are wrapped to.
const HELP_WIDTH: usize = 80;

/// `text` wrapped at word boundaries to `HELP_WIDTH`, every line after the first indented
/// by `indent` (the first one's is the caller's).
fn wrap(text: &str, indent: usize) -> String {
    let lines = crate::render::fit::wrap(text, Some(HELP_WIDTH - indent), 0);
    lines.join(&format!("\n{:indent$}", ""))
}

/// The exit codes as help shows them, after every command's examples.
#[must_use]
pub(crate) fn exit_codes_help() -> String {
    let mut text = String::from("Exit codes:\n");
    for (code, meaning) in exit_codes() {
        let _ = writeln!(text, "  {code:<5}{}", wrap(meaning, 7));
    }
    text.push_str(&severity_sentence());
    text
}

/// The environment variables as the long help shows them.
#[must_use]
pub(crate) fn environment_help() -> String {
    let mut text = String::from("Environment (an empty variable counts as unset):\n");
    for var in ENV_VARS {
        let _ = writeln!(
            text,
            "  {}\n          {}",
            var.names.join(", "),
            wrap(var.meaning, 10)
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_severity_order_is_the_contracts() {
        assert_eq!(
            severity_sentence(),
            "With several jobs the most severe code wins: 3 > 5 > 4 > 124 > 1 > 0."
        );
    }

    #[test]
    fn help_lines_fit_the_width() {
        for line in exit_codes_help().lines().chain(environment_help().lines()) {
            assert!(line.chars().count() <= HELP_WIDTH, "{line}");
        }
    }

    #[test]
    fn every_variable_the_settings_read_is_in_the_table() {
        let listed: Vec<&str> = ENV_VARS
            .iter()
            .flat_map(|v| v.names.iter().copied())
            .collect();
        let mut read: Vec<&str> = vec![
            crate::config::settings::ENDPOINT_VAR,
            crate::config::settings::SERVICE_VAR,
            crate::auth::aksk::SIGNER_ENV_VAR,
            crate::config::clouds::CLIENT_CONFIG_FILE_VAR,
            crate::config::clouds::CLIENT_SECURE_FILE_VAR,
        ];
        read.extend_from_slice(crate::config::fields::ENV_NAMES);
        // Every `env.get("NAME")` / `env.raw("NAME")` of the resolve step, but the
        // platform's own (`HOME`, `TMPDIR`).
        let source = include_str!("config/settings.rs");
        for call in [".get(\"", ".raw(\""] {
            for (at, _) in source.match_indices(call) {
                let rest = &source[at + call.len()..];
                let name = &rest[..rest.find('"').unwrap_or(0)];
                if name.chars().all(|c| c.is_ascii_uppercase() || c == '_')
                    && !["HOME", "TMPDIR"].contains(&name)
                {
                    read.push(name);
                }
            }
        }
        for name in read {
            assert!(
                listed.contains(&name),
                "`{name}` is read but not in ENV_VARS"
            );
        }
    }
}
