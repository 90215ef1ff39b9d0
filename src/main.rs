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

/// The engine makes many small allocations per ticket (template values, params, results);
/// mimalloc cuts the per-ticket cost by about a quarter against the system allocator
/// (`cargo bench -p otai-base --bench pipeline`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    otai::cli::main()
}
