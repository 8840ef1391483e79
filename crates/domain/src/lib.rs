//! Linkwork's domain: the types the whole system speaks and the rules that
//! hold regardless of storage or transport. Nothing here does IO.

pub mod api_token;
pub mod audit;
pub mod calendar;
pub mod casework;
pub mod codes;
pub mod consent;
pub mod coverage;
pub mod directory;
pub mod ethnicity;
pub mod geo;
pub mod ids;
pub mod linking;
pub mod measures;
pub mod message;
pub mod nhs_number;
pub mod organisation;
pub mod person;
pub mod person_rights;
pub mod postcode;
pub mod referral;
pub mod report;
pub mod role;
pub mod second_factor;
pub mod session;
pub mod sso;
pub mod time;
pub mod user;
pub mod validation;

pub use ids::{
    ApiTokenId, AuditEventId, CaseNoteId, ConsentId, ContactId, FeedId, FeedRunId, GoalId,
    MeasureResponseId, MessageId, OnwardReferralId, OrgId, PersonId, ReferralEventId, ReferralId,
    ShortlistId, TaskId, UserId, WhatMattersId,
};
pub use time::Timestamp;
