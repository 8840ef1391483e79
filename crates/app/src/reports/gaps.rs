//! Gaps in provision beyond services that were full: needs people brought
//! that no suitable service meets within reach of where they live, and
//! needs whose services keep people waiting long to start, by area and by
//! need, so commissioners can see what to fund.

use std::collections::{BTreeMap, HashMap, HashSet};

use linkwork_domain::calendar::uk_date_of;
use linkwork_domain::codes::Need;
use linkwork_domain::directory::ServiceStatus;
use linkwork_domain::directory::needs::need_id;
use linkwork_domain::geo::GeoPoint;
use linkwork_domain::postcode::Postcode;
use linkwork_domain::report::{Suppression, percentile};
use linkwork_storage::ReportCounts;
use uuid::Uuid;

use super::table::{Cell, ReportTable};
use crate::App;
use crate::error::AppResult;

/// Where a postcode is, and the district it is reported under.
type Place = Option<(GeoPoint, String)>;

impl App {
    /// The two gap tables for a dashboard's counts.
    pub(super) async fn gap_tables(
        &self,
        s: Suppression,
        counts: &ReportCounts,
        needs: &[Need],
    ) -> AppResult<Vec<ReportTable>> {
        // The command line has no index until it is asked for one.
        if self.with_directory_index(|index| index.is_empty()) {
            self.load_directory().await?;
        }
        let need_terms = self.store.need_terms().await?;
        let mut places: HashMap<&str, Place> = HashMap::new();
        for (_, postcode, _) in &counts.needs_by_postcode {
            if !places.contains_key(postcode.as_str()) {
                let place = self.locate(postcode).await?.map(|(point, _)| {
                    let district = Postcode::parse(postcode)
                        .map_or_else(|_| postcode.clone(), |p| p.outcode().to_owned());
                    (point, district)
                });
                places.insert(postcode, place);
            }
        }
        let reach_m = f64::from(self.settings.reports.gap_distance_km) * 1000.0;
        let (out_of_reach, service_needs) = self.with_directory_index(|index| {
            // Each need's services: active, tagged with one of the need's
            // directory terms or a narrower one.
            let mut by_need: HashMap<&str, Vec<&linkwork_search::Doc>> = HashMap::new();
            let mut service_needs: HashMap<Uuid, Vec<String>> = HashMap::new();
            for need in needs {
                let roots: Vec<Uuid> = need_terms
                    .iter()
                    .filter(|(code, _)| code == &need.code)
                    .filter_map(|(_, term)| need_id(term))
                    .collect();
                let terms: HashSet<Uuid> = index.with_descendants(&roots).into_iter().collect();
                let docs: Vec<_> = index
                    .docs()
                    .filter(|d| d.term_ids.iter().any(|t| terms.contains(t)))
                    .collect();
                for doc in &docs {
                    service_needs
                        .entry(doc.id)
                        .or_default()
                        .push(need.code.clone());
                }
                by_need.insert(
                    &need.code,
                    docs.into_iter()
                        .filter(|d| d.status == ServiceStatus::Active)
                        .collect(),
                );
            }
            let mut rows: BTreeMap<(String, String), (u64, u64)> = BTreeMap::new();
            for (need, postcode, people) in &counts.needs_by_postcode {
                let Some(Some((point, district))) = places.get(postcode.as_str()) else {
                    continue;
                };
                let within = by_need.get(need.as_str()).is_some_and(|docs| {
                    docs.iter()
                        .any(|d| d.nearest_within(point, Some(reach_m)).is_some())
                });
                let row = rows.entry((district.clone(), need.clone())).or_default();
                row.0 += people;
                if !within {
                    row.1 += people;
                }
            }
            (rows, service_needs)
        });
        Ok(vec![
            self.out_of_reach_table(s, out_of_reach, needs),
            self.long_waits_table(s, counts, &service_needs, needs),
        ])
    }

