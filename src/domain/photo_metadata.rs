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
    ///
    /// A flaw in the EXIF's structure keeps the fields read before and after it. Common
    /// writers leave such flaws that other readers shrug off: piexif omits the "next IFD"
    /// offset after its Exif and GPS IFDs, which a strict read takes for an "Unexpected next
    /// IFD" and loses the whole EXIF, position included. Each field kept was read whole
    /// within the data, and is still checked below like any other.
    pub fn read(file: &mut (impl BufRead + Seek), county: Tz) -> Self {
        let exif = match Reader::new().continue_on_error(true).read_from_container(file) {
            Ok(exif) => exif,
            Err(exif::Error::PartialResult(partial)) => partial.into_inner().0,
            Err(_) => return Self::default(),
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

    /// piexif leaves out the "next IFD" offset after its Exif and GPS IFDs, which exiftool and
    /// Pillow read anyway (tests/fixtures/piexif_gps.py).
    #[test]
    fn exif_written_by_piexif_gives_its_time_and_place() {
        let mut file = std::io::Cursor::new(include_bytes!("../../tests/fixtures/piexif-gps.jpg").to_vec());
        let facts = PhotoFacts::read(&mut file, chrono_tz::Asia::Shanghai);
        assert_eq!(facts.captured_at.map(|t| t.to_rfc3339()).as_deref(), Some("2026-03-15T01:30:00+00:00"));
        let (latitude, longitude) = (facts.latitude.unwrap(), facts.longitude.unwrap());
        assert!((latitude - 30.12).abs() < 1e-9, "{latitude}");
        assert!((longitude - 114.33).abs() < 1e-9, "{longitude}");
    }

    /// The failure the fixture reproduces: a strict read stops at the GPS IFD.
    #[test]
    fn a_strict_read_of_the_piexif_fixture_fails_on_the_next_ifd() {
        let mut file = std::io::Cursor::new(include_bytes!("../../tests/fixtures/piexif-gps.jpg").to_vec());
        let Err(error) = Reader::new().read_from_container(&mut file) else { panic!("read without error") };
        assert!(matches!(error, exif::Error::InvalidFormat("Unexpected next IFD")), "{error:?}");
    }
}
