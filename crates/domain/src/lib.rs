//! The rules of cooperation work that hold whatever stores or serves them: who may see what,
//! how a partner's treaty status reads on a date, when a channel change takes effect, and how
//! the audit chain is hashed. Nothing here performs I/O or reads the clock: time is passed in.

pub mod access;
pub mod audit;
pub mod partner;
pub mod receipt;
pub mod request;
pub mod validation;
pub mod warrant;

/// Declares a closed vocabulary whose wire form is a stable snake_case code, shared by the
/// database, the JSON API and the templates, so every layer parses it the same way.
#[macro_export]
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn parse(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::validation::UnknownCode;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s).ok_or_else(|| $crate::validation::UnknownCode {
                    vocabulary: stringify!($name),
                    value: s.to_owned(),
                    allowed: Self::ALL.iter().map(|v| v.code()).collect(),
                })
            }
        }
    };
}
