//! Capture time and place from a photo's EXIF, for evidence whose client did not send them.

use std::io::{BufRead, Seek};

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use exif::{In, Reader, Tag, Value};

/// What a photo says about itself; each part only when present and sane.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct PhotoFacts {
    pub captured_at: Option<DateTime<Utc>>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

impl PhotoFacts {
    /// Reads the EXIF of a JPEG, PNG, WebP or HEIC file. A photo without EXIF, or with a
    /// damaged one, simply has no facts: it is still good evidence.
    pub fn read(file: &mut (impl BufRead + Seek), county: Tz) -> Self {
        let Ok(exif) = Reader::new().read_from_container(file) else {
            return Self::default();
        };
        let ascii = |tag| match exif.get_field(tag, In::PRIMARY).map(|f| &f.value) {
            Some(Value::Ascii(parts)) => parts.first().cloned(),
            _ => None,
        };
        let captured_at = ascii(Tag::DateTimeOriginal).or_else(|| ascii(Tag::DateTime)).and_then(|text| {
            let mut stamp = exif::DateTime::from_ascii(&text).ok()?;
            if let Some(offset) = ascii(Tag::OffsetTimeOriginal) {
                let _ = stamp.parse_offset(&offset);
            }
            instant(&stamp, county)
        });
        let coordinate = |value_tag, ref_tag, negative: u8, limit: f64| {
            let Some(Value::Rational(parts)) = exif.get_field(value_tag, In::PRIMARY).map(|f| &f.value) else {
                return None;
            };
            let [degrees, minutes, seconds] = parts.as_slice() else { return None };
            let value = degrees.to_f64() + minutes.to_f64() / 60.0 + seconds.to_f64() / 3600.0;
            let sign = match ascii(ref_tag).and_then(|r| r.first().copied()) {
                Some(r) if r == negative => -1.0,
                _ => 1.0,
            };
            (value.is_finite() && value <= limit).then_some(sign * value)
        };
        let latitude = coordinate(Tag::GPSLatitude, Tag::GPSLatitudeRef, b'S', 90.0);
        let longitude = coordinate(Tag::GPSLongitude, Tag::GPSLongitudeRef, b'W', 180.0);
        // Half a position is no position.
        let (latitude, longitude) = match (latitude, longitude) {
            (Some(lat), Some(lon)) => (Some(lat), Some(lon)),
            _ => (None, None),
        };
        Self { captured_at, latitude, longitude }
    }
}

/// The instant of an EXIF time stamp: at its own offset when it has one, else in the county's
/// time zone (where the photo was taken, as far as anyone knows).
fn instant(stamp: &exif::DateTime, county: Tz) -> Option<DateTime<Utc>> {
    let local = NaiveDate::from_ymd_opt(stamp.year.into(), stamp.month.into(), stamp.day.into())?.and_hms_opt(
        stamp.hour.into(),
        stamp.minute.into(),
        stamp.second.into(),
    )?;
    match stamp.offset {
        Some(minutes) => FixedOffset::east_opt(i32::from(minutes) * 60)?.from_local_datetime(&local).single(),
        None => return county.from_local_datetime(&local).earliest().map(|t| t.with_timezone(&Utc)),
    }
    .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_without_exif_has_no_facts() {
        let mut file = std::io::Cursor::new(b"\xFF\xD8\xFF\xD9".to_vec());
        assert_eq!(PhotoFacts::read(&mut file, chrono_tz::Asia::Shanghai), PhotoFacts::default());
    }

    #[test]
    fn a_time_stamp_without_offset_is_county_time() {
        let mut stamp = exif::DateTime::from_ascii(b"2026:03:15 09:30:00").unwrap();
        assert_eq!(instant(&stamp, chrono_tz::Asia::Shanghai).unwrap().to_rfc3339(), "2026-03-15T01:30:00+00:00");
        stamp.parse_offset(b"+02:00").unwrap();
        assert_eq!(instant(&stamp, chrono_tz::Asia::Shanghai).unwrap().to_rfc3339(), "2026-03-15T07:30:00+00:00");
    }
}
