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

mod ids;
mod names;
mod organisations;
pub mod postcodes;
mod referrals;

use linkwork_app::App;
use linkwork_domain::audit::{Actor, AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::organisation::Organisation;
use linkwork_domain::postcode::ImdEdition;
use linkwork_domain::role::{Role, Roles};
use linkwork_domain::time::now;
use linkwork_domain::user::{Email, User, UserStatus};
use linkwork_storage::StorageError;

pub use organisations::DEMO_ICB_CODE;
pub use referrals::{DEMO_API_TOKEN, REFERRALS_PER_NETWORK};

/// Every demo account has this password. It is printed with the logins;
/// demo data is for trying Linkwork out, never for real use.
pub const DEMO_PASSWORD: &str = "linkwork-demo-2026";

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("demo data could not be written: {0}")]
    Storage(#[from] StorageError),
    #[error("demo data could not be prepared: {0}")]
    App(#[from] linkwork_app::AppError),
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
    /// The named accounts of the first area, one or more per role.
    pub logins: Vec<DemoLogin>,
    pub referrals: u64,
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
        return Ok(DemoSummary {
            created: false,
            organisations: 0,
            users: 0,
            logins,
            referrals: 0,
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
    let hash = app.hash_password(DEMO_PASSWORD)?;
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
    let referrals = referrals::generate(app, &plan).await?;
    Ok(DemoSummary {
        created: true,
        organisations: plan.organisations.len(),
        users: plan.users.len(),
        logins,
        referrals: referrals.referrals,
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
