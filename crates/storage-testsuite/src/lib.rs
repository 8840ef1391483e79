//! The behaviour every storage backend must show, written once against the
//! `Store` traits and run against SQLite and PostgreSQL (see
//! `storage_suite!`), plus fresh databases for tests of other crates.

pub mod casework;
pub mod databases;
pub mod directory_suite;
pub mod feeds;
pub mod fixtures;
pub mod linking;
pub mod measures;
pub mod referral_fixtures;
pub mod referrals;
pub mod reports;
pub mod rights;
pub mod security;
pub mod sign_in;
pub mod suite;

pub use directory_suite::*;
pub use feeds::*;
pub use sign_in::*;
pub use suite::*;

/// Expands to one `#[tokio::test]` per suite case, each given a fresh
/// store from `$make` (an async expression yielding `Option<impl Store>`;
/// `None` means the backend is unavailable and the test is skipped).
#[macro_export]
macro_rules! storage_suite {
    ($make:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                #[allow(clippy::redundant_closure_call)]
                let Some(db) = ($make)().await else { return };
                $crate::$case(db.store()).await;
            }
        )*
    };
}

/// Every case in the suite, for `storage_suite!`, and the cases that need
/// the database itself rather than its store.
#[macro_export]
macro_rules! all_storage_cases {
    ($make:expr) => {
        #[tokio::test]
        async fn append_only_tables_refuse_direct_changes() {
            #[allow(clippy::redundant_closure_call)]
            let Some(db) = ($make)().await else { return };
            $crate::append_only_tables_refuse_direct_changes(&db).await;
        }
        $crate::storage_suite!($make;
            organisations_sit_in_a_tree,
            organisation_codes_are_unique_and_failed_changes_leave_no_audit,
            users_are_created_with_roles_and_found_by_email,
            duplicate_email_is_a_conflict_and_changes_nothing,
            users_are_listed_with_filters_and_pages,
            roles_can_be_replaced,
            disabling_a_user_ends_their_sessions,
            setting_a_password_activates_and_ends_other_sessions,
            sessions_are_created_touched_and_removed,
            stale_sessions_are_swept,
            credential_links_replace_earlier_ones,
            audit_events_filter_and_page,
            audit_export_walks_in_order,
            postcodes_import_in_one_transaction_and_are_found,
            a_service_round_trips_whole,
            saving_replaces_every_list,
            imports_are_one_transaction,
            an_import_may_repeat_a_record,
            a_partial_service_keeps_the_latest_lists,
            organisations_link_to_their_partners,
            many_services_load_in_bulk,
            statistics_are_refreshed_after_bulk_loads,
            known_ids_are_only_stored_records_of_that_kind,
            feeds_are_registered_once_and_claimed_by_one_reader,
            a_feed_keeps_its_services_and_withdraws_those_that_leave,
            second_factors_are_kept_with_recovery_codes_and_replaced_whole,
            a_totp_step_is_used_once_and_completes_the_session,
            a_recovery_code_is_used_once,
            organisations_keep_their_sign_in_settings,
        );
    };
}

/// Every case of the referral suite (`referrals.rs`), for `storage_suite!`'s
/// sibling: each runs with a fresh store from `$make`.
#[macro_export]
macro_rules! all_referral_cases {
    ($make:expr) => {
        $crate::referral_suite!($make;
            referrals_are_created_with_their_person_consents_and_history,
            clashing_submissions_write_nothing,
            matching_people_are_found_within_one_network,
            people_are_searched_within_their_networks,
            people_are_read_in_bulk,
            referral_lists_filter_and_order,
            referrer_organisations_see_their_own_referrals,
            referral_changes_are_versioned_and_kept_in_history,
            coding_needs_rewrites_them_and_clears_the_flag,
            people_are_updated_and_consents_recorded,
            reference_data_is_seeded_and_can_be_changed,
            search_synonyms_are_one_versioned_record,
            api_tokens_are_found_by_hash_and_revoked_once,
            bulk_inserts_write_many_referrals_with_one_audit_event,
        );
    };
}

/// Like `storage_suite!`, for the cases in `referrals.rs`.
#[macro_export]
macro_rules! referral_suite {
    ($make:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                #[allow(clippy::redundant_closure_call)]
                let Some(db) = ($make)().await else { return };
                $crate::referrals::$case(db.store()).await;
            }
        )*
    };
}

