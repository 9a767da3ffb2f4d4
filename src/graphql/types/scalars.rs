//! Scalars of the contract that async-graphql does not name our way.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

/// A calendar date, `YYYY-MM-DD`, in the county's calendar (deadlines end at the county's
/// midnight).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date(pub NaiveDate);

/// A calendar date, `YYYY-MM-DD`, in the county's calendar (deadlines end at the county's
/// midnight).
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| InputValueError::custom("a Date is written YYYY-MM-DD")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        // chrono's `Display` writes the same text as "%Y-%m-%d" without interpreting a format
        // string on every call: a list page writes one date per issue.
        Value::String(self.0.to_string())
    }
}

impl From<NaiveDate> for Date {
    fn from(date: NaiveDate) -> Self {
        Date(date)
    }
}

/// An exact decimal written as a string with up to two decimals, e.g. `"50000.00"`: money in
/// yuan, or assessment points. Never a floating-point number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal(pub crate::domain::cents::Cents);

/// An exact decimal written as a string with up to two decimals, e.g. `"50000.00"`: money in
/// yuan, or assessment points. Never a floating-point number.
#[Scalar(name = "Decimal")]
impl ScalarType for Decimal {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => crate::domain::cents::Cents::parse(text).map(Decimal).ok_or_else(|| {
                InputValueError::custom("a Decimal is a string like \"50000.00\" with at most two decimals")
            }),
            _ => Err(InputValueError::custom("a Decimal is written as a string, e.g. \"50000.00\"")),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{ScalarType, Value};
    use chrono::NaiveDate;

    use super::Date;

    #[test]
    fn a_date_is_written_yyyy_mm_dd_and_read_back() {
        for (year, month, day, text) in
            [(2026, 3, 7, "2026-03-07"), (987, 12, 31, "0987-12-31"), (1, 1, 1, "0001-01-01")]
        {
            let date = Date(NaiveDate::from_ymd_opt(year, month, day).expect("a valid date"));
            assert_eq!(date.to_value(), Value::String(text.to_owned()));
            assert_eq!(Date::parse(date.to_value()).ok(), Some(date));
        }
    }
}
