//! End-to-end tests: the real binary against the real simulator on 127.0.0.1.

#![allow(dead_code, reason = "not every test module uses every helper")]

mod auth;
mod cache_entries;
mod chaos;
mod closed_streams;
mod common;
mod config;
mod config_limits;
mod core;
mod endpoint_host;
mod hardening;
mod hostile;
mod job_memory;
mod jq_worker;
mod json_escapes;
mod readme;
mod realworld;
mod services;
mod sim;
mod sim_resources;
mod surface;
mod terminal;
mod tls;
mod version;
mod waiting;
