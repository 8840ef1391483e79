//! A small postcode lookup for the demo area, in the format of the ONS
//! National Statistics Postcode Lookup (May 2025 columns), generated from a
//! fixed seed. The "RV" postcode area is fictional, so no demo address is
//! anyone's real home; its postcodes are valid in format.
//!
//! The generated file is committed at `data/postcodes/riverside-nspl.csv`
//! (a test keeps it identical to this generator's output); real
//! deployments import the real NSPL with `linkwork import postcodes`.

use std::fmt::Write;

use linkwork_domain::postcode::ImdEdition;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The committed file, loaded by `linkwork demo`.
pub const RIVERSIDE_NSPL: &str = include_str!("../../../data/postcodes/riverside-nspl.csv");

/// Postcode districts of the demo area: Riverside North covers RV1–RV6,
/// Riverside South RV7–RV12.
pub const DISTRICTS: u32 = 12;
const POSTCODES_PER_DISTRICT: u32 = 40;
const LSOAS_PER_DISTRICT: u32 = 4;
const SEED: u64 = 0x9057_c0de;

/// The centre of the demo area (a fictional town in the north of England).
pub const CENTRE: (f64, f64) = (53.705, -1.905);

const HEADER: &str = "pcd,pcd2,pcds,dointr,doterm,usertype,oseast1m,osnrth1m,osgrdind,oa21,cty,ced,laua,ward,nhser,ctry,rgn,pcon,ttwa,itl,park,lsoa21,msoa21,wz11,sicbl,bua24,ruc21,oac11,lat,long,lep1,lep2,pfa,imd,icb";

/// Letters allowed in the inward code (no C, I, K, M, O or V).
const INWARD_LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";

/// The centre of district `n` (1-based): a 4 × 3 grid about 2 km apart,
/// north to south.
pub fn district_centre(n: u32) -> (f64, f64) {
    let (row, col) = ((n - 1) / 4, (n - 1) % 4);
    (
        CENTRE.0 + 0.018 * (1.0 - row as f64),
        CENTRE.1 + 0.03 * (col as f64 - 1.5),
    )
}

/// The IMD rank of an LSOA: the first districts are among the most
/// deprived in England, the last among the least, as towns often are.
fn imd_rank(rng: &mut ChaCha8Rng, district: u32) -> u32 {
    let band = ImdEdition::Iod2019.lsoa_count() / DISTRICTS;
    let low = (district - 1) * band + 1;
    rng.random_range(low..low + band)
}

pub fn generate() -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let mut out = String::with_capacity(200 * (DISTRICTS * POSTCODES_PER_DISTRICT) as usize);
    out.push_str(HEADER);
    out.push('\n');
    for district in 1..=DISTRICTS {
        let ranks: Vec<u32> = (0..LSOAS_PER_DISTRICT)
            .map(|_| imd_rank(&mut rng, district))
            .collect();
        let (lat0, lon0) = district_centre(district);
        let mut used = std::collections::BTreeSet::new();
        while used.len() < POSTCODES_PER_DISTRICT as usize {
            let sector = rng.random_range(1..10u32);
            let a = INWARD_LETTERS[rng.random_range(0..INWARD_LETTERS.len())] as char;
            let b = INWARD_LETTERS[rng.random_range(0..INWARD_LETTERS.len())] as char;
            let inward = format!("{sector}{a}{b}");
            if !used.insert(inward.clone()) {
                continue;
            }
            let lsoa_index = rng.random_range(0..LSOAS_PER_DISTRICT);
            let lat = lat0 + rng.random_range(-0.006..0.006);
            let lon = lon0 + rng.random_range(-0.01..0.01);
            let outward = format!("RV{district}");
            let pcds = format!("{outward} {inward}");
            let pcd7 = format!("{outward:<4}{inward}");
            let pcd8 = format!("{outward:<5}{inward}");
            let lsoa = format!("E0109{:02}{:02}", district, lsoa_index + 1);
            let msoa = format!("E0209{:02}01", district);
            let rank = ranks[lsoa_index as usize];
            let easting = 400_000 + ((lon + 2.0) * 66_000.0) as i64;
            let northing = 400_000 + ((lat - 53.5) * 111_000.0) as i64;
            writeln!(
                out,
                "{pcd7},{pcd8},{pcds},202001,,0,{easting},{northing},1,E0099{district:02}{lsoa_index:02},E99999999,,E08000099,E0509{district:04},E40000012,E92000001,E12000003,E14001099,,,,{lsoa},{msoa},,E38000099,,,,{lat:.6},{lon:.6},,,,{rank},E54000099"
            )
            .expect("writing to a String cannot fail");
        }
    }
    out
}

