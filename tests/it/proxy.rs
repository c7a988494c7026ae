//! Proxies from the environment: `HTTP_PROXY` honoured and `NO_PROXY` bypassing it; a SOCKS
//! proxy (not supported) refused at start, naming the variable, before anything is sent.

use crate::common::Sim;
use crate::test::{Exit, Test};

#[test]
fn proxies_from_the_environment_are_honoured() {
    let sim = Sim::builtin();
    // The endpoint's host does not resolve: only a proxy can reach it. The simulator itself
    // serves as the proxy (it reads the path of an absolute-form request).
    let via_proxy = || {
        Test::on(&sim)
            .env("IMSJOB_ENDPOINT", "http://ims.unreachable.invalid")
            .env("HTTP_PROXY", &sim.endpoint)
            .args(["get", "9a175ac692fa12540193005c340f321c", "--jq", ".status"])
    };
    via_proxy().stdout_is("SUCCESS\n").run();
    // NO_PROXY bypasses the proxy.
    via_proxy()
        .env("NO_PROXY", "ims.unreachable.invalid")
        .expect_exit(Exit::Unavailable)
        .run();
}

#[test]
fn a_socks_proxy_is_refused_at_start_naming_the_variable() {
    let sim = Sim::builtin();
    for variable in ["ALL_PROXY", "https_proxy", "HTTP_PROXY"] {
        Test::on(&sim)
            .env(variable, "socks5://proxy-user:proxy-secret@127.0.0.1:1080")
            .args(["get", "job-success"])
            .expect_exit(Exit::Usage)
            .stderr_has(format!("`{variable}`"))
            .stderr_has("socks5")
            .stderr_lacks("proxy-secret")
            .run();
    }
    assert!(sim.requests().is_empty(), "nothing sent");
}
