//! Roles a user can hold and what each allows. Roles say *what* a user may
//! do; the organisation they belong to (its tenancy scope) says *to which
//! records*. Both are checked on the server for every request.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::organisation::OrgKind;
use crate::validation::ValidationErrors;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages users, organisations and API tokens within their
    /// organisation's part of the tree; reads the audit log.
    Admin,
    /// Social prescribing link worker: works with people in their PCN.
    LinkWorker,
    /// Senior link worker or PCN manager: the whole PCN's caseload.
    TeamLead,
    /// Makes referrals and follows their status, never the case notes.
    Referrer,
    /// Community partner (VCSE): its own listings and referrals to them.
    Partner,
    /// Curates the local directory.
    DirectoryManager,
    /// ICB or NHS England: reports only.
    Commissioner,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::LinkWorker,
        Role::TeamLead,
        Role::Referrer,
        Role::Partner,
        Role::DirectoryManager,
        Role::Commissioner,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::LinkWorker => "link_worker",
            Role::TeamLead => "team_lead",
            Role::Referrer => "referrer",
            Role::Partner => "partner",
            Role::DirectoryManager => "directory_manager",
            Role::Commissioner => "commissioner",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::LinkWorker => "Link worker",
            Role::TeamLead => "Team lead",
            Role::Referrer => "Referrer",
            Role::Partner => "Community partner",
            Role::DirectoryManager => "Directory manager",
            Role::Commissioner => "Commissioner",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Role::Admin => {
                "Invites and disables users, manages organisations, reads the audit log and reports"
            }
            Role::LinkWorker => "Works with people referred to their Primary Care Network",
            Role::TeamLead => "Sees the whole network's caseload and waiting list, reassigns work",
            Role::Referrer => "Refers people and sees what happened to their referrals",
            Role::Partner => "Keeps their organisation's listings current and answers referrals",
            Role::DirectoryManager => "Imports, edits and publishes the community directory",
            Role::Commissioner => "Reads reports only",
        }
    }

    /// The kinds of organisation whose staff may hold this role. Tenancy
    /// follows the organisation, so a role outside these would reach past it:
    /// a directory manager in a community group could edit every listing.
    pub fn org_kinds(self) -> &'static [OrgKind] {
        use OrgKind::*;
        match self {
            Role::Admin => &OrgKind::ALL,
            Role::LinkWorker | Role::TeamLead => &[Pcn],
            Role::Referrer => &[GpPractice, NhsTrust, LocalAuthority, Vcse, Pcn],
            Role::Partner => &[Vcse],
            Role::DirectoryManager => &[Icb, LocalAuthority],
            Role::Commissioner => &[Icb],
        }
    }

    /// What holding this role allows.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            // Reports are figures, never a person's record: an
            // administrator reads them for every network in their tenancy.
            Role::Admin => &[
                ManageUsers,
                ManageOrganisations,
                ViewAuditLog,
                ManageApiTokens,
                ViewReports,
            ],
            Role::LinkWorker => &[
                SearchDirectory,
                MakeReferrals,
                TriageReferrals,
                WorkWithPeople,
            ],
            Role::TeamLead => &[
                SearchDirectory,
                MakeReferrals,
                TriageReferrals,
                WorkWithPeople,
                ReassignCases,
                ViewReports,
                ManagePersonRights,
            ],
            Role::Referrer => &[SearchDirectory, MakeReferrals],
            Role::Partner => &[SearchDirectory, EditOwnListings],
            Role::DirectoryManager => &[SearchDirectory, EditAnyListing, ImportDirectory],
            Role::Commissioner => &[ViewReports],
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown role {0:?} (expected one of admin, link_worker, team_lead, referrer, partner, directory_manager, commissioner)"
)]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let normalised = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Role::ALL
            .into_iter()
            .find(|r| r.code() == normalised)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// A capability checked before an action. Routes name the permission they
/// need; roles grant permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Permission {
    ManageUsers,
    ManageOrganisations,
    ViewAuditLog,
    ManageApiTokens,
    SearchDirectory,
    EditAnyListing,
    EditOwnListings,
    ImportDirectory,
    MakeReferrals,
    TriageReferrals,
    WorkWithPeople,
    ReassignCases,
    ViewReports,
    /// Restricting, erasing and merging people's records, and seeing a
    /// restricted record: team leads of the person's network.
    ManagePersonRights,
}

/// The set of roles one user holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roles(Vec<Role>);

impl Roles {
    pub fn new(roles: impl IntoIterator<Item = Role>) -> Self {
        let mut roles: Vec<Role> = roles.into_iter().collect();
        roles.sort();
        roles.dedup();
        Roles(roles)
    }

