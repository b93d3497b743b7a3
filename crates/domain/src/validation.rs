//! Field-level validation errors, collected so a client learns every problem in one answer.

use std::collections::BTreeMap;

/// A value outside a closed vocabulary, with the values that would have been accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {vocabulary} '{value}'; expected one of: {}", allowed.join(", "))]
pub struct UnknownCode {
    pub vocabulary: &'static str,
    pub value: String,
    pub allowed: Vec<&'static str>,
}

/// Problems keyed by field name; empty means the input is valid.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FieldErrors(pub BTreeMap<String, String>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, problem: impl Into<String>) {
        self.0.entry(field.into()).or_insert_with(|| problem.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Checks a required text field and returns its trimmed value.
    pub fn required(&mut self, field: &str, value: &str, max_len: usize) -> String {
        let value = value.trim();
        if value.is_empty() {
            self.add(field, "is required");
        } else if value.chars().count() > max_len {
            self.add(field, format!("must be at most {max_len} characters"));
        }
        value.to_owned()
    }

    /// Parses a code from a closed vocabulary, recording the allowed values on failure.
    pub fn code<T: std::str::FromStr<Err = UnknownCode>>(&mut self, field: &str, value: &str) -> Option<T> {
        match value.parse() {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, format!("must be one of: {}", e.allowed.join(", ")));
                None
            }
        }
    }

    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}
