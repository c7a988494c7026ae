//! End-to-end tests: the real binary against the real simulator on 127.0.0.1.

#![allow(dead_code, reason = "not every test module uses every helper")]

mod auth;
mod chaos;
mod common;
mod config;
mod core;
mod gateway;
mod hardening;
mod hostile;
mod jobbodies;
mod published;
mod readme;
mod realworld;
mod services;
mod sim;
mod surface;
mod terminal;
mod tls;
mod version;
mod waiting;
