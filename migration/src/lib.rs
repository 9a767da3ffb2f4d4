//! Database migrations of the Rectify ledger. A landed migration is never edited, only followed.

pub use sea_orm_migration::prelude::*;

mod helpers;
mod m20261128_000001_create_ledger;
mod m20261128_000002_accountability_and_assessment;
mod m20261128_000003_field_work;
mod m20261128_000004_evidence;
mod m20261128_000005_monthly_reports;
mod m20261128_000006_issue_list_indexes;
mod m20261205_000007_user_token_cutoff;
mod m20261205_000008_issue_acceptance_requested_at;
mod m20261206_000009_issue_warning_inputs;
mod m20261206_000010_supervision_slips_and_notifications;
mod m20261206_000011_webhooks;
mod m20261206_000012_leader_instructions;
mod m20261206_000013_assignment_disputes;
mod m20261206_000014_notice_objections;
mod m20261206_000015_look_back_campaigns;
mod m20261206_000016_project_applications;
mod m20261206_000017_history_chains;
mod m20261206_000018_record_guards;
mod m20261206_000019_sealed_reports;
mod m20261207_000020_scheduled_jobs;
mod m20261207_000021_issue_location_index;
mod m20261207_000022_issue_township_index;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_create_ledger::Migration),
            Box::new(m20261128_000002_accountability_and_assessment::Migration),
            Box::new(m20261128_000003_field_work::Migration),
            Box::new(m20261128_000004_evidence::Migration),
            Box::new(m20261128_000005_monthly_reports::Migration),
            Box::new(m20261128_000006_issue_list_indexes::Migration),
            Box::new(m20261205_000007_user_token_cutoff::Migration),
            Box::new(m20261205_000008_issue_acceptance_requested_at::Migration),
            Box::new(m20261206_000009_issue_warning_inputs::Migration),
            Box::new(m20261206_000010_supervision_slips_and_notifications::Migration),
            Box::new(m20261206_000011_webhooks::Migration),
            Box::new(m20261206_000012_leader_instructions::Migration),
            Box::new(m20261206_000013_assignment_disputes::Migration),
            Box::new(m20261206_000014_notice_objections::Migration),
            Box::new(m20261206_000015_look_back_campaigns::Migration),
            Box::new(m20261206_000016_project_applications::Migration),
            Box::new(m20261206_000017_history_chains::Migration),
            Box::new(m20261206_000018_record_guards::Migration),
            Box::new(m20261206_000019_sealed_reports::Migration),
            Box::new(m20261207_000020_scheduled_jobs::Migration),
            Box::new(m20261207_000021_issue_location_index::Migration),
            Box::new(m20261207_000022_issue_township_index::Migration),
        ]
    }
}
