//! `cargo +nightly fuzz run jq_filter` — filter text, a NUL, then the document.
#![no_main]

#[path = "../check.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::jq_filter(data));
