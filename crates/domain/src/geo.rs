//! Places on the map, and distances between them.

use serde::{Deserialize, Serialize};

/// A WGS84 latitude and longitude, as in the postcode lookup.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

/// Mean radius of the Earth in metres (IUGG).
const EARTH_RADIUS_M: f64 = 6_371_008.8;
/// Metres in a degree of latitude (and of longitude at the equator), on a
/// sphere of that radius.
pub const METRES_PER_DEGREE: f64 = 111_195.0;
/// Metres in a statute mile, the unit people in England give distances in.
pub const METRES_PER_MILE: f64 = 1609.344;

impl GeoPoint {
    /// A point, if the coordinates are on Earth. The postcode lookup uses
    /// latitude 99.999999 for postcodes without a location, which this
    /// rejects.
    pub fn new(lat: f64, lon: f64) -> Option<GeoPoint> {
        ((-90.0..=90.0).contains(&lat)
            && (-180.0..=180.0).contains(&lon)
            && lat.is_finite()
            && lon.is_finite())
        .then_some(GeoPoint { lat, lon })
    }

    /// Great-circle distance in metres (haversine): within 0.5% of the true
    /// ellipsoidal distance, far better than search needs.
    pub fn distance_m(&self, other: &GeoPoint) -> f64 {
        let (lat1, lat2) = (self.lat.to_radians(), other.lat.to_radians());
        let dlat = lat2 - lat1;
        let dlon = (other.lon - self.lon).to_radians();
        let a = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * a.sqrt().asin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_impossible_coordinates() {
        assert!(GeoPoint::new(99.999999, 0.0).is_none());
        assert!(GeoPoint::new(51.5, 181.0).is_none());
        assert!(GeoPoint::new(f64::NAN, 0.0).is_none());
        assert!(GeoPoint::new(53.48, -2.24).is_some());
    }

    #[test]
    fn measures_known_distances() {
        // Leeds Town Hall to York Minster: about 37.5 km.
        let leeds = GeoPoint::new(53.80008, -1.54914).unwrap();
        let york = GeoPoint::new(53.96231, -1.08193).unwrap();
        let d = leeds.distance_m(&york);
        assert!((d - 35_200.0).abs() < 1_000.0, "{d}");
        assert_eq!(leeds.distance_m(&leeds), 0.0);
    }
}
