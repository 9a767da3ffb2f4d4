//! The words people read for the API's enumeration values, in Chinese and in English: one
//! table for the API (`enumLabels`), the ledger export, the map and the statistics. It is keyed
//! by the names the schema gives (`IssueStatus`, `IN_PROGRESS`), and a test walks the schema
//! so that a value added there without a label here fails the build's tests.
//!
//! The Chinese is the wording of the county offices' ledgers (整改中, 红灯, 县级, …); the
//! English is plain words for people who do not read the codes.

use std::borrow::Cow;

use serde::Serialize;

/// A language labels come in. Chinese unless a request asks for English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Locale {
    #[default]
    Zh,
    En,
}

/// One value of an enumeration and its labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValueLabel {
    /// The value as the schema spells it.
    pub value: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

impl ValueLabel {
    pub fn in_locale(&self, locale: Locale) -> &'static str {
        match locale {
            Locale::Zh => self.zh,
            Locale::En => self.en,
        }
    }
}

/// The labels of one enumeration, its values in the order the schema declares them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnumLabels {
    /// The enumeration as the schema names it.
    pub name: &'static str,
    pub values: &'static [ValueLabel],
}

const fn value(value: &'static str, zh: &'static str, en: &'static str) -> ValueLabel {
    ValueLabel { value, zh, en }
}

const fn labels(name: &'static str, values: &'static [ValueLabel]) -> EnumLabels {
    EnumLabels { name, values }
}

