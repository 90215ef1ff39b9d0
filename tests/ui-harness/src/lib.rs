//! Harness for the trybuild UI tests of `#[otai::plugin]`; see `tests/ui.rs`.
//!
//! The cases live in the workspace's `tests/ui/`. This package exists so that trybuild's test
//! project has a package name starting with `otai-` and only `otai-core` as a dependency.
