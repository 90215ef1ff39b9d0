//! The Acme custom binary as the tests build it: `otai` with `otai-acme-commercial` linked,
//! trusting the test licence key (never ship it).

extern crate otai_acme_commercial;

fn main() -> std::process::ExitCode {
    otai::cli::main()
}
