//! The county: reference data (departments, rounds, the classification, enterprises) and the
//! issues with their whole history, generated from a seed. Every issue's lifecycle follows
//! the product's state machine (`src/domain/lifecycle.rs`), writes the event the product
//! would write for each step, with the issue's state after it (`src/domain/history.rs`), and
//! leaves the issue row as the last event left it (`version` = number of events, `updated_at`
//! = the last event's time).

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::rng::Rng;
use crate::sink::{Table, V};

pub const BUREAU_SUB: &str = "bureau-officer";
pub const LEADER_SUB: &str = "leader-office";
pub const INSPECTOR_SUB: &str = "field-inspector";

/// The demo's proof photo: every generated evidence row points at these bytes.
pub const PHOTO: &[u8] = include_bytes!("../../../assets/demo-photo-after.png");

pub const FUNCTIONAL: &[(&str, &str)] = &[
    ("WATER", "县水利局"),
    ("HOUSING", "县住房和城乡建设局"),
    ("AGRI", "县农业农村局"),
    ("NATRES", "县自然资源局"),
    ("INDUSTRY", "县工业和信息化局"),
    ("FOREST", "县林业局"),
    ("TRANSPORT", "县交通运输局"),
    ("DEVREFORM", "县发展和改革局"),
    ("MARKET", "县市场监督管理局"),
    ("EMERGENCY", "县应急管理局"),
    ("URBAN", "县城市管理和综合执法局"),
    ("HEALTH", "县卫生健康局"),
    ("COMMERCE", "县商务局"),
    ("EDUCATION", "县教育局"),
    ("FINANCE", "县财政局"),
    ("POLICE", "县公安局"),
    ("TOURISM", "县文化广播电视和旅游局"),
    ("RURAL", "县乡村振兴局"),
    ("HYDROPOWER", "县能源局"),
    ("GRAIN", "县粮食和物资储备局"),
];

pub const TOWNSHIPS: &[(&str, &str)] = &[
    ("T-QINGSHUI", "清水镇"),
    ("T-HEKOU", "河口镇"),
    ("T-SHANBEI", "山北乡"),
    ("T-DONGPING", "东平镇"),
    ("T-XIBA", "西坝镇"),
    ("T-NANSHAN", "南山乡"),
    ("T-BEIGUAN", "北关街道"),
    ("T-CHENGGUAN", "城关镇"),
    ("T-LONGQUAN", "龙泉镇"),
    ("T-BAISHA", "白沙镇"),
    ("T-SHIQIAO", "石桥镇"),
    ("T-HUAYUAN", "花园乡"),
    ("T-GAOPING", "高坪镇"),
    ("T-MAAN", "马鞍乡"),
    ("T-TAIPING", "太平镇"),
    ("T-YONGAN", "永安镇"),
    ("T-JINXI", "金溪镇"),
    ("T-SANHE", "三河乡"),
];

const SURNAMES: &[&str] =
    &["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭"];
const GIVEN: &[&str] =
    &["建国", "明", "伟", "洋", "静", "帆", "磊", "丽", "强", "敏", "涛", "芳", "军", "华", "平", "霞"];

/// (aspect name, [(category name, duty department code)])
pub const CLASSIFICATION: &[(&str, [(&str, &str); 4])] = &[
    (
        "水污染防治",
        [
            ("黑臭水体", "HOUSING"),
            ("饮用水水源地保护", "WATER"),
            ("工业废水超标排放", "EPB"),
            ("农村生活污水", "RURAL"),
        ],
    ),
    (
        "大气污染防治",
        [("工业企业超标排放", "INDUSTRY"), ("扬尘污染", "HOUSING"), ("机动车尾气", "POLICE"), ("餐饮油烟", "URBAN")],
    ),
    (
        "土壤污染防治",
        [("重点行业企业用地", "NATRES"), ("农用地污染", "AGRI"), ("尾矿库治理", "EMERGENCY"), ("工业固废堆存", "EPB")],
    ),
    (
        "农业农村污染治理",
        [("畜禽养殖污染", "AGRI"), ("秸秆焚烧", "AGRI"), ("农药化肥面源污染", "AGRI"), ("水产养殖尾水", "AGRI")],
    ),
    (
        "生态保护与修复",
        [("非法采砂", "WATER"), ("非法采矿", "NATRES"), ("林地破坏", "FOREST"), ("保护区违规建设", "FOREST")],
    ),
    (
        "固体废物与危险废物",
        [("固废非法倾倒", "EPB"), ("危险废物管理", "EPB"), ("生活垃圾处置", "URBAN"), ("建筑垃圾消纳", "HOUSING")],
    ),
    (
        "噪声与光污染",
        [("工业噪声", "EPB"), ("建筑施工噪声", "HOUSING"), ("交通噪声", "TRANSPORT"), ("社会生活噪声", "POLICE")],
    ),
    (
        "环境监管与执法",
        [("环境执法不严", "EPB"), ("环评审批违规", "EPB"), ("在线监测数据造假", "MARKET"), ("排污许可管理", "EPB")],
    ),
    (
        "产业结构与能源",
        [
            ("落后产能淘汰", "DEVREFORM"),
            ("燃煤锅炉整治", "MARKET"),
            ("散乱污企业整治", "INDUSTRY"),
            ("高耗能项目", "HYDROPOWER"),
        ],
    ),
];

