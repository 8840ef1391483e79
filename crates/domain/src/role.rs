//! Roles a user can hold and what each allows. Roles say *what* a user may
//! do; the organisation they belong to (its tenancy scope) says *to which
//! records*. Both are checked on the server for every request.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

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
            Role::Admin => "Invites and disables users, manages organisations, reads the audit log",
            Role::LinkWorker => "Works with people referred to their Primary Care Network",
            Role::TeamLead => "Sees the whole network's caseload and waiting list, reassigns work",
            Role::Referrer => "Refers people and sees what happened to their referrals",
            Role::Partner => "Keeps their organisation's listings current and answers referrals",
            Role::DirectoryManager => "Imports, edits and publishes the community directory",
            Role::Commissioner => "Reads reports only",
        }
    }

    /// What holding this role allows.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Admin => &[
                ManageUsers,
                ManageOrganisations,
                ViewAuditLog,
                ManageApiTokens,
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
