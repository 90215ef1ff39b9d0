//! `otai check --config FILE`.

use std::path::Path;
use std::process::ExitCode;

use super::EXIT_INVALID;
use crate::app_config::AppConfig;
use crate::config::load_file;
use crate::engine::Pipeline;
use crate::registry::ComponentRegistry;

/// Loads, validates and builds; prints every error, or a one-line summary.
pub(crate) fn check(
    path: &Path,
    registry: &ComponentRegistry,
    app: &AppConfig,
    log_json: bool,
) -> ExitCode {
    match load_and_build(path, registry, app, log_json) {
        Ok(pipeline) => {
            println!(
                "{}: OK ({} services, orchestrator `{}` ({}))",
                path.display(),
                pipeline.services().len(),
                pipeline.orchestrator().id(),
                pipeline.orchestrator().use_key(),
            );
            ExitCode::SUCCESS
        }
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
) -> Result<Pipeline, ExitCode> {
    // Logging first, so that building (which may log) is configured as the file says; a
    // config that does not load is reported by `from_file` below.
    if let Ok(loaded) = load_file(path) {
        if let Err(error) = crate::logging::init(&loaded.config().infrastructure.logging, log_json)
        {
            eprintln!("error: {}: infrastructure.logging: {error}", path.display());
            return Err(ExitCode::from(EXIT_INVALID));
        }
    }
    Pipeline::from_file(path, registry, app).map_err(|errors| {
        eprint!("{}", errors.render());
        ExitCode::from(EXIT_INVALID)
    })
}
