//! Exact amounts in hundredths: money in fen (1/100 yuan) and assessment points. Written as
//! decimal strings (`"50000.00"`), never as floating point.

use std::fmt;

/// A non-negative or negative amount in hundredths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Cents(pub i64);

impl Cents {
    pub const ZERO: Cents = Cents(0);

    pub fn whole(units: i64) -> Self {
        Cents(units * 100)
    }

    /// Parses `"12"`, `"12.5"` or `"-12.50"`; more than two decimals or anything else is `None`.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || fraction.len() > 2
            || !fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let whole: i64 = whole.parse().ok()?;
        let fraction: i64 = format!("{fraction:0<2}").parse().ok()?;
        let value = whole.checked_mul(100)?.checked_add(fraction)?;
        Some(Cents(if negative { -value } else { value }))
    }
}

impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_round_trip_exactly() {
        for (text, cents, shown) in
            [("50000.00", 5_000_000, "50000.00"), ("0.1", 10, "0.10"), ("7", 700, "7.00"), ("-2.5", -250, "-2.50")]
        {
            assert_eq!(Cents::parse(text), Some(Cents(cents)), "{text}");
            assert_eq!(Cents(cents).to_string(), shown);
        }
        for bad in ["", "1.234", "1e3", "abc", "1.", ".5", "--1", "1,000"] {
            assert_eq!(Cents::parse(bad), if bad == "1." { Some(Cents(100)) } else { None }, "{bad}");
        }
    }
}