/// Letters allowed second in an outward code.
const SECOND_LETTERS: &[u8] = b"ABCDEFGHJKLMNOPQRSTUVWXY";

/// A synthetic national lookup of `count` postcodes spread over England,
/// in the "Z" postcode area (unused by Royal Mail), for benchmarks at
/// national scale: the real NSPL holds about 2.7 million rows.
pub fn national_nspl(count: usize) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED ^ 0xe4_91a4d);
    let mut out = String::with_capacity(count * 180);
    out.push_str(HEADER);
    out.push('\n');
    for (i, (pcds, lat, lon)) in national_postcodes(&mut rng, count).enumerate() {
        let rank = (i as u32 * 7919) % ImdEdition::Iod2019.lsoa_count() + 1;
        let lsoa = format!("E01{:06}", i / 1500);
        writeln!(
            out,
            "{pcds},{pcds},{pcds},202001,,0,400000,400000,1,E00000000,E99999999,,E08000099,E05000000,E40000012,E92000001,E12000003,E14001099,,,,{lsoa},E02000000,,E38000099,,,,{lat:.6},{lon:.6},,,,{rank},E54000099"
        )
        .expect("writing to a String cannot fail");
    }
    out
}

/// Postcodes `ZA1 1AA` … with coordinates on a grid over England.
fn national_postcodes(
    rng: &mut ChaCha8Rng,
    count: usize,
) -> impl Iterator<Item = (String, f64, f64)> + '_ {
    // 24 second letters × 99 districts, 4,000 inward codes each.
    (0..count).map(move |i| {
        let district = i / 4000;
        let within = i % 4000;
        let letter = SECOND_LETTERS[district / 99 % SECOND_LETTERS.len()] as char;
        let number = district % 99 + 1;
        let sector = within / 400;
        let a = INWARD_LETTERS[(within / 20) % 20] as char;
        let b = INWARD_LETTERS[within % 20] as char;
        // Districts on a grid over England, postcodes scattered within.
        let (row, col) = (district / 40, district % 40);
        let lat = 50.6 + (row as f64 % 60.0) * 0.075 + rng.random_range(0.0..0.07);
        let lon = -3.5 + col as f64 * 0.1 + rng.random_range(0.0..0.09);
        (format!("Z{letter}{number} {sector}{a}{b}"), lat, lon)
    })
}

/// Places across England for services beyond the Riverside demo.
pub fn national_places(count: usize) -> Vec<crate::services::Place> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED ^ 0xe4_91a4d);
    national_postcodes(&mut rng, count)
        .map(|(postcode, lat, lon)| crate::services::Place { postcode, lat, lon })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use linkwork_domain::postcode::Postcode;

    #[test]
    fn committed_file_matches_the_generator() {
        assert_eq!(
            RIVERSIDE_NSPL,
            generate(),
            "run `cargo run -p linkwork-demo --example write-postcodes` to refresh"
        );
    }

    #[test]
    fn national_postcodes_are_valid_unique_and_in_england() {
        let text = national_nspl(20_000);
        let mut seen = std::collections::HashSet::new();
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(Postcode::parse(f[2]).unwrap().as_str(), f[2]);
            assert!(seen.insert(f[2].to_owned()));
            let (lat, lon): (f64, f64) = (f[28].parse().unwrap(), f[29].parse().unwrap());
            assert!(
                (50.0..56.0).contains(&lat) && (-4.0..1.0).contains(&lon),
                "{lat},{lon}"
            );
        }
        assert_eq!(seen.len(), 20_000);
    }

    #[test]
    fn every_postcode_is_valid_and_unique() {
        let text = generate();
        let mut seen = std::collections::HashSet::new();
        for line in text.lines().skip(1) {
            let pcds = line.split(',').nth(2).unwrap();
            let parsed = Postcode::parse(pcds).unwrap();
            assert_eq!(parsed.as_str(), pcds);
            assert!(seen.insert(pcds.to_owned()));
        }
        assert_eq!(seen.len(), (DISTRICTS * POSTCODES_PER_DISTRICT) as usize);
    }
}
