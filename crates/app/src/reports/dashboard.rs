//! The dashboard: referrals by month, route, referrer and need; waiting
//! times to first contact; caseloads; contacts per person; discharge
//! reasons; onward referrals per partner; and the key figures.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use linkwork_domain::OrgId;
use linkwork_domain::audit::{Actor, AuditAction, NewAuditEvent};
use linkwork_domain::calendar::{uk_date_of, uk_start_of_day};
use linkwork_domain::casework::DischargeReason;
use linkwork_domain::codes::{ClinicalCode, CodePurpose};
use linkwork_domain::organisation::{OrgKind, Organisation};
use linkwork_domain::referral::ReferralRoute;
use linkwork_domain::report::{Suppression, percentile};
use linkwork_domain::time::now;
use linkwork_domain::validation::ValidationErrors;
use linkwork_storage::{ReportCounts, ReportFilter, UtcDay};

use super::table::{Cell, ChartKind, ReportTable};
use crate::App;
use crate::error::{AppError, AppResult};
use crate::outcomes::EvidenceFilter;
use crate::principal::Principal;

/// Charts with more bars than this are left to their table: bars too
/// narrow to label help no one.
const MOST_BARS: usize = 12;

/// What the dashboard counts: a period of UK dates (both included), one
/// network or all the reader may see, and optionally one practice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashboardFilter {
    pub period: EvidenceFilter,
    pub practice: Option<OrgId>,
}

impl DashboardFilter {
    /// The filter a form asked for (see `EvidenceFilter::parse`), and a
    /// practice's id, blank for all.
    pub fn parse(
        from: &str,
        to: &str,
        network: &str,
        practice: &str,
        today: NaiveDate,
    ) -> AppResult<Self> {
        let mut errors = ValidationErrors::new();
        let practice = match practice.trim() {
            "" => None,
            raw => raw
                .parse()
                .map_err(|_| errors.add("practice", "Choose a practice from the list"))
                .ok(),
        };
        let period = match EvidenceFilter::parse(from, to, network, today) {
            Ok(period) => Some(period),
            Err(AppError::Invalid(invalid)) => {
                errors.extend(invalid);
                None
            }
            Err(other) => return Err(other),
        };
        match period {
            Some(period) if errors.is_empty() => Ok(DashboardFilter { period, practice }),
            _ => Err(AppError::Invalid(errors)),
        }
    }
}

/// Every figure of the dashboard, suppressed.
#[derive(Debug, Clone)]
pub struct Dashboard {
    pub filter: DashboardFilter,
    /// The networks and practices the reader may choose from.
    pub networks: Vec<Organisation>,
    pub practices: Vec<Organisation>,
    pub suppress_below: u64,
    pub tables: Vec<ReportTable>,
}

impl Dashboard {
    pub fn table(&self, id: &str) -> Option<&ReportTable> {
        self.tables.iter().find(|t| t.id == id)
    }
}

impl App {
    /// The dashboard for `filter`, over the networks `p` may see.
    pub async fn dashboard(&self, p: &Principal, filter: DashboardFilter) -> AppResult<Dashboard> {
        let networks = self.report_networks(p).await?;
        let within = self.store.list_organisations(Some(p.user.org_id)).await?;
        let dashboard = self.dashboard_of(networks, within, filter).await?;
        self.audit_report(p.actor(), p.ip.clone(), &dashboard)
            .await?;
        Ok(dashboard)
    }

    /// One of the dashboard's tables as CSV.
    pub async fn dashboard_csv(
        &self,
        p: &Principal,
        filter: DashboardFilter,
        table: &str,
    ) -> AppResult<Vec<u8>> {
        self.dashboard(p, filter)
            .await?
            .table(table)
            .ok_or(AppError::NotFound("report"))?
            .csv()
    }

    /// The dashboard over every network, for the command line, which runs
    /// with the installation's own authority.
    pub async fn dashboard_for_cli(&self, filter: DashboardFilter) -> AppResult<Dashboard> {
        let all = self.store.list_organisations(None).await?;
        let networks = all
            .iter()
            .filter(|o| o.kind == OrgKind::Pcn)
            .cloned()
            .collect();
        let dashboard = self.dashboard_of(networks, all, filter).await?;
        self.audit_report(Actor::Cli, None, &dashboard).await?;
        Ok(dashboard)
    }

