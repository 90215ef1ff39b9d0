//! A second `otai-core` in one binary declares a distributed slice with the same name; linkme
//! panics on first access. The registry turns that into a clear startup error.
//!
//! This test binary plays the second core by declaring a slice with the same identifier.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use otai::registry::RegistryError;
use otai::{AppConfig, ComponentRegistry};

mod other_core {
    /// What an incompatible `otai-core` would declare.
    #[linkme::distributed_slice]
    pub static PLUGINS: [u64];
}

#[test]
fn a_duplicate_plugin_slice_is_a_startup_error_not_a_panic() {
    // Name the other slice (without reading it, which would panic here) so it is linked.
    std::hint::black_box(&other_core::PLUGINS);
    let errors = ComponentRegistry::from_linked(&AppConfig::new()).unwrap_err();
    let [RegistryError::TwoCores { detail }] = errors.0.as_slice() else {
        panic!("unexpected: {errors}");
    };
    assert!(
        detail.contains("duplicate #[distributed_slice]"),
        "{detail}"
    );
    let message = errors.to_string();
    assert!(
        message.contains("two incompatible versions of otai-core"),
        "{message}"
    );
    assert!(message.contains("cargo tree -i otai-core"), "{message}");
}
