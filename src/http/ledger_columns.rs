//! The ledger's columns as county offices keep them, in their order, with the words they use
//! for each value (the Chinese labels). The CSV and the XLSX export share this one table, so
//! the two files always agree.

use std::borrow::Cow;

use chrono::NaiveDate;
use entity::enums::{IssueStatus, SupervisionLevel};

use crate::domain::labels::{self, Locale};
use crate::domain::warning::WarningLight;
use crate::service::ledger::LedgerRow;

/// One column: its header and its width in an XLSX sheet (in characters; a Chinese character
/// takes two).
pub struct Column {
    pub header: &'static str,
    pub width: f64,
}

/// The columns in order. The README lists each with its English meaning.
pub const COLUMNS: [Column; 16] = [
    Column { header: "序号", width: 6.0 },
    Column { header: "问题编号", width: 14.0 },
    Column { header: "问题", width: 44.0 },
    Column { header: "领域", width: 16.0 },
    Column { header: "类别", width: 16.0 },
    Column { header: "乡镇", width: 12.0 },
    Column { header: "牵头单位", width: 22.0 },
    Column { header: "配合单位", width: 30.0 },
    Column { header: "责任领导", width: 14.0 },
    Column { header: "整改时限", width: 12.0 },
    Column { header: "整改状态", width: 10.0 },
    Column { header: "是否逾期", width: 9.0 },
    Column { header: "预警", width: 8.0 },
    Column { header: "最新进展", width: 44.0 },
    Column { header: "销号日期", width: 12.0 },
    Column { header: "督办级别", width: 9.0 },
];

/// Joins the cooperating units, as offices write a list of names.
pub const NAME_SEPARATOR: &str = "、";

/// A cell's value, typed so that the XLSX sheet can store numbers and dates as such.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    Number(u64),
    Text(Cow<'a, str>),
    Date(Option<NaiveDate>),
}

fn text(value: Option<&str>) -> Cell<'_> {
    Cell::Text(Cow::Borrowed(value.unwrap_or_default()))
}

/// The cells of ledger row number `serial` (from 1).
pub fn cells(serial: u64, row: &LedgerRow) -> [Cell<'_>; 16] {
    [
        Cell::Number(serial),
        text(Some(&row.code)),
        text(Some(&row.title)),
        text(row.aspect.as_deref()),
        text(row.category.as_deref()),
        text(row.township.as_deref()),
        text(row.lead_department.as_deref()),
        Cell::Text(Cow::Owned(row.cooperating_departments.join(NAME_SEPARATOR))),
        text(row.leader_name.as_deref()),
        Cell::Date(row.deadline),
        Cell::Text(status_label(row.status)),
        text(Some(labels::yes_no(row.overdue, LEDGER_LANGUAGE))),
        text(Some(warning_label(row.warning.light))),
        text(row.latest_progress.as_deref()),
        Cell::Date(row.closed_on),
        Cell::Text(row.supervision.map(supervision_label).unwrap_or_default()),
    ]
}

/// The ledger is written in Chinese whatever the reader's language: it is the county offices'
/// format, and its words are the Chinese labels every other view shows (`domain::labels`).
const LEDGER_LANGUAGE: Locale = Locale::Zh;

/// The status as the ledger names it.
pub fn status_label(status: IssueStatus) -> Cow<'static, str> {
    labels::label_of("IssueStatus", &status, LEDGER_LANGUAGE)
}

/// The warning light as offices name it.
pub fn warning_label(light: WarningLight) -> &'static str {
    labels::label("WarningLight", light.api_name(), LEDGER_LANGUAGE).unwrap_or(light.api_name())
}

/// The level of a listed supervision (挂牌督办); empty when the issue is not listed.
pub fn supervision_label(level: SupervisionLevel) -> Cow<'static, str> {
    labels::label_of("SupervisionLevel", &level, LEDGER_LANGUAGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The words county offices keep their ledgers in, which the labels must not change.
    #[test]
    fn the_ledger_keeps_the_offices_words() {
        let statuses = [
            (IssueStatus::Reported, "待交办"),
            (IssueStatus::Assigned, "已交办"),
            (IssueStatus::InProgress, "整改中"),
            (IssueStatus::AwaitingAcceptance, "待验收"),
            (IssueStatus::Accepted, "已验收"),
            (IssueStatus::Closed, "已销号"),
        ];
        for (status, word) in statuses {
            assert_eq!(status_label(status), word);
        }
        let lights = [
            (WarningLight::Green, "绿灯"),
            (WarningLight::Blue, "蓝灯"),
            (WarningLight::Yellow, "黄灯"),
            (WarningLight::Red, "红灯"),
        ];
        for (light, word) in lights {
            assert_eq!(warning_label(light), word);
        }
        let levels = [
            (SupervisionLevel::County, "县级"),
            (SupervisionLevel::Municipal, "市级"),
            (SupervisionLevel::Provincial, "省级"),
        ];
        for (level, word) in levels {
            assert_eq!(supervision_label(level), word);
        }
        assert_eq!((labels::yes_no(true, LEDGER_LANGUAGE), labels::yes_no(false, LEDGER_LANGUAGE)), ("是", "否"));
    }
}
