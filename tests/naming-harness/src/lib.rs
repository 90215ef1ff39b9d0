//! Harness for the trybuild UI tests of the plugin naming rule; see `tests/naming.rs`.
//!
//! Its package name deliberately does not start with `otai-`.
