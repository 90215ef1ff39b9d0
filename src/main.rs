//! The `otai` binary: the command line plus the plugins chosen by Cargo features.
//!
//! A plugin crate that nothing references is dropped by the linker together with its
//! registration, so every enabled plugin is named here. `cargo xtask lint-plugins` checks that
//! each plugin crate of the workspace has its feature and its line below.

#[cfg(feature = "base")]
extern crate otai_base;
#[cfg(feature = "hf-local")]
extern crate otai_hf_local;
#[cfg(feature = "otobo-znuny")]
extern crate otai_otobo_znuny;

fn main() -> std::process::ExitCode {
    otai::cli::main()
}
