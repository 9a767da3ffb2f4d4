//! Pure rules of the domain: no database, no transport.

pub mod accountability;
pub mod cents;
pub mod clock;
pub mod credit_code;
pub mod history;
pub mod lifecycle;
pub mod scoring;
