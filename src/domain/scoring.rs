//! The one-vote-veto assessment of `docs/domain.md`, as a pure function of the rules and the facts.
//!
//! Facts come from history (the state of each issue as the period ended, the events inside
//! the period, the cases decided inside it), never from today's state, so a late fix does not
//! erase an overdue that counted. Inputs are sorted before use and every output is ordered,
//! so the same facts always give the same results, item for item.

use chrono::NaiveDate;
use entity::enums::{AccountabilityMeasure, AssessmentGrade, Severity};
use serde::{Deserialize, Serialize};

use super::cents::Cents;
use super::clock::DeadlineKind;
use super::history::IssueState;

/// The scoring rules of a period. Every field has the default of `docs/domain.md`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ScoringRules {
    pub base_score: Cents,
    pub overdue_as_lead: Cents,
    pub overdue_as_cooperating: Cents,
    pub failed_acceptance: Cents,
    pub relapse: Cents,
    /// Per reminder or supervision slip not answered by its reply date.
    pub unanswered_reminder: Cents,
    pub admonishment_talk: Cents,
    pub circulated_criticism: Cents,
    pub admonition: Cents,
    pub organizational_handling: Cents,
    /// Bonus per issue accepted on or before its deadline as lead unit (0: no bonus).
    pub on_time_bonus: Cents,
    /// The most bonus a department can earn in a period.
    pub max_bonus: Cents,
    pub veto_major_or_supervised_overdue: bool,
    pub veto_relapse: bool,
    pub veto_heavy_sanction: bool,
    pub veto_below_floor: bool,
    pub floor: Cents,
    pub excellent_from: Cents,
    pub good_from: Cents,
    pub pass_from: Cents,
}

impl Default for ScoringRules {
    fn default() -> Self {
        ScoringRules {
            base_score: Cents::whole(100),
            overdue_as_lead: Cents::whole(5),
            overdue_as_cooperating: Cents::whole(2),
            failed_acceptance: Cents::whole(1),
            relapse: Cents::whole(5),
            unanswered_reminder: Cents::whole(1),
            admonishment_talk: Cents::whole(3),
            circulated_criticism: Cents::whole(5),
            admonition: Cents::whole(5),
            organizational_handling: Cents::whole(10),
            on_time_bonus: Cents::ZERO,
            max_bonus: Cents::ZERO,
            veto_major_or_supervised_overdue: true,
            veto_relapse: true,
            veto_heavy_sanction: true,
            veto_below_floor: true,
            floor: Cents::whole(60),
            excellent_from: Cents::whole(90),
            good_from: Cents::whole(75),
            pass_from: Cents::whole(60),
        }
    }
}

impl ScoringRules {
    /// Checks the rules; the error names the offending field.
    pub fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        let amounts = [
            ("baseScore", self.base_score),
            ("overdueAsLead", self.overdue_as_lead),
            ("overdueAsCooperating", self.overdue_as_cooperating),
            ("failedAcceptance", self.failed_acceptance),
            ("relapse", self.relapse),
            ("unansweredReminder", self.unanswered_reminder),
            ("admonishmentTalk", self.admonishment_talk),
            ("circulatedCriticism", self.circulated_criticism),
            ("admonition", self.admonition),
            ("organizationalHandling", self.organizational_handling),
            ("onTimeBonus", self.on_time_bonus),
            ("maxBonus", self.max_bonus),
            ("floor", self.floor),
            ("excellentFrom", self.excellent_from),
            ("goodFrom", self.good_from),
            ("passFrom", self.pass_from),
        ];
        if let Some((field, _)) = amounts.iter().find(|(_, value)| *value < Cents::ZERO) {
            return Err((field, "points and thresholds cannot be negative"));
        }
        if self.base_score == Cents::ZERO {
            return Err(("baseScore", "the base score must be above 0"));
        }
        if !(self.pass_from < self.good_from && self.good_from < self.excellent_from) {
            return Err(("excellentFrom", "grade thresholds must rise: passFrom < goodFrom < excellentFrom"));
        }
        if self.excellent_from.0 > self.base_score.0 + self.max_bonus.0 {
            return Err((
                "excellentFrom",
                "no department could reach EXCELLENT: it is above the base score plus the bonus",
            ));
        }
        if self.floor > self.base_score {
            return Err(("floor", "the veto floor cannot be above the base score"));
        }
        Ok(())
    }

    fn measure_points(&self, measure: AccountabilityMeasure) -> Cents {
        match measure {
            AccountabilityMeasure::AdmonishmentTalk => self.admonishment_talk,
            AccountabilityMeasure::CirculatedCriticism => self.circulated_criticism,
            AccountabilityMeasure::Admonition => self.admonition,
            AccountabilityMeasure::OrganizationalHandling => self.organizational_handling,
            _ => Cents::ZERO,
        }
    }

    fn grade(&self, score: Cents) -> AssessmentGrade {
        if score >= self.excellent_from {
            AssessmentGrade::Excellent
        } else if score >= self.good_from {
            AssessmentGrade::Good
        } else if score >= self.pass_from {
            AssessmentGrade::Pass
        } else {
            AssessmentGrade::Fail
        }
    }
}

