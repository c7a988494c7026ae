//! `cargo +nightly fuzz run error_body fuzz/corpus/error_body src/sim/examples`
#![no_main]

#[path = "../check.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::error_body(data));
