//! How a survey, theme or language file's mistakes are collected: each with
//! its file and line, so a broken file stops the service before a child sees it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

/// One mistake in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyError {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for SurveyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
    }
}

/// Collects errors for one file, turning byte offsets into line numbers.
pub(crate) struct Report<'a> {
    path: &'a Path,
    source: &'a str,
    pub errors: Vec<SurveyError>,
}

impl<'a> Report<'a> {
    pub(crate) fn new(path: &'a Path, source: &'a str) -> Report<'a> {
        Report { path, source, errors: Vec::new() }
    }

    pub(crate) fn source(&self) -> &str {
        self.source
    }

    /// An error on a line already worked out.
    pub(crate) fn push(&mut self, line: usize, message: impl Into<String>) {
        self.errors.push(SurveyError { path: self.path.to_path_buf(), line, message: message.into() });
    }

    pub(crate) fn line_at(&self, offset: usize) -> usize {
        let end = offset.min(self.source.len());
        self.source.as_bytes()[..end].iter().filter(|b| **b == b'\n').count() + 1
    }

    pub(crate) fn error(&mut self, offset: usize, message: impl Into<String>) {
        let line = self.line_at(offset);
        self.errors.push(SurveyError { path: self.path.to_path_buf(), line, message: message.into() });
    }

    /// A TOML or shape error from the parser.
    pub(crate) fn parse_error(&mut self, e: &toml::de::Error) {
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        let message = e.message().trim().to_owned();
        self.error(offset, message);
    }
}

/// Parses a whole file into `T`, or records why not.
pub(crate) fn parse_toml<T: for<'de> Deserialize<'de>>(report: &mut Report<'_>) -> Option<T> {
    match toml::from_str(report.source) {
        Ok(value) => Some(value),
        Err(e) => {
            report.parse_error(&e);
            None
        }
    }
}

static ID: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$").expect("id pattern"));

/// Whether `id` is lower-case letters, digits and single dashes, starting with a letter, 1–64 long.
pub(crate) fn valid_id(id: &str) -> bool {
    id.len() <= 64 && ID.is_match(id)
}