const SITES: &[&str] = &[
    "工业园区",
    "污水处理厂",
    "养殖小区",
    "石料厂",
    "砂石码头",
    "垃圾填埋场",
    "河道排污口",
    "水库库区",
    "建筑工地",
    "化工企业",
    "农贸市场",
    "城区主干道",
    "自然保护区",
    "矿山",
    "饮用水水源地",
    "商业街区",
];
const PROBLEMS: &[&str] = &[
    "污水直排",
    "扬尘污染",
    "违规堆放固废",
    "废气超标排放",
    "生态破坏",
    "整改不到位",
    "未批先建",
    "臭气扰民",
    "噪声扰民",
    "监管缺失",
];
const FINDINGS: &[&str] = &[
    "督察组现场检查发现，该处长期存在环境问题，群众多次投诉，相关部门监管不力，整改推进缓慢。",
    "经现场核查，企业环保设施未正常运行，污染物排放超过标准限值，周边群众反映强烈。",
    "群众来信反映，该区域存在违法排污行为，经督察组调阅资料和现场检查，问题基本属实。",
    "督察发现，属地政府和主管部门履职不到位，问题整改存在敷衍应付、表面整改的情况。",
];
const PLANS: &[&str] = &[
    "制定整改方案：排查污染源，完成截污治污工程，建立长效监管机制。",
    "成立整改专班，关停违法设施，开展生态修复，落实网格化监管责任。",
    "依法查处违法行为，督促企业完成设施升级改造，加强日常巡查和在线监测。",
];
const PROGRESS: &[&str] = &[
    "已完成污染源排查，正在实施截污工程。",
    "违法设施已拆除，生态修复正在推进。",
    "设施升级改造已完成主体工程，正在调试。",
    "已开展联合执法检查，问题企业已停产整治。",
    "截污管网已铺设完成，正在进行水质监测。",
];
const LEADERS: &[&str] = &["副县长 马骏", "副县长 林晓", "县委常委 何平", "副县长 周岚", "县委常委 许峰"];
const INDUSTRIES: &[&str] = &["化工", "石材加工", "畜禽养殖", "建材", "印染", "食品加工", "机械制造", "砂石开采"];

/// The ids of the reference rows, fixed so that issues can name them.
#[derive(Clone)]
pub struct Reference {
    /// (id, code) of every department; the bureau first.
    pub departments: Vec<(i64, &'static str)>,
    pub bureau: i64,
    pub functional: Vec<i64>,
    pub townships: Vec<i64>,
    /// (id, started_on, code prefix)
    pub rounds: Vec<(i64, DateTime<Utc>, &'static str)>,
    /// (id, duty department id)
    pub categories: Vec<(i64, i64)>,
    /// (id, township id)
    pub enterprises: Vec<(i64, i64)>,
}

impl Reference {
    pub fn code_of(&self, department: i64) -> &'static str {
        self.departments[(department - 1) as usize].1
    }
    pub fn sub_of(&self, department: i64) -> String {
        format!("{}-officer", self.code_of(department).to_lowercase())
    }
}

fn person(rng: &mut Rng) -> String {
    format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))
}

/// The reference tables, in insertion order, and what issues need to know of them.
pub fn reference(rng: &mut Rng, now: DateTime<Utc>, enterprises: usize) -> (Vec<Table>, Reference) {
    let created = now - Duration::days(3 * 365 + 60);
    let mut departments = Table::new(
        "department",
        &["id", "code", "name", "kind", "head_name", "active", "version", "created_at", "updated_at"],
    );
    let mut all = vec![("EPB", "县生态环境局（整改办）", "BUREAU")];
    all.extend(FUNCTIONAL.iter().map(|(c, n)| (*c, *n, "FUNCTIONAL")));
    all.extend(TOWNSHIPS.iter().map(|(c, n)| (*c, *n, "TOWNSHIP")));
    let mut reference = Reference {
        departments: Vec::new(),
        bureau: 1,
        functional: Vec::new(),
        townships: Vec::new(),
        rounds: Vec::new(),
        categories: Vec::new(),
        enterprises: Vec::new(),
    };
    for (n, (code, name, kind)) in all.iter().enumerate() {
        let id = n as i64 + 1;
        departments.push(vec![
            id.into(),
            (*code).into(),
            (*name).into(),
            (*kind).into(),
            person(rng).into(),
            true.into(),
            1.into(),
            created.into(),
            created.into(),
        ]);
        reference.departments.push((id, code));
        match *kind {
            "FUNCTIONAL" => reference.functional.push(id),
            "TOWNSHIP" => reference.townships.push(id),
            _ => {}
        }
    }
    let id_of = |code: &str| all.iter().position(|(c, _, _)| *c == code).map(|p| p as i64 + 1).unwrap_or(1);

    let mut rounds = Table::new(
        "inspection_round",
        &["id", "name", "level", "kind", "started_on", "feedback_on", "document_number", "created_at"],
    );
    let plan: &[(&str, &str, &str, i64, &str, &str)] = &[
        ("第二轮中央生态环境保护督察", "CENTRAL", "ROUTINE", 3 * 365 + 30, "ZY", "中督反馈"),
        ("第三轮省级生态环境保护督察", "PROVINCIAL", "ROUTINE", 2 * 365 + 200, "SJ", "省督反馈"),
        ("市级大气污染防治专项督察", "MUNICIPAL", "SPECIAL", 2 * 365, "ZX", "市督专"),
        ("中央生态环境保护督察“回头看”", "CENTRAL", "LOOK_BACK", 365 + 180, "HK", "中督回"),
        ("省级长江保护专项督察", "PROVINCIAL", "SPECIAL", 365, "CJ", "省督专"),
        ("县级生态环境问题大排查", "COUNTY", "ROUTINE", 180, "XJ", "县排查"),
    ];
    for (n, (name, level, kind, days_ago, prefix, doc)) in plan.iter().enumerate() {
        let id = n as i64 + 1;
        let started = now - Duration::days(*days_ago);
        let started_on = started.date_naive();
        rounds.push(vec![
            id.into(),
            (*name).into(),
            (*level).into(),
            (*kind).into(),
            started_on.into(),
            (started_on + Duration::days(45)).into(),
            format!("{doc}〔{}〕{}号", started_on.format("%Y"), 3 + n * 7).into(),
            started.into(),
        ]);
        reference.rounds.push((id, started, prefix));
    }

    let mut aspects = Table::new("aspect", &["id", "code", "name"]);
    let mut categories = Table::new("category", &["id", "aspect_id", "code", "name", "duty_department_id"]);
    for (a, (aspect, children)) in CLASSIFICATION.iter().enumerate() {
        let aspect_id = a as i64 + 1;
        aspects.push(vec![aspect_id.into(), format!("A{}", a + 1).into(), (*aspect).into()]);
        for (c, (name, duty)) in children.iter().enumerate() {
            let id = reference.categories.len() as i64 + 1;
            let duty = id_of(duty);
            categories.push(vec![
                id.into(),
                aspect_id.into(),
                format!("A{}-{}", a + 1, c + 1).into(),
                (*name).into(),
                duty.into(),
            ]);
            reference.categories.push((id, duty));
        }
    }

    let mut firms = Table::new(
        "enterprise",
        &["id", "name", "credit_code", "township_id", "industry", "address", "latitude", "longitude", "created_at"],
    );
    for n in 0..enterprises {
        let id = n as i64 + 1;
        let township = reference.townships[n % reference.townships.len()];
        let town = TOWNSHIPS[n % TOWNSHIPS.len()].1;
        let industry = *rng.pick(INDUSTRIES);
        firms.push(vec![
            id.into(),
            format!("{town}{}{}有限公司（{}）", rng.pick(GIVEN), industry, id).into(),
            credit_code(id as u64).into(),
            township.into(),
            industry.into(),
            format!("{town}工业路{}号", 1 + n % 300).into(),
            (30.45 + rng.unit() * 0.35).into(),
            (103.95 + rng.unit() * 0.35).into(),
            created.into(),
        ]);
        reference.enterprises.push((id, township));
    }
    (vec![departments, rounds, aspects, categories, firms], reference)
}

