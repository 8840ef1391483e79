//! The home page: what this user can do, by role.

use askama::Template;
use axum::response::Response;
use linkwork_domain::role::Permission;

use crate::error::WebResult;
use crate::page::{CurrentUser, PageCtx, render};

/// A card linking to one thing the user can do.
pub struct Task {
    pub title: &'static str,
    pub href: &'static str,
    pub description: &'static str,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: PageCtx,
    first_name: String,
    roles: String,
    tasks: Vec<Task>,
}

/// Everything a user might do from the home page, and the permission each
/// needs.
const TASKS: &[(Permission, Task)] = &[
    (
        Permission::SearchDirectory,
        Task {
            title: "Find support",
            href: "/directory",
            description: "Search local groups and services by need, place, time, cost, accessibility and language.",
        },
    ),
    (
        Permission::EditAnyListing,
        Task {
            title: "Directory organisations",
            href: "/directory/organisations",
            description: "Link each organisation in the directory to the community partner who keeps its listings current.",
        },
    ),
    (
        Permission::EditOwnListings,
        Task {
            title: "Your listings",
            href: "/directory/services/new",
            description: "Keep your organisation's groups and services up to date, or add a new one.",
        },
    ),
    (
        Permission::TriageReferrals,
        Task {
            title: "Waiting list",
            href: "/waiting-list",
            description: "New referrals to triage and people waiting for first contact, longest waiting first.",
        },
    ),
    (
        Permission::WorkWithPeople,
        Task {
            title: "Your caseload",
            href: "/caseload",
            description: "The people you are working with and what is due next.",
        },
    ),
    (
        Permission::WorkWithPeople,
        Task {
            title: "Find a person",
            href: "/people",
            description: "Search your network's people by name, NHS number or postcode.",
        },
    ),
    (
        Permission::MakeReferrals,
        Task {
            title: "Make a referral",
            href: "/referrals/new",
            description: "Refer someone to a social prescribing link worker.",
        },
    ),
    (
        Permission::MakeReferrals,
        Task {
            title: "Referrals you have made",
            href: "/referrals/sent",
            description: "See what happened to the referrals your organisation made.",
        },
    ),
    (
        Permission::ManageUsers,
        Task {
            title: "Users",
            href: "/admin/users",
            description: "Invite people, change their roles, disable accounts and issue password reset links.",
        },
    ),
    (
        Permission::ManageOrganisations,
        Task {
            title: "Organisations",
            href: "/admin/organisations",
            description: "The care board, networks, practices and community organisations that use Linkwork.",
        },
    ),
    (
        Permission::ManageApiTokens,
        Task {
            title: "API tokens",
            href: "/admin/api-tokens",
            description: "Let other systems send referrals for your organisations, and revoke their access.",
        },
    ),
    (
        Permission::ViewAuditLog,
        Task {
            title: "Audit log",
            href: "/admin/audit",
            description: "Who saw or changed what, when, and from where.",
        },
    ),
];

pub async fn show(page: PageCtx, CurrentUser(principal): CurrentUser) -> WebResult<Response> {
    let tasks = TASKS
        .iter()
        .filter(|(needs, _)| principal.can(*needs))
        .map(|(_, task)| Task { ..*task })
        .collect();
    let first_name = principal
        .user
        .display_name
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned();
    render(&HomePage {
        page: page.title("Home"),
        first_name,
        roles: principal.user.roles.labels(),
        tasks,
    })
}