    async fn audit_report(
        &self,
        actor: Actor,
        ip: Option<String>,
        dashboard: &Dashboard,
    ) -> AppResult<()> {
        let f = &dashboard.filter;
        let mut audit = NewAuditEvent::new(actor, AuditAction::ReportsView, now())
            .detail(format!("Reports {} to {}", f.period.from, f.period.to))
            .ip(ip);
        if let Some(network) = f.period.network {
            audit = audit.org(network);
        }
        self.store.record(&audit).await?;
        Ok(())
    }

    async fn dashboard_of(
        &self,
        networks: Vec<Organisation>,
        within: Vec<Organisation>,
        filter: DashboardFilter,
    ) -> AppResult<Dashboard> {
        let pcn_ids: Vec<OrgId> = match filter.period.network {
            Some(id) if networks.iter().any(|n| n.id == id) => vec![id],
            Some(_) => return Err(AppError::NotFound("network")),
            None => networks.iter().map(|n| n.id).collect(),
        };
        let practices: Vec<Organisation> = within
            .into_iter()
            .filter(|o| {
                o.kind == OrgKind::GpPractice
                    && o.parent_id.is_some_and(|parent| pcn_ids.contains(&parent))
            })
            .collect();
        if let Some(practice) = filter.practice
            && !practices.iter().any(|o| o.id == practice)
        {
            return Err(AppError::NotFound("practice"));
        }
        let counts = self
            .store
            .report_counts(&ReportFilter {
                pcn_ids,
                practice_id: filter.practice,
                from: uk_start_of_day(filter.period.from),
                to: uk_start_of_day(filter.period.to + Duration::days(1)),
            })
            .await?;
        let suppress_below = self.settings.reports.suppress_below;
        let s = Suppression {
            below: suppress_below,
        };
        let needs = self.store.needs().await?;
        let codes = self.store.clinical_codes().await?;
        let waits = self.wait_figures(&counts);
        let in_scope: Vec<&Organisation> = practices
            .iter()
            .filter(|o| filter.practice.is_none_or(|p| p == o.id))
            .collect();
        let practice_codes: Vec<String> = in_scope.iter().filter_map(|o| o.code.clone()).collect();
        let groups = self.store.registered_groups(&practice_codes).await?;
        let registered = self.store.registered_totals(&practice_codes).await?;
        let registered = registered.by_age_sex.or(registered.by_lsoa);
        let referral_code = codes
            .iter()
            .find(|c| c.purpose == CodePurpose::Referral)
            .map(|c| c.code.as_str());
        let coded_people: u64 = counts
            .coded_by_practice
            .iter()
            .filter(|c| {
                !c.outcome
                    && Some(c.code.as_str()) == referral_code
                    && c.practice_code
                        .as_ref()
                        .is_some_and(|code| practice_codes.contains(code))
            })
            .map(|c| c.people)
            .sum();
        let mut tables = vec![
            summary(s, &counts, registered.map(|r| (coded_people, r))),
            by_month(s, &counts, &filter),
            by_route(s, &counts),
            by_referrer(s, &counts),
            by_need(s, &counts, &needs),
            waiting_times(
                s,
                &waits,
                self.settings.referrals.first_contact_target_working_days,
            ),
            wait_distribution(s, &waits),
            caseloads(s, &counts),
            contacts_per_person(s, &counts),
            discharges(s, &counts),
            onward(s, &counts),
            monthly_return(s, &counts, &codes),
            declined_full(s, &counts),
        ];
        tables.extend(self.gap_tables(s, &counts, &needs).await?);
        tables.extend(super::inequalities::tables(
            s,
            &counts.registered_people,
            &groups,
            filter.period.to,
        ));
        Ok(Dashboard {
            filter,
            networks,
            practices,
            suppress_below,
            tables,
        })
    }

