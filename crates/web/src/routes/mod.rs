//! Page routes, grouped by who may reach them.

pub mod account;
pub mod admin_users;
pub mod api_tokens;
pub mod audit;
pub mod casework;
pub mod directory;
pub mod directory_feeds;
pub mod home;
pub mod info;
pub mod linking;
pub mod login;
pub mod organisations;
pub mod outbox;
pub mod outcome_evidence;
pub mod people;
pub mod questionnaire;
pub mod refer;
pub mod referral_actions;
pub mod referrals;
pub mod reports;
pub mod rights;
pub mod search_synonyms;
pub mod second_factor;
pub mod sso;
pub mod worklists;

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};

use crate::error::WebError;
use crate::state::AppState;

/// Pages anyone may see, signed in or not.
pub fn public() -> Router<AppState> {
    Router::new()
        .route("/login", get(login::show).post(login::submit))
        .route(
            second_factor::PATH,
            get(second_factor::show).post(second_factor::submit),
        )
        .route(
            "/login/second-factor/set-up",
            post(second_factor::set_up_while_signing_in),
        )
        .route("/login/second-factor/cancel", post(second_factor::cancel))
        .route("/login/sso", get(sso::show).post(sso::start))
        .route("/login/sso/callback", get(sso::callback))
        .route(
            "/account/setup/{token}",
            get(account::setup_form).post(account::setup_submit),
        )
        .route("/accessibility", get(info::accessibility))
        .route("/privacy", get(info::privacy))
        // The directory is for everyone: staff see more when signed in.
        .route("/directory", get(directory::search))
        .route("/directory/services/{id}", get(directory::show))
        .route("/refer", get(refer::show).post(refer::submit))
        .route("/refer/confirmation/{reference}", get(refer::confirmation))
        .route("/calendar/{file}", get(casework::diary::calendar))
        .route(
            "/answer/{token}",
            get(linking::answer::show).post(linking::answer::submit),
        )
        .route(
            "/q/{token}",
            get(questionnaire::show).post(questionnaire::submit),
        )
}

/// Linking a person to support, and the partner's side of it.
fn linking_pages() -> Router<AppState> {
    use linking::*;
    Router::new()
        .route("/referrals/{id}/find-support", get(find::show))
        .route("/referrals/{id}/support", get(support::show))
        .route(
            "/referrals/{id}/refer-onward/{service}",
            get(support::refer_form).post(support::refer),
        )
        .route(
            "/referrals/{id}/onward/{onward}/withdraw",
            post(support::withdraw),
        )
        .route("/referrals/{id}/shortlists", post(shortlists::create))
        .route("/referrals/{id}/shortlists/new", get(shortlists::new_form))
        .route("/referrals/{id}/shortlists/{list}", get(shortlists::show))
        .route("/needs-attention", get(support::needs_attention))
        .route("/onward/{onward}/seen", post(support::mark_seen))
        .route("/partner/referrals", get(partner::inbox))
        .route(
            "/partner/referrals/{onward}",
            get(partner::show).post(partner::answer),
        )
        .route(
            "/directory/services/{id}/capacity",
            get(capacity::form).post(capacity::submit),
        )
        .route(
            "/directory/services/{id}/favourite",
            post(find::set_favourite),
        )
}

/// The casework pages of one referral, and the pages across cases.
fn case_pages() -> Router<AppState> {
    use casework::*;
    Router::new()
        .route(
            "/referrals/{id}/what-matters",
            get(what_matters::show).post(what_matters::save),
        )
        .route(
            "/referrals/{id}/what-matters/history",
            get(what_matters::history),
        )
        .route("/referrals/{id}/plan", get(plan::show))
        .route("/referrals/{id}/plan/print", get(plan::print))
        .route(
            "/referrals/{id}/plan/goals/{goal}",
            get(plan::goal_form).post(plan::goal_submit),
        )
        .route("/referrals/{id}/plan/{what}", post(plan::review))
        .route(
            "/referrals/{id}/contacts",
            get(contacts::list).post(contacts::add),
        )
        .route(
            "/referrals/{id}/contacts/{contact}",
            get(contacts::show).post(contacts::record),
        )
        .route(
            "/referrals/{id}/notes",
            get(notes::show).post(notes::add_note),
        )
        .route("/referrals/{id}/notes/{note}/resolve", post(notes::resolve))
        .route("/referrals/{id}/tasks", post(notes::add_task))
        .route(
            "/referrals/{id}/tasks/{task}/done",
            post(notes::complete_task),
        )
        .route(
            "/referrals/{id}/discharge",
            get(discharge::form).post(discharge::submit),
        )
        .route("/referrals/{id}/gp-summary", get(discharge::gp_summary))
        .route("/referrals/{id}/outcomes", get(outcomes::show))
        .route(
            "/referrals/{id}/outcomes/record",
            get(outcomes::record_form).post(outcomes::record),
        )
        .route("/referrals/{id}/outcomes/link", post(outcomes::issue_link))
        .route(
            "/referrals/{id}/outcomes/gp",
            post(outcomes::gp_appointments),
        )
        .route("/diary", get(diary::show))
        .route("/diary/feed", post(diary::issue_feed))
        .route("/diary/feed/revoke", post(diary::revoke_feed))
        .route("/team", get(team::show))
        .route("/safeguarding", get(team::safeguarding))
}

