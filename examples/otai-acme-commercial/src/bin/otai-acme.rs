//! A custom `otai` binary with the Acme plugin linked: the whole `otai` command line
//! (`run`, `check`, `plugins`, `schema`), plus `acme-commercial:…` pipes.
//!
//! A plugin crate that nothing references is dropped by the linker together with its
//! registration; the `extern crate` line is what keeps it. Add a line per plugin you want
//! (`extern crate otai_base;` after adding `otai-base` to the dependencies).

extern crate otai_acme_commercial;

fn main() -> std::process::ExitCode {
    otai::cli::main()
}
