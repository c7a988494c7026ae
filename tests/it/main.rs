//! End-to-end tests: the real binary against the real simulator on 127.0.0.1.

#![allow(dead_code, reason = "not every test module uses every helper")]

mod auth;
mod chaos;
mod common;
mod config;
mod core;
mod hardening;
mod hostile;
mod pipelines;
mod readme;
mod realworld;
mod release;
mod services;
mod sim;
mod surface;
mod terminal;
mod tls;
mod version;
mod waiting;