/// Pages for signed-in users. Each handler checks the permission and the
/// tenancy it needs; the layer sends anyone not signed in to the login
/// page, including for addresses that do not exist.
pub fn signed_in() -> Router<AppState> {
    Router::new()
        .route("/", get(home::show))
        .route("/logout", post(login::logout))
        .route("/account", get(account::show))
        .route("/account/password", post(account::change_password))
        .route(
            "/account/second-factor",
            get(second_factor::account_show).post(second_factor::account_confirm),
        )
        .route(
            "/account/second-factor/remove",
            post(second_factor::account_remove),
        )
        .route(
            "/admin/users",
            get(admin_users::list).post(admin_users::create),
        )
        .route("/admin/users/new", get(admin_users::new_form))
        .route("/admin/users/{id}", get(admin_users::show))
        .route("/admin/users/{id}/roles", post(admin_users::update_roles))
        .route("/admin/users/{id}/status", post(admin_users::update_status))
        .route(
            "/admin/users/{id}/second-factor/reset",
            post(admin_users::reset_second_factor),
        )
        .route(
            "/admin/users/{id}/reset-link",
            post(admin_users::reset_link),
        )
        .route(
            "/admin/organisations",
            get(organisations::list).post(organisations::create),
        )
        .route("/admin/organisations/new", get(organisations::new_form))
        .route("/organisations/{id}", get(organisations::show))
        .route(
            "/organisations/{id}/sign-in",
            post(organisations::set_second_factor_policy),
        )
        .route("/organisations/{id}/sso", post(sso::save_settings))
        .route("/admin/audit", get(audit::list))
        .route("/admin/security", get(audit::security))
        .route("/admin/outbox", get(outbox::list))
        .route("/admin/outbox/{id}", get(outbox::show))
        .route("/directory/organisations", get(directory::organisations))
        .route("/directory/your-listings", get(directory::your_listings))
        .route(
            "/directory/synonyms",
            get(search_synonyms::show).post(search_synonyms::save),
        )
        .route(
            "/directory/feeds",
            get(directory_feeds::list).post(directory_feeds::register),
        )
        .route("/directory/feeds/{id}", get(directory_feeds::show))
        .route("/directory/feeds/{id}/read", post(directory_feeds::ask))
        .route(
            "/directory/feeds/{id}/remove",
            post(directory_feeds::remove),
        )
        .route(
            "/directory/feeds/{id}/runs/{run}",
            get(directory_feeds::run),
        )
        .route(
            "/directory/feeds/{id}/runs/{run}/services/{service}/release",
            post(directory_feeds::release),
        )
        .route(
            "/directory/organisations/{id}/partner",
            post(directory::link_organisation),
        )
        .route(
            "/directory/services/new",
            get(directory::new_form).post(directory::new_submit),
        )
        .route(
            "/directory/services/{id}/edit",
            get(directory::edit_form).post(directory::edit_submit),
        )
        .route(
            "/admin/api-tokens",
            get(api_tokens::list).post(api_tokens::issue),
        )
        .route("/admin/api-tokens/{id}/revoke", post(api_tokens::revoke))
        .route("/reports/outcomes", get(outcome_evidence::show))
        .route("/reports/outcomes.csv", get(outcome_evidence::csv))
        .route("/reports", get(reports::dashboard))
        .route("/reports/{file}", get(reports::table_csv))
        .route("/waiting-list", get(worklists::waiting_list))
        .route("/people", get(people::search))
        .route("/people/{id}", get(people::show))
        .route(
            "/people/{id}/edit",
            get(people::edit_form).post(people::edit_submit),
        )
        .route("/people/{id}/consents", post(people::record_consent))
        .route("/people/{id}/subject-access", get(people::subject_access))
        .route(
            "/people/{id}/restrict",
            get(rights::restrict_form).post(rights::restrict),
        )
        .route(
            "/people/{id}/restriction/lift",
            post(rights::lift_restriction),
        )
        .route(
            "/people/{id}/erase",
            get(rights::erase_form).post(rights::erase),
        )
        .route(
            "/people/{id}/merge",
            get(rights::merge_form).post(rights::merge),
        )
        .route("/people/{id}/merges/{merge}/undo", post(rights::undo_merge))
        .route("/caseload", get(worklists::caseload))
        .route("/referrals/sent", get(referrals::sent))
        .route(
            "/referrals/new",
            get(referrals::new_form).post(referrals::create),
        )
        .route("/referrals/{id}", get(referrals::show))
        .merge(case_pages())
        .merge(linking_pages())
        .route(
            "/referrals/{id}/{action}",
            get(referral_actions::show).post(referral_actions::submit),
        )
        .fallback(|| async { WebError::NotFound })
        .layer(middleware::from_fn(crate::session::require_principal))
}
