//! The planned organisations and accounts, before anything is written.

use linkwork_domain::organisation::{OrgKind, Organisation};
use linkwork_domain::role::Role;
use linkwork_domain::time::now;
use linkwork_domain::{OrgId, UserId};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::names::{FIRST_NAMES, PLACES, PRACTICE_KINDS, SURNAMES, VCSE_KINDS};
use crate::{DemoLogin, PlannedUser, ids};

/// The ODS-style code of the demo ICB; its presence means the demo data is
/// already loaded.
pub const DEMO_ICB_CODE: &str = "QRV";

/// Fixed so that every run plans the same data.
const SEED: u64 = 0x11_4e_57_0c;

/// PCNs per ICB beyond the first area (England has about 30).
const PCNS_PER_ICB: u32 = 30;

pub struct Plan {
    pub organisations: Vec<Organisation>,
    pub users: Vec<PlannedUser>,
}

struct Builder {
    rng: ChaCha8Rng,
    plan: Plan,
}

impl Builder {
    fn org(&mut self, name: String, kind: OrgKind, parent: Option<OrgId>, code: String) -> OrgId {
        let org = Organisation {
            id: OrgId(ids::uuid(&mut self.rng)),
            name,
            kind,
            parent_id: parent,
            code: Some(code),
            created_at: now(),
        };
        let id = org.id;
        self.plan.organisations.push(org);
        id
    }

    fn person(&mut self) -> String {
        let first = FIRST_NAMES[self.rng.random_range(0..FIRST_NAMES.len())];
        let last = SURNAMES[self.rng.random_range(0..SURNAMES.len())];
        format!("{first} {last}")
    }

    fn user(
        &mut self,
        org: OrgId,
        email: String,
        name: Option<&str>,
        roles: &[Role],
        featured: bool,
    ) {
        let name = name.map(str::to_owned).unwrap_or_else(|| self.person());
        self.plan.users.push(PlannedUser {
            id: UserId(ids::uuid(&mut self.rng)),
            org_id: org,
            email,
            name,
            roles: roles.to_vec(),
            featured,
        });
    }
}

/// The whole plan for `scale` (at least 1).
pub fn plan(scale: u32) -> Plan {
    let mut b = Builder {
        rng: ChaCha8Rng::seed_from_u64(SEED),
        plan: Plan {
            organisations: Vec::new(),
            users: Vec::new(),
        },
    };
    riverside(&mut b);
    let mut icb = None;
    for area in 1..scale {
        // Two PCNs per area; a new ICB every PCNS_PER_ICB PCNs.
        if (area - 1) % (PCNS_PER_ICB / 2) == 0 {
            let n = (area - 1) / (PCNS_PER_ICB / 2) + 1;
            let place = PLACES[(n as usize) % PLACES.len()];
            let id = b.org(
                format!("NHS {place} Integrated Care Board {n}"),
                OrgKind::Icb,
                None,
                format!("Q{n:04}"),
            );
            b.user(
                id,
                format!("admin.icb{n}@icb{n}.example"),
                None,
                &[Role::Admin],
                false,
            );
            b.user(
                id,
                format!("commissioner.icb{n}@icb{n}.example"),
                None,
                &[Role::Commissioner],
                false,
            );
            icb = Some(id);
        }
        generated_area(&mut b, area, icb.expect("set above"));
    }
    b.plan
}

/// The named demo area everyone sees first.
/// Riverside's practices: name, whether in the North network (else the
/// South), and ODS code.
pub(crate) const RIVERSIDE_PRACTICES: [(&str, bool, &str); 6] = [
    ("Meadow Lane Surgery", true, "Y00001"),
    ("Canal Street Medical Centre", true, "Y00002"),
    ("Oakfield Health Centre", true, "Y00003"),
    ("Bridgewater Family Practice", false, "Y00004"),
    ("St Anne's Surgery", false, "Y00005"),
    ("Hillside Medical Practice", false, "Y00006"),
];

