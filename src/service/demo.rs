//! Demo data: a small county with a bureau, departments, townships, one provincial round, the
//! classification and ~40 issues in every status. Written through the same services (and so
//! the same checks and events) as real requests.

use chrono::{Datelike, Duration, NaiveDate};
use entity::enums::{DepartmentKind, EvidenceKind, InspectionKind, InspectionLevel, Role, Severity, SupervisionLevel};
use entity::{department, issue};
use sea_orm::{EntityTrait, PaginatorTrait};

use std::collections::HashMap;

use entity::enums::{AccountabilityGround, AccountabilityMeasure, AccountabilitySubjectType as Subject};

use super::Services;
use super::assessment::NewPeriod;
use super::cases::{CaseStepInput, Decision, MeasureInput, NewCase};
use super::catalog::{NewCategory, NewRound};
use super::departments::NewDepartment;
use super::disputes::NewDispute;
use super::enterprises::NewEnterprise;
use super::evidence::NewEvidence;
use super::field_work::MilestonePlan;
use super::instructions::NewInstruction;
use super::issue_lifecycle::{Acceptance, Assignment, NewIssue, StartInput, StepInput, Supervision};
use super::look_back::NewCampaign;
use super::objections::NewObjection;
use super::project_gate::{ApplicationDecision, NewProjectApplication, ProjectDecision};
use super::users::NewUser;
use crate::auth::Principal;
use crate::domain::cents::Cents;
use crate::domain::credit_code;
use crate::domain::scoring::ScoringRules;
use crate::error::{AppError, AppResult};

/// Where each demo issue ends up.
#[derive(Clone, Copy)]
enum Stage {
    Reported,
    Assigned,
    InProgress,
    Awaiting,
    /// Accepted, its public notice still running.
    Accepted,
    Closed,
    /// Closed, then found again and reopened.
    Relapsed,
}

/// The demo's LEADER: a local user in charge of every third issue, and the subject of the
/// LEADER token `serve --demo` prints, so that token may instruct on those issues.
pub const DEMO_LEADER: &str = "county-leader";

/// The leaders in charge of the demo's issues, by name; the first is `DEMO_LEADER`.
const LEADER_NAMES: [&str; 3] = ["副县长 马骏", "副县长 林晓", "县委常委 何平"];

/// The demo's photo after rectification: a small green square.
const DEMO_PHOTO: &[u8] = include_bytes!("../../assets/demo-photo-after.png");

const DEPARTMENTS: &[(&str, &str, DepartmentKind, &str)] = &[
    ("EPB", "县生态环境局（整改办）", DepartmentKind::Bureau, "王建国"),
    ("WATER", "县水利局", DepartmentKind::Functional, "李明"),
    ("HOUSING", "县住房和城乡建设局", DepartmentKind::Functional, "张伟"),
    ("AGRI", "县农业农村局", DepartmentKind::Functional, "刘洋"),
    ("NATRES", "县自然资源局", DepartmentKind::Functional, "陈静"),
    ("INDUSTRY", "县工业和信息化局", DepartmentKind::Functional, "杨帆"),
    ("FOREST", "县林业局", DepartmentKind::Functional, "赵磊"),
    ("TRANSPORT", "县交通运输局", DepartmentKind::Functional, "黄丽"),
    ("T-QINGSHUI", "清水镇", DepartmentKind::Township, "周强"),
    ("T-HEKOU", "河口镇", DepartmentKind::Township, "吴敏"),
    ("T-SHANBEI", "山北乡", DepartmentKind::Township, "郑涛"),
    ("T-DONGPING", "东平镇", DepartmentKind::Township, "孙芳"),
];

