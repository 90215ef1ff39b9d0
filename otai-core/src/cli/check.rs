//! `otai check --config FILE`.

use std::path::Path;
use std::process::ExitCode;

use super::EXIT_INVALID;
use crate::app_config::AppConfig;
use crate::config::{load_file_lenient, ConfigErrors};
use crate::engine::Pipeline;
use crate::registry::ComponentRegistry;

/// Loads, validates and builds; prints every error, or a one-line summary.
pub(crate) fn check(
    path: &Path,
    registry: &ComponentRegistry,
    app: &AppConfig,
    log_json: bool,
) -> ExitCode {
    match load_and_build(path, registry, app, log_json, false) {
        Ok(pipeline) => super::write_stdout(&format!(
            "{}: OK ({} services, orchestrator `{}` ({}))\n",
            path.display(),
            pipeline.services().len(),
            pipeline.orchestrator().id(),
            pipeline.orchestrator().use_key(),
        )),
        Err(code) => code,
    }
}

/// Loads the config, sets up logging from it and builds the pipeline; on error prints every
/// mistake (loading and validation together) and returns the exit code.
pub(crate) fn load_and_build(
    path: &Path,
    registry: &ComponentRegistry,
    app: &AppConfig,
    log_json: bool,
    log_to_file: bool,
) -> Result<Pipeline, ExitCode> {
    let invalid = |errors: ConfigErrors| {
        eprint!("{}", errors.render());
        ExitCode::from(EXIT_INVALID)
    };
    let (loaded, issues) = load_file_lenient(path).map_err(invalid)?;
    // Logging first, so that building (which may log) goes where the file says.
    if let Err(error) = crate::logging::init(
        &loaded.config().infrastructure.logging,
        log_json,
        log_to_file,
    ) {
        eprintln!("error: {}: infrastructure.logging: {error}", path.display());
        return Err(ExitCode::from(EXIT_INVALID));
    }
    Pipeline::build_with_issues(&loaded, issues, registry, app).map_err(invalid)
}