fn riverside(b: &mut Builder) {
    let icb = b.org(
        "NHS Riverside Integrated Care Board".into(),
        OrgKind::Icb,
        None,
        DEMO_ICB_CODE.into(),
    );
    let north = b.org(
        "Riverside North Primary Care Network".into(),
        OrgKind::Pcn,
        Some(icb),
        "U00001".into(),
    );
    let south = b.org(
        "Riverside South Primary Care Network".into(),
        OrgKind::Pcn,
        Some(icb),
        "U00002".into(),
    );
    let practice_ids: Vec<OrgId> = RIVERSIDE_PRACTICES
        .iter()
        .map(|(name, in_north, code)| {
            b.org(
                (*name).into(),
                OrgKind::GpPractice,
                Some(if *in_north { north } else { south }),
                (*code).into(),
            )
        })
        .collect();
    let vcses = [
        ("Riverside Befrienders", "C1000001"),
        ("Green Shoots Community Garden", "C1000002"),
        ("Riverside Money Advice", "C1000003"),
        ("Riverside Arts Collective", "C1000004"),
        ("Memory Lane Dementia Choir", "C1000005"),
        ("Active Riverside", "C1000006"),
    ];
    let vcse_ids: Vec<OrgId> = vcses
        .iter()
        .map(|(name, code)| b.org((*name).into(), OrgKind::Vcse, Some(icb), (*code).into()))
        .collect();
    let council = b.org(
        "Riverside City Council".into(),
        OrgKind::LocalAuthority,
        Some(icb),
        "E08000099".into(),
    );
    let hospital = b.org(
        "Riverside University Hospitals NHS Trust".into(),
        OrgKind::NhsTrust,
        Some(icb),
        "RRV".into(),
    );

    let featured: [(OrgId, &str, &str, &[Role]); 14] = [
        (
            icb,
            "admin@riverside.example",
            "Alex Morgan",
            &[Role::Admin],
        ),
        (
            icb,
            "commissioner@riverside.example",
            "Priya Shah",
            &[Role::Commissioner],
        ),
        (
            icb,
            "directory@riverside.example",
            "Gareth Owen",
            &[Role::DirectoryManager],
        ),
        (
            north,
            "teamlead.north@riverside.example",
            "Joanne Clarke",
            &[Role::TeamLead],
        ),
        (
            north,
            "linkworker.north@riverside.example",
            "Samuel Okafor",
            &[Role::LinkWorker],
        ),
        (
            north,
            "linkworker2.north@riverside.example",
            "Freya Hughes",
            &[Role::LinkWorker],
        ),
        (
            south,
            "teamlead.south@riverside.example",
            "Imran Hussain",
            &[Role::TeamLead],
        ),
        (
            south,
            "linkworker.south@riverside.example",
            "Rosa Fernandes",
            &[Role::LinkWorker],
        ),
        (
            practice_ids[0],
            "gp.north@riverside.example",
            "Dr Hannah Evans",
            &[Role::Referrer],
        ),
        (
            practice_ids[3],
            "gp.south@riverside.example",
            "Dr Kwame Mensah",
            &[Role::Referrer],
        ),
        (
            hospital,
            "discharge@riverside.example",
            "Mai Nguyen",
            &[Role::Referrer],
        ),
        (
            council,
            "council@riverside.example",
            "Tomasz Nowak",
            &[Role::Referrer],
        ),
        (
            vcse_ids[0],
            "partner.befrienders@riverside.example",
            "Margaret Wilson",
            &[Role::Partner],
        ),
        (
            vcse_ids[1],
            "partner.garden@riverside.example",
            "Olu Adeyemi",
            &[Role::Partner],
        ),
    ];
    for (org, email, name, roles) in featured {
        b.user(org, email.into(), Some(name), roles, true);
    }
    // A PCN manager who also administers the network's accounts.
    b.user(
        north,
        "manager.north@riverside.example".into(),
        Some("Declan Murphy"),
        &[Role::Admin, Role::TeamLead],
        true,
    );
}

