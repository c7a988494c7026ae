//! The `imsjob` binary; everything else lives in the library.

fn main() -> std::process::ExitCode {
    imsjob::main_entry()
}