/// What kind of entry an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ItemKind {
    Deduction,
    Bonus,
    Veto,
}

/// The rule an item applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Rule {
    OverdueAsLead,
    OverdueAsCooperating,
    FailedAcceptance,
    Relapse,
    UnansweredReminder,
    CaseMeasure,
    OnTimeCompletion,
    MajorOrSupervisedOverdue,
    RelapseVeto,
    HeavySanction,
    BelowFloor,
    ManualVeto,
}

/// One line of a department's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    pub kind: ItemKind,
    pub points: Cents,
    pub rule: Rule,
    pub reason: String,
    pub issue_id: Option<i64>,
    pub case_id: Option<i64>,
}

impl Item {
    /// The item as a viewer who may not read the case it comes from sees it: its kind, points
    /// and rule, so that the score still adds up, but a reason that names no case, official or
    /// measure, and no link to the case. An item that comes from no case is unchanged.
    pub fn without_case_details(self) -> Item {
        if self.case_id.is_none() {
            return self;
        }
        let reason = match self.kind {
            ItemKind::Veto => "A decided accountability case vetoes this result (details restricted).",
            _ => "A decided accountability case against this department or one of its officials (details restricted).",
        };
        Item { reason: reason.to_owned(), case_id: None, ..self }
    }
}

/// One department's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartmentResult {
    pub department_id: i64,
    pub score: Cents,
    pub vetoed: bool,
    pub grade: AssessmentGrade,
    pub rank: i32,
    pub items: Vec<Item>,
}

/// A department to score.
#[derive(Debug, Clone)]
pub struct DepartmentRef {
    pub id: i64,
    pub code: String,
}

/// An issue as named in reasons.
#[derive(Debug, Clone)]
pub struct IssueRef {
    pub code: String,
    pub title: String,
}

/// A lifecycle event inside the period, with the lead unit at that moment.
#[derive(Debug, Clone)]
pub struct IssueOccurrence {
    pub issue_id: i64,
    pub lead_department_id: Option<i64>,
    pub day: NaiveDate,
}

/// A case decided inside the period against a department or one of its officials.
#[derive(Debug, Clone)]
pub struct DecidedCase {
    pub case_id: i64,
    pub code: String,
    pub department_id: i64,
    pub official_name: Option<String>,
    pub measures: Vec<AccountabilityMeasure>,
    pub day: NaiveDate,
}

/// A slip whose reply date fell in the period and passed without an answer.
#[derive(Debug, Clone)]
pub struct UnansweredSlip {
    pub number: String,
    pub issue_id: i64,
    pub department_id: i64,
    pub reply_by: NaiveDate,
    /// The county's day of a late answer; `None` while unanswered.
    pub answered_on: Option<NaiveDate>,
}

/// A veto the bureau recorded by hand.
#[derive(Debug, Clone)]
pub struct ManualVeto {
    pub department_id: i64,
    pub reason: String,
}

/// Everything the assessment of one period is computed from.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub departments: Vec<DepartmentRef>,
    /// The county date on which overdue is judged: the period's last day, or today while
    /// the period runs.
    pub judged_on: Option<NaiveDate>,
    /// Every issue as it stood at the end of the period (or now).
    pub states: Vec<IssueState>,
    pub issues: std::collections::BTreeMap<i64, IssueRef>,
    pub failed_acceptances: Vec<IssueOccurrence>,
    /// Closed issues reopened inside the period.
    pub relapses: Vec<IssueOccurrence>,
    /// Issues accepted inside the period on or before their deadline.
    pub on_time_completions: Vec<IssueOccurrence>,
    pub decided_cases: Vec<DecidedCase>,
    /// Slips answered late or not at all, whatever issue they chase.
    pub unanswered_slips: Vec<UnansweredSlip>,
    pub manual_vetoes: Vec<ManualVeto>,
}

