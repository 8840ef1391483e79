//! The home page: what this user can do, by role.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use linkwork_app::casework::MyDay;
use linkwork_domain::calendar::uk_datetime;
use linkwork_domain::role::Permission;

use crate::error::WebResult;
use crate::page::{CurrentUser, PageCtx, render};
use crate::referral_views::short_date;
use crate::state::AppState;

/// A card linking to one thing the user can do.
pub struct Task {
    pub title: &'static str,
    pub href: &'static str,
    pub description: &'static str,
}

/// One line of "today": a contact, a task or a new assignment.
pub struct TodayItem {
    pub href: String,
    pub name: String,
    pub what: String,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: PageCtx,
    first_name: String,
    roles: String,
    tasks: Vec<Task>,
    today: Option<Today>,
}

/// A link worker's day, as the home page lists it.
pub struct Today {
    pub date: String,
    pub contacts: Vec<TodayItem>,
    pub tasks: Vec<TodayItem>,
    pub assignments: Vec<TodayItem>,
}

impl Today {
    fn new(day: MyDay) -> Today {
        Today {
            date: day.today.format("%A %-d %B").to_string(),
            contacts: day
                .contacts
                .into_iter()
                .map(|e| TodayItem {
                    href: format!("/referrals/{}/contacts", e.contact.referral_id),
                    name: e.person.full_name(),
                    what: format!(
                        "{} at {}, {}",
                        e.contact.mode.label(),
                        uk_datetime(e.contact.starts_at).format("%H:%M"),
                        e.contact.status.label().to_lowercase()
                    ),
                    overdue: false,
                })
                .collect(),
            tasks: day
                .tasks
                .into_iter()
                .map(|t| TodayItem {
                    href: format!("/referrals/{}/notes", t.task.referral_id),
                    name: t.person.full_name(),
                    overdue: t.task.is_overdue(day.today),
                    what: if t.task.is_overdue(day.today) {
                        format!("{}, due {}", t.task.title, short_date(t.task.due))
                    } else {
                        format!("{}, due today", t.task.title)
                    },
                })
                .collect(),
            assignments: day
                .new_assignments
                .into_iter()
                .map(|i| TodayItem {
                    href: format!("/referrals/{}", i.referral.id),
                    name: i.person.full_name(),
                    what: format!(
                        "Referral {}, first contact not yet made",
                        i.referral.reference
                    ),
                    overdue: false,
                })
                .collect(),
        }
    }
}

/// Titles people put before their name, which a greeting leaves out.
const TITLES: [&str; 12] = [
    "dr",
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "prof",
    "professor",
    "rev",
    "revd",
    "sir",
    "dame",
];

/// The first name from a display name: "Dr Sarah Evans" is Sarah.
fn first_name(display_name: &str) -> String {
    let mut words = display_name.split_whitespace();
    let first = words.next().unwrap_or_default();
    let is_title = TITLES.contains(&first.trim_end_matches('.').to_lowercase().as_str());
    match (is_title, words.next()) {
        (true, Some(name)) => name.to_owned(),
        _ => first.to_owned(),
    }
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
        Permission::EditAnyListing,
        Task {
            title: "Search: everyday words",
            href: "/directory/synonyms",
            description: "Link the words people search with (\"lonely\", \"COPD\") to the services and needs they mean.",
        },
    ),
    (
        Permission::ImportDirectory,
        Task {
            title: "Directory feeds",
            href: "/directory/feeds",
            description: "Keep the directory current from the Open Referral UK feeds of councils and charities, read every night.",
        },
    ),
    (
        Permission::EditOwnListings,
        Task {
            title: "Referrals to you",
            href: "/partner/referrals",
            description: "People link workers have referred to your services: accept them and say how they get on.",
        },
    ),
    (
        Permission::EditOwnListings,
        Task {
            title: "Your listings",
            href: "/directory/your-listings",
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
            title: "Needs attention",
            href: "/needs-attention",
            description: "Referrals to services that were declined, missed, or not answered.",
        },
    ),
    (
        Permission::WorkWithPeople,
        Task {
            title: "Your diary",
            href: "/diary",
            description: "Your contacts by day and week, and a feed for your calendar app.",
        },
    ),
    (
        Permission::ReassignCases,
        Task {
            title: "Your team",
            href: "/team",
            description: "Each link worker's cases, overdue tasks and people waiting too long.",
        },
    ),
    (
        Permission::ReassignCases,
        Task {
            title: "Safeguarding concerns",
            href: "/safeguarding",
            description: "Open safeguarding concerns across your networks.",
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
        Permission::ManageUsers,
        Task {
            title: "Outbox",
            href: "/admin/outbox",
            description: "The emails and text messages Linkwork sent or is sending for your organisations, and any it could not.",
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

pub async fn show(
    State(state): State<AppState>,
    page: PageCtx,
    CurrentUser(principal): CurrentUser,
) -> WebResult<Response> {
    let tasks = TASKS
        .iter()
        .filter(|(needs, _)| principal.can(*needs))
        .map(|(_, task)| Task { ..*task })
        .collect();
    let today = if principal.can(Permission::WorkWithPeople) {
        Some(Today::new(state.app.my_day(&principal).await?))
    } else {
        None
    };
    render(&HomePage {
        page: page.title("Home"),
        first_name: first_name(&principal.user.display_name),
        roles: principal.user.roles.labels(),
        tasks,
        today,
    })
}

#[cfg(test)]
mod tests {
    use super::first_name;

    #[test]
    fn greetings_use_the_first_name_not_a_title() {
        for (display, first) in [
            ("Dr Sarah Evans", "Sarah"),
            ("dr. Sarah Evans", "Sarah"),
            ("Sam Lee", "Sam"),
            ("Prof Amina Khan", "Amina"),
            ("Dr", "Dr"),
            ("Drew Barry", "Drew"),
        ] {
            assert_eq!(first_name(display), first, "{display}");
        }
    }
}
