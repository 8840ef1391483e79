//! Consent records: what the person agreed to (or withdrew), when, and who
//! recorded it. Records are only ever added; the latest of each kind holds.

use serde::Serialize;

use crate::{ConsentId, OrgId, PersonId, ReferralId, Timestamp, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentKind {
    /// To be referred to social prescribing.
    Referral,
    /// To be contacted by the social prescribing team.
    Contact,
    /// To have their details shared with a named partner organisation.
    Share,
}

impl ConsentKind {
    pub const ALL: [ConsentKind; 3] = [
        ConsentKind::Referral,
        ConsentKind::Contact,
        ConsentKind::Share,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ConsentKind::Referral => "referral",
            ConsentKind::Contact => "contact",
            ConsentKind::Share => "share",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ConsentKind::Referral => "To the referral",
            ConsentKind::Contact => "To be contacted by the team",
            ConsentKind::Share => "To share their details with a partner organisation",
        }
    }

    pub fn from_code(code: &str) -> Option<ConsentKind> {
        ConsentKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Consent {
    pub id: ConsentId,
    pub person_id: PersonId,
    pub kind: ConsentKind,
    /// For `Share`: the organisation the person agreed to (or refused)
    /// sharing with.
    pub partner_org_id: Option<OrgId>,
    pub given: bool,
    pub recorded_at: Timestamp,
    /// Who recorded it, as the audit log names them.
    pub recorded_by: String,
    pub recorded_by_user_id: Option<UserId>,
    /// The referral it was given with, if any.
    pub referral_id: Option<ReferralId>,
}

/// The consent in force for each kind (and partner): the latest record.
pub fn current(consents: &[Consent]) -> Vec<&Consent> {
    let mut latest: Vec<&Consent> = Vec::new();
    for c in consents {
        match latest
            .iter_mut()
            .find(|l| l.kind == c.kind && l.partner_org_id == c.partner_org_id)
        {
            Some(l) if l.recorded_at <= c.recorded_at => *l = c,
            Some(_) => {}
            None => latest.push(c),
        }
    }
    latest
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn the_latest_record_of_each_kind_holds() {
        let at = crate::time::now();
        let person = PersonId::new();
        let partner = OrgId::new();
        let record = |kind, partner_org_id, given, minutes| Consent {
            id: ConsentId::new(),
            person_id: person,
            kind,
            partner_org_id,
            given,
            recorded_at: at + Duration::minutes(minutes),
            recorded_by: "lw@example.org".into(),
            recorded_by_user_id: None,
            referral_id: None,
        };
        let all = vec![
            record(ConsentKind::Contact, None, true, 0),
            record(ConsentKind::Share, Some(partner), true, 1),
            record(ConsentKind::Contact, None, false, 2),
            record(ConsentKind::Share, Some(OrgId::new()), true, 3),
        ];
        let now = current(&all);
        assert_eq!(now.len(), 3);
        let contact = now.iter().find(|c| c.kind == ConsentKind::Contact).unwrap();
        assert!(!contact.given, "the withdrawal is later");
    }
}