/// (category code, category name, duty department code)
type DemoCategory = (&'static str, &'static str, &'static str);

/// (aspect code, aspect name, its categories)
const CLASSIFICATION: &[(&str, &str, &[DemoCategory])] = &[
    ("A1", "水污染防治", &[("A1-1", "黑臭水体", "HOUSING"), ("A1-2", "饮用水水源地保护", "WATER")]),
    ("A2", "大气污染防治", &[("A2-1", "工业企业超标排放", "INDUSTRY"), ("A2-2", "扬尘污染", "HOUSING")]),
    ("A3", "土壤与农业面源污染", &[("A3-1", "畜禽养殖污染", "AGRI"), ("A3-2", "秸秆焚烧", "AGRI")]),
    ("A4", "生态保护与修复", &[("A4-1", "非法采砂采矿", "NATRES"), ("A4-2", "林地破坏", "FOREST")]),
    ("A5", "固体废物与监管", &[("A5-1", "固废非法倾倒", "EPB"), ("A5-2", "环境执法不严", "EPB")]),
];

const PLACES: &[(&str, f64, f64)] = &[
    ("清水河下游排污口", 30.6512, 104.0817),
    ("河口镇工业园区", 30.6021, 104.1523),
    ("山北乡石料厂", 30.7234, 104.0412),
    ("东平镇养殖小区", 30.5843, 104.2011),
    ("县城南门污水管网", 30.6345, 104.0968),
];

impl Services {
    /// Seeds the demo county into an empty database; refuses a database that has departments.
    pub async fn seed_demo(&self) -> AppResult<()> {
        if department::Entity::find().count(self.conn()).await? > 0 {
            return Err(AppError::invalid_transition(
                "the database already holds data; demo data goes only into an empty one",
            ));
        }
        let admin = Principal {
            sub: "demo-seed".into(),
            name: Some("Demo seed".into()),
            role: Role::Admin,
            department_id: None,
        };
        let bureau = Principal { role: Role::Bureau, ..admin.clone() };

        let mut ids = HashMap::new();
        for (code, name, kind, head) in DEPARTMENTS {
            let row = self
                .create_department(
                    &admin,
                    NewDepartment {
                        code: (*code).into(),
                        name: (*name).into(),
                        kind: *kind,
                        head_name: Some((*head).into()),
                    },
                )
                .await?;
            ids.insert(*code, row.id);
        }
        let mut password = [0u8; 24];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut password);
        let leader = self
            .create_user(
                &admin,
                NewUser {
                    username: DEMO_LEADER.into(),
                    // Nobody signs in as the demo leader: the printed token speaks for them.
                    password: hex::encode(password),
                    role: Role::Leader,
                    department_code: None,
                    display_name: Some(LEADER_NAMES[0].into()),
                },
            )
            .await?;
        let round = self
            .create_round(
                &bureau,
                NewRound {
                    name: "第三轮省级生态环境保护督察".into(),
                    level: InspectionLevel::Provincial,
                    kind: InspectionKind::Routine,
                    started_on: date(2026, 3, 2),
                    feedback_on: Some(date(2026, 5, 20)),
                    document_number: Some("省督反馈〔2026〕12号".into()),
                },
            )
            .await?;
        let mut categories = Vec::new();
        for (aspect_code, aspect_name, children) in CLASSIFICATION {
            let aspect = self.create_aspect(&bureau, aspect_code, aspect_name).await?;
            for (code, name, duty) in *children {
                let category = self
                    .create_category(
                        &bureau,
                        NewCategory {
                            aspect_id: aspect.id,
                            code: (*code).into(),
                            name: (*name).into(),
                            duty_department_id: ids[duty],
                        },
                    )
                    .await?;
                categories.push((category.id, ids[duty]));
            }
        }
        let townships: Vec<i64> = ["T-QINGSHUI", "T-HEKOU", "T-SHANBEI", "T-DONGPING"].iter().map(|c| ids[c]).collect();
        let functional: Vec<i64> =
            ["WATER", "HOUSING", "AGRI", "NATRES", "INDUSTRY", "FOREST", "TRANSPORT"].iter().map(|c| ids[c]).collect();

        let stages = [
            Stage::Reported,
            Stage::Assigned,
            Stage::InProgress,
            Stage::InProgress,
            Stage::Awaiting,
            Stage::Accepted,
            Stage::Closed,
            Stage::Closed,
            Stage::Relapsed,
            Stage::InProgress,
        ];
        // Two closed issues are written as if everything happened last month, and last month's
        // report is submitted at the end: so the demo has a sealed report with history in it.
        let today = self.clock.today();
        let last_month_day = today.with_day(1).unwrap_or_default() - Duration::days(15);
        let last_month = Services {
            clock: self.clock.set_back(Duration::days((today - last_month_day).num_days())),
            ..self.clone()
        };
        for n in 0..40usize {
            let (category_id, duty) = categories[n % categories.len()];
            let (place, lat, lon) = PLACES[n % PLACES.len()];
            let stage = stages[n % stages.len()];
            let writer = if matches!(stage, Stage::Closed) && n < 10 { &last_month } else { self };
            let today = writer.clock.today();
            let severity = if n % 4 == 0 { Severity::Major } else { Severity::General };
            let issue = writer
                .register_issue(
                    &bureau,
                    NewIssue {
                        code: format!("SD-2026-{:03}", n + 1),
                        title: format!("{place}问题整改（第{}项）", n + 1),
                        description: format!("督察组现场检查发现：{place}存在环境问题，群众反映强烈，需限期整改。"),
                        round_id: round.id,
                        category_id,
                        severity,
                        location: Some(place.into()),
                        township_id: Some(townships[n % townships.len()]),
                        latitude: Some(lat + n as f64 * 0.001),
                        longitude: Some(lon + n as f64 * 0.001),
                        requires_engineering: n % 3 == 0,
                        enterprise_id: None,
                        site_inspection_id: None,
                    },
                    None,
                )
                .await?;
            if matches!(stage, Stage::Reported) {
                continue;
            }
            // Every fourth issue is already late; the rest are due within the next months.
            let deadline = if n % 4 == 1 {
                today - Duration::days(10 + n as i64)
            } else {
                today + Duration::days(20 + 3 * n as i64)
            };
            // Every third issue goes to its category's duty department (the bureau keeps only
            // those its duties name); the rest spread over the functional departments.
            let lead = if n % 3 == 0 { duty } else { functional[n % functional.len()] };
            let cooperating: Vec<i64> =
                vec![townships[n % townships.len()]].into_iter().filter(|id| *id != lead).collect();
            let lead_code = DEPARTMENTS.iter().find(|d| ids[d.0] == lead).map(|d| d.0).unwrap_or("EPB");
            writer
                .assign_issue(
                    &bureau,
                    Assignment {
                        issue_id: issue.id,
                        lead_department_id: lead,
                        cooperating_department_ids: cooperating,
                        deadline,
                        leader_name: (n % 3 != 0).then(|| LEADER_NAMES[n % 3].into()),
                        leader_user_id: (n % 3 == 0).then_some(leader.id),
                        expected_version: None,
                    },
                )
                .await?;
            if n % 5 == 2 {
                writer
                    .supervise_issue(
                        &bureau,
                        Supervision {
                            issue_id: issue.id,
                            level: SupervisionLevel::County,
                            deadline,
                            note: Some("群众反映强烈，挂牌督办".into()),
                            expected_version: None,
                        },
                    )
                    .await?;
            }
            let lead_actor = Principal {
                sub: format!("demo-{}", lead_code.to_lowercase()),
                name: None,
                role: Role::Department,
                department_id: Some(lead),
            };
            if n == 1 {
                // One open dispute for the leaders to rule on.
                let reason = "污染源为上游畜禽养殖场，不属城市排水管网，建议由县农业农村局牵头。".into();
                let proposed = Some(ids["AGRI"]);
                let dispute = NewDispute { issue_id: issue.id, reason, proposed_lead_department_id: proposed };
                writer.dispute_assignment(&lead_actor, dispute).await?;
            }
            if matches!(stage, Stage::Assigned) {
                continue;
            }
            let step = |text: &str| StepInput { issue_id: issue.id, text: Some(text.into()), expected_version: None };
            let start = StartInput {
                issue_id: issue.id,
                plan: "制定整改方案：排查污染源，完成截污治污工程，建立长效监管机制。".into(),
                milestones: vec![
                    MilestonePlan { title: "完成污染源排查".into(), due_on: today - Duration::days(5) },
                    MilestonePlan { title: "完成截污工程".into(), due_on: today + Duration::days(30) },
                ],
                expected_version: None,
            };
            writer.start_rectification(&lead_actor, start).await?;
            if n == 3 {
                let leader = Principal { sub: DEMO_LEADER.into(), role: Role::Leader, ..admin.clone() };
                let text = "请加快截污工程进度，月底前向我报告进展。".into();
                let instruction = NewInstruction { issue_id: issue.id, text, reply_by: today + Duration::days(10) };
                writer.post_instruction(&leader, instruction).await?;
            }
            if matches!(stage, Stage::InProgress) {
                continue;
            }
            let photo = writer.seed_demo_photo(&lead_actor, issue.id).await?;
            writer.request_acceptance(&lead_actor, step("整改措施已全部落实，申请验收。"), &[photo]).await?;
            if matches!(stage, Stage::Awaiting) {
                continue;
            }
            let notice_days = if matches!(stage, Stage::Accepted) { 7 } else { 0 };
            writer
                .accept_rectification(
                    &bureau,
                    Acceptance {
                        issue_id: issue.id,
                        opinion: "现场核查通过。".into(),
                        notice_days,
                        site_inspection_id: None,
                        expected_version: None,
                    },
                )
                .await?;
            if n == 5 {
                // One objection to a public notice, waiting for the bureau.
                let objection = NewObjection {
                    issue_id: issue.id,
                    source: "12345热线 工单 2026-1206-0042".into(),
                    content: "群众反映夜间仍有黑水排入河道，整改不彻底。".into(),
                    evidence_ids: Vec::new(),
                };
                writer.record_notice_objection(&bureau, objection).await?;
            }
            if matches!(stage, Stage::Accepted) {
                continue;
            }
            writer.close_issue(&bureau, step("公示期满，无异议，予以销号。")).await?;
            if matches!(stage, Stage::Relapsed) {
                writer.reopen_issue(&bureau, step("回头看发现问题反弹，重新整改。")).await?;
            }
        }
        debug_assert!(issue::Entity::find().count(self.conn()).await? == 40);
        let look_back = NewCampaign {
            name: "2026年第四季度整改销号回头看".into(),
            closed_from: today - Duration::days(90),
            closed_to: today,
            sample_size: 4,
            seed: 2026,
        };
        self.create_look_back_campaign(&bureau, look_back).await?;
        self.seed_demo_accountability(&bureau, &ids, &townships).await?;
        let month = last_month_day.format("%Y-%m").to_string();
        let note = Some("按月报送整改进展；本月整改记录已封存签名。");
        self.submit_monthly_report(&bureau, &month, note).await?;
        Ok(())
    }

    /// A small photo "after rectification" for an issue, uploaded as its lead department would.
    async fn seed_demo_photo(&self, lead: &Principal, issue_id: i64) -> AppResult<i64> {
        use std::io::Write;
        let mut file = tempfile::tempfile().map_err(AppError::internal)?;
        file.write_all(DEMO_PHOTO).map_err(AppError::internal)?;
        let new = NewEvidence {
            issue_id: Some(issue_id),
            kind: EvidenceKind::PhotoAfter,
            file_name: "整改后现场.png".into(),
            captured_at: None,
            latitude: None,
            longitude: None,
            note: Some("整改完成后现场照片".into()),
        };
        Ok(self.upload_evidence(lead, new, file, None).await?.id)
    }

    /// Enterprises (one a repeat offender), a case in every state, and an open assessment
    /// period for the current year, computed.
    async fn seed_demo_accountability(
        &self,
        bureau: &Principal,
        ids: &HashMap<&str, i64>,
        townships: &[i64],
    ) -> AppResult<()> {
        let mut enterprises = Vec::new();
        for (n, (name, prefix, industry)) in ENTERPRISES.iter().enumerate() {
            let check = credit_code::check_character(prefix).unwrap_or('0');
            let enterprise = self
                .register_enterprise(
                    bureau,
                    NewEnterprise {
                        name: (*name).into(),
                        credit_code: format!("{prefix}{check}"),
                        township_id: townships[n % townships.len()],
                        industry: Some((*industry).into()),
                        address: Some(format!("{}工业路{}号", ["清水镇", "河口镇", "山北乡"][n % 3], 10 + n)),
                        latitude: Some(30.62 + n as f64 * 0.01),
                        longitude: Some(104.10 + n as f64 * 0.01),
                    },
                )
                .await?;
            enterprises.push(enterprise.id);
        }
        let issue_ids: Vec<i64> = issue::Entity::find().all(self.conn()).await?.iter().map(|i| i.id).take(6).collect();
        let step =
            |case_id: i64, text: &str| CaseStepInput { case_id, text: Some(text.into()), expected_version: None };
        let open = |subject_type,
                    department_id,
                    official: Option<(&str, &str)>,
                    enterprise_id,
                    grounds: Vec<AccountabilityGround>,
                    issue: i64| NewCase {
            subject_type,
            department_id,
            official_name: official.map(|o| o.0.to_owned()),
            official_position: official.map(|o| o.1.to_owned()),
            enterprise_id,
            grounds,
            description: "督察发现整改不力，群众反映强烈。".into(),
            issue_ids: vec![issue],
        };
        let decide = |case_id: i64, measures: Vec<MeasureInput>| Decision {
            case_id,
            decision: "经调查核实，作出如下处理。".into(),
            measures,
            expected_version: None,
        };
        let measure = |measure| MeasureInput { measure, amount: None, daily_amount: None, starts_on: None, note: None };

        // The repeat offender: two decided enterprise cases.
        for (n, amount) in [(0, "200000.00"), (1, "350000.00")] {
            let case = self
                .open_case(
                    bureau,
                    open(
                        Subject::Enterprise,
                        None,
                        None,
                        Some(enterprises[0]),
                        vec![AccountabilityGround::SeriousViolation],
                        issue_ids[n],
                    ),
                )
                .await?;
            self.start_case_investigation(bureau, step(case.id, "立案调查")).await?;
            let fine = MeasureInput { amount: Cents::parse(amount), ..measure(AccountabilityMeasure::Fine) };
            self.decide_case(bureau, decide(case.id, vec![fine, measure(AccountabilityMeasure::OrderToRectify)]))
                .await?;
            if n == 0 {
                self.close_case(bureau, step(case.id, "处罚已执行")).await?;
            }
        }
        // OPEN: the repeat offender again (REPEAT_VIOLATION is added by itself).
        self.open_case(
            bureau,
            open(
                Subject::Enterprise,
                None,
                None,
                Some(enterprises[0]),
                vec![AccountabilityGround::FakeRectification],
                issue_ids[2],
            ),
        )
        .await?;
        // INVESTIGATING, with the department's statement.
        let agri = ids["AGRI"];
        let case = self
            .open_case(
                bureau,
                open(
                    Subject::Department,
                    Some(agri),
                    None,
                    None,
                    vec![AccountabilityGround::BuckPassing],
                    issue_ids[3],
                ),
            )
            .await?;
        self.start_case_investigation(bureau, step(case.id, "约谈前调查")).await?;
        let agri_actor =
            Principal { sub: "demo-agri".into(), name: None, role: Role::Department, department_id: Some(agri) };
        self.file_case_statement(&agri_actor, step(case.id, "该问题涉及多部门职责，我局已积极协调。")).await?;
        // DECIDED against an official: a disciplinary sanction vetoes the department.
        let housing = ids["HOUSING"];
        let case = self
            .open_case(
                bureau,
                open(
                    Subject::Official,
                    Some(housing),
                    Some(("张某", "副局长")),
                    None,
                    vec![AccountabilityGround::FakeRectification],
                    issue_ids[4],
                ),
            )
            .await?;
        self.start_case_investigation(bureau, step(case.id, "移交调查")).await?;
        self.decide_case(bureau, decide(case.id, vec![measure(AccountabilityMeasure::DisciplinarySanction)])).await?;
        // CLOSED against a department.
        let water = ids["WATER"];
        let case = self
            .open_case(
                bureau,
                open(
                    Subject::Department,
                    Some(water),
                    None,
                    None,
                    vec![AccountabilityGround::PoorPerformance],
                    issue_ids[5],
                ),
            )
            .await?;
        self.start_case_investigation(bureau, step(case.id, "调查")).await?;
        self.decide_case(bureau, decide(case.id, vec![measure(AccountabilityMeasure::AdmonishmentTalk)])).await?;
        self.close_case(bureau, step(case.id, "约谈已完成")).await?;
        // DISMISSED.
        let case = self
            .open_case(
                bureau,
                open(
                    Subject::Enterprise,
                    None,
                    None,
                    Some(enterprises[1]),
                    vec![AccountabilityGround::CuttingCorners],
                    issue_ids[0],
                ),
            )
            .await?;
        self.dismiss_case(bureau, step(case.id, "经核查，问题不属实。")).await?;

        let year = self.clock.today().format("%Y").to_string();
        let period = self
            .create_period(
                bureau,
                NewPeriod {
                    name: format!("{year}年度生态环境保护目标考核"),
                    starts_on: format!("{year}-01-01").parse().unwrap_or_default(),
                    ends_on: format!("{year}-12-31").parse().unwrap_or_default(),
                    rules: ScoringRules::default(),
                },
            )
            .await?;
        self.compute_assessment(bureau, period.id).await?;
        self.seed_demo_projects(bureau, &enterprises).await
    }

    /// Three project applications at the new-project gate: the repeat offender's refused, one
    /// approved (on a leader's instruction where the gate is blocked), and one pending.
    async fn seed_demo_projects(&self, bureau: &Principal, enterprises: &[i64]) -> AppResult<()> {
        let leader = Principal { sub: DEMO_LEADER.into(), role: Role::Leader, ..bureau.clone() };
        let projects = [
            ("清水河化工二期扩建项目", 0, "18000000.00", "新增年产2万吨精细化工产能。"),
            ("金鑫石材厂技改项目", 1, "3500000.00", "更新切割设备，配套粉尘收集。"),
            ("宏达养殖场扩栏项目", 2, "2600000.00", "新增生猪存栏3000头，配套粪污处理。"),
        ];
        for (name, n, investment, description) in projects {
            let enterprise = self.existing_enterprise(enterprises[n], "enterpriseId").await?;
            let new = NewProjectApplication {
                name: name.into(),
                enterprise_id: enterprise.id,
                township_id: enterprise.township_id,
                industry: enterprise.industry.clone().unwrap_or_default(),
                investment: Cents::parse(investment).unwrap_or_default(),
                description: description.into(),
            };
            let application = self.register_project_application(bureau, new, None).await?;
            let decide = |decision, note: &str, instruction_id| ApplicationDecision {
                application_id: application.id,
                decision,
                note: note.into(),
                instruction_id,
            };
            match n {
                0 => {
                    let note = "企业屡查屡犯且有未结问责案件，不予审批。";
                    self.decide_project_application(bureau, decide(ProjectDecision::Refuse, note, None)).await?;
                }
                1 => {
                    let text = "技改项目减少排放，同意在落实粉尘治理后审批。";
                    let instruction = self.post_project_instruction(&leader, application.id, text).await?;
                    let note = "经县领导批示同意，附条件审批。";
                    let approve = decide(ProjectDecision::Approve, note, Some(instruction.id));
                    self.decide_project_application(bureau, approve).await?;
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// (name, the first 17 characters of the credit code, industry); the check character is computed.
const ENTERPRISES: &[(&str, &str, &str)] = &[
    ("清水河化工有限公司", "91510100MA6CJ1X2P", "化工"),
    ("河口镇金鑫石材厂", "92510100MA6CL3Y4Q", "石材加工"),
    ("山北乡宏达养殖专业合作社", "93510100MA6CN5T6R", "畜禽养殖"),
];

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default()
}
