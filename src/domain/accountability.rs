//! Accountability cases: their lifecycle, and which measures fit which subject.

use entity::enums::{AccountabilityMeasure as M, AccountabilitySubjectType as S, CaseAction, CaseStatus};

/// A step in a case's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseStep {
    StartInvestigation,
    FileStatement,
    Decide,
    Close,
    Dismiss,
}

impl CaseStep {
    /// The status after the step and the action recorded, or `None` when the status forbids it.
    pub fn apply(self, from: CaseStatus) -> Option<(CaseStatus, CaseAction)> {
        match (self, from) {
            (CaseStep::StartInvestigation, CaseStatus::Open) => {
                Some((CaseStatus::Investigating, CaseAction::InvestigationStarted))
            }
            (CaseStep::FileStatement, CaseStatus::Investigating) => {
                Some((CaseStatus::Investigating, CaseAction::StatementFiled))
            }
            (CaseStep::Decide, CaseStatus::Investigating) => Some((CaseStatus::Decided, CaseAction::Decided)),
            (CaseStep::Close, CaseStatus::Decided) => Some((CaseStatus::Closed, CaseAction::Closed)),
            (CaseStep::Dismiss, CaseStatus::Open | CaseStatus::Investigating) => {
                Some((CaseStatus::Dismissed, CaseAction::Dismissed))
            }
            _ => None,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            CaseStep::StartInvestigation => "start investigating",
            CaseStep::FileStatement => "file a statement on",
            CaseStep::Decide => "decide",
            CaseStep::Close => "close",
            CaseStep::Dismiss => "dismiss",
        }
    }
}

/// Whether `measure` may be imposed on a subject of this type: departments and officials get
/// the left column of `docs/domain.md`, enterprises the right one.
pub fn measure_fits(subject: S, measure: M) -> bool {
    let for_people = matches!(
        measure,
        M::AdmonishmentTalk
            | M::CirculatedCriticism
            | M::Admonition
            | M::OrganizationalHandling
            | M::DisciplinarySanction
            | M::JudicialReferral
    );
    match subject {
        S::Department | S::Official => for_people,
        S::Enterprise => !for_people,
    }
}

/// A case counts against its subject once decided (and still after it is closed).
pub fn is_decided(status: CaseStatus) -> bool {
    matches!(status, CaseStatus::Decided | CaseStatus::Closed)
}

#[cfg(test)]
mod tests {
    use sea_orm::Iterable;

    use super::*;

    #[test]
    fn the_case_lifecycle_allows_exactly_its_steps() {
        use CaseStatus::*;
        let allowed = [
            (CaseStep::StartInvestigation, Open, Investigating),
            (CaseStep::FileStatement, Investigating, Investigating),
            (CaseStep::Decide, Investigating, Decided),
            (CaseStep::Close, Decided, Closed),
            (CaseStep::Dismiss, Open, Dismissed),
            (CaseStep::Dismiss, Investigating, Dismissed),
        ];
        let steps = [
            CaseStep::StartInvestigation,
            CaseStep::FileStatement,
            CaseStep::Decide,
            CaseStep::Close,
            CaseStep::Dismiss,
        ];
        for step in steps {
            for from in CaseStatus::iter() {
                let expected = allowed.iter().find(|(s, f, _)| *s == step && *f == from).map(|(_, _, to)| *to);
                assert_eq!(step.apply(from).map(|(to, _)| to), expected, "{step:?} from {from:?}");
            }
        }
    }

    #[test]
    fn measures_fit_their_column_only() {
        assert!(measure_fits(S::Department, M::AdmonishmentTalk));
        assert!(measure_fits(S::Official, M::DisciplinarySanction));
        assert!(!measure_fits(S::Enterprise, M::Admonition));
        assert!(!measure_fits(S::Department, M::Fine));
        assert!(measure_fits(S::Enterprise, M::DailyFine));
        let for_enterprises = M::iter().filter(|m| measure_fits(S::Enterprise, *m)).count();
        let for_departments = M::iter().filter(|m| measure_fits(S::Department, *m)).count();
        assert_eq!((for_departments, for_enterprises), (6, 8));
    }
}
