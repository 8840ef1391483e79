//! Demo data: one fictional Integrated Care Board ("Riverside") with its
//! networks, practices, community organisations and a user for every role,
//! generated from a fixed seed so every run gives the same data.
//!
//! `scale` multiplies the size for benchmarks: scale 1 is the Riverside
//! demo (two PCNs, each with `REFERRALS_PER_NETWORK` = 400 referrals, so
//! 800 people and referrals in every state, from every route); scale N has
//! 2N networks and 800 × N referrals. Scale 625 is roughly England (1,250
//! PCNs, 42 ICBs, half a million referrals); scale 1250 writes a million
//! referrals. Referrals go in with one bulk insert and one audit event.

mod casework;
mod ids;
mod linking;
mod names;
mod organisations;
mod outcomes;
pub mod population;
pub mod postcodes;
mod referrals;
pub mod services;

use linkwork_app::App;
use linkwork_domain::audit::{Actor, AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::directory;
use linkwork_domain::organisation::Organisation;
use linkwork_domain::postcode::ImdEdition;
use linkwork_domain::role::{Role, Roles};
use linkwork_domain::time::now;
use linkwork_domain::user::{Email, User, UserStatus};
use linkwork_storage::{AuditFilter, BulkLoaded, DirectoryItem, PageRequest, StorageError};

pub use organisations::DEMO_ICB_CODE;
pub use referrals::{DEMO_API_TOKEN, REFERRALS_PER_NETWORK};

/// Every demo account has this password. It is printed with the logins;
/// demo data is for trying Linkwork out, never for real use.
pub const DEMO_PASSWORD: &str = "linkwork-demo-2026";

/// Directory organisations that provide the demo services: the demo's
/// community organisations (linked, so their partners can edit their
/// listings) and other local providers.
fn providers(
    plan: &organisations::Plan,
    scale: u32,
) -> Vec<(directory::Organization, Option<linkwork_domain::OrgId>)> {
    let mut providers: Vec<(directory::Organization, Option<linkwork_domain::OrgId>)> = plan
        .organisations
        .iter()
        .filter(|o| o.kind == linkwork_domain::organisation::OrgKind::Vcse)
        .map(|o| {
            let slug: String = o
                .name
                .to_lowercase()
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect();
            (
                directory::Organization {
                    id: uuid::Uuid::new_v5(
                        &directory::needs::NAMESPACE,
                        format!("demo-provider:{}", o.id).as_bytes(),
                    ),
                    name: o.name.clone(),
                    description: format!(
                        "{} is a community organisation supporting people across the area.",
                        o.name
                    ),
                    email: Some(format!("hello@{slug}.example")),
                    website: Some(format!("https://{slug}.example")),
                    ..Default::default()
                },
                Some(o.id),
            )
        })
        .collect();
    let others = [
        "Riverside City Council Adult Learning",
        "Age Friendly Riverside",
        "Riverside Leisure Trust",
        "Citizens Advice Riverside",
        "Riverside Mind",
        "Riverside Carers' Centre",
        "Riverside Food Network",
        "Riverside Libraries",
    ];
    for i in 0..(8 * scale as usize) {
        let name = if i < others.len() {
            others[i].to_owned()
        } else {
            format!("Community Provider {i}")
        };
        let slug: String = name
            .to_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        providers.push((
            directory::Organization {
                id: uuid::Uuid::new_v5(
                    &directory::needs::NAMESPACE,
                    format!("demo-provider:other:{i}").as_bytes(),
                ),
                name: name.clone(),
                description: format!("{name} runs services for local people."),
                email: Some(format!("info@{slug}.example")),
                website: Some(format!("https://{slug}.example")),
                ..Default::default()
            },
            None,
        ));
    }
    providers
}

/// `count` services as an Open Referral UK 3.0 JSON array, spread over
/// England (postcodes of `postcodes::national_nspl`), for import tests and
/// benchmarks.
pub fn directory_feed(count: usize) -> String {
    let providers: Vec<directory::Organization> = (0..(count / 40).max(1))
        .map(|i| directory::Organization {
            id: uuid::Uuid::new_v5(
                &directory::needs::NAMESPACE,
                format!("feed-provider:{i}").as_bytes(),
            ),
            name: format!("Community Provider {i}"),
            description: "Runs services for local people.".into(),
            ..Default::default()
        })
        .collect();
    let places = postcodes::national_places((count * 2).max(1000));
    let services = services::generate(count, &providers, &places);
    serde_json::to_string(&services).expect("services serialise")
}

/// The demo's services at `scale`, run by `providers`.
fn demo_services(providers: &[directory::Organization], scale: u32) -> Vec<directory::Service> {
    let mut places = services::riverside_places();
    if scale > 1 {
        places.extend(postcodes::national_places(2000 * scale as usize));
    }
    services::generate(
        services::SERVICES_PER_SCALE * scale as usize,
        providers,
        &places,
    )
}

/// The Riverside demo's directory exactly as `generate` writes it (scale
/// 1), without a database: the judged search queries run against it.
pub fn riverside_directory() -> Vec<directory::Service> {
    let plan = organisations::plan(1);
    let providers: Vec<directory::Organization> =
        providers(&plan, 1).into_iter().map(|(o, _)| o).collect();
    demo_services(&providers, 1)
}

/// Writes the demo directory: services across every need, linked to their
/// providers, in one import. Returns it as linking needs it.
async fn directory_data(
    app: &App,
    plan: &organisations::Plan,
    scale: u32,
) -> Result<linking::DemoDirectory, DemoError> {
    app.ensure_need_taxonomy().await?;
    let providers = providers(plan, scale);
    let orgs: Vec<directory::Organization> = providers.iter().map(|(o, _)| o.clone()).collect();
    let services = demo_services(&orgs, scale);
    let count = services.len();
    let directory = linking::DemoDirectory::new(
        &services,
        |org| {
            providers
                .iter()
                .find(|(o, _)| o.id == org)
                .and_then(|(_, tenant)| *tenant)
        },
        &app.store.need_terms().await?,
        app.all_needs().await?,
    );
    let event = NewAuditEvent::new(Actor::System, AuditAction::DirectoryImport, now())
        .detail(format!("Demo directory: {count} services"));
    let mut items = orgs
        .into_iter()
        .map(DirectoryItem::Organization)
        .chain(
            services
                .into_iter()
                .map(|s| DirectoryItem::Service(Box::new(s))),
        )
        .map(Ok);
    app.store.import_directory(&mut items, &event).await?;
    for (org, tenant) in providers.iter().filter(|(_, t)| t.is_some()) {
        let event = NewAuditEvent::new(Actor::System, AuditAction::OrganizationLink, now())
            .entity(EntityRef::new("directory_organization", org.id))
            .detail(format!("{} listings editable by its partners", org.name));
        app.store
            .set_organization_tenant(org.id, *tenant, &event)
            .await?;
    }
    Ok(directory)
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("demo data could not be written: {0}")]
    Storage(#[from] StorageError),
    #[error("demo data could not be prepared: {0}")]
    App(#[from] linkwork_app::AppError),
    #[error(
        "this database holds part of the demo data: an earlier run stopped before it finished. \
         Start again with an empty database (delete the data folder, or drop the PostgreSQL database)"
    )]
    Incomplete,
}