impl Facts {
    fn issue_name(&self, id: i64) -> String {
        match self.issues.get(&id) {
            Some(issue) => format!("{} \u{201c}{}\u{201d}", issue.code, issue.title),
            None => format!("#{id}"),
        }
    }
}

fn item(
    kind: ItemKind,
    points: Cents,
    rule: Rule,
    reason: String,
    issue_id: Option<i64>,
    case_id: Option<i64>,
) -> Item {
    Item { kind, points, rule, reason, issue_id, case_id }
}

/// Scores every department and ranks them: unvetoed before vetoed, then by score, ties
/// sharing a rank and listed by department code.
pub fn compute(rules: &ScoringRules, facts: &Facts) -> Vec<DepartmentResult> {
    let mut departments = facts.departments.clone();
    departments.sort_by(|a, b| a.code.cmp(&b.code));
    let mut states = facts.states.clone();
    states.sort_by(|a, b| {
        facts.issue_name(a.issue_id).cmp(&facts.issue_name(b.issue_id)).then(a.issue_id.cmp(&b.issue_id))
    });
    let mut results: Vec<(String, DepartmentResult)> =
        departments.iter().map(|d| (d.code.clone(), score_department(rules, facts, &states, d.id))).collect();
    results.sort_by(|(code_a, a), (code_b, b)| {
        a.vetoed.cmp(&b.vetoed).then(b.score.cmp(&a.score)).then(code_a.cmp(code_b))
    });
    let mut ranked: Vec<DepartmentResult> = Vec::with_capacity(results.len());
    for (position, (_, mut result)) in results.into_iter().enumerate() {
        result.rank = match ranked.last() {
            Some(previous) if previous.vetoed == result.vetoed && previous.score == result.score => previous.rank,
            _ => position as i32 + 1,
        };
        ranked.push(result);
    }
    ranked
}

/// The deadlines an overdue issue had passed on `day`, as a reason names them.
fn passed_deadlines(state: &IssueState, day: NaiveDate) -> String {
    let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let passed: Vec<String> = state
        .overdue_deadlines_on(day)
        .map(|kind| match kind {
            DeadlineKind::Deadline => format!("deadline {}", date(state.deadline)),
            DeadlineKind::SupervisionDeadline => format!("supervision deadline {}", date(state.supervision_deadline)),
        })
        .collect();
    passed.join(", ")
}