/// A valid, unique unified social credit code (GB 32100-2015) numbered `n`.
fn credit_code(n: u64) -> String {
    const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    // 91 (enterprise), 510100 (region), then 9 characters numbering the firm in base 31.
    let mut code: Vec<u8> = b"91510100".to_vec();
    let mut digits = [0u8; 9];
    let mut rest = n;
    for d in digits.iter_mut().rev() {
        *d = CHARSET[(rest % 31) as usize];
        rest /= 31;
    }
    code.extend_from_slice(&digits);
    let sum: u32 =
        code.iter().zip(WEIGHTS).map(|(c, w)| CHARSET.iter().position(|x| x == c).unwrap_or(0) as u32 * w).sum();
    code.push(CHARSET[((31 - sum % 31) % 31) as usize]);
    String::from_utf8(code).unwrap_or_default()
}

/// Where an issue ends up.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Stage {
    Reported,
    Assigned,
    InProgress,
    Awaiting,
    Accepted,
    Closed,
    Relapsed,
}

/// One step of a generated history, with its share of the issue's elapsed time.
#[derive(Clone, Copy, Debug)]
enum Step {
    Assign,
    Supervise,
    Reassign,
    Start,
    Progress,
    ExtensionRequest,
    ExtensionDecide,
    CompleteMilestone,
    SiteInspect,
    Evidence,
    RequestAcceptance,
    Reject,
    Accept,
    Close,
    Reopen,
}

impl Step {
    /// Days this step usually waits for after the one before (a range).
    fn gap(self) -> (f64, f64) {
        match self {
            Step::Assign => (2.0, 20.0),
            Step::Supervise => (1.0, 10.0),
            Step::Reassign => (3.0, 25.0),
            Step::Start => (2.0, 15.0),
            Step::Progress => (10.0, 40.0),
            Step::ExtensionRequest => (5.0, 30.0),
            Step::ExtensionDecide => (1.0, 7.0),
            Step::CompleteMilestone => (5.0, 30.0),
            Step::SiteInspect => (5.0, 30.0),
            Step::Evidence => (5.0, 25.0),
            Step::RequestAcceptance => (0.01, 1.0),
            Step::Reject => (3.0, 10.0),
            Step::Accept => (3.0, 20.0),
            Step::Close => (7.0, 12.0),
            Step::Reopen => (30.0, 150.0),
        }
    }
}

/// Running id counters of every generated table.
#[derive(Default)]
pub struct Ids {
    /// The issue whose events are being written, and the head of its hash chain.
    pub chain: (i64, [u8; 32]),
    pub event: i64,
    pub milestone: i64,
    pub report: i64,
    pub inspection: i64,
    pub extension: i64,
    pub evidence: i64,
    pub citation: i64,
}

/// The tables one batch of issues fills, in insertion order.
pub fn issue_tables() -> Vec<Table> {
    vec![
        Table::new(
            "issue",
            &[
                "id",
                "code",
                "title",
                "description",
                "status",
                "severity",
                "round_id",
                "category_id",
                "location",
                "township_id",
                "latitude",
                "longitude",
                "requires_engineering",
                "lead_department_id",
                "leader_name",
                "deadline",
                "supervision_level",
                "supervision_deadline",
                "supervision_note",
                "supervision_listed_at",
                "supervision_listed_by",
                "plan_summary",
                "acceptance_summary",
                "reopen_count",
                "accepted_at",
                "notice_ends_on",
                "closed_at",
                "enterprise_id",
                "site_inspection_id",
                "version",
                "created_at",
                "updated_at",
            ],
        ),
        Table::new("issue_cooperator", &["issue_id", "department_id"]),
        Table::new(
            "issue_event",
            &[
                "id",
                "issue_id",
                "action",
                "from_status",
                "to_status",
                "actor_sub",
                "actor_role",
                "note",
                "at",
                "lead_department_id",
                "cooperating_department_ids",
                "deadline",
                "severity",
                "category_id",
                "supervision_level",
                "hash",
            ],
        ),
        Table::new("milestone", &["id", "issue_id", "title", "due_on", "status", "note", "completed_at", "created_at"]),
        Table::new(
            "progress_report",
            &["id", "issue_id", "department_id", "content", "percent_complete", "reported_by", "reported_at"],
        ),
        Table::new(
            "site_inspection",
            &[
                "id",
                "issue_id",
                "latitude",
                "longitude",
                "observed_at",
                "findings",
                "result",
                "inspector",
                "inspector_role",
                "recorded_at",
            ],
        ),
        Table::new(
            "deadline_extension",
            &[
                "id",
                "issue_id",
                "current_deadline",
                "proposed_deadline",
                "reason",
                "status",
                "requested_by",
                "requested_at",
                "decided_by",
                "decided_at",
                "note",
            ],
        ),
        Table::new(
            "evidence",
            &[
                "id",
                "issue_id",
                "kind",
                "file_name",
                "content_type",
                "byte_size",
                "sha256",
                "captured_at",
                "latitude",
                "longitude",
                "note",
                "uploaded_by",
                "uploaded_role",
                "uploaded_at",
            ],
        ),
        Table::new(
            "evidence_citation",
            &["id", "evidence_id", "progress_report_id", "site_inspection_id", "issue_event_id"],
        ),
    ]
}

