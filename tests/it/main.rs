//! End-to-end tests: the real binary against the real simulator on 127.0.0.1, one file per
//! command or concern. `test.rs` holds the `Test` builder; `common.rs` the simulator handle
//! and shared fixtures.

#![allow(dead_code, reason = "not every test module uses every helper")]

mod common;
mod test;

// Commands.
mod deadline;
mod demo;
mod get;
mod jobbodies;
mod published;
mod sim;
mod simulator;
mod tree;
mod wait;

// Input and output.
mod cli;
mod codes;
mod escapes;
mod events;
mod ids;
mod jq;
mod json_escapes;
mod live;
mod progress;
mod results;
mod screen;
mod scripts;
mod table;
mod terminal;

// The API and the network.
mod api_errors;
mod chaos;
mod gateway;
mod hints;
mod limits;
mod proxy;
mod refusals;
mod retries;
mod services;
mod throttling;
mod tls;

// Features meeting each other.
mod field;

// Credentials and configuration.
mod auth_aksk;
mod auth_password;
mod auth_token;
mod cache_entries;
mod config;
mod config_limits;
mod endpoint_host;
mod login_failure;
mod secrets;
mod settings;
mod token_cache;

// Unix only: Windows has neither SIGINT/SIGTERM for other processes nor `kill`.
#[cfg(unix)]
mod signals;

// Unix only: the README's sessions, CI steps and install recipe run in a POSIX shell.
#[cfg(unix)]
mod readme;

// Unix only: the CI integrations' script and the release files are checked under POSIX shells.
#[cfg(unix)]
mod pipelines;
#[cfg(unix)]
mod release;

// Unix only: streams closed under the process, `/dev/full`.
#[cfg(unix)]
mod closed_streams;

// Linux only: they read a live process's memory and CPU time from `/proc`, or its peak from
// GNU time, and signal processes with `kill`.
#[cfg(target_os = "linux")]
mod job_memory;
#[cfg(target_os = "linux")]
mod jq_worker;
#[cfg(target_os = "linux")]
mod sim_resources;