    /// Each referral's wait for first contact in working days, and the
    /// breaches, by the rule the waiting list uses (`App::waiting`).
    fn wait_figures(&self, counts: &ReportCounts) -> Waits {
        let calendar = self.working_calendar();
        let target = self.settings.referrals.first_contact_target_working_days;
        let today = self.today();
        let uk = |d: UtcDay| uk_date_of(d.day, d.last_hour);
        let mut waits = Waits::default();
        for w in &counts.waits {
            let received = uk(w.received);
            waits.received += w.referrals;
            match w.first_contact {
                Some(contact) => {
                    let contact = uk(contact);
                    let days = calendar.working_days_between(received, contact);
                    *waits.days.entry(days).or_default() += w.referrals;
                    waits.contacted += w.referrals;
                    if calendar.is_past_target(received, target, contact) {
                        waits.contacted_late += w.referrals;
                    }
                }
                None if w.open && calendar.is_past_target(received, target, today) => {
                    waits.waiting_late += w.referrals;
                }
                None => {}
            }
        }
        waits
    }
}

/// Working days to first contact and how many missed the target.
#[derive(Debug, Default)]
struct Waits {
    received: u64,
    contacted: u64,
    /// How many were first contacted after this many working days.
    days: BTreeMap<u32, u64>,
    contacted_late: u64,
    /// Not contacted yet, still open, and past the target today.
    waiting_late: u64,
}

fn count(s: Suppression, n: u64) -> Cell {
    Cell::Count(s.count(n))
}

fn text(t: impl Into<String>) -> Cell {
    Cell::Text(t.into())
}

fn percent(s: Suppression, part: u64, whole: u64) -> Cell {
    Cell::Figure(s.percent(part, whole), 1)
}