/// A demo account to print for people trying Linkwork.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLogin {
    pub email: String,
    pub name: String,
    pub roles: String,
    pub organisation: String,
}

/// What `generate` did.
#[derive(Debug)]
pub struct DemoSummary {
    /// False when the demo data was already there.
    pub created: bool,
    pub organisations: usize,
    pub users: usize,
    pub services: usize,
    /// The named accounts of the first area, one or more per role.
    pub logins: Vec<DemoLogin>,
    pub referrals: u64,
    /// Referrals with casework (contacts, plans, notes …).
    pub cases: u64,
    /// The demo hospital's API token, for trying the API and FHIR.
    pub api_token: &'static str,
}

/// Fills the store with demo data unless it is already there. Idempotent:
/// a second run changes nothing and reports the same logins.
pub async fn generate(app: &App, scale: u32) -> Result<DemoSummary, DemoError> {
    let scale = scale.max(1);
    let plan = organisations::plan(scale);
    let logins = plan.logins();
    if app
        .store
        .organisation_by_code(DEMO_ICB_CODE)
        .await?
        .is_some()
    {
        // The casework is written last, in one transaction with its audit
        // record: without it an earlier run stopped part-way.
        let finished = app
            .store
            .audit_events(
                &AuditFilter {
                    action: Some(AuditAction::DemoCasework.code().to_owned()),
                    ..Default::default()
                },
                PageRequest::new(1, 1),
            )
            .await?
            .total
            > 0;
        if !finished {
            return Err(DemoError::Incomplete);
        }
        return Ok(DemoSummary {
            created: false,
            organisations: 0,
            users: 0,
            services: 0,
            logins,
            referrals: 0,
            cases: 0,
            api_token: DEMO_API_TOKEN,
        });
    }
    let store = &app.store;
    app.import_postcodes(
        postcodes::RIVERSIDE_NSPL.as_bytes(),
        "the demo postcode lookup",
        ImdEdition::Iod2019,
    )
    .await?;
    // The registered population and deprivation the reports compare
    // referrals with, loaded as the published files are.
    for (file, name) in [
        (
            population::RIVERSIDE_QUIN_AGE,
            "the demo population by age and sex",
        ),
        (population::RIVERSIDE_LSOA, "the demo population by LSOA"),
    ] {
        app.import_registered_population(file.as_bytes(), name)
            .await?;
    }
    app.import_deprivation(
        population::RIVERSIDE_IOD.as_bytes(),
        "the demo deprivation file",
    )
    .await?;
    for org in &plan.organisations {
        store
            .create_organisation(
                org,
                &audit(AuditAction::OrganisationCreate, "organisation", org),
            )
            .await?;
    }
    // One hash for every account: hashing is deliberately slow, and the
    // demo password is the same for all.
    let hash = app.hash_password(DEMO_PASSWORD).await?;
    let at = now();
    for account in &plan.users {
        let user = User {
            id: account.id,
            org_id: account.org_id,
            email: Email::parse(&account.email).expect("demo emails are valid"),
            display_name: account.name.clone(),
            roles: Roles::new(account.roles.iter().copied()),
            status: UserStatus::Active,
            created_at: at,
            last_login_at: None,
        };
        let event = NewAuditEvent::new(Actor::System, AuditAction::UserCreate, at)
            .entity(EntityRef::new("user", user.id))
            .org(user.org_id)
            .detail(format!("Demo account {}", user.email));
        store.create_user(&user, Some(&hash), &event).await?;
    }
    let directory = directory_data(app, &plan, scale).await?;
    let services = directory.services.len();
    let referrals = referrals::generate(app, &plan, &directory).await?;
    store.refresh_statistics(BulkLoaded::Everything).await?;
    Ok(DemoSummary {
        created: true,
        organisations: plan.organisations.len(),
        users: plan.users.len(),
        services,
        logins,
        referrals: referrals.referrals,
        cases: referrals.cases,
        api_token: referrals.api_token,
    })
}

