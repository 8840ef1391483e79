//! Small builders for test data.

use linkwork_domain::audit::{Actor, AuditAction, EntityRef, NewAuditEvent};
use linkwork_domain::organisation::{OrgKind, Organisation};
use linkwork_domain::role::{Role, Roles};
use linkwork_domain::time::now;
use linkwork_domain::user::{Email, User, UserStatus};
use linkwork_domain::{OrgId, UserId};
use linkwork_storage::{AuditFilter, PageRequest, Store};

pub fn organisation(name: &str, kind: OrgKind, parent: Option<OrgId>) -> Organisation {
    Organisation {
        id: OrgId::new(),
        name: name.to_owned(),
        kind,
        parent_id: parent,
        code: None,
        created_at: now(),
    }
}

pub fn user(email: &str, name: &str, org: OrgId, roles: &[Role]) -> User {
    User {
        id: UserId::new(),
        org_id: org,
        email: Email::parse(email).expect("valid test email"),
        display_name: name.to_owned(),
        roles: Roles::new(roles.iter().copied()),
        status: UserStatus::Active,
        created_at: now(),
        last_login_at: None,
    }
}

pub fn actor(user: &User) -> Actor {
    Actor::User {
        id: user.id,
        email: user.email.clone(),
        org_id: user.org_id,
    }
}

pub fn event(action: AuditAction, entity: EntityRef) -> NewAuditEvent {
    NewAuditEvent::new(Actor::Cli, action, now()).entity(entity)
}

/// A small tenancy tree: one ICB with two PCNs, a practice in the first,
/// and a VCSE outside the tree.
pub struct Tree {
    pub icb: Organisation,
    pub pcn_a: Organisation,
    pub pcn_b: Organisation,
    pub practice_a: Organisation,
    pub vcse: Organisation,
}

pub async fn tree(store: &dyn Store) -> Tree {
    let icb = organisation("North ICB", OrgKind::Icb, None);
    let pcn_a = organisation("Alpha PCN", OrgKind::Pcn, Some(icb.id));
    let pcn_b = organisation("Beta PCN", OrgKind::Pcn, Some(icb.id));
    let practice_a = organisation("Alpha Surgery", OrgKind::GpPractice, Some(pcn_a.id));
    let vcse = organisation("Garden Friends", OrgKind::Vcse, None);
    for org in [&icb, &pcn_a, &pcn_b, &practice_a, &vcse] {
        store
            .create_organisation(
                org,
                &event(
                    AuditAction::OrganisationCreate,
                    EntityRef::new("organisation", org.id),
                ),
            )
            .await
            .expect("create organisation");
    }
    Tree {
        icb,
        pcn_a,
        pcn_b,
        practice_a,
        vcse,
    }
}

pub async fn add_user(store: &dyn Store, user: &User) {
    store
        .create_user(
            user,
            Some("hash"),
            &event(AuditAction::UserCreate, EntityRef::new("user", user.id)),
        )
        .await
        .expect("create user");
}

/// How many audit events the store holds.
pub async fn audit_count(store: &dyn Store) -> u64 {
    store
        .audit_events(&AuditFilter::default(), PageRequest::new(1, 1))
        .await
        .unwrap()
        .total
}