/// A two-column table of labelled counts, charted as bars when there are
/// few enough.
fn counts_table(
    s: Suppression,
    id: &'static str,
    title: &'static str,
    columns: [&'static str; 2],
    how_counted: String,
    rows: Vec<(String, u64)>,
) -> ReportTable {
    let chart = (rows.len() <= MOST_BARS).then_some(ChartKind::Bar);
    ReportTable {
        id,
        title,
        how_counted,
        columns: columns.to_vec(),
        rows: rows
            .into_iter()
            .map(|(label, n)| vec![text(label), count(s, n)])
            .collect(),
        chart,
    }
}

/// Labelled counts, most first, ties by label.
fn most_first(mut rows: Vec<(String, u64)>) -> Vec<(String, u64)> {
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    rows
}

const PC01: &str = "IIF PC-01 is the percentage of registered patients referred to social \
     prescribing: the people with a referral recorded with the SNOMED CT code for a referral to a \
     social prescribing service (871731000000106, as set in Linkwork's clinical codes) received in the \
     period, who are registered with a practice counted, divided by the patients registered with \
     those practices (every practice of the chosen networks, or the chosen practice) in the \
     registered population last imported (by sex and age band if loaded, else by LSOA). Referrals \
     the person declined (871711000000103) are not in the count, as they are not coded as \
     referrals. A person is counted once however many referrals they had.";

/// Said of every table whose counts add up to a total shown elsewhere.
pub(super) const PARTITION: &str = "These counts add up to a total shown elsewhere, so when just \
     one of them is too small to show, the smallest of the others is withheld too: otherwise \
     the small one could be worked out by subtraction.";

const RECEIVED: &str = "Referrals received in the period: those whose date of receipt, on UK \
     clocks, falls from the start date to the end date (both included), in the chosen network \
     (or every network you can see) and, if chosen, of people registered with the chosen practice.";

/// `pc01`: people coded as referred and the patients registered with the
/// same practices, when a registered population is loaded.
fn summary(s: Suppression, counts: &ReportCounts, pc01: Option<(u64, u64)>) -> ReportTable {
    let received: u64 = counts.received.iter().map(|(_, n)| n).sum();
    let contacts: u64 = counts.contacts_per_person.iter().map(|(c, p)| c * p).sum();
    let seen: u64 = counts.contacts_per_person.iter().map(|(_, p)| p).sum();
    let mean = (seen > 0).then(|| contacts as f64 / seen as f64);
    ReportTable {
        id: "summary",
        title: "Key figures",
        how_counted: format!(
            "{RECEIVED} People referred counts each person once however many referrals they had. \
             A referral received an intervention when its link worker recorded that the person \
             started support they were linked to (the referral's “intervention received” date); \
             the share is of referrals received in the period. Contacts per person: attended \
             contacts in the period divided by the people they were with. {PC01}"
        ),
        columns: vec!["Figure", "Value"],
        rows: vec![
            vec![text("Referrals received"), count(s, received)],
            vec![text("People referred"), count(s, counts.people_referred)],
            vec![
                text("Referrals whose person received an intervention"),
                count(s, counts.with_intervention),
            ],
            vec![
                text("Share of referrals that led to an intervention (%)"),
                percent(s, counts.with_intervention, received),
            ],
            vec![
                text("Attended contacts per person seen (mean)"),
                Cell::Figure(s.figure(mean, seen), 1),
            ],
        ]
        .into_iter()
        .chain(match pc01 {
            Some((people, registered)) => [
                vec![
                    text("Patients registered with the practices counted"),
                    count(s, registered),
                ],
                vec![
                    text("Registered patients referred, IIF PC-01 (%)"),
                    Cell::Figure(s.percent(people, registered), 2),
                ],
            ],
            None => [
                vec![
                    text("Patients registered with the practices counted"),
                    text("No registered population loaded"),
                ],
                vec![
                    text("Registered patients referred, IIF PC-01 (%)"),
                    text("No registered population loaded"),
                ],
            ],
        })
        .collect(),
        chart: None,
    }
}

fn by_month(s: Suppression, counts: &ReportCounts, filter: &DashboardFilter) -> ReportTable {
    let month = |d: NaiveDate| (d.year(), d.month());
    let mut months: BTreeMap<(i32, u32), u64> = BTreeMap::new();
    let mut at = filter.period.from.with_day(1).unwrap_or(filter.period.from);
    while at <= filter.period.to {
        months.insert(month(at), 0);
        at = at
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(NaiveDate::MAX);
    }
    for (day, n) in &counts.received {
        *months
            .entry(month(uk_date_of(day.day, day.last_hour)))
            .or_default() += n;
    }
    let rows = months
        .into_iter()
        .filter_map(|((y, m), n)| {
            Some((
                NaiveDate::from_ymd_opt(y, m, 1)?
                    .format("%b %Y")
                    .to_string(),
                n,
            ))
        })
        .collect();
    let mut table = counts_table(
        s,
        "referrals-by-month",
        "Referrals by month",
        ["Month", "Referrals"],
        format!("{RECEIVED} Each is counted in the month it was received. {PARTITION}"),
        rows,
    )
    .protect_partition(1, &[]);
    table.chart = Some(ChartKind::Line);
    table
}

fn by_route(s: Suppression, counts: &ReportCounts) -> ReportTable {
    let rows = ReferralRoute::ALL
        .iter()
        .map(|route| {
            let n = counts
                .by_route
                .iter()
                .find(|(r, _)| r == route)
                .map_or(0, |(_, n)| *n);
            (route.label().to_owned(), n)
        })
        .collect();
    counts_table(
        s,
        "referrals-by-route",
        "Referrals by route",
        ["Route", "Referrals"],
        format!("{RECEIVED} The route is how the referral arrived. {PARTITION}"),
        rows,
    )
    .protect_partition(1, &[])
}

fn by_referrer(s: Suppression, counts: &ReportCounts) -> ReportTable {
    let rows = counts
        .by_referrer
        .iter()
        .map(|(org, n)| {
            let label = org.as_ref().map_or_else(
                || "No referring organisation (self and community referrals)".to_owned(),
                |(_, name)| name.clone(),
            );
            (label, *n)
        })
        .collect();
    counts_table(
        s,
        "referrals-by-referrer",
        "Referrals by referring organisation",
        ["Referring organisation", "Referrals"],
        format!("{RECEIVED} The organisation is the one the referrer made it from. {PARTITION}"),
        most_first(rows),
    )
    .protect_partition(1, &[])
}

fn by_need(
    s: Suppression,
    counts: &ReportCounts,
    needs: &[linkwork_domain::codes::Need],
) -> ReportTable {
    let rows = needs
        .iter()
        .filter_map(|need| {
            let n = counts
                .by_need
                .iter()
                .find(|(code, _)| *code == need.code)
                .map_or(0, |(_, n)| *n);
            (need.active || n > 0).then(|| (need.label.clone(), n))
        })
        .collect();
    counts_table(
        s,
        "referrals-by-need",
        "Referrals by need",
        ["Need", "Referrals"],
        format!(
            "{RECEIVED} A referral giving more than one need counts under each, so the needs add \
             up to more than the referrals."
        ),
        most_first(rows),
    )
}

fn waiting_times(s: Suppression, waits: &Waits, target: u32) -> ReportTable {
    let days: Vec<(u32, u64)> = waits.days.iter().map(|(d, n)| (*d, *n)).collect();
    let at = |p: f64| {
        Cell::Figure(
            s.figure(percentile(&days, p).map(f64::from), waits.contacted),
            0,
        )
    };
    let within = waits.contacted - waits.contacted_late;
    ReportTable {
        id: "waiting-times",
        title: "Waiting time from referral to first contact",
        how_counted: format!(
            "{RECEIVED} The wait is counted in working days (Monday to Friday, less bank \
             holidays) from the day of receipt to the day of the first contact with the person, \
             on UK clocks. The median and 90th percentile are of the referrals that have had a \
             first contact, by the nearest-rank method: the smallest wait that half (or 90%) of \
             them waited no longer than. The target is first contact within {target} working \
             days. A breach is a referral first contacted after its target date, or still open, \
             not yet contacted, and past its target date today. The share within target is of \
             the referrals contacted or in breach."
        ),
        columns: vec!["Figure", "Value"],
        rows: vec![
            vec![text("Referrals received"), count(s, waits.received)],
            vec![text("Had a first contact"), count(s, waits.contacted)],
            vec![text("Median wait (working days)"), at(50.0)],
            vec![text("90th percentile wait (working days)"), at(90.0)],
            vec![
                text(format!("First contact within {target} working days (%)")),
                percent(s, within, waits.contacted + waits.waiting_late),
            ],
            vec![
                text("Breaches: first contact after the target"),
                count(s, waits.contacted_late),
            ],
            vec![
                text("Breaches: still waiting past the target today"),
                count(s, waits.waiting_late),
            ],
        ],
        chart: None,
    }
}

fn wait_distribution(s: Suppression, waits: &Waits) -> ReportTable {
    const LAST: u32 = 11;
    let rows = (0..=LAST)
        .map(|d| {
            let n = if d < LAST {
                waits.days.get(&d).copied().unwrap_or(0)
            } else {
                waits.days.range(LAST..).map(|(_, n)| n).sum()
            };
            let label = if d < LAST {
                d.to_string()
            } else {
                format!("{LAST} or more")
            };
            (label, n)
        })
        .collect();
    counts_table(
        s,
        "waiting-time-distribution",
        "Working days to first contact",
        ["Working days", "Referrals"],
        format!(
            "{RECEIVED} Of those that have had a first contact, how many waited each number of \
             working days (Monday to Friday, less bank holidays) from receipt."
        ),
        rows,
    )
}

fn caseloads(s: Suppression, counts: &ReportCounts) -> ReportTable {
    let mut rows: Vec<(String, u64)> = counts
        .caseloads
        .iter()
        .map(|(_, name, n)| (name.clone(), *n))
        .collect();
    rows.sort();
    counts_table(
        s,
        "caseloads",
        "Caseload per link worker",
        ["Link worker", "Open referrals"],
        "Today's caseloads, whatever the period: referrals accepted or in progress and assigned to \
         each worker, in the chosen network (or every network you can see) and, if chosen, of \
         people registered with the chosen practice."
            .to_owned(),
        rows,
    )
}

fn contacts_per_person(s: Suppression, counts: &ReportCounts) -> ReportTable {
    const LAST: u64 = 5;
    let rows = (1..=LAST)
        .map(|c| {
            let n = counts
                .contacts_per_person
                .iter()
                .filter(|(contacts, _)| {
                    if c < LAST {
                        *contacts == c
                    } else {
                        *contacts >= c
                    }
                })
                .map(|(_, people)| people)
                .sum();
            let label = if c < LAST {
                c.to_string()
            } else {
                format!("{LAST} or more")
            };
            (label, n)
        })
        .collect();
    counts_table(
        s,
        "contacts-per-person",
        "Contacts per person",
        ["Attended contacts", "People"],
        "Contacts recorded as attended whose time falls in the period, in the chosen network (or \
         every network you can see) and, if chosen, with people registered with the chosen \
         practice; each person is counted once, under the number of contacts they attended."
            .to_owned(),
        rows,
    )
}

fn discharges(s: Suppression, counts: &ReportCounts) -> ReportTable {
    let rows = DischargeReason::ALL
        .iter()
        .map(|reason| {
            let n = counts
                .discharges
                .iter()
                .find(|(r, _)| r == reason)
                .map_or(0, |(_, n)| *n);
            (reason.label().to_owned(), n)
        })
        .collect();
    counts_table(
        s,
        "discharge-reasons",
        "Discharge reasons",
        ["Reason", "Discharges"],
        "Discharges recorded in the period, by the reason the link worker gave, in the chosen \
         network (or every network you can see) and, if chosen, of people registered with the \
         chosen practice."
            .to_owned(),
        rows,
    )
}

fn onward(s: Suppression, counts: &ReportCounts) -> ReportTable {
    let mut list = counts.onward.clone();
    list.sort_by_key(|o| std::cmp::Reverse(o.sent));
    let rows: Vec<Vec<Cell>> = list
        .iter()
        .map(|o| {
            let name = o.partner.as_ref().map_or_else(
                || "Services with no partner organisation in Linkwork".to_owned(),
                |(_, name)| name.clone(),
            );
            vec![
                text(name),
                count(s, o.sent),
                count(s, o.accepted),
                percent(s, o.accepted, o.answered),
                count(s, o.started),
                percent(s, o.started, o.accepted),
                count(s, o.completed),
                percent(s, o.completed, o.started),
                count(s, o.declined_full),
            ]
        })
        .collect();
    ReportTable {
        id: "onward-referrals",
        title: "Onward referrals per partner organisation",
        how_counted: "Referrals a link worker sent to a service in the period, in the chosen \
             network (or every network you can see) and, if chosen, for people registered with \
             the chosen practice, grouped by the partner organisation that runs the service. \
             Acceptance rate: accepted of those the service answered. Started rate: started of \
             those accepted. Completion rate: completed of those started. Declined as full: \
             declined because the service had no room."
            .to_owned(),
        columns: vec![
            "Partner organisation",
            "Sent",
            "Accepted",
            "Acceptance rate (%)",
            "Started",
            "Started rate (%)",
            "Completed",
            "Completion rate (%)",
            "Declined as full",
        ],
        chart: (rows.len() <= MOST_BARS).then_some(ChartKind::Bar),
        rows,
    }
}

fn monthly_return(s: Suppression, counts: &ReportCounts, codes: &[ClinicalCode]) -> ReportTable {
    let mut list = counts.coded_by_practice.clone();
    list.sort_by(|a, b| {
        (&a.practice_name, a.outcome, &a.code).cmp(&(&b.practice_name, b.outcome, &b.code))
    });
    let rows = list
        .iter()
        .map(|c| {
            let display = codes
                .iter()
                .find(|k| k.code == c.code)
                .map_or("", |k| k.display.as_str());
            vec![
                text(c.practice_name.clone()),
                text(c.practice_code.clone().unwrap_or_default()),
                text(c.code.clone()),
                text(display),
                count(s, c.referrals),
                count(s, c.people),
            ]
        })
        .collect();
    ReportTable {
        id: "monthly-return",
        title: "Monthly return: coded referrals per practice",
        how_counted: format!(
            "{RECEIVED} Choose one calendar month as the period for a monthly return. Each \
             referral is counted under its person's registered practice, once with the SNOMED CT \
             code it was recorded with, and again with its outcome's code when it has one (for \
             example “social prescribing declined” when the person declined). People counts \
             each person once per practice and code. Referrals of people with no registered \
             practice are not in this table."
        ),
        columns: vec![
            "Practice",
            "ODS code",
            "SNOMED CT code",
            "Description",
            "Referrals",
            "People",
        ],
        rows,
        chart: None,
    }
}

fn declined_full(s: Suppression, counts: &ReportCounts) -> ReportTable {
    let rows = counts
        .declined_full
        .iter()
        .map(|(_, name, n)| (name.clone(), *n))
        .collect();
    counts_table(
        s,
        "gaps-services-full",
        "Gaps in provision: services that turned people away because they were full",
        ["Service", "Referrals declined as full"],
        "Referrals a link worker sent to a service in the period, in the chosen network (or every \
         network you can see) and, if chosen, for people registered with the chosen practice, that \
         the service declined because it had no room, by service (as named when the referral was \
         sent)."
            .to_owned(),
        most_first(rows),
    )
}
