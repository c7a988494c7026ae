//! `cargo +nightly fuzz run parse_any fuzz/corpus/parse_any src/sim/examples`
#![no_main]

#[path = "../check.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::parse_any(data));
