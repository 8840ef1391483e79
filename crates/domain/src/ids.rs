//! Typed identifiers, so that a user id can never be passed where an
//! organisation id is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn new() -> Self {
                Self(Uuid::new_v4())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }
    };
}

uuid_id!(
    /// An organisation in the tenancy tree (ICB, PCN, practice, VCSE …).
    OrgId
);
uuid_id!(
    /// A person who signs in to Linkwork.
    UserId
);
uuid_id!(
    /// One entry in the audit log.
    AuditEventId
);
uuid_id!(
    /// A person referred to social prescribing: the subject of referrals.
    PersonId
);
uuid_id!(
    /// One referral of one person to a social prescribing team.
    ReferralId
);
uuid_id!(
    /// An entry in a referral's history.
    ReferralEventId
);
uuid_id!(
    /// A recorded consent (given or withdrawn).
    ConsentId
);
uuid_id!(
    /// A token another system uses to call the referral API.
    ApiTokenId
);
uuid_id!(
    /// An appointment, call, visit or session with a person.
    ContactId
);
uuid_id!(
    /// One revision of a "what matters to me" record.
    WhatMattersId
);
uuid_id!(
    /// A goal in a personalised care and support plan.
    GoalId
);
uuid_id!(
    /// A case note (and, when marked so, a safeguarding concern).
    CaseNoteId
);
uuid_id!(
    /// A piece of work with an owner and a due date.
    TaskId
);
uuid_id!(
    /// A referral onward from the link worker to a community service.
    OnwardReferralId
);
uuid_id!(
    /// A list of services given to a person (not a referral).
    ShortlistId
);
uuid_id!(
    /// An email or text message, queued to be sent once.
    MessageId
);
uuid_id!(
    /// One completed (or partly completed) outcome questionnaire.
    MeasureResponseId
);
uuid_id!(
    /// An ORUK feed the directory is kept current from.
    FeedId
);
uuid_id!(
    /// One reading of a feed, with what it changed.
    FeedRunId
);