/// A generated area: two PCNs of three practices, three community
/// organisations, and their staff.
fn generated_area(b: &mut Builder, area: u32, icb: OrgId) {
    for half in 0..2 {
        // Numbering continues after the Riverside PCNs (1 and 2).
        let n = area * 2 + half + 1;
        let place = PLACES[b.rng.random_range(0..PLACES.len())];
        let pcn = b.org(
            format!("{place} Primary Care Network {n}"),
            OrgKind::Pcn,
            Some(icb),
            format!("U{n:05}"),
        );
        b.user(
            pcn,
            format!("teamlead.pcn{n}@area{area}.example"),
            None,
            &[Role::TeamLead],
            false,
        );
        for lw in 1..=2 {
            b.user(
                pcn,
                format!("lw{lw}.pcn{n}@area{area}.example"),
                None,
                &[Role::LinkWorker],
                false,
            );
        }
        for p in 0..3 {
            let kind = PRACTICE_KINDS[b.rng.random_range(0..PRACTICE_KINDS.len())];
            let street = PLACES[b.rng.random_range(0..PLACES.len())];
            let code = format!("Y{:05}", n * 3 + p);
            let practice = b.org(
                format!("{street} {kind}"),
                OrgKind::GpPractice,
                Some(pcn),
                code,
            );
            b.user(
                practice,
                format!("gp{p}.pcn{n}@area{area}.example"),
                None,
                &[Role::Referrer],
                false,
            );
        }
    }
    for v in 0..3 {
        let place = PLACES[b.rng.random_range(0..PLACES.len())];
        let kind = VCSE_KINDS[b.rng.random_range(0..VCSE_KINDS.len())];
        let vcse = b.org(
            format!("{place} {kind}"),
            OrgKind::Vcse,
            Some(icb),
            format!("C{:07}", area * 3 + v),
        );
        b.user(
            vcse,
            format!("partner{v}@area{area}.example"),
            None,
            &[Role::Partner],
            false,
        );
    }
}

impl Plan {
    /// The accounts printed for people trying the demo.
    pub fn logins(&self) -> Vec<DemoLogin> {
        self.users
            .iter()
            .filter(|u| u.featured)
            .map(|u| DemoLogin {
                email: u.email.clone(),
                name: u.name.clone(),
                roles: u
                    .roles
                    .iter()
                    .map(|r| r.label())
                    .collect::<Vec<_>>()
                    .join(", "),
                organisation: self
                    .organisations
                    .iter()
                    .find(|o| o.id == u.org_id)
                    .map(|o| o.name.clone())
                    .unwrap_or_default(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn plans_are_deterministic() {
        let (a, b) = (plan(3), plan(3));
        let ids = |p: &Plan| {
            p.users
                .iter()
                .map(|u| (u.id, u.email.clone(), u.name.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&a), ids(&b));
        assert_eq!(
            a.organisations.iter().map(|o| o.id).collect::<Vec<_>>(),
            b.organisations.iter().map(|o| o.id).collect::<Vec<_>>()
        );
    }

    #[test]
    fn every_role_has_a_demo_login() {
        let logins = plan(1).logins();
        for role in Role::ALL {
            assert!(
                logins.iter().any(|l| l.roles.contains(role.label())),
                "{role:?} has a login"
            );
        }
    }

    #[test]
    fn scale_grows_the_tree_and_keeps_codes_and_emails_unique() {
        let one = plan(1);
        let big = plan(40);
        assert_eq!(
            one.organisations
                .iter()
                .filter(|o| o.kind == OrgKind::Pcn)
                .count(),
            2
        );
        assert_eq!(
            big.organisations
                .iter()
                .filter(|o| o.kind == OrgKind::Pcn)
                .count(),
            2 + 39 * 2
        );
        assert_eq!(
            big.organisations
                .iter()
                .filter(|o| o.kind == OrgKind::Icb)
                .count(),
            1 + 3
        );
        let codes: HashSet<_> = big.organisations.iter().map(|o| o.code.clone()).collect();
        assert_eq!(codes.len(), big.organisations.len());
        let emails: HashSet<_> = big.users.iter().map(|u| u.email.clone()).collect();
        assert_eq!(emails.len(), big.users.len());
    }

    #[test]
    fn every_organisation_obeys_the_tree_rules() {
        let p = plan(20);
        for org in &p.organisations {
            let parent_kind = org.parent_id.map(|id| {
                p.organisations
                    .iter()
                    .find(|o| o.id == id)
                    .expect("parent planned first")
                    .kind
            });
            assert!(
                org.kind.allowed_parents().contains(&parent_kind),
                "{} under {parent_kind:?}",
                org.name
            );
        }
    }
}