fn score_department(rules: &ScoringRules, facts: &Facts, states: &[IssueState], department: i64) -> DepartmentResult {
    let mut items = Vec::new();
    if let Some(day) = facts.judged_on {
        for state in states.iter().filter(|s| s.overdue_on(day)) {
            let name = facts.issue_name(state.issue_id);
            let deadline = passed_deadlines(state, day);
            if state.lead_department_id == Some(department) {
                if rules.overdue_as_lead > Cents::ZERO {
                    let reason = format!("Issue {name}, led by this department, was overdue on {day} ({deadline}).");
                    items.push(item(
                        ItemKind::Deduction,
                        rules.overdue_as_lead,
                        Rule::OverdueAsLead,
                        reason,
                        Some(state.issue_id),
                        None,
                    ));
                }
                let major = state.severity == Some(Severity::Major);
                if rules.veto_major_or_supervised_overdue && (major || state.supervision_level.is_some()) {
                    let what = if major { "a major problem" } else { "under listed supervision" };
                    let reason =
                        format!("Issue {name} is {what} and was overdue on {day} with this department as lead unit.");
                    items.push(item(
                        ItemKind::Veto,
                        Cents::ZERO,
                        Rule::MajorOrSupervisedOverdue,
                        reason,
                        Some(state.issue_id),
                        None,
                    ));
                }
            }
            if state.cooperating_department_ids.contains(&department) && rules.overdue_as_cooperating > Cents::ZERO {
                let reason =
                    format!("Issue {name}, on which this department cooperates, was overdue on {day} ({deadline}).");
                items.push(item(
                    ItemKind::Deduction,
                    rules.overdue_as_cooperating,
                    Rule::OverdueAsCooperating,
                    reason,
                    Some(state.issue_id),
                    None,
                ));
            }
        }
    }
    let mine = |list: &[IssueOccurrence]| -> Vec<IssueOccurrence> {
        let mut found: Vec<IssueOccurrence> =
            list.iter().filter(|o| o.lead_department_id == Some(department)).cloned().collect();
        found.sort_by_key(|o| (o.day, facts.issue_name(o.issue_id), o.issue_id));
        found
    };
    if rules.failed_acceptance > Cents::ZERO {
        for o in mine(&facts.failed_acceptances) {
            let reason =
                format!("The rectification of issue {} failed acceptance on {}.", facts.issue_name(o.issue_id), o.day);
            items.push(item(
                ItemKind::Deduction,
                rules.failed_acceptance,
                Rule::FailedAcceptance,
                reason,
                Some(o.issue_id),
                None,
            ));
        }
    }
    for o in mine(&facts.relapses) {
        let name = facts.issue_name(o.issue_id);
        if rules.relapse > Cents::ZERO {
            let reason = format!("Issue {name} relapsed after closure and was reopened on {}.", o.day);
            items.push(item(ItemKind::Deduction, rules.relapse, Rule::Relapse, reason, Some(o.issue_id), None));
        }
        if rules.veto_relapse {
            let reason = format!("Issue {name}, led by this department, relapsed after closure ({}).", o.day);
            items.push(item(ItemKind::Veto, Cents::ZERO, Rule::RelapseVeto, reason, Some(o.issue_id), None));
        }
    }
    if rules.unanswered_reminder > Cents::ZERO {
        let mut slips: Vec<&UnansweredSlip> =
            facts.unanswered_slips.iter().filter(|s| s.department_id == department).collect();
        slips.sort_by(|a, b| (a.reply_by, &a.number).cmp(&(b.reply_by, &b.number)));
        for slip in slips {
            let answer = match slip.answered_on {
                Some(day) => format!("answered late, on {day}"),
                None => "not answered".to_owned(),
            };
            let reason = format!(
                "Slip {} about issue {} was due by {} and was {answer}.",
                slip.number,
                facts.issue_name(slip.issue_id),
                slip.reply_by
            );
            items.push(item(
                ItemKind::Deduction,
                rules.unanswered_reminder,
                Rule::UnansweredReminder,
                reason,
                Some(slip.issue_id),
                None,
            ));
        }
    }
    let mut cases: Vec<&DecidedCase> = facts.decided_cases.iter().filter(|c| c.department_id == department).collect();
    cases.sort_by(|a, b| (a.day, &a.code).cmp(&(b.day, &b.code)));
    for case in cases {
        let against = match &case.official_name {
            Some(official) => format!("official {official} of this department"),
            None => "this department".to_owned(),
        };
        let mut measures = case.measures.clone();
        measures.sort();
        for measure in measures {
            let label =
                serde_json::to_value(measure).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
            let points = rules.measure_points(measure);
            if points > Cents::ZERO {
                let reason = format!("Case {} against {against}, decided on {}, imposed {label}.", case.code, case.day);
                items.push(item(ItemKind::Deduction, points, Rule::CaseMeasure, reason, None, Some(case.case_id)));
            }
            let heavy = matches!(
                measure,
                AccountabilityMeasure::DisciplinarySanction | AccountabilityMeasure::JudicialReferral
            );
            if heavy && rules.veto_heavy_sanction {
                let reason = format!("Case {} against {against} ended in {label} on {}.", case.code, case.day);
                items.push(item(ItemKind::Veto, Cents::ZERO, Rule::HeavySanction, reason, None, Some(case.case_id)));
            }
        }
    }
    if rules.on_time_bonus > Cents::ZERO {
        let mut earned = Cents::ZERO;
        for o in mine(&facts.on_time_completions) {
            let points = Cents(rules.on_time_bonus.0.min(rules.max_bonus.0 - earned.0));
            if points <= Cents::ZERO {
                break;
            }
            earned = Cents(earned.0 + points.0);
            let reason =
                format!("Issue {} was rectified and accepted on time ({}).", facts.issue_name(o.issue_id), o.day);
            items.push(item(ItemKind::Bonus, points, Rule::OnTimeCompletion, reason, Some(o.issue_id), None));
        }
    }
    let mut vetoes: Vec<&ManualVeto> = facts.manual_vetoes.iter().filter(|v| v.department_id == department).collect();
    vetoes.sort_by(|a, b| a.reason.cmp(&b.reason));
    for veto in vetoes {
        items.push(item(
            ItemKind::Veto,
            Cents::ZERO,
            Rule::ManualVeto,
            format!("Vetoed by the bureau: {}", veto.reason),
            None,
            None,
        ));
    }

    let total = |kind: ItemKind| items.iter().filter(|i| i.kind == kind).map(|i| i.points.0).sum::<i64>();
    let score = Cents((rules.base_score.0 - total(ItemKind::Deduction) + total(ItemKind::Bonus)).max(0));
    if rules.veto_below_floor && score < rules.floor {
        let reason = format!("The score {score} is below the floor of {}.", rules.floor);
        items.push(item(ItemKind::Veto, Cents::ZERO, Rule::BelowFloor, reason, None, None));
    }
    let vetoed = items.iter().any(|i| i.kind == ItemKind::Veto);
    let grade = if vetoed { AssessmentGrade::Fail } else { rules.grade(score) };
    DepartmentResult { department_id: department, score, vetoed, grade, rank: 0, items }
}

