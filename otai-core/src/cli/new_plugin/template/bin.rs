//! A custom `otai` binary: the `otai` command line with this plugin and otai-base linked.
//!
//! `cargo run --features cli -- plugins` lists what it contains. A plugin crate that nothing
//! references is dropped by the linker together with its registration, so every plugin the
//! binary should contain is named here.

extern crate __CRATE__;
extern crate otai_base;

fn main() -> std::process::ExitCode {
    otai::cli::main()
}
