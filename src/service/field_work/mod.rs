//! Field work: plan milestones, progress reports, site inspections and deadline extensions,
//! one module each. Every change is an issue step (checked, versioned, recorded as an event;
//! see `issue_step`) written in one transaction with its own row and, when the client gave
//! one, its idempotency key (see `idempotency`).

mod extensions;
mod plans;
mod progress;
mod site_inspections;

pub use extensions::{ExtensionDecision, NewExtension};
pub(crate) use plans::check_milestones;
pub use plans::{MilestonePlan, NewMilestone, milestone_overdue};
pub use progress::NewProgressReport;
pub use site_inspections::NewSiteInspection;

use super::MAX_TEXT;