#[cfg(test)]
mod tests {
    use entity::enums::{IssueStatus, SupervisionLevel};

    use super::*;

    const DEPT: i64 = 1;
    const OTHER: i64 = 2;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn an_item_without_case_details_keeps_what_the_score_needs() {
        let reason = "Case ACC-1 against official Zhao of this department imposed ADMONITION.".to_owned();
        let from_case = item(ItemKind::Deduction, Cents::whole(3), Rule::CaseMeasure, reason, None, Some(4));
        let hidden = from_case.clone().without_case_details();
        assert_eq!((hidden.kind, hidden.points, hidden.rule), (from_case.kind, from_case.points, from_case.rule));
        assert_eq!(hidden.case_id, None);
        assert!(!["ACC-1", "Zhao", "ADMONITION"].iter().any(|d| hidden.reason.contains(d)), "{}", hidden.reason);
        let from_issue = item(ItemKind::Deduction, Cents::whole(5), Rule::OverdueAsLead, "x".into(), Some(1), None);
        assert_eq!(from_issue.clone().without_case_details(), from_issue);
    }

    /// An issue overdue at the end of 2026 (deadline in June), led by `lead`.
    fn overdue(id: i64, lead: i64, cooperating: &[i64], severity: Severity, supervised: bool) -> IssueState {
        IssueState {
            issue_id: id,
            status: IssueStatus::InProgress,
            lead_department_id: Some(lead),
            cooperating_department_ids: cooperating.to_vec(),
            deadline: Some(day("2026-06-30")),
            severity: Some(severity),
            category_id: Some(1),
            supervision_level: supervised.then_some(SupervisionLevel::County),
            supervision_deadline: None,
        }
    }

    fn occurrence(id: i64, lead: i64) -> IssueOccurrence {
        IssueOccurrence { issue_id: id, lead_department_id: Some(lead), day: day("2026-09-01") }
    }

    fn case(id: i64, measures: &[AccountabilityMeasure]) -> DecidedCase {
        DecidedCase {
            case_id: id,
            code: format!("ACC-2026-{id:04}"),
            department_id: DEPT,
            official_name: None,
            measures: measures.to_vec(),
            day: day("2026-10-01"),
        }
    }

    fn facts() -> Facts {
        let mut facts = Facts {
            departments: vec![
                DepartmentRef { id: DEPT, code: "A".into() },
                DepartmentRef { id: OTHER, code: "B".into() },
            ],
            judged_on: Some(day("2026-12-31")),
            ..Facts::default()
        };
        for id in 1..=30 {
            facts.issues.insert(id, IssueRef { code: format!("I-{id:02}"), title: format!("Problem {id}") });
        }
        facts
    }

    fn lead_overdue(n: i64) -> Vec<IssueState> {
        (1..=n).map(|id| overdue(id, DEPT, &[], Severity::General, false)).collect()
    }

    struct Case {
        name: &'static str,
        rules: ScoringRules,
        facts: Facts,
        score: &'static str,
        grade: AssessmentGrade,
        /// (kind, rule, points) of each item, in order.
        items: Vec<(ItemKind, Rule, &'static str)>,
    }