/// Every case of the casework suite (`casework.rs`).
#[macro_export]
macro_rules! all_casework_cases {
    ($make:expr) => {
        $crate::casework_suite!($make;
            contacts_are_booked_recorded_and_versioned,
            the_first_attended_contact_starts_support_or_nothing_is_written,
            what_matters_is_kept_as_revisions,
            plans_are_versioned_and_replaced_whole,
            notes_keep_their_words_and_concerns_are_listed_until_resolved,
            tasks_follow_their_owner_and_move_when_a_case_is_reassigned,
            the_team_lead_sees_each_workers_load,
            a_discharge_is_recorded_once,
            calendar_feeds_are_found_by_hash_and_revoked,
            casework_loads_in_bulk_with_one_audit_event,
        );
        $crate::linking_suite!($make;
            onward_referrals_are_answered_once_per_version_and_an_attendance_is_kept,
            an_answer_link_works_once,
            partners_see_their_own_inbox_and_the_team_what_needs_attention,
            capacity_favourites_and_shortlists_are_kept,
            each_queued_message_is_claimed_by_one_worker,
        );
        $crate::measures_suite!($make;
            responses_keep_their_answers_and_scores_and_cohorts_start_at_baseline,
            a_questionnaire_link_works_once,
            gp_appointments_are_kept_per_referral_and_found_by_nhs_number,
            responses_load_in_bulk_with_one_audit_event,
        );
    };
}

/// Like `storage_suite!`, for the cases in `measures.rs`.
#[macro_export]
macro_rules! measures_suite {
    ($make:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                #[allow(clippy::redundant_closure_call)]
                let Some(db) = ($make)().await else { return };
                $crate::measures::$case(db.store()).await;
            }
        )*
    };
}

/// Like `storage_suite!`, for the cases in `casework.rs`.
#[macro_export]
macro_rules! casework_suite {
    ($make:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                #[allow(clippy::redundant_closure_call)]
                let Some(db) = ($make)().await else { return };
                $crate::casework::$case(db.store()).await;
            }
        )*
    };
}

/// Every case of the security suite (`security.rs`).
#[macro_export]
macro_rules! all_security_cases {
    ($make:expr) => {
        $crate::security_suite!($make;
            attempts_are_counted_in_windows,
            attempts_made_at_once_each_see_their_own_count,
            a_set_password_link_is_used_once,
            several_events_are_recorded_at_once,
            security_events_are_listed_by_action_and_attribution,
            a_referral_keeps_its_identity_check,
        );
    };
}

/// Like `storage_suite!`, for the cases in `security.rs`.
#[macro_export]
macro_rules! security_suite {
    ($make:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                #[allow(clippy::redundant_closure_call)]
                let Some(db) = ($make)().await else { return };
                $crate::security::$case(db.store()).await;
            }
        )*
    };
}

/// Like `storage_suite!`, for the cases in `linking.rs`.
#[macro_export]
macro_rules! linking_suite {
    ($make:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                #[allow(clippy::redundant_closure_call)]
                let Some(db) = ($make)().await else { return };
                $crate::linking::$case(db.store()).await;
            }
        )*
    };
}

/// Every case of the reports suite (`reports.rs`): each runs with a fresh
/// store from `$make`.
#[macro_export]
macro_rules! all_report_cases {
    ($make:expr) => {
        $crate::all_report_cases!(@cases $make;
            report_counts_group_referrals_in_the_filter,
            registered_population_replaces_its_kind_whole,
        );
    };
    (@cases $make:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                #[allow(clippy::redundant_closure_call)]
                let Some(db) = ($make)().await else { return };
                $crate::reports::$case(db.store()).await;
            }
        )*
    };
}

/// Every case of the person's rights suite (`rights.rs`).
#[macro_export]
macro_rules! all_rights_cases {
    ($make:expr) => {
        $crate::rights_suite!($make;
            a_restricted_record_leaves_lists_and_the_message_queue,
            erasure_anonymises_a_self_referral_and_keeps_what_reports_count,
            erasure_waits_until_every_referral_is_closed,
            a_merge_moves_what_the_duplicate_held_and_undoing_it_moves_exactly_that_back,
            retention_finds_people_whose_referrals_all_closed_before_the_cutoff,
        );
    };
}

/// Like `storage_suite!`, for the cases in `rights.rs`.
#[macro_export]
macro_rules! rights_suite {
    ($make:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                #[allow(clippy::redundant_closure_call)]
                let Some(db) = ($make)().await else { return };
                $crate::rights::$case(db.store()).await;
            }
        )*
    };
}
