//! Pure rules of the domain: no database, no transport.

pub mod clock;
pub mod lifecycle;