    pub fn contains(&self, role: Role) -> bool {
        self.0.contains(&role)
    }

    pub fn allows(&self, permission: Permission) -> bool {
        self.0.iter().any(|r| r.permissions().contains(&permission))
    }

    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        self.0.iter().copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Roles from form or command-line codes; at least one is needed.
    pub fn parse(raw: &[String]) -> Result<Roles, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let mut roles = Vec::new();
        for code in raw {
            match code.parse::<Role>() {
                Ok(role) => roles.push(role),
                Err(e) => errors.add("roles", e.to_string()),
            }
        }
        if raw.is_empty() {
            errors.add("roles", "Select at least one role");
        }
        errors.into_result(Roles::new(roles))
    }

    /// Checks every role may be held by staff of an organisation of `kind`.
    pub fn check_fit(&self, kind: OrgKind) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        for role in self.iter().filter(|r| !r.org_kinds().contains(&kind)) {
            let kinds: Vec<&str> = role.org_kinds().iter().map(|k| k.label()).collect();
            errors.add(
                "roles",
                format!(
                    "{} can only be given to staff of these kinds of organisation: {}",
                    role.label(),
                    kinds.join(", ")
                ),
            );
        }
        errors.into_result(())
    }

    /// Labels for display, e.g. "Link worker, Team lead".
    pub fn labels(&self) -> String {
        self.0
            .iter()
            .map(|r| r.label())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_from_codes_and_friendly_spellings() {
        for role in Role::ALL {
            assert_eq!(role.code().parse::<Role>(), Ok(role));
        }
        assert_eq!("Link Worker".parse::<Role>(), Ok(Role::LinkWorker));
        assert_eq!("team-lead".parse::<Role>(), Ok(Role::TeamLead));
        assert!("superuser".parse::<Role>().is_err());
    }

    #[test]
    fn roles_fit_the_kind_of_organisation() {
        let dm = Roles::new([Role::DirectoryManager]);
        assert!(dm.check_fit(OrgKind::Icb).is_ok());
        assert!(dm.check_fit(OrgKind::LocalAuthority).is_ok());
        let err = dm.check_fit(OrgKind::Vcse).unwrap_err();
        assert_eq!(
            err.for_field("roles"),
            Some(
                "Directory manager can only be given to staff of these kinds of organisation: \
                 Integrated Care Board, Local authority"
            )
        );
        assert!(
            Roles::new([Role::Admin, Role::TeamLead])
                .check_fit(OrgKind::Pcn)
                .is_ok()
        );
        assert!(
            Roles::new([Role::LinkWorker])
                .check_fit(OrgKind::GpPractice)
                .is_err()
        );
        for kind in OrgKind::ALL {
            assert!(Roles::new([Role::Admin]).check_fit(kind).is_ok(), "{kind}");
        }
    }

    #[test]
    fn roles_parse_from_a_list_of_codes() {
        let codes = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            Roles::parse(&codes(&["team_lead", "admin", "admin"])),
            Ok(Roles::new([Role::Admin, Role::TeamLead]))
        );
        assert!(Roles::parse(&[]).unwrap_err().for_field("roles").is_some());
        assert!(Roles::parse(&codes(&["superuser"])).is_err());
    }

    #[test]
    fn commissioner_reads_reports_only() {
        let roles = Roles::new([Role::Commissioner]);
        assert!(roles.allows(Permission::ViewReports));
        for p in [
            Permission::ManageUsers,
            Permission::WorkWithPeople,
            Permission::SearchDirectory,
            Permission::MakeReferrals,
        ] {
            assert!(!roles.allows(p), "commissioner must not have {p:?}");
        }
    }

    #[test]
    fn partners_cannot_administer_or_see_people() {
        let roles = Roles::new([Role::Partner]);
        assert!(roles.allows(Permission::EditOwnListings));
        assert!(!roles.allows(Permission::EditAnyListing));
        assert!(!roles.allows(Permission::ManageUsers));
        assert!(!roles.allows(Permission::WorkWithPeople));
    }

    #[test]
    fn permissions_combine_across_roles_and_sets_are_normalised() {
        let roles = Roles::new([Role::Referrer, Role::Admin, Role::Referrer]);
        assert_eq!(
            roles.iter().collect::<Vec<_>>(),
            vec![Role::Admin, Role::Referrer]
        );
        assert!(roles.allows(Permission::ManageUsers));
        assert!(roles.allows(Permission::MakeReferrals));
        assert!(!roles.allows(Permission::TriageReferrals));
        assert_eq!(roles.labels(), "Administrator, Referrer");
    }
}