fn audit(action: AuditAction, kind: &'static str, org: &Organisation) -> NewAuditEvent {
    NewAuditEvent::new(Actor::System, action, now())
        .entity(EntityRef::new(kind, org.id))
        .org(org.id)
        .detail(format!("Demo organisation {}", org.name))
}

/// A planned demo account.
#[derive(Debug, Clone)]
pub struct PlannedUser {
    pub id: linkwork_domain::UserId,
    pub org_id: linkwork_domain::OrgId,
    pub email: String,
    pub name: String,
    pub roles: Vec<Role>,
    /// Printed as a demo login.
    pub featured: bool,
}

#[cfg(test)]
mod tests {
    /// `schemathesis.toml` draws path ids from the demo data so the ORUK
    /// conformance run asks for records that exist; they must stay in step.
    #[test]
    fn the_conformance_settings_name_records_the_demo_has() {
        let settings = include_str!("../../../schemathesis.toml");
        let plan = crate::organisations::plan(1);
        let providers: Vec<_> = crate::providers(&plan, 1)
            .into_iter()
            .map(|(o, _)| o)
            .collect();
        let services = crate::services::generate(
            crate::services::SERVICES_PER_SCALE,
            &providers,
            &crate::services::riverside_places(),
        );
        let taxonomy = linkwork_domain::directory::needs::taxonomy();
        let terms = linkwork_domain::directory::needs::terms();
        for (dictionary, exists) in [
            (
                "service_ids",
                &(|id: &str| services.iter().any(|s| s.id.to_string() == id))
                    as &dyn Fn(&str) -> bool,
            ),
            ("service_at_location_ids", &|id: &str| {
                services.iter().any(|s| {
                    s.service_at_locations
                        .iter()
                        .any(|l| l.id.to_string() == id)
                })
            }),
            ("taxonomy_ids", &|id: &str| taxonomy.id.to_string() == id),
            ("taxonomy_term_ids", &|id: &str| {
                terms.iter().any(|t| t.id.to_string() == id)
            }),
        ] {
            let line = settings
                .lines()
                .find(|l| l.starts_with(dictionary))
                .unwrap_or_else(|| panic!("{dictionary} in schemathesis.toml"));
            let ids: Vec<&str> = line.split('"').skip(1).step_by(2).collect();
            assert!(!ids.is_empty(), "{dictionary}");
            for id in ids {
                assert!(
                    exists(id),
                    "{dictionary}: {id} is not in the demo data; update schemathesis.toml"
                );
            }
        }
    }
}
