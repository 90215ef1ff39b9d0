//! Feature selection, end to end: a binary contains exactly the plugins its Cargo features
//! select, in debug and in release, whatever the linker.
//!
//! A plugin registers itself with a `linkme` slice entry; a crate that nothing references is
//! not linked and its entry vanishes silently, so `src/main.rs` names every enabled plugin
//! (`#[cfg(feature = "x")] extern crate otai_x;`). Removing one of those lines makes these
//! tests fail. Each build asks the binary itself (`otai plugins --json`) what it contains.
//!
//! Cost: the default debug build is the `otai` that `cargo test` builds anyway
//! (`CARGO_BIN_EXE_otai`). Every other build goes to its own target directory,
//! `target/feature-matrix`, so that it never replaces the `otai` other tests run: one debug
//! build of `base` only (without debuginfo) runs with every `cargo test`. The release matrix
//! (a release build of the default features — candle and reqwest included —, then only the
//! `otai` crate rebuilt and relinked for `base` only and for each linker variant) takes many
//! minutes from cold, so it is opt-in:
//!
//! ```sh
//! cargo test --test feature_selection -- --ignored
//! ```
//!
//! Linker variants (linkme's tracker reports entries vanishing under some `gc-sections`
//! setups): rustc already links executables with `--gc-sections`, and on
//! x86_64-unknown-linux-gnu it links with the bundled `rust-lld` by default. The release test
//! also links once with `-C link-arg=-Wl,--gc-sections` stated explicitly and once with the
//! system linker (`-C linker-features=-lld`, GNU ld), and checks that every plugin survives.
//! Found with rustc 1.95 (LLD 22) and GNU ld 2.40: every entry survives all of them. linkme
//! marks its entries `#[used]`; rustc keeps `#[used]` statics of every crate it links alive
//! under `--gc-sections`. What does drop a plugin is a crate the binary never names: delete a
//! force-link line and these tests fail (as does `cargo xtask lint-plugins`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Every plugin feature of the thin binary and the package it selects.
const PLUGINS: [(&str, &str); 3] = [
    ("base", "otai-base"),
    ("otobo-znuny", "otai-otobo-znuny"),
    ("hf-local", "otai-hf-local"),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Profile {
    Debug,
    Release,
}

/// One build of the thin binary.
struct Build<'a> {
    profile: Profile,
    /// `None`: the default features; `Some(list)`: `--no-default-features --features list`.
    features: Option<&'a [&'a str]>,
    /// Extra flags for the final `rustc` invocation (the one that links), via `cargo rustc`.
    link_flags: &'a [&'a str],
}

impl Build<'_> {
    fn describe(&self) -> String {
        format!(
            "{} build, features {}{}",
            match self.profile {
                Profile::Debug => "debug",
                Profile::Release => "release",
            },
            self.features
                .map_or_else(|| "default".to_owned(), |list| list.join(",")),
            if self.link_flags.is_empty() {
                String::new()
            } else {
                format!(", rustc {}", self.link_flags.join(" "))
            }
        )
    }

    /// The packages the build should contain.
    fn expected(&self) -> Vec<String> {
        let mut expected: Vec<String> = PLUGINS
            .iter()
            .filter(|(feature, _)| self.features.is_none_or(|list| list.contains(feature)))
            .map(|(_, package)| (*package).to_owned())
            .collect();
        expected.sort();
        expected
    }

    /// Builds into `target/feature-matrix` and returns the binary's path.
    fn run(&self) -> PathBuf {
        let target_dir = feature_matrix_dir();
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut command = Command::new(cargo);
        command
            .arg(if self.link_flags.is_empty() {
                "build"
            } else {
                "rustc"
            })
            .args(["--bin", "otai", "--manifest-path"])
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .arg("--target-dir")
            .arg(&target_dir);
        if self.profile == Profile::Release {
            command.arg("--release");
        }
        if let Some(list) = self.features {
            command
                .arg("--no-default-features")
                .arg("--features")
                .arg(list.join(","));
        }
        if !self.link_flags.is_empty() {
            command.arg("--").args(self.link_flags);
        }
        // Debuginfo changes nothing about which sections are linked; leaving it out of this
        // separate target directory makes the cold debug build cheaper.
        command.env("CARGO_PROFILE_DEV_DEBUG", "false");
        let started = Instant::now();
        let output = command
            .output()
            .unwrap_or_else(|error| panic!("cannot run cargo: {error}"));
        assert!(
            output.status.success(),
            "{} failed:\n{}",
            self.describe(),
            String::from_utf8_lossy(&output.stderr)
        );
        eprintln!(
            "{}: built in {:.1}s",
            self.describe(),
            started.elapsed().as_secs_f64()
        );
        target_dir
            .join(match self.profile {
                Profile::Debug => "debug",
                Profile::Release => "release",
            })
            .join(format!("otai{}", std::env::consts::EXE_SUFFIX))
    }

    /// Builds, runs `otai plugins --json` and compares the plugins with the features.
    fn check(&self) -> PathBuf {
        let binary = self.run();
        assert_eq!(
            linked_plugins(&binary),
            self.expected(),
            "the {} does not contain exactly the plugins its features select; is every plugin force-linked in src/main.rs (`cargo xtask lint-plugins`)?",
            self.describe()
        );
        binary
    }
}