/// Every enumeration of the schema, in the schema's (alphabetical) order.
pub const ENUMS: &[EnumLabels] = &[
    labels(
        "AccountabilityGround",
        &[
            value("POOR_PERFORMANCE", "工作不力", "Poor performance"),
            value("MEASURES_NOT_IMPLEMENTED", "措施落实不到位", "Measures not implemented"),
            value("TASK_NOT_COMPLETED", "完不成任务", "Task not completed"),
            value("WORKAROUND", "搞变通", "Working around the rules"),
            value("CUTTING_CORNERS", "打折扣", "Cutting corners"),
            value("BUCK_PASSING", "推诿扯皮", "Passing the buck"),
            value("FAKE_RECTIFICATION", "表面整改、敷衍整改", "Fake or perfunctory rectification"),
            value("SERIOUS_VIOLATION", "严重违法", "Serious violation of the law"),
            value("REPEAT_VIOLATION", "屡查屡犯", "Repeat violation"),
        ],
    ),
    labels(
        "AccountabilityMeasure",
        &[
            value("ADMONISHMENT_TALK", "约谈", "Admonishment talk"),
            value("CIRCULATED_CRITICISM", "通报批评", "Circulated criticism"),
            value("ADMONITION", "诫勉", "Admonition"),
            value("ORGANIZATIONAL_HANDLING", "组织处理", "Organizational handling"),
            value("DISCIPLINARY_SANCTION", "党纪政务处分", "Disciplinary sanction"),
            value("JUDICIAL_REFERRAL", "移送司法机关", "Referral to the judiciary"),
            value("ORDER_TO_RECTIFY", "责令整改", "Order to rectify"),
            value("FINE", "罚款", "Fine"),
            value("DAILY_FINE", "按日连续处罚", "Daily fine"),
            value("SEAL_AND_SEIZE", "查封扣押", "Sealing and seizure"),
            value("PRODUCTION_RESTRICTION", "限制生产", "Restricted production"),
            value("PRODUCTION_SUSPENSION", "停产整治", "Production suspended for rectification"),
            value("CLOSURE", "责令关闭", "Ordered closure"),
            value("POLICE_REFERRAL", "移送公安机关", "Referral to the police"),
        ],
    ),
    labels(
        "AccountabilitySubjectType",
        &[
            value("DEPARTMENT", "责任单位", "Department"),
            value("OFFICIAL", "责任人员", "Official"),
            value("ENTERPRISE", "企业", "Enterprise"),
        ],
    ),
    labels(
        "AssessmentGrade",
        &[
            value("EXCELLENT", "优秀", "Excellent"),
            value("GOOD", "良好", "Good"),
            value("PASS", "合格", "Pass"),
            value("FAIL", "不合格", "Fail"),
        ],
    ),
    labels(
        "AssessmentItemKind",
        &[value("DEDUCTION", "扣分", "Deduction"), value("BONUS", "加分", "Bonus"), value("VETO", "一票否决", "Veto")],
    ),
    labels("AssessmentPeriodStatus", &[value("OPEN", "进行中", "Open"), value("FINALIZED", "已确定", "Finalized")]),
    labels(
        "AssessmentRule",
        &[
            value("OVERDUE_AS_LEAD", "牵头问题逾期", "Overdue as lead department"),
            value("OVERDUE_AS_COOPERATING", "配合问题逾期", "Overdue as cooperating department"),
            value("FAILED_ACCEPTANCE", "验收未通过", "Failed acceptance"),
            value("RELAPSE", "问题反弹", "Relapse"),
            value("UNANSWERED_REMINDER", "催办督办逾期未回复", "Slip unanswered"),
            value("CASE_MEASURE", "被追责问责", "Accountability measure"),
            value("ON_TIME_COMPLETION", "按期完成整改", "Completed on time"),
            value("MAJOR_OR_SUPERVISED_OVERDUE", "重大或督办问题逾期", "Major or supervised issue overdue"),
            value("RELAPSE_VETO", "问题反弹（否决）", "Relapse (veto)"),
            value("HEAVY_SANCTION", "党纪政务处分或移送司法", "Disciplinary sanction or judicial referral"),
            value("BELOW_FLOOR", "得分低于底线", "Score below the floor"),
            value("MANUAL_VETO", "整改办认定否决", "Veto recorded by the bureau"),
        ],
    ),
    labels(
        "CaseAction",
        &[
            value("OPENED", "立案", "Opened"),
            value("INVESTIGATION_STARTED", "开始调查", "Investigation started"),
            value("STATEMENT_FILED", "提交申辩", "Statement filed"),
            value("DECIDED", "作出决定", "Decided"),
            value("CLOSED", "结案", "Closed"),
            value("DISMISSED", "撤案", "Dismissed"),
        ],
    ),
    labels(
        "CaseStatus",
        &[
            value("OPEN", "已立案", "Open"),
            value("INVESTIGATING", "调查中", "Under investigation"),
            value("DECIDED", "已决定", "Decided"),
            value("CLOSED", "已结案", "Closed"),
            value("DISMISSED", "已撤案", "Dismissed"),
        ],
    ),
    labels(
        "DeadlineKind",
        &[value("DEADLINE", "整改时限", "Deadline"), value("SUPERVISION_DEADLINE", "督办时限", "Supervision deadline")],
    ),
    labels(
        "DeliveryStatus",
        &[
            value("PENDING", "待发送", "Pending"),
            value("SENDING", "发送中", "Sending"),
            value("DELIVERED", "已送达", "Delivered"),
            value("FAILED", "发送失败", "Failed"),
        ],
    ),
    labels(
        "DepartmentKind",
        &[
            value("BUREAU", "整改办", "Rectification office"),
            value("FUNCTIONAL", "职能部门", "Functional department"),
            value("TOWNSHIP", "乡镇", "Township"),
        ],
    ),
    labels("DisputeDecision", &[value("UPHOLD", "维持交办", "Uphold"), value("REASSIGN", "重新交办", "Reassign")]),
    labels(
        "DisputeStatus",
        &[
            value("OPEN", "待裁定", "Awaiting ruling"),
            value("UPHELD", "维持交办", "Upheld"),
            value("REASSIGNED", "已重新交办", "Reassigned"),
        ],
    ),
    labels(
        "EvidenceDoubt",
        &[
            value("FAR_FROM_SITE", "拍摄位置偏离现场", "Far from the site"),
            value("TAKEN_LONG_BEFORE_UPLOAD", "拍摄时间过早", "Taken long before upload"),
        ],
    ),
    labels(
        "EvidenceKind",
        &[
            value("PHOTO_BEFORE", "整改前照片", "Photo before"),
            value("PHOTO_AFTER", "整改后照片", "Photo after"),
            value("DOCUMENT", "文件材料", "Document"),
            value("MONITORING_REPORT", "监测报告", "Monitoring report"),
            value("PENALTY_DECISION", "行政处罚决定书", "Penalty decision"),
            value("OTHER", "其他", "Other"),
        ],
    ),
    labels(
        "ExtensionStatus",
        &[
            value("PENDING", "待审批", "Pending"),
            value("APPROVED", "已同意", "Approved"),
            value("REJECTED", "不予同意", "Rejected"),
        ],
    ),
    labels(
        "GateRule",
        &[
            value("REPEAT_OFFENDER", "屡查屡犯", "Repeat offender"),
            value("OPEN_CASE", "有未结问责案件", "Open accountability case"),
            value("OPEN_ISSUE", "有未销号问题", "Open issue"),
            value("REGIONAL_RESTRICTION", "区域限批", "Regional restriction"),
        ],
    ),
    labels("HistoryKind", &[value("ISSUE", "问题", "Issue"), value("CASE", "问责案件", "Accountability case")]),
    labels(
        "InspectionKind",
        &[
            value("ROUTINE", "例行督察", "Routine"),
            value("SPECIAL", "专项督察", "Special"),
            value("LOOK_BACK", "回头看", "Look-back"),
        ],
    ),
    labels(
        "InspectionLevel",
        &[
            value("CENTRAL", "中央", "Central"),
            value("PROVINCIAL", "省级", "Provincial"),
            value("MUNICIPAL", "市级", "Municipal"),
            value("COUNTY", "县级", "County"),
        ],
    ),
    labels(
        "InstructionStatus",
        &[
            value("OPEN", "待回复", "Awaiting reply"),
            value("ANSWERED", "已回复", "Answered"),
            value("OVERDUE", "逾期未回复", "Overdue"),
        ],
    ),
    labels(
        "IssueAction",
        &[
            value("REGISTERED", "登记问题", "Registered"),
            value("ASSIGNED", "交办", "Assigned"),
            value("REASSIGNED", "调整交办", "Reassigned"),
            value("UPDATED", "修改信息", "Details edited"),
            value("SUPERVISED", "挂牌督办", "Listed for supervision"),
            value("SUPERVISION_LIFTED", "解除督办", "Supervision lifted"),
            value("RECTIFICATION_STARTED", "开始整改", "Rectification started"),
            value("ACCEPTANCE_REQUESTED", "申请验收", "Acceptance requested"),
            value("ACCEPTED", "验收通过", "Accepted"),
            value("REJECTED", "验收未通过", "Rejected"),
            value("CLOSED", "销号", "Closed"),
            value("REOPENED", "问题反弹", "Reopened"),
            value("MILESTONE_ADDED", "新增整改节点", "Milestone added"),
            value("MILESTONE_COMPLETED", "完成整改节点", "Milestone completed"),
            value("PROGRESS_REPORTED", "报送进展", "Progress reported"),
            value("SITE_INSPECTED", "现场核查", "Site inspected"),
            value("EXTENSION_REQUESTED", "申请延期", "Extension requested"),
            value("EXTENSION_DECIDED", "延期审批", "Extension decided"),
            value("EVIDENCE_ADDED", "上传佐证材料", "Evidence added"),
            value("REMINDER_ISSUED", "下发催办督办单", "Slip issued"),
            value("REMINDER_ANSWERED", "回复催办督办单", "Slip answered"),
            value("REMINDER_ESCALATED", "逾期未复报领导", "Slip escalated"),
            value("INSTRUCTION_POSTED", "领导批示", "Instruction posted"),
            value("INSTRUCTION_ANSWERED", "回复领导批示", "Instruction answered"),
            value("ASSIGNMENT_DISPUTED", "提出交办争议", "Assignment disputed"),
            value("DISPUTE_RULED", "裁定交办争议", "Dispute ruled"),
            value("NOTICE_OBJECTION_RECORDED", "登记公示异议", "Notice objection recorded"),
            value("OBJECTION_DISMISSED", "异议不成立", "Objection dismissed"),
            value("OBJECTION_UPHELD", "异议成立", "Objection upheld"),
            value("LOOK_BACK_SAMPLED", "抽中回头看", "Sampled for look-back"),
        ],
    ),
    labels(
        "IssueDimension",
        &[
            value("STATUS", "整改状态", "Status"),
            value("SEVERITY", "问题等级", "Severity"),
            value("ROUND", "督察轮次", "Inspection round"),
            value("ASPECT", "领域", "Aspect"),
            value("CATEGORY", "类别", "Category"),
            value("LEAD_DEPARTMENT", "牵头单位", "Lead department"),
            value("TOWNSHIP", "乡镇", "Township"),
            value("SUPERVISION_LEVEL", "督办级别", "Supervision level"),
            value("DEADLINE_MONTH", "整改时限月份", "Deadline month"),
            value("WARNING_LIGHT", "预警", "Warning light"),
        ],
    ),
    labels(
        "IssueOrderField",
        &[
            value("CODE", "问题编号", "Code"),
            value("CREATED_AT", "登记时间", "Registered at"),
            value("UPDATED_AT", "更新时间", "Last changed"),
            value("DEADLINE", "整改时限", "Deadline"),
        ],
    ),
    labels(
        "IssueStatus",
        &[
            value("REPORTED", "待交办", "Reported"),
            value("ASSIGNED", "已交办", "Assigned"),
            value("IN_PROGRESS", "整改中", "In progress"),
            value("AWAITING_ACCEPTANCE", "待验收", "Awaiting acceptance"),
            value("ACCEPTED", "已验收", "Accepted"),
            value("CLOSED", "已销号", "Closed"),
        ],
    ),
    labels("Locale", &[value("ZH", "中文", "Chinese"), value("EN", "英文", "English")]),
    labels(
        "LookBackOutcome",
        &[value("HOLDS", "整改成效巩固", "Fix holds"), value("RELAPSED", "问题反弹", "Relapsed")],
    ),
    labels(
        "LookBackTaskStatus",
        &[
            value("PENDING", "待核查", "Awaiting check"),
            value("HOLDS", "整改成效巩固", "Fix holds"),
            value("RELAPSED", "问题反弹", "Relapsed"),
        ],
    ),
    labels("MilestoneStatus", &[value("PENDING", "未完成", "Pending"), value("DONE", "已完成", "Done")]),
    labels(
        "NotificationKind",
        &[
            value("DEADLINE_NEAR", "时限临近", "Deadline near"),
            value("OVERDUE", "已逾期", "Overdue"),
            value("REMINDER_ISSUED", "收到催办督办单", "Slip issued"),
            value("REMINDER_ANSWERED", "催办督办单已回复", "Slip answered"),
            value("REMINDER_ESCALATED", "催办督办单逾期未复", "Slip escalated"),
            value("INSTRUCTION_POSTED", "领导批示", "Instruction posted"),
            value("INSTRUCTION_ANSWERED", "批示已回复", "Instruction answered"),
            value("ASSIGNMENT_DISPUTED", "交办争议待裁定", "Assignment disputed"),
            value("DISPUTE_RULED", "交办争议已裁定", "Dispute ruled"),
            value("NOTICE_OBJECTION_RECORDED", "公示收到异议", "Notice objection recorded"),
            value("OBJECTION_RESOLVED", "公示异议已处理", "Objection resolved"),
        ],
    ),
    labels("ObjectionOutcome", &[value("DISMISSED", "异议不成立", "Dismissed"), value("UPHELD", "异议成立", "Upheld")]),
    labels(
        "ObjectionStatus",
        &[
            value("OPEN", "待处理", "Open"),
            value("DISMISSED", "异议不成立", "Dismissed"),
            value("UPHELD", "异议成立", "Upheld"),
        ],
    ),
    labels("OrderDirection", &[value("ASC", "升序", "Ascending"), value("DESC", "降序", "Descending")]),
    labels(
        "ProjectApplicationAction",
        &[
            value("REGISTERED", "登记申请", "Registered"),
            value("INSTRUCTED", "领导批示", "Instructed"),
            value("APPROVED", "批准", "Approved"),
            value("REFUSED", "不予批准", "Refused"),
        ],
    ),
    labels(
        "ProjectApplicationDimension",
        &[
            value("STATUS", "审批状态", "Status"),
            value("TOWNSHIP", "乡镇", "Township"),
            value("INDUSTRY", "行业", "Industry"),
        ],
    ),
    labels(
        "ProjectApplicationStatus",
        &[
            value("PENDING", "待审批", "Pending"),
            value("APPROVED", "已批准", "Approved"),
            value("REFUSED", "不予批准", "Refused"),
        ],
    ),
    labels("ProjectDecision", &[value("APPROVE", "批准", "Approve"), value("REFUSE", "不予批准", "Refuse")]),
    labels(
        "ReminderKind",
        &[value("REMINDER", "催办单", "Reminder slip"), value("SUPERVISION_NOTICE", "督办单", "Supervision slip")],
    ),
    labels(
        "ReminderStatus",
        &[
            value("OPEN", "待回复", "Awaiting reply"),
            value("ANSWERED", "已回复", "Answered"),
            value("OVERDUE", "逾期未回复", "Overdue"),
        ],
    ),
    labels(
        "Role",
        &[
            value("ADMIN", "系统管理员", "Administrator"),
            value("BUREAU", "整改办", "Rectification office"),
            value("LEADER", "县领导", "County leader"),
            value("DEPARTMENT", "责任单位", "Department"),
            value("INSPECTOR", "核查人员", "Inspector"),
            value("SUPERIOR", "上级部门", "Superior agency"),
        ],
    ),
    labels("Severity", &[value("GENERAL", "一般", "General"), value("MAJOR", "重大", "Major")]),
    labels(
        "SiteInspectionResult",
        &[
            value("COMPLIANT", "符合要求", "Compliant"),
            value("NON_COMPLIANT", "不符合要求", "Non-compliant"),
            value("NEEDS_FOLLOW_UP", "需再次核查", "Needs follow-up"),
        ],
    ),
    labels(
        "SupervisionLevel",
        &[
            value("COUNTY", "县级", "County"),
            value("MUNICIPAL", "市级", "Municipal"),
            value("PROVINCIAL", "省级", "Provincial"),
        ],
    ),
    labels(
        "TodoKind",
        &[
            value("ASSIGN_ISSUE", "待交办", "To assign"),
            value("START_RECTIFICATION", "待启动整改", "To start"),
            value("DECIDE_ACCEPTANCE", "待验收", "To accept or reject"),
            value("CLOSE_ISSUE", "待销号", "To close"),
            value("DECIDE_EXTENSION", "待审批延期", "Extension to decide"),
            value("ANSWER_SLIP", "待回复督办单", "Slip to answer"),
            value("ANSWER_INSTRUCTION", "待回复批示", "Instruction to answer"),
            value("RULE_ON_DISPUTE", "待裁定交办异议", "Dispute to rule on"),
            value("RESOLVE_OBJECTION", "待处理公示异议", "Objection to resolve"),
            value("FILE_STATEMENT", "待提交申辩", "Statement to file"),
        ],
    ),
    labels("TrendInterval", &[value("WEEK", "按周", "Weekly"), value("MONTH", "按月", "Monthly")]),
    labels(
        "WarningLight",
        &[
            value("GREEN", "绿灯", "Green"),
            value("BLUE", "蓝灯", "Blue"),
            value("YELLOW", "黄灯", "Yellow"),
            value("RED", "红灯", "Red"),
        ],
    ),
];

