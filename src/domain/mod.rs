//! Pure rules of the domain: no database, no transport.

pub mod accountability;
pub mod cents;
pub mod clock;
pub mod credit_code;
pub mod disputes;
pub mod distance;
pub mod file_type;
pub mod gate;
pub mod history;
pub mod labels;
pub mod lifecycle;
pub mod look_back;
pub mod merkle;
pub mod photo_metadata;
pub mod scoring;
pub mod seal;
pub mod site_proof;
pub mod slips;
pub mod sweep;
pub mod warning;

/// An enumeration value as the API spells it (`IN_PROGRESS`), for messages.
pub fn api_name(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}