    fn out_of_reach_table(
        &self,
        s: Suppression,
        rows: BTreeMap<(String, String), (u64, u64)>,
        needs: &[Need],
    ) -> ReportTable {
        let km = self.settings.reports.gap_distance_km;
        let mut rows: Vec<_> = rows.into_iter().filter(|(_, (_, out))| *out > 0).collect();
        rows.sort_by(|a, b| b.1.1.cmp(&a.1.1).then_with(|| a.0.cmp(&b.0)));
        ReportTable {
            id: "gaps-out-of-reach",
            title: "Gaps in provision: needs with no suitable service within reach",
            how_counted: format!(
                "People with a referral received in the period, in the chosen network (or every \
                 network you can see) and, if chosen, registered with the chosen practice, by the \
                 needs in the latest record of what matters to them and the postcode district \
                 they live in. A need is out of reach when no active service in the directory \
                 that meets it (tagged with the need or a narrower term) has a place within \
                 {km} km of the person's postcode. Services with no place (online or by phone) \
                 do not count as within reach: this table is about local provision. People \
                 whose postcode is not in the postcode lookup are left out. Only areas and \
                 needs where someone was out of reach are listed."
            ),
            columns: vec![
                "Area (postcode district)",
                "Need",
                "People with the need",
                "With no suitable service within reach",
            ],
            rows: rows
                .into_iter()
                .map(|((district, need), (people, out))| {
                    vec![
                        Cell::Text(district),
                        Cell::Text(need_label(needs, &need)),
                        Cell::Count(s.count(people)),
                        Cell::Count(s.count(out)),
                    ]
                })
                .collect(),
            chart: None,
        }
    }

    fn long_waits_table(
        &self,
        s: Suppression,
        counts: &ReportCounts,
        service_needs: &HashMap<Uuid, Vec<String>>,
        needs: &[Need],
    ) -> ReportTable {
        let long = self.settings.reports.long_wait_days;
        let today = self.today();
        #[derive(Default)]
        struct Waits {
            sent: u64,
            days: BTreeMap<u32, u64>,
            started: u64,
            long: u64,
        }
        let mut by_need: BTreeMap<&str, Waits> = BTreeMap::new();
        for w in &counts.onward_waits {
            let sent = uk_date_of(w.sent.day, w.sent.last_hour);
            for need in service_needs.get(&w.service_id).into_iter().flatten() {
                let waits = by_need.entry(need).or_default();
                waits.sent += w.referrals;
                match w.started {
                    Some(started) => {
                        let days = (uk_date_of(started.day, started.last_hour) - sent)
                            .num_days()
                            .max(0) as u32;
                        *waits.days.entry(days).or_default() += w.referrals;
                        waits.started += w.referrals;
                        if days > long {
                            waits.long += w.referrals;
                        }
                    }
                    None if w.waiting && (today - sent).num_days() > i64::from(long) => {
                        waits.long += w.referrals;
                    }
                    None => {}
                }
            }
        }
        let mut rows: Vec<_> = by_need.into_iter().collect();
        rows.sort_by(|a, b| b.1.long.cmp(&a.1.long).then_with(|| a.0.cmp(b.0)));
        ReportTable {
            id: "gaps-long-waits",
            title: "Gaps in provision: needs whose services have long waits",
            how_counted: format!(
                "Referrals a link worker sent to a service in the period, in the chosen network \
                 (or every network you can see) and, if chosen, for people registered with the \
                 chosen practice, counted under each need the service meets (a service meeting \
                 two needs counts under both). The wait is in calendar days, on UK clocks, from \
                 the day the referral was sent to the day the person started; the median is of \
                 those who started, by the nearest-rank method. A long wait is more than {long} \
                 days: started after that, or not started, not declined and still waiting more \
                 than {long} days after it was sent."
            ),
            columns: vec![
                "Need",
                "Referrals sent to its services",
                "Started",
                "Median days to start",
                "Long waits",
            ],
            rows: rows
                .into_iter()
                .map(|(need, w)| {
                    let days: Vec<(u32, u64)> = w.days.into_iter().collect();
                    vec![
                        Cell::Text(need_label(needs, need)),
                        Cell::Count(s.count(w.sent)),
                        Cell::Count(s.count(w.started)),
                        Cell::Figure(
                            s.figure(percentile(&days, 50.0).map(f64::from), w.started),
                            0,
                        ),
                        Cell::Count(s.count(w.long)),
                    ]
                })
                .collect(),
            chart: None,
        }
    }
}

fn need_label(needs: &[Need], code: &str) -> String {
    needs
        .iter()
        .find(|n| n.code == code)
        .map_or_else(|| code.to_owned(), |n| n.label.clone())
}