const ISSUE: usize = 0;
const COOPERATOR: usize = 1;
const EVENT: usize = 2;
const MILESTONE: usize = 3;
const REPORT: usize = 4;
const INSPECTION: usize = 5;
const EXTENSION: usize = 6;
const EVIDENCE: usize = 7;
const CITATION: usize = 8;

/// The county date of an instant (Asia/Shanghai has no daylight saving: UTC+8).
pub fn county_date(at: DateTime<Utc>) -> NaiveDate {
    (at + Duration::hours(8)).date_naive()
}

/// A pending extension request: (id, current deadline, proposed, reason, requested by, at).
type PendingExtension = (i64, NaiveDate, NaiveDate, &'static str, String, DateTime<Utc>);

/// The issue being generated: its columns as they stand after the last step.
struct State {
    id: i64,
    status: &'static str,
    severity: &'static str,
    category: i64,
    lead: Option<i64>,
    cooperating: Vec<i64>,
    deadline: Option<NaiveDate>,
    leader: Option<&'static str>,
    supervision: Option<(&'static str, NaiveDate, String, DateTime<Utc>)>,
    plan: Option<&'static str>,
    acceptance: Option<String>,
    reopen_count: i32,
    accepted_at: Option<DateTime<Utc>>,
    notice_ends_on: Option<NaiveDate>,
    closed_at: Option<DateTime<Utc>>,
    version: i32,
    updated_at: DateTime<Utc>,
    /// Milestones not yet done: (id, title, due_on, created_at).
    open_milestones: Vec<(i64, String, NaiveDate, DateTime<Utc>)>,
    /// The pending extension request: (id, current, proposed, reason, requested_by, at).
    pending_extension: Option<PendingExtension>,
    evidence: Option<i64>,
    percent: i32,
}

pub struct Generator<'a> {
    pub reference: &'a Reference,
    pub now: DateTime<Utc>,
    pub sha256: String,
}

impl Generator<'_> {
    /// Appends issue `id` (registered at `created`) with its whole history to `tables`.
    pub fn issue(&self, rng: &mut Rng, ids: &mut Ids, tables: &mut [Table], id: i64, created: DateTime<Utc>) {
        let r = self.reference;
        let (round, _, prefix) = *r.rounds.iter().rev().find(|(_, start, _)| *start <= created).unwrap_or(&r.rounds[0]);
        let (category, duty) = *rng.pick(&r.categories);
        let township_index = rng.below(r.townships.len() as u64) as usize;
        let township = r.townships[township_index];
        let town = TOWNSHIPS[township_index].1;
        let site = *rng.pick(SITES);
        let problem = *rng.pick(PROBLEMS);
        let severity = if rng.chance(0.18) { "MAJOR" } else { "GENERAL" };
        let located = rng.chance(0.9);
        let (lat, lon) = (30.45 + rng.unit() * 0.35, 103.95 + rng.unit() * 0.35);
        let enterprise = if rng.chance(0.15) { Some(rng.pick(&r.enterprises).0) } else { None };
        let code = format!("{prefix}-{}-{id:07}", county_date(created).format("%Y"));
        let title = format!("{town}{site}{problem}问题");
        let description = format!("{}（{town}{site}，第{id}号问题）", rng.pick(FINDINGS));

        let age_days = (self.now - created).num_seconds() as f64 / 86_400.0;
        let stage = pick_stage(rng, age_days);
        let steps = plan_steps(rng, stage);

        // Times: each step waits its usual gap; a history that would run past now is squeezed
        // into the time the issue has had, so that every event lies in the past.
        let gaps: Vec<f64> = steps.iter().map(|s| rng.range(s.gap().0, s.gap().1)).collect();
        let natural: f64 = gaps.iter().sum();
        let available = (age_days - 0.05).max(0.001);
        let scale = if natural > available { available / natural } else { 1.0 };

        let mut s = State {
            id,
            status: "REPORTED",
            severity,
            category,
            lead: None,
            cooperating: Vec::new(),
            deadline: None,
            leader: None,
            supervision: None,
            plan: None,
            acceptance: None,
            reopen_count: 0,
            accepted_at: None,
            notice_ends_on: None,
            closed_at: None,
            version: 1,
            updated_at: created,
            open_milestones: Vec::new(),
            pending_extension: None,
            evidence: None,
            percent: 0,
        };
        self.event(ids, tables, &s, "REGISTERED", None, BUREAU_SUB.into(), "BUREAU", None, created);

        let mut at = created;
        for (step, gap) in steps.iter().zip(gaps) {
            at += Duration::microseconds(((gap * scale) * 86_400e6) as i64 + 1 + rng.below(1_000_000) as i64);
            if at >= self.now {
                at = self.now - Duration::seconds(1);
            }
            self.apply(rng, ids, tables, &mut s, *step, at, duty);
        }

        let supervision = s.supervision.clone();
        tables[ISSUE].push(vec![
            id.into(),
            code.into(),
            title.into(),
            description.into(),
            s.status.into(),
            severity.into(),
            round.into(),
            category.into(),
            format!("{town}{site}").into(),
            township.into(),
            located.then_some(lat).into(),
            located.then_some(lon).into(),
            rng.chance(0.3).into(),
            s.lead.into(),
            s.leader.into(),
            s.deadline.into(),
            supervision.as_ref().map(|x| x.0).into(),
            supervision.as_ref().map(|x| x.1).into(),
            supervision.as_ref().map(|x| x.2.clone()).into(),
            supervision.as_ref().map(|x| x.3).into(),
            supervision.as_ref().map(|_| BUREAU_SUB).into(),
            s.plan.into(),
            s.acceptance.clone().into(),
            s.reopen_count.into(),
            s.accepted_at.into(),
            s.notice_ends_on.into(),
            s.closed_at.into(),
            enterprise.into(),
            V::Null,
            s.version.into(),
            created.into(),
            s.updated_at.into(),
        ]);
        for department in &s.cooperating {
            tables[COOPERATOR].push(vec![id.into(), (*department).into()]);
        }
        if let Some((ext, current, proposed, reason, by, requested)) = s.pending_extension.take() {
            tables[EXTENSION].push(vec![
                ext.into(),
                id.into(),
                current.into(),
                proposed.into(),
                reason.into(),
                "PENDING".into(),
                by.into(),
                requested.into(),
                V::Null,
                V::Null,
                V::Null,
            ]);
        }
        for (milestone, title, due, created_at) in s.open_milestones.drain(..) {
            tables[MILESTONE].push(vec![
                milestone.into(),
                id.into(),
                title.into(),
                due.into(),
                "PENDING".into(),
                V::Null,
                V::Null,
                created_at.into(),
            ]);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn apply(
        &self,
        rng: &mut Rng,
        ids: &mut Ids,
        tables: &mut [Table],
        s: &mut State,
        step: Step,
        at: DateTime<Utc>,
        duty: i64,
    ) {
        let r = self.reference;
        let from = s.status;
        let lead_sub = |s: &State| r.sub_of(s.lead.unwrap_or(r.bureau));
        match step {
            Step::Assign | Step::Reassign => {
                // The bureau leads only problems its duties name; otherwise a functional
                // department (often the duty department) or the township.
                let lead = if duty == r.bureau || rng.chance(0.45) {
                    duty
                } else if rng.chance(0.6) {
                    *rng.pick(&r.functional)
                } else {
                    *rng.pick(&r.townships)
                };
                let mut cooperating = Vec::new();
                for _ in 0..rng.below(4) {
                    let other = if rng.chance(0.6) { *rng.pick(&r.townships) } else { *rng.pick(&r.functional) };
                    if other != lead && !cooperating.contains(&other) {
                        cooperating.push(other);
                    }
                }
                cooperating.sort_unstable();
                let deadline = county_date(at) + Duration::days(rng.range(45.0, 270.0) as i64);
                s.lead = Some(lead);
                s.cooperating = cooperating;
                s.deadline = Some(deadline);
                s.leader = Some(*rng.pick(LEADERS));
                s.status = if from == "REPORTED" { "ASSIGNED" } else { from };
                let action = if from == "REPORTED" { "ASSIGNED" } else { "REASSIGNED" };
                let note = format!("lead {}, deadline {deadline}", r.code_of(lead));
                // A new assignment answers a pending extension request (no event of its own).
                if let Some((ext, current, proposed, reason, by, requested)) = s.pending_extension.take() {
                    tables[EXTENSION].push(vec![
                        ext.into(),
                        s.id.into(),
                        current.into(),
                        proposed.into(),
                        reason.into(),
                        "REJECTED".into(),
                        by.into(),
                        requested.into(),
                        BUREAU_SUB.into(),
                        at.into(),
                        "superseded by a new assignment".into(),
                    ]);
                }
                self.bump(ids, tables, s, action, from, BUREAU_SUB.into(), "BUREAU", Some(note), at);
            }
            Step::Supervise => {
                let level = *rng.pick(&["COUNTY", "COUNTY", "MUNICIPAL", "PROVINCIAL"]);
                let deadline = s.deadline.unwrap_or(county_date(at) + Duration::days(90));
                let text = "群众反映强烈，挂牌督办".to_owned();
                let note = format!("{level} supervision until {deadline}: {text}");
                s.supervision = Some((level, deadline, text, at));
                self.bump(ids, tables, s, "SUPERVISED", from, BUREAU_SUB.into(), "BUREAU", Some(note), at);
            }
            Step::Start => {
                let plan = *rng.pick(PLANS);
                s.plan = Some(plan);
                s.status = "IN_PROGRESS";
                let start = county_date(at);
                for (n, title) in ["完成污染源排查", "完成主体整改工程", "完成验收准备"].iter().enumerate()
                {
                    if n == 2 && rng.chance(0.5) {
                        break;
                    }
                    ids.milestone += 1;
                    let due = start + Duration::days(20 + 35 * n as i64 + rng.below(20) as i64);
                    s.open_milestones.push((ids.milestone, (*title).to_owned(), due, at));
                }
                self.bump(
                    ids,
                    tables,
                    s,
                    "RECTIFICATION_STARTED",
                    from,
                    lead_sub(s),
                    "DEPARTMENT",
                    Some(plan.into()),
                    at,
                );
            }
            Step::Progress => {
                // Mostly the lead department; sometimes a cooperating unit.
                let department = if !s.cooperating.is_empty() && rng.chance(0.25) {
                    *rng.pick(&s.cooperating)
                } else {
                    s.lead.unwrap_or(r.bureau)
                };
                s.percent = (s.percent + 10 + rng.below(30) as i32).min(95);
                let content = *rng.pick(PROGRESS);
                let sub = r.sub_of(department);
                ids.report += 1;
                tables[REPORT].push(vec![
                    ids.report.into(),
                    s.id.into(),
                    department.into(),
                    content.into(),
                    s.percent.into(),
                    sub.clone().into(),
                    at.into(),
                ]);
                let note = format!("{}% — {content}", s.percent);
                self.bump(ids, tables, s, "PROGRESS_REPORTED", from, sub, "DEPARTMENT", Some(note), at);
            }
            Step::ExtensionRequest => {
                let current = s.deadline.unwrap_or(county_date(at));
                let proposed = current + Duration::days(30 + rng.below(90) as i64);
                let reason = "汛期施工受阻，需顺延。";
                ids.extension += 1;
                s.pending_extension = Some((ids.extension, current, proposed, reason, lead_sub(s), at));
                let note = format!("to {proposed}: {reason}");
                self.bump(ids, tables, s, "EXTENSION_REQUESTED", from, lead_sub(s), "DEPARTMENT", Some(note), at);
            }
            Step::ExtensionDecide => {
                let Some((ext, current, proposed, reason, by, requested)) = s.pending_extension.take() else { return };
                let approve = rng.chance(0.7);
                let (status, label) = if approve { ("APPROVED", "APPROVED") } else { ("REJECTED", "REJECTED") };
                if approve {
                    s.deadline = Some(proposed);
                }
                tables[EXTENSION].push(vec![
                    ext.into(),
                    s.id.into(),
                    current.into(),
                    proposed.into(),
                    reason.into(),
                    status.into(),
                    by.into(),
                    requested.into(),
                    LEADER_SUB.into(),
                    at.into(),
                    "同意顺延。".into(),
                ]);
                let note = format!("{label}: {current} → {proposed} (同意顺延。)");
                self.bump(ids, tables, s, "EXTENSION_DECIDED", from, LEADER_SUB.into(), "LEADER", Some(note), at);
            }
            Step::CompleteMilestone => {
                if s.open_milestones.is_empty() {
                    return;
                }
                let (milestone, title, due, created) = s.open_milestones.remove(0);
                tables[MILESTONE].push(vec![
                    milestone.into(),
                    s.id.into(),
                    title.clone().into(),
                    due.into(),
                    "DONE".into(),
                    V::Null,
                    at.into(),
                    created.into(),
                ]);
                self.bump(ids, tables, s, "MILESTONE_COMPLETED", from, lead_sub(s), "DEPARTMENT", Some(title), at);
            }
            Step::SiteInspect => {
                let result = *rng.pick(&["COMPLIANT", "NON_COMPLIANT", "NEEDS_FOLLOW_UP"]);
                let findings = "现场核查：整改措施正在落实，现场环境明显改善。";
                ids.inspection += 1;
                tables[INSPECTION].push(vec![
                    ids.inspection.into(),
                    s.id.into(),
                    (30.45 + rng.unit() * 0.35).into(),
                    (103.95 + rng.unit() * 0.35).into(),
                    (at - Duration::hours(2)).into(),
                    findings.into(),
                    result.into(),
                    INSPECTOR_SUB.into(),
                    "INSPECTOR".into(),
                    at.into(),
                ]);
                let note = format!("{result}: {findings}");
                self.bump(ids, tables, s, "SITE_INSPECTED", from, INSPECTOR_SUB.into(), "INSPECTOR", Some(note), at);
            }
            Step::Evidence => {
                ids.evidence += 1;
                s.evidence = Some(ids.evidence);
                tables[EVIDENCE].push(vec![
                    ids.evidence.into(),
                    s.id.into(),
                    "PHOTO_AFTER".into(),
                    "整改后现场.png".into(),
                    "image/png".into(),
                    (PHOTO.len() as i64).into(),
                    self.sha256.clone().into(),
                    V::Null,
                    V::Null,
                    V::Null,
                    "整改完成后现场照片".into(),
                    lead_sub(s).into(),
                    "DEPARTMENT".into(),
                    at.into(),
                ]);
                let note = "PHOTO_AFTER: 整改后现场.png".to_owned();
                self.bump(ids, tables, s, "EVIDENCE_ADDED", from, lead_sub(s), "DEPARTMENT", Some(note), at);
            }
            Step::RequestAcceptance => {
                // Milestones left open are completed first (a lead asks when the plan is done).
                let summary = "整改措施已全部落实，申请验收。".to_owned();
                s.acceptance = Some(summary.clone());
                s.status = "AWAITING_ACCEPTANCE";
                self.bump(ids, tables, s, "ACCEPTANCE_REQUESTED", from, lead_sub(s), "DEPARTMENT", Some(summary), at);
                if let Some(evidence) = s.evidence {
                    ids.citation += 1;
                    tables[CITATION].push(vec![
                        ids.citation.into(),
                        evidence.into(),
                        V::Null,
                        V::Null,
                        ids.event.into(),
                    ]);
                }
            }
            Step::Reject => {
                s.status = "IN_PROGRESS";
                let note = "现场核查发现整改不彻底，退回继续整改。".to_owned();
                self.bump(ids, tables, s, "REJECTED", from, BUREAU_SUB.into(), "BUREAU", Some(note), at);
            }
            Step::Accept => {
                s.status = "ACCEPTED";
                s.accepted_at = Some(at);
                let notice = if (self.now - at).num_days() > 8 || rng.chance(0.5) { 7 } else { 0 };
                s.notice_ends_on = Some(county_date(at) + Duration::days(notice));
                self.bump(
                    ids,
                    tables,
                    s,
                    "ACCEPTED",
                    from,
                    BUREAU_SUB.into(),
                    "BUREAU",
                    Some("现场核查通过。".into()),
                    at,
                );
            }
            Step::Close => {
                s.status = "CLOSED";
                s.closed_at = Some(at);
                let note = "公示期满，无异议，予以销号。".to_owned();
                self.bump(ids, tables, s, "CLOSED", from, BUREAU_SUB.into(), "BUREAU", Some(note), at);
            }
            Step::Reopen => {
                s.status = "IN_PROGRESS";
                s.reopen_count += 1;
                s.accepted_at = None;
                s.notice_ends_on = None;
                s.closed_at = None;
                let note = "回头看发现问题反弹，重新整改。".to_owned();
                self.bump(ids, tables, s, "REOPENED", from, BUREAU_SUB.into(), "BUREAU", Some(note), at);
            }
        }
    }

    /// A change: the version and `updated_at` move, and the event records the state after it.
    #[allow(clippy::too_many_arguments)]
    fn bump(
        &self,
        ids: &mut Ids,
        tables: &mut [Table],
        s: &mut State,
        action: &'static str,
        from: &'static str,
        actor: String,
        role: &'static str,
        note: Option<String>,
        at: DateTime<Utc>,
    ) {
        s.version += 1;
        s.updated_at = at;
        self.event(ids, tables, s, action, Some(from), actor, role, note, at);
    }

    #[allow(clippy::too_many_arguments)]
    fn event(
        &self,
        ids: &mut Ids,
        tables: &mut [Table],
        s: &State,
        action: &'static str,
        from: Option<&'static str>,
        actor: String,
        role: &'static str,
        note: Option<String>,
        at: DateTime<Utc>,
    ) {
        ids.event += 1;
        let cooperating = s.cooperating.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let mut row: Vec<V> = vec![
            ids.event.into(),
            s.id.into(),
            action.into(),
            from.into(),
            s.status.into(),
            actor.into(),
            role.into(),
            note.into(),
            at.into(),
            s.lead.into(),
            cooperating.into(),
            s.deadline.into(),
            s.severity.into(),
            s.category.into(),
            s.supervision.as_ref().map(|x| x.0).into(),
        ];
        // An issue's events are written one after the other, so one running head suffices.
        if ids.chain.0 != s.id {
            ids.chain = (s.id, [0; 32]);
        }
        ids.chain.1 = chain_link("issue_event", &ids.chain.1, &row[1..]);
        row.push(hex(&ids.chain.1).into());
        tables[EVENT].push(row);
    }
}

/// Older issues are more often done; the newest are still being registered and assigned.
fn pick_stage(rng: &mut Rng, age_days: f64) -> Stage {
    use Stage::*;
    let table: &[(Stage, f64)] = if age_days < 7.0 {
        &[(Reported, 0.5), (Assigned, 0.4), (InProgress, 0.1)]
    } else if age_days < 45.0 {
        &[(Reported, 0.1), (Assigned, 0.3), (InProgress, 0.5), (Awaiting, 0.07), (Accepted, 0.03)]
    } else if age_days < 200.0 {
        &[
            (Reported, 0.02),
            (Assigned, 0.08),
            (InProgress, 0.40),
            (Awaiting, 0.08),
            (Accepted, 0.10),
            (Closed, 0.30),
            (Relapsed, 0.02),
        ]
    } else {
        &[
            (Reported, 0.005),
            (Assigned, 0.02),
            (InProgress, 0.10),
            (Awaiting, 0.03),
            (Accepted, 0.045),
            (Closed, 0.77),
            (Relapsed, 0.03),
        ]
    };
    let mut u = rng.unit();
    for (stage, p) in table {
        if u < *p {
            return *stage;
        }
        u -= p;
    }
    table[table.len() - 1].0
}

/// The steps that take an issue from registration to `stage`.
fn plan_steps(rng: &mut Rng, stage: Stage) -> Vec<Step> {
    use Step::*;
    let mut steps = Vec::new();
    if stage == Stage::Reported {
        return steps;
    }
    steps.push(Assign);
    if rng.chance(0.12) {
        steps.push(Supervise);
    }
    if rng.chance(0.04) {
        steps.push(Reassign);
    }
    if stage == Stage::Assigned {
        if rng.chance(0.1) {
            steps.push(ExtensionRequest);
        }
        return steps;
    }
    steps.push(Start);
    let reports = rng.below(4);
    for n in 0..reports {
        steps.push(Progress);
        if n == 0 && rng.chance(0.25) {
            steps.push(CompleteMilestone);
        }
    }
    if rng.chance(0.1) {
        steps.push(ExtensionRequest);
        steps.push(ExtensionDecide);
    }
    if rng.chance(0.08) {
        steps.push(SiteInspect);
    }
    if stage == Stage::InProgress {
        if rng.chance(0.1) {
            steps.push(ExtensionRequest);
        }
        return steps;
    }
    // Everything left of the plan is done before acceptance is asked for.
    steps.extend([CompleteMilestone, CompleteMilestone, CompleteMilestone, Evidence, RequestAcceptance]);
    if rng.chance(0.12) {
        steps.extend([Reject, Progress, Evidence, RequestAcceptance]);
    }
    if stage == Stage::Awaiting {
        return steps;
    }
    steps.push(Accept);
    if stage == Stage::Accepted {
        return steps;
    }
    steps.push(Close);
    if stage == Stage::Relapsed {
        steps.push(Reopen);
        steps.push(Progress);
    }
    steps
}

/// Accountability cases over the generated issues: every status, with their events, linked
/// issues and measures.
pub fn cases(rng: &mut Rng, r: &Reference, issues: i64, now: DateTime<Utc>, count: usize) -> Vec<Table> {
    let mut cases = Table::new(
        "accountability_case",
        &[
            "id",
            "code",
            "subject_type",
            "department_id",
            "official_name",
            "official_position",
            "enterprise_id",
            "grounds",
            "description",
            "status",
            "decision",
            "statement",
            "statement_at",
            "opened_at",
            "decided_at",
            "closed_at",
            "version",
            "updated_at",
        ],
    );
    let mut links = Table::new("case_issue", &["case_id", "issue_id"]);
    let mut measures = Table::new(
        "case_measure",
        &["id", "case_id", "measure", "amount_fen", "daily_amount_fen", "starts_on", "note"],
    );
    let mut events = Table::new(
        "case_event",
        &["id", "case_id", "action", "from_status", "to_status", "actor_sub", "actor_role", "note", "at", "hash"],
    );
    let (mut measure_id, mut event_id) = (0i64, 0i64);
    let mut per_year: std::collections::HashMap<i32, u32> = std::collections::HashMap::new();
    // Cases are opened in time order, so that the yearly numbers rise with time.
    let mut openings: Vec<DateTime<Utc>> =
        (0..count).map(|_| now - Duration::seconds((rng.unit() * 2.8 * 365.0 * 86_400.0) as i64 + 86_400)).collect();
    openings.sort();
    let grounds_all = [
        "POOR_PERFORMANCE",
        "MEASURES_NOT_IMPLEMENTED",
        "TASK_NOT_COMPLETED",
        "WORKAROUND",
        "CUTTING_CORNERS",
        "BUCK_PASSING",
        "FAKE_RECTIFICATION",
        "SERIOUS_VIOLATION",
    ];
    for (n, opened) in openings.into_iter().enumerate() {
        let id = n as i64 + 1;
        let year: i32 = county_date(opened).format("%Y").to_string().parse().unwrap_or(2026);
        let number = per_year.entry(year).or_insert(0);
        *number += 1;
        let code = format!("ACC-{year}-{:04}", *number);
        let subject = *rng.pick(&["DEPARTMENT", "DEPARTMENT", "OFFICIAL", "ENTERPRISE", "ENTERPRISE"]);
        let department = match subject {
            "ENTERPRISE" => None,
            _ => Some(if rng.chance(0.5) { *rng.pick(&r.functional) } else { *rng.pick(&r.townships) }),
        };
        let enterprise = (subject == "ENTERPRISE").then(|| rng.pick(&r.enterprises).0);
        let official = (subject == "OFFICIAL").then(|| (person(rng), *rng.pick(&["副局长", "科长", "副镇长", "站长"])));
        let ground = *rng.pick(&grounds_all);
        let status =
            *rng.pick(&["OPEN", "INVESTIGATING", "DECIDED", "DECIDED", "CLOSED", "CLOSED", "CLOSED", "DISMISSED"]);
        let mut at = opened;
        let mut step = |days: f64, rng: &mut Rng| {
            at = (at + Duration::seconds((rng.range(1.0, days) * 86_400.0) as i64)).min(now - Duration::seconds(1));
            at
        };
        let mut version = 1;
        let mut head = [0u8; 32];
        let mut event = |action: &'static str, from: Option<&'static str>, to: &'static str, note: &str, when| {
            event_id += 1;
            let mut row: Vec<V> = vec![
                event_id.into(),
                id.into(),
                action.into(),
                from.into(),
                to.into(),
                BUREAU_SUB.into(),
                "BUREAU".into(),
                note.to_owned().into(),
                V::Ts(when),
            ];
            head = chain_link("case_event", &head, &row[1..]);
            row.push(hex(&head).into());
            events.push(row);
        };
        event("OPENED", None, "OPEN", "督察发现整改不力。", opened);
        let (mut decided_at, mut closed_at, mut decision) = (None, None, None);
        if status != "OPEN" && !(status == "DISMISSED" && rng.chance(0.5)) {
            let when = step(20.0, rng);
            event("INVESTIGATION_STARTED", Some("OPEN"), "INVESTIGATING", "立案调查", when);
            version += 1;
        }
        let investigating = version == 2;
        match status {
            "DECIDED" | "CLOSED" => {
                let when = step(60.0, rng);
                decided_at = Some(when);
                decision = Some("经调查核实，作出如下处理。");
                event("DECIDED", Some("INVESTIGATING"), "DECIDED", "经调查核实，作出如下处理。", when);
                version += 1;
                let options: &[&str] = if subject == "ENTERPRISE" {
                    &["FINE", "ORDER_TO_RECTIFY", "PRODUCTION_RESTRICTION", "SEAL_AND_SEIZE"]
                } else {
                    &["ADMONISHMENT_TALK", "CIRCULATED_CRITICISM", "ADMONITION", "ORGANIZATIONAL_HANDLING"]
                };
                let measure = *rng.pick(options);
                measure_id += 1;
                let amount = (measure == "FINE").then(|| (5 + rng.below(95)) as i64 * 1_000_000);
                measures.push(vec![
                    measure_id.into(),
                    id.into(),
                    measure.into(),
                    amount.into(),
                    V::Null,
                    V::Null,
                    V::Null,
                ]);
                if status == "CLOSED" {
                    let when = step(30.0, rng);
                    closed_at = Some(when);
                    event("CLOSED", Some("DECIDED"), "CLOSED", "处理决定已执行", when);
                    version += 1;
                }
            }
            "DISMISSED" => {
                let when = step(30.0, rng);
                let from = if investigating { "INVESTIGATING" } else { "OPEN" };
                event("DISMISSED", Some(from), "DISMISSED", "经核查，问题不属实。", when);
                version += 1;
            }
            _ => {}
        }
        cases.push(vec![
            id.into(),
            code.into(),
            subject.into(),
            department.into(),
            official.as_ref().map(|o| o.0.clone()).into(),
            official.as_ref().map(|o| o.1).into(),
            enterprise.into(),
            ground.into(),
            "督察发现整改不力，群众反映强烈。".into(),
            status.into(),
            decision.into(),
            V::Null,
            V::Null,
            opened.into(),
            decided_at.into(),
            closed_at.into(),
            version.into(),
            at.into(),
        ]);
        let mut linked = Vec::new();
        for _ in 0..1 + rng.below(3) {
            let issue = 1 + rng.below(issues as u64) as i64;
            if !linked.contains(&issue) {
                linked.push(issue);
                links.push(vec![id.into(), issue.into()]);
            }
        }
    }
    vec![cases, links, measures, events]
}

/// The link of a history chain, as the product computes it (docs/history.md, written out here
/// a second time on purpose): SHA-256 of the previous hash and the compact JSON array of the
/// kind and the event's fields without its id.
fn chain_link(kind: &str, previous: &[u8; 32], fields: &[V]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut values = vec![serde_json::Value::from(kind)];
    values.extend(fields.iter().map(|field| match field {
        V::I(n) => serde_json::Value::from(*n),
        V::T(text) => serde_json::Value::from(text.as_str()),
        V::S(text) => serde_json::Value::from(*text),
        V::D(day) => serde_json::Value::from(day.format("%Y-%m-%d").to_string()),
        V::Ts(at) => serde_json::Value::from(at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()),
        V::Null => serde_json::Value::Null,
        V::F(x) => serde_json::Value::from(*x),
        V::B(b) => serde_json::Value::from(*b),
    }));
    let mut hasher = Sha256::new();
    hasher.update(previous);
    hasher.update(serde_json::Value::Array(values).to_string().as_bytes());
    hasher.finalize().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
