//! trybuild UI tests of the naming rule: a package not named `otai-*` must state its prefix.
//!
//! Regenerate the `.stderr` files with `TRYBUILD=overwrite cargo test -p plugin-naming-harness`
//! and read them before committing.

#[test]
fn plugin_naming_rule_ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("../ui/naming/pass/*.rs");
    cases.compile_fail("../ui/naming/fail/*.rs");
}
