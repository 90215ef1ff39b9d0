//! A second `otai-core` in one binary declares a distributed slice with the same name; linkme
//! panics on first access. The registry turns that into a clear startup error.
//!
//! This test binary plays the second core by declaring a slice with the same identifier.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};

use otai::registry::RegistryError;
use otai::{AppConfig, ComponentRegistry};

mod other_core {
    /// What an incompatible `otai-core` would declare.
    #[linkme::distributed_slice]
    pub static PLUGINS: [u64];
}

#[test]
fn a_duplicate_plugin_slice_is_a_startup_error_not_a_panic_and_the_hook_is_left_alone() {
    // Name the other slice (without reading it, which would panic here) so it is linked.
    std::hint::black_box(&other_core::PLUGINS);
    // An embedding application's hook, which must keep seeing every panic.
    static SEEN: AtomicUsize = AtomicUsize::new(0);
    std::panic::set_hook(Box::new(|_| {
        SEEN.fetch_add(1, Ordering::SeqCst);
    }));
    let errors = ComponentRegistry::from_linked(&AppConfig::new()).unwrap_err();
    // The hook saw linkme's panic (nothing was swapped in its place) and is still installed:
    // a panic of another thread reaches it.
    let seen_during_check = SEEN.load(Ordering::SeqCst);
    assert_eq!(seen_during_check, 1);
    let _ = std::thread::spawn(|| panic!("another thread")).join();
    assert_eq!(SEEN.load(Ordering::SeqCst), seen_during_check + 1);
    let _ = std::panic::take_hook();

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
