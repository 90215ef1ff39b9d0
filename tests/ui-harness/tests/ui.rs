//! trybuild UI tests of `#[otai::plugin]` in a package named like a plugin.
//!
//! Regenerate the `.stderr` files with `TRYBUILD=overwrite cargo test -p otai-ui-harness`
//! and read them before committing.

#[test]
fn plugin_attribute_ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("../ui/pass/*.rs");
    cases.compile_fail("../ui/fail/*.rs");
}
