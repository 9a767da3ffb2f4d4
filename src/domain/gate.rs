//! The new-project gate (严防增量, 区域限批): whether the ledger blocks a new project, and why.
//!
//! A project application is blocked when any enabled rule has a finding:
//!
//! - `REPEAT_OFFENDER`: the enterprise is a repeat offender (屡查屡犯), the rule of
//!   `RECTIFY_REPEAT_OFFENDER_VIOLATIONS` and `RECTIFY_REPEAT_OFFENDER_DAYS`; the finding names
//!   the decided cases that make it one.
//! - `OPEN_CASE`: an accountability case against the enterprise is still open or under
//!   investigation (`OPEN_CASE_STATUSES`).
//! - `OPEN_ISSUE`: an issue naming the enterprise is not yet closed (销号), including one
//!   accepted and still on public notice: until it is closed it may still come back.
//! - `REGIONAL_RESTRICTION` (区域限批): in the project's township, a MAJOR issue or an issue under
//!   special supervision is overdue today (the overdue rule of the issue list).
//!
//! The county chooses the rules in force with `RECTIFY_GATE_RULES` (all four by default). The
//! gate is read from the ledger whenever it is asked for; the decision keeps a copy of what it
//! read then.

use entity::enums::CaseStatus;
use serde::{Deserialize, Serialize};

/// One rule of the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GateRule {
    RepeatOffender,
    OpenCase,
    OpenIssue,
    RegionalRestriction,
}

impl GateRule {
    pub const ALL: [GateRule; 4] =
        [GateRule::RepeatOffender, GateRule::OpenCase, GateRule::OpenIssue, GateRule::RegionalRestriction];

    /// What a finding of this rule means, for people.
    pub fn describe(self) -> &'static str {
        match self {
            GateRule::RepeatOffender => "the enterprise is a repeat offender (屡查屡犯)",
            GateRule::OpenCase => "an accountability case against the enterprise is still open",
            GateRule::OpenIssue => "an issue naming the enterprise is not yet closed",
            GateRule::RegionalRestriction => {
                "regional restriction (区域限批): a MAJOR or supervised issue in the township is overdue"
            }
        }
    }
}

impl std::str::FromStr for GateRule {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        GateRule::ALL.into_iter().find(|rule| super::api_name(rule).eq_ignore_ascii_case(text.trim())).ok_or_else(
            || {
                let names: Vec<String> = GateRule::ALL.iter().map(super::api_name).collect();
                format!("`{text}` is not a gate rule; the rules are {}", names.join(", "))
            },
        )
    }
}

/// The rules in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateRules(pub Vec<GateRule>);

impl Default for GateRules {
    fn default() -> Self {
        GateRules(GateRule::ALL.to_vec())
    }
}

impl std::str::FromStr for GateRules {
    type Err = String;

    /// A comma-separated list of rule names, or `NONE` for an open gate.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.trim().eq_ignore_ascii_case("none") {
            return Ok(GateRules(Vec::new()));
        }
        let mut rules = text.split(',').map(str::parse).collect::<Result<Vec<GateRule>, _>>()?;
        rules.sort();
        rules.dedup();
        Ok(GateRules(rules))
    }
}

/// Case statuses that count as open for `OPEN_CASE`.
pub const OPEN_CASE_STATUSES: [CaseStatus; 2] = [CaseStatus::Open, CaseStatus::Investigating];

/// What the ledger holds about an application's enterprise and township (row ids).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GateFacts {
    /// The enterprise's decided cases inside the repeat-offender window.
    pub recent_decided_cases: Vec<i64>,
    /// Whether those make it a repeat offender.
    pub repeat_offender: bool,
    /// Its cases in `OPEN_CASE_STATUSES`.
    pub open_cases: Vec<i64>,
    /// Issues naming it that are not closed.
    pub open_issues: Vec<i64>,
    /// MAJOR or supervised issues of the township overdue today.
    pub township_overdue: Vec<i64>,
}

/// Why the gate is blocked: one rule and the records behind it (row ids, ascending).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub rule: GateRule,
    pub issue_ids: Vec<i64>,
    pub case_ids: Vec<i64>,
}

/// The findings of the rules in force, in the order of `GateRule::ALL`; none means open.
pub fn evaluate(rules: &GateRules, facts: &GateFacts) -> Vec<Finding> {
    let sorted = |ids: &[i64]| {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    GateRule::ALL
        .into_iter()
        .filter(|rule| rules.0.contains(rule))
        .filter_map(|rule| {
            let (issues, cases): (&[i64], &[i64]) = match rule {
                GateRule::RepeatOffender if facts.repeat_offender => (&[], &facts.recent_decided_cases),
                GateRule::RepeatOffender => return None,
                GateRule::OpenCase => (&[], &facts.open_cases),
                GateRule::OpenIssue => (&facts.open_issues, &[]),
                GateRule::RegionalRestriction => (&facts.township_overdue, &[]),
            };
            (!issues.is_empty() || !cases.is_empty()).then(|| Finding {
                rule,
                issue_ids: sorted(issues),
                case_ids: sorted(cases),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> GateFacts {
        GateFacts {
            recent_decided_cases: vec![4, 2],
            repeat_offender: true,
            open_cases: vec![7],
            open_issues: vec![9, 3, 9],
            township_overdue: vec![11],
        }
    }

    #[test]
    fn every_rule_in_force_names_the_records_behind_its_finding() {
        let findings = evaluate(&GateRules::default(), &facts());
        let rules: Vec<GateRule> = findings.iter().map(|f| f.rule).collect();
        assert_eq!(rules, GateRule::ALL.to_vec());
        assert_eq!(findings[0].case_ids, vec![2, 4]);
        assert_eq!(findings[2].issue_ids, vec![3, 9]);
        assert_eq!(findings[3].issue_ids, vec![11]);
    }

    #[test]
    fn decided_cases_below_the_threshold_and_empty_facts_find_nothing() {
        let facts = GateFacts { recent_decided_cases: vec![4], ..GateFacts::default() };
        assert!(evaluate(&GateRules::default(), &facts).is_empty());
    }

    #[test]
    fn a_rule_out_of_force_is_not_read() {
        let rules: GateRules = "open_issue, REGIONAL_RESTRICTION".parse().unwrap();
        let found: Vec<GateRule> = evaluate(&rules, &facts()).iter().map(|f| f.rule).collect();
        assert_eq!(found, vec![GateRule::OpenIssue, GateRule::RegionalRestriction]);
        assert!(evaluate(&"none".parse().unwrap(), &facts()).is_empty());
        assert!("OPEN_ISSUE,FRIDAY".parse::<GateRules>().unwrap_err().contains("FRIDAY"));
    }
}
