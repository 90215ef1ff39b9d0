//! The `.env` file beside a config.

use std::path::{Path, PathBuf};

/// Why the `.env` beside a config could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DotenvError {
    /// The file exists but cannot be read.
    #[error("cannot read {}", file.display())]
    Unreadable {
        /// The `.env` file.
        file: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A line is not `NAME=value`. The parser's own message is not kept: it quotes the
    /// line, which may hold a secret.
    #[error("{}: {}", file.display(), match after_variable {
        Some(name) => format!("a line after the variable `{name}` is malformed"),
        None => "the first variable line is malformed".to_owned(),
    })]
    Malformed {
        /// The `.env` file.
        file: PathBuf,
        /// The last variable read before the bad line.
        after_variable: Option<String>,
    },
}

/// The variables of `dir/.env`, in file order; none when there is no such file.
pub fn read_beside(dir: &Path) -> Result<Vec<(String, String)>, DotenvError> {
    let file = dir.join(".env");
    if !file.is_file() {
        return Ok(Vec::new());
    }
    let entries = dotenvy::from_path_iter(&file).map_err(|error| match error {
        dotenvy::Error::Io(source) => DotenvError::Unreadable {
            file: file.clone(),
            source,
        },
        _ => DotenvError::Malformed {
            file: file.clone(),
            after_variable: None,
        },
    })?;
    let mut variables: Vec<(String, String)> = Vec::new();
    for entry in entries {
        match entry {
            Ok(variable) => variables.push(variable),
            Err(dotenvy::Error::Io(source)) => {
                return Err(DotenvError::Unreadable { file, source });
            }
            Err(_) => {
                return Err(DotenvError::Malformed {
                    file,
                    after_variable: variables.last().map(|(name, _)| name.clone()),
                });
            }
        }
    }
    Ok(variables)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_lines_are_located_without_their_text() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(".env"),
            "USER=bob\nPASSWORD=s3cr3t hunter2\n",
        )
        .unwrap();
        let error = read_beside(dir.path()).unwrap_err();
        let text = crate::report(&error);
        assert!(text.contains("after the variable `USER`"), "{text}");
        assert!(
            !text.contains("hunter2") && !text.contains("s3cr3t"),
            "{text}"
        );
    }

    #[test]
    fn variables_are_read_in_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".env"), "A=1\nB=two\n").unwrap();
        let variables = read_beside(dir.path()).unwrap();
        assert_eq!(
            variables,
            [
                ("A".to_owned(), "1".to_owned()),
                ("B".to_owned(), "two".to_owned())
            ]
        );
        assert!(read_beside(&dir.path().join("missing")).unwrap().is_empty());
    }
}