/// What a group of the statistics with an empty key is called, by the dimension it is empty
/// in (the dimension's enumeration and value); any other dimension's empty group is `NONE`.
const EMPTY_GROUPS: &[(&str, ValueLabel)] = &[
    ("IssueDimension", value("LEAD_DEPARTMENT", "未交办", "Not assigned")),
    ("IssueDimension", value("TOWNSHIP", "未指定乡镇", "No township")),
    ("IssueDimension", value("SUPERVISION_LEVEL", "未挂牌督办", "Not supervised")),
    ("IssueDimension", value("DEADLINE_MONTH", "未定时限", "No deadline")),
    ("ProjectApplicationDimension", value("TOWNSHIP", "未指定乡镇", "No township")),
    ("ProjectApplicationDimension", value("INDUSTRY", "未填行业", "No industry")),
];

const NONE: ValueLabel = value("", "无", "None");

const YES: ValueLabel = value("true", "是", "Yes");
const NO: ValueLabel = value("false", "否", "No");

/// The labels of the enumeration the schema calls `name`.
pub fn enum_labels(name: &str) -> Option<&'static EnumLabels> {
    ENUMS.iter().find(|labels| labels.name == name)
}

/// The label of `value` (as the schema spells it) of the enumeration `enum_name`.
pub fn label(enum_name: &str, value: &str, locale: Locale) -> Option<&'static str> {
    let labels = enum_labels(enum_name)?;
    labels.values.iter().find(|label| label.value == value).map(|label| label.in_locale(locale))
}