/// `target/feature-matrix`, beside the target directory of this test run.
fn feature_matrix_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).join("feature-matrix")
}

/// The plugin packages a binary lists in `otai plugins --json`, sorted.
fn linked_plugins(binary: &Path) -> Vec<String> {
    let output = Command::new(binary)
        .args(["plugins", "--json"])
        .output()
        .unwrap_or_else(|error| panic!("cannot run {}: {error}", binary.display()));
    assert!(
        output.status.success(),
        "`{} plugins --json` failed:\n{}",
        binary.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let listing: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("`otai plugins --json` printed no JSON: {error}"));
    let mut packages: Vec<String> = listing["plugins"]
        .as_array()
        .unwrap_or_else(|| panic!("no `plugins` array in {listing}"))
        .iter()
        .map(|plugin| {
            plugin["package"]
                .as_str()
                .unwrap_or_else(|| panic!("a plugin without `package` in {listing}"))
                .to_owned()
        })
        .collect();
    packages.sort();
    packages
}

/// Whether a binary was linked by LLD (it says so in its `.comment` section).
fn linked_by_lld(binary: &Path) -> bool {
    let bytes = std::fs::read(binary)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", binary.display()));
    let needle = b"Linker: LLD";
    bytes.windows(needle.len()).any(|window| window == needle)
}

/// The `otai` that `cargo test` built for this run contains exactly the plugins of the
/// features this test was compiled with (all three in a default build).
#[test]
fn this_build_contains_exactly_the_plugins_of_its_features() {
    let enabled = [
        cfg!(feature = "base"),
        cfg!(feature = "otobo-znuny"),
        cfg!(feature = "hf-local"),
    ];
    let mut expected: Vec<String> = PLUGINS
        .iter()
        .zip(enabled)
        .filter(|(_, on)| *on)
        .map(|((_, package), _)| (*package).to_owned())
        .collect();
    expected.sort();
    assert_eq!(
        linked_plugins(Path::new(env!("CARGO_BIN_EXE_otai"))),
        expected,
        "is every plugin force-linked in src/main.rs (`cargo xtask lint-plugins`)?"
    );
}

/// A debug binary built with only `base` contains `base` and none of the others.
#[test]
fn debug_build_with_only_base_contains_only_base() {
    Build {
        profile: Profile::Debug,
        features: Some(&["base"]),
        link_flags: &[],
    }
    .check();
}

/// Release builds: the default features (all plugins), only `base`, and the default
/// features again linked with explicit `--gc-sections` and with the system linker.
#[test]
#[ignore = "nested release builds take minutes: cargo test --test feature_selection -- --ignored"]
fn release_builds_contain_exactly_the_selected_plugins() {
    let default = Build {
        profile: Profile::Release,
        features: None,
        link_flags: &[],
    };
    let binary = default.check();
    eprintln!(
        "default release build linked by {}",
        if linked_by_lld(&binary) {
            "LLD"
        } else {
            "the system linker"
        }
    );

    Build {
        profile: Profile::Release,
        features: Some(&["base"]),
        link_flags: &[],
    }
    .check();

    if cfg!(target_os = "linux") {
        Build {
            profile: Profile::Release,
            features: None,
            link_flags: &["-C", "link-arg=-Wl,--gc-sections"],
        }
        .check();
    }

    if cfg!(all(
        target_os = "linux",
        target_arch = "x86_64",
        target_env = "gnu"
    )) {
        let binary = Build {
            profile: Profile::Release,
            features: None,
            link_flags: &["-C", "linker-features=-lld"],
        }
        .check();
        assert!(
            !linked_by_lld(&binary),
            "`-C linker-features=-lld` should have linked with the system linker"
        );
    }
}