    fn case_of(
        name: &'static str,
        change: impl FnOnce(&mut Facts),
        score: &'static str,
        grade: AssessmentGrade,
        items: Vec<(ItemKind, Rule, &'static str)>,
    ) -> Case {
        let mut facts = facts();
        change(&mut facts);
        Case { name, rules: ScoringRules::default(), facts, score, grade, items }
    }

    use AccountabilityMeasure as M;
    use AssessmentGrade::*;
    use ItemKind::*;
    use Rule::*;

    fn table() -> Vec<Case> {
        vec![
            case_of("a clean record", |_| {}, "100.00", Excellent, vec![]),
            case_of(
                "overdue as lead",
                |f| f.states = lead_overdue(1),
                "95.00",
                Excellent,
                vec![(Deduction, OverdueAsLead, "5.00")],
            ),
            case_of(
                "overdue as cooperating unit",
                |f| f.states = vec![overdue(1, OTHER, &[DEPT], Severity::General, false)],
                "98.00",
                Excellent,
                vec![(Deduction, OverdueAsCooperating, "2.00")],
            ),
            case_of(
                "a failed acceptance",
                |f| f.failed_acceptances = vec![occurrence(1, DEPT)],
                "99.00",
                Excellent,
                vec![(Deduction, FailedAcceptance, "1.00")],
            ),
            case_of(
                "a relapse deducts and vetoes",
                |f| f.relapses = vec![occurrence(1, DEPT)],
                "95.00",
                Fail,
                vec![(Deduction, Relapse, "5.00"), (Veto, RelapseVeto, "0.00")],
            ),
            case_of(
                "an admonishment talk",
                |f| f.decided_cases = vec![case(1, &[M::AdmonishmentTalk])],
                "97.00",
                Excellent,
                vec![(Deduction, CaseMeasure, "3.00")],
            ),
            case_of(
                "a circulated criticism",
                |f| f.decided_cases = vec![case(1, &[M::CirculatedCriticism])],
                "95.00",
                Excellent,
                vec![(Deduction, CaseMeasure, "5.00")],
            ),
            case_of(
                "an admonition",
                |f| f.decided_cases = vec![case(1, &[M::Admonition])],
                "95.00",
                Excellent,
                vec![(Deduction, CaseMeasure, "5.00")],
            ),
            case_of(
                "organizational handling",
                |f| f.decided_cases = vec![case(1, &[M::OrganizationalHandling])],
                "90.00",
                Excellent,
                vec![(Deduction, CaseMeasure, "10.00")],
            ),
            case_of(
                "a disciplinary sanction vetoes",
                |f| f.decided_cases = vec![case(1, &[M::DisciplinarySanction])],
                "100.00",
                Fail,
                vec![(Veto, HeavySanction, "0.00")],
            ),
            case_of(
                "a judicial referral vetoes",
                |f| f.decided_cases = vec![case(1, &[M::JudicialReferral])],
                "100.00",
                Fail,
                vec![(Veto, HeavySanction, "0.00")],
            ),
            case_of(
                "a major problem overdue as lead vetoes",
                |f| f.states = vec![overdue(1, DEPT, &[], Severity::Major, false)],
                "95.00",
                Fail,
                vec![(Deduction, OverdueAsLead, "5.00"), (Veto, MajorOrSupervisedOverdue, "0.00")],
            ),
            case_of(
                "a supervised problem overdue as lead vetoes",
                |f| f.states = vec![overdue(1, DEPT, &[], Severity::General, true)],
                "95.00",
                Fail,
                vec![(Deduction, OverdueAsLead, "5.00"), (Veto, MajorOrSupervisedOverdue, "0.00")],
            ),
            case_of(
                "a supervised problem past only its supervision deadline vetoes",
                |f| {
                    let mut state = overdue(1, DEPT, &[], Severity::General, true);
                    state.deadline = Some(day("2027-06-30"));
                    state.supervision_deadline = Some(day("2026-11-30"));
                    f.states = vec![state];
                },
                "95.00",
                Fail,
                vec![(Deduction, OverdueAsLead, "5.00"), (Veto, MajorOrSupervisedOverdue, "0.00")],
            ),
            case_of(
                "a major problem overdue as cooperating unit does not veto",
                |f| f.states = vec![overdue(1, OTHER, &[DEPT], Severity::Major, true)],
                "98.00",
                Excellent,
                vec![(Deduction, OverdueAsCooperating, "2.00")],
            ),
            case_of(
                "a manual veto fails a perfect score",
                |f| {
                    f.manual_vetoes =
                        vec![super::ManualVeto { department_id: DEPT, reason: "falsified monitoring data".into() }]
                },
                "100.00",
                Fail,
                vec![(Veto, Rule::ManualVeto, "0.00")],
            ),
            case_of(
                "exactly 90 is EXCELLENT",
                |f| f.states = lead_overdue(2),
                "90.00",
                Excellent,
                vec![(Deduction, OverdueAsLead, "5.00"); 2],
            ),
            case_of(
                "89 is GOOD",
                |f| {
                    f.states = lead_overdue(2);
                    f.failed_acceptances = vec![occurrence(9, DEPT)];
                },
                "89.00",
                Good,
                vec![
                    (Deduction, OverdueAsLead, "5.00"),
                    (Deduction, OverdueAsLead, "5.00"),
                    (Deduction, FailedAcceptance, "1.00"),
                ],
            ),
            case_of(
                "exactly 75 is GOOD",
                |f| f.states = lead_overdue(5),
                "75.00",
                Good,
                vec![(Deduction, OverdueAsLead, "5.00"); 5],
            ),
            case_of(
                "exactly 60 is PASS and not below the floor",
                |f| f.states = lead_overdue(8),
                "60.00",
                Pass,
                vec![(Deduction, OverdueAsLead, "5.00"); 8],
            ),
            case_of(
                "59 is below the floor: FAIL and vetoed",
                |f| {
                    f.states = lead_overdue(8);
                    f.failed_acceptances = vec![occurrence(9, DEPT)];
                },
                "59.00",
                Fail,
                [
                    vec![(Deduction, OverdueAsLead, "5.00"); 8],
                    vec![(Deduction, FailedAcceptance, "1.00"), (Veto, BelowFloor, "0.00")],
                ]
                .concat(),
            ),
            case_of(
                "the score is floored at 0",
                |f| f.states = lead_overdue(25),
                "0.00",
                Fail,
                [vec![(Deduction, OverdueAsLead, "5.00"); 25], vec![(Veto, BelowFloor, "0.00")]].concat(),
            ),
            case_of(
                "another department's record does not count",
                |f| {
                    f.states = vec![overdue(1, OTHER, &[], Severity::Major, true)];
                    f.relapses = vec![occurrence(2, OTHER)];
                },
                "100.00",
                Excellent,
                vec![],
            ),
            Case {
                name: "a switched-off veto still deducts",
                rules: ScoringRules { veto_relapse: false, ..ScoringRules::default() },
                facts: {
                    let mut f = facts();
                    f.relapses = vec![occurrence(1, DEPT)];
                    f
                },
                score: "95.00",
                grade: Excellent,
                items: vec![(Deduction, Relapse, "5.00")],
            },
            Case {
                name: "the bonus is capped",
                rules: ScoringRules {
                    on_time_bonus: Cents::whole(2),
                    max_bonus: Cents::whole(3),
                    ..ScoringRules::default()
                },
                facts: {
                    let mut f = facts();
                    f.states = lead_overdue(2);
                    f.on_time_completions = vec![occurrence(10, DEPT), occurrence(11, DEPT), occurrence(12, DEPT)];
                    f
                },
                score: "93.00",
                grade: Excellent,
                items: vec![
                    (Deduction, OverdueAsLead, "5.00"),
                    (Deduction, OverdueAsLead, "5.00"),
                    (Bonus, OnTimeCompletion, "2.00"),
                    (Bonus, OnTimeCompletion, "1.00"),
                ],
            },
            Case {
                name: "points may be fractional",
                rules: ScoringRules { overdue_as_lead: Cents(250), ..ScoringRules::default() },
                facts: {
                    let mut f = facts();
                    f.states = lead_overdue(3);
                    f
                },
                score: "92.50",
                grade: Excellent,
                items: vec![(Deduction, OverdueAsLead, "2.50"); 3],
            },
        ]
    }

    #[test]
    fn every_rule_scores_as_the_domain_says() {
        for case in table() {
            let results = compute(&case.rules, &case.facts);
            let result = results.iter().find(|r| r.department_id == DEPT).unwrap();
            assert_eq!(result.score.to_string(), case.score, "{}: score", case.name);
            assert_eq!(result.grade, case.grade, "{}: grade", case.name);
            assert_eq!(
                result.vetoed,
                case.grade == Fail && result.items.iter().any(|i| i.kind == Veto),
                "{}: vetoed",
                case.name
            );
            let items: Vec<(ItemKind, Rule, String)> =
                result.items.iter().map(|i| (i.kind, i.rule, i.points.to_string())).collect();
            let expected: Vec<(ItemKind, Rule, String)> =
                case.items.iter().map(|(k, r, p)| (*k, *r, p.to_string())).collect();
            assert_eq!(items, expected, "{}: items", case.name);
            for item in &result.items {
                assert!(
                    item.reason.ends_with('.') || item.rule == Rule::ManualVeto,
                    "{}: a sentence: {}",
                    case.name,
                    item.reason
                );
                let sourced = item.issue_id.is_some()
                    || item.case_id.is_some()
                    || matches!(item.rule, BelowFloor | Rule::ManualVeto);
                assert!(sourced, "{}: {:?} names its source", case.name, item.rule);
            }
        }
    }

    #[test]
    fn a_vetoed_department_ranks_below_any_unvetoed_one_whatever_its_score() {
        let mut f = facts();
        f.manual_vetoes = vec![super::ManualVeto { department_id: DEPT, reason: "a major incident".into() }];
        f.states = vec![overdue(1, OTHER, &[], Severity::General, false); 4]
            .into_iter()
            .enumerate()
            .map(|(n, mut s)| {
                s.issue_id = n as i64 + 1;
                s
            })
            .collect();
        let results = compute(&ScoringRules::default(), &f);
        assert_eq!(
            results.iter().map(|r| (r.department_id, r.rank, r.score.to_string())).collect::<Vec<_>>(),
            [(OTHER, 1, "80.00".to_owned()), (DEPT, 2, "100.00".to_owned())]
        );
        assert_eq!(results[1].grade, Fail);
    }

    #[test]
    fn equal_results_share_a_rank() {
        let mut f = facts();
        f.departments.push(DepartmentRef { id: 3, code: "C".into() });
        f.states = vec![overdue(1, 3, &[], Severity::General, false)];
        let ranks: Vec<(i64, i32)> =
            compute(&ScoringRules::default(), &f).iter().map(|r| (r.department_id, r.rank)).collect();
        assert_eq!(ranks, [(DEPT, 1), (OTHER, 1), (3, 3)]);
    }

    #[test]
    fn the_same_facts_in_any_order_give_the_same_results() {
        let mut f = facts();
        f.states = (1..=6)
            .map(|id| overdue(id, if id % 2 == 0 { DEPT } else { OTHER }, &[DEPT], Severity::General, id == 3))
            .collect();
        f.relapses = vec![occurrence(7, OTHER), occurrence(8, DEPT)];
        f.decided_cases = vec![case(2, &[M::Admonition, M::AdmonishmentTalk]), case(1, &[M::CirculatedCriticism])];
        let first = compute(&ScoringRules::default(), &f);
        f.states.reverse();
        f.relapses.reverse();
        f.decided_cases.reverse();
        f.departments.reverse();
        let second = compute(&ScoringRules::default(), &f);
        assert_eq!(first, second);
        assert_eq!(serde_json::to_string(&first[0].items).unwrap(), serde_json::to_string(&second[0].items).unwrap());
    }

    #[test]
    fn rules_are_validated() {
        assert!(ScoringRules::default().validate().is_ok());
        let negative = ScoringRules { relapse: Cents(-100), ..ScoringRules::default() };
        assert_eq!(negative.validate().unwrap_err().0, "relapse");
        let unordered = ScoringRules { good_from: Cents::whole(95), ..ScoringRules::default() };
        assert_eq!(unordered.validate().unwrap_err().0, "excellentFrom");
        let floor = ScoringRules { floor: Cents::whole(120), ..ScoringRules::default() };
        assert_eq!(floor.validate().unwrap_err().0, "floor");
        let defaults: ScoringRules = serde_json::from_str("{}").unwrap();
        assert_eq!(defaults, ScoringRules::default(), "rules stored without a field take its default");
    }
}
