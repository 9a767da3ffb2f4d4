//! Distances on the ground between points given in degrees, as `issues(filter: {near})`, the
//! issue's `distanceFrom` and evidence's distance from its site measure them: in metres on the
//! flat map around the first point (an equirectangular projection on a sphere of the Earth's
//! mean radius). Within 10 km that is within 0.2% of the great-circle distance, far less than
//! a phone's GPS error, and it is a sum of squares that the database can compare as well, so
//! that a list and its count agree with the distances shown.

use std::ops::RangeInclusive;

/// Metres per degree of latitude (and of longitude at the equator).
pub const METRES_PER_DEGREE: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;

/// The largest radius of `near`: an inspector's surroundings, not the county.
pub const MAX_NEAR_RADIUS_METERS: f64 = 10_000.0;

/// A point in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub latitude: f64,
    pub longitude: f64,
}

impl Point {
    /// Metres per degree of longitude at this point's latitude.
    pub fn metres_per_degree_of_longitude(self) -> f64 {
        METRES_PER_DEGREE * self.latitude.to_radians().cos()
    }

    /// The square of the distance to `other` in square metres (see the module's comment).
    pub fn squared_distance_to(self, other: Point) -> f64 {
        let north = (other.latitude - self.latitude) * METRES_PER_DEGREE;
        let east = (other.longitude - self.longitude) * self.metres_per_degree_of_longitude();
        north * north + east * east
    }

    /// The distance to `other` in metres.
    pub fn distance_to(self, other: Point) -> f64 {
        self.squared_distance_to(other).sqrt()
    }

    /// The latitudes and longitudes of a box holding every point within `radius` metres.
    pub fn bounding_box(self, radius: f64) -> (RangeInclusive<f64>, RangeInclusive<f64>) {
        let latitudes = radius / METRES_PER_DEGREE;
        // Near a pole a degree of longitude shrinks to nothing: the box then spans them all.
        let longitudes = (radius / self.metres_per_degree_of_longitude().max(1.0)).min(180.0);
        (
            (self.latitude - latitudes)..=(self.latitude + latitudes),
            (self.longitude - longitudes)..=(self.longitude + longitudes),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The great-circle distance (haversine), to compare with.
    fn haversine(a: Point, b: Point) -> f64 {
        let (la, lb) = (a.latitude.to_radians(), b.latitude.to_radians());
        let dlat = lb - la;
        let dlon = (b.longitude - a.longitude).to_radians();
        let h = (dlat / 2.0).sin().powi(2) + la.cos() * lb.cos() * (dlon / 2.0).sin().powi(2);
        2.0 * 6_371_008.8 * h.sqrt().asin()
    }

    #[test]
    fn within_ten_kilometres_it_is_the_great_circle_distance_to_two_in_a_thousand() {
        let center = Point { latitude: 30.6, longitude: 104.1 };
        for (north, east) in [(0.09, 0.0), (0.0, 0.1), (0.06, 0.07), (-0.05, -0.08), (0.001, 0.001)] {
            let other = Point { latitude: center.latitude + north, longitude: center.longitude + east };
            let (flat, round) = (center.distance_to(other), haversine(center, other));
            assert!(round < 10_500.0);
            assert!((flat - round).abs() / round < 0.002, "{flat} against {round}");
        }
    }

    #[test]
    fn the_box_holds_every_point_within_the_radius() {
        let center = Point { latitude: 30.6, longitude: 104.1 };
        let (latitudes, longitudes) = center.bounding_box(1_000.0);
        for degrees in (0..360).step_by(15) {
            let angle = f64::from(degrees).to_radians();
            let point = Point {
                latitude: center.latitude + 999.0 * angle.cos() / METRES_PER_DEGREE,
                longitude: center.longitude + 999.0 * angle.sin() / center.metres_per_degree_of_longitude(),
            };
            assert!(center.distance_to(point) < 1_000.0);
            assert!(latitudes.contains(&point.latitude) && longitudes.contains(&point.longitude), "{degrees}°");
        }
    }
}
