//! When a photo may not show the site as it is now: taken far from the place, or
//! taken long before it was uploaded. A doubt for the people who decide on acceptance, never a
//! refusal: GPS drifts under trees and between buildings, and a photo of how things were may
//! be old on purpose.

use chrono::{DateTime, Utc};

/// The default of `RECTIFY_EVIDENCE_FAR_METERS`.
pub const DEFAULT_FAR_FROM_SITE_METERS: u32 = 500;
/// The default of `RECTIFY_EVIDENCE_STALE_DAYS`.
pub const DEFAULT_STALE_PHOTO_DAYS: u32 = 30;

/// What may be wrong with a piece of evidence as proof of the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doubt {
    /// Its GPS position is farther from the place than the county allows.
    FarFromSite,
    /// It was taken longer before its upload than the county allows.
    TakenLongBeforeUpload,
}

/// The county's thresholds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DoubtRule {
    pub far_from_site_meters: u32,
    pub stale_photo_days: u32,
}

impl Default for DoubtRule {
    fn default() -> Self {
        Self { far_from_site_meters: DEFAULT_FAR_FROM_SITE_METERS, stale_photo_days: DEFAULT_STALE_PHOTO_DAYS }
    }
}

impl DoubtRule {
    /// The doubts about evidence `distance` metres from its site (when both places are known),
    /// taken at `captured_at` (when known) and uploaded at `uploaded_at`.
    pub fn doubts(
        self,
        distance: Option<f64>,
        captured_at: Option<DateTime<Utc>>,
        uploaded_at: DateTime<Utc>,
    ) -> Vec<Doubt> {
        let mut doubts = Vec::new();
        if distance.is_some_and(|metres| metres > f64::from(self.far_from_site_meters)) {
            doubts.push(Doubt::FarFromSite);
        }
        let stale = chrono::Duration::days(i64::from(self.stale_photo_days));
        if captured_at.is_some_and(|taken| uploaded_at - taken > stale) {
            doubts.push(Doubt::TakenLongBeforeUpload);
        }
        doubts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_photo_is_doubted_past_either_threshold_and_not_at_it() {
        let rule = DoubtRule { far_from_site_meters: 500, stale_photo_days: 30 };
        let uploaded = Utc::now();
        let days_before = |days| Some(uploaded - chrono::Duration::days(days));
        assert!(rule.doubts(Some(500.0), days_before(30), uploaded).is_empty());
        assert!(rule.doubts(None, None, uploaded).is_empty(), "nothing known, nothing doubted");
        assert_eq!(rule.doubts(Some(500.5), days_before(1), uploaded), [Doubt::FarFromSite]);
        assert_eq!(
            rule.doubts(Some(2_000.0), days_before(31), uploaded),
            [Doubt::FarFromSite, Doubt::TakenLongBeforeUpload]
        );
    }
}