/// The label of a stored enumeration value, whose serialized name is the schema's. An unknown
/// value (which the schema test rules out) reads as itself rather than as nothing.
pub fn label_of(enum_name: &str, value: &impl Serialize, locale: Locale) -> Cow<'static, str> {
    let name = super::api_name(value);
    label(enum_name, &name, locale).map_or(Cow::Owned(name), Cow::Borrowed)
}

/// The label of a statistics group that has no value in a dimension (no township, no
/// deadline): `dimension` is the dimension's value in the enumeration `dimension_enum`.
pub fn empty_group_label(dimension_enum: &str, dimension: &str, locale: Locale) -> &'static str {
    let found = EMPTY_GROUPS.iter().find(|(name, label)| *name == dimension_enum && label.value == dimension);
    found.map_or(NONE, |(_, label)| *label).in_locale(locale)
}

/// Yes or no.
pub fn yes_no(value: bool, locale: Locale) -> &'static str {
    if value { YES } else { NO }.in_locale(locale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ledgers_words_are_the_chinese_labels() {
        assert_eq!(label("IssueStatus", "IN_PROGRESS", Locale::Zh), Some("整改中"));
        assert_eq!(label("IssueStatus", "IN_PROGRESS", Locale::En), Some("In progress"));
        assert_eq!(label("WarningLight", "RED", Locale::Zh), Some("红灯"));
        assert_eq!(label("SupervisionLevel", "COUNTY", Locale::Zh), Some("县级"));
        assert_eq!(label("IssueStatus", "DONE", Locale::Zh), None);
        assert_eq!(label_of("Severity", &entity::enums::Severity::Major, Locale::En), "Major");
    }

    #[test]
    fn every_label_is_written_in_both_languages_and_each_value_once() {
        for labels in ENUMS {
            for (n, value) in labels.values.iter().enumerate() {
                let at = format!("{}.{}", labels.name, value.value);
                assert!(!value.zh.trim().is_empty() && !value.en.trim().is_empty(), "{at}");
                assert!(!value.zh.is_ascii(), "{at}: the Chinese label is not Chinese");
                assert!(labels.values[..n].iter().all(|earlier| earlier.value != value.value), "{at} twice");
            }
        }
        let names: Vec<&str> = ENUMS.iter().map(|labels| labels.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted, "in alphabetical order, each enumeration once");
    }

    #[test]
    fn an_empty_group_is_named_for_its_dimension() {
        assert_eq!(empty_group_label("IssueDimension", "TOWNSHIP", Locale::Zh), "未指定乡镇");
        assert_eq!(empty_group_label("IssueDimension", "TOWNSHIP", Locale::En), "No township");
        assert_eq!(empty_group_label("IssueDimension", "STATUS", Locale::Zh), "无");
        assert_eq!(empty_group_label("IssueDimension", "STATUS", Locale::En), "None");
        for (name, label) in EMPTY_GROUPS {
            assert!(super::label(name, label.value, Locale::Zh).is_some(), "{name}.{} is not a dimension", label.value);
        }
    }
}
