//! Organisations and the tenancy tree: ICB ⊃ PCN ⊃ GP practice, with
//! community (VCSE) and other referring organisations alongside.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::validation::{Layout, ValidationErrors, non_empty, text_field};
use crate::{OrgId, Timestamp};

/// What kind of organisation this is. The kind decides where it may sit in
/// the tree and, with a user's roles, what its users may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// Integrated Care Board: commissions services for an area.
    Icb,
    /// Primary Care Network: employs the link workers; the unit of tenancy
    /// for people's records.
    Pcn,
    /// A GP practice, member of one PCN.
    GpPractice,
    /// Voluntary, community, faith or social enterprise organisation.
    Vcse,
    /// A council or other local authority team.
    LocalAuthority,
    /// A hospital or community health trust.
    NhsTrust,
}

impl OrgKind {
    pub const ALL: [OrgKind; 6] = [
        OrgKind::Icb,
        OrgKind::Pcn,
        OrgKind::GpPractice,
        OrgKind::Vcse,
        OrgKind::LocalAuthority,
        OrgKind::NhsTrust,
    ];

    pub fn code(self) -> &'static str {
        match self {
            OrgKind::Icb => "icb",
            OrgKind::Pcn => "pcn",
            OrgKind::GpPractice => "gp_practice",
            OrgKind::Vcse => "vcse",
            OrgKind::LocalAuthority => "local_authority",
            OrgKind::NhsTrust => "nhs_trust",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            OrgKind::Icb => "Integrated Care Board",
            OrgKind::Pcn => "Primary Care Network",
            OrgKind::GpPractice => "GP practice",
            OrgKind::Vcse => "Community organisation (VCSE)",
            OrgKind::LocalAuthority => "Local authority",
            OrgKind::NhsTrust => "NHS trust",
        }
    }

    /// The kinds this kind may sit under. `None` in the list means "may be
    /// a root of the tree".
    pub fn allowed_parents(self) -> &'static [Option<OrgKind>] {
        match self {
            OrgKind::Icb => &[None],
            OrgKind::Pcn => &[Some(OrgKind::Icb)],
            OrgKind::GpPractice => &[Some(OrgKind::Pcn)],
            // Organisations outside the NHS hierarchy may be attached to the
            // ICB whose area they serve, which puts them in its admins' care.
            OrgKind::Vcse | OrgKind::LocalAuthority | OrgKind::NhsTrust => {
                &[None, Some(OrgKind::Icb)]
            }
        }
    }
}

impl fmt::Display for OrgKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown organisation kind {0:?} (expected one of icb, pcn, gp_practice, vcse, local_authority, nhs_trust)"
)]
pub struct UnknownOrgKind(pub String);

impl FromStr for OrgKind {
    type Err = UnknownOrgKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrgKind::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| UnknownOrgKind(s.to_owned()))
    }
}

/// An organisation that users belong to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub id: OrgId,
    pub name: String,
    pub kind: OrgKind,
    pub parent_id: Option<OrgId>,
    /// NHS ODS code (e.g. a practice's "F84001") or a charity number; unique
    /// when present.
    pub code: Option<String>,
    pub created_at: Timestamp,
}

/// What a caller supplies to create an organisation.
#[derive(Debug, Clone, Default)]
pub struct NewOrganisationInput {
    pub name: String,
    pub kind: String,
    pub code: String,
}

impl Organisation {
    /// Validates a new organisation's fields and its place in the tree.
    /// `parent` is the organisation it is to sit under, already looked up.
    pub fn create(
        input: &NewOrganisationInput,
        parent: Option<&Organisation>,
        now: Timestamp,
    ) -> Result<Organisation, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = text_field(
            &mut errors,
            "name",
            &input.name,
            Layout::Line,
            200,
            "Organisation name",
        );
        if name.is_none() {
            errors.add("name", "Enter the organisation's name");
        }
        let kind = match input.kind.parse::<OrgKind>() {
            Ok(kind) => Some(kind),
            Err(_) => {
                errors.add("kind", "Select the kind of organisation");
                None
            }
        };
        let code = non_empty(&input.code).map(|c| c.to_uppercase());
        if let Some(c) = &code
            && (c.len() > 20 || !c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-'))
        {
            errors.add(
                "code",
                "Code must be up to 20 letters, numbers or hyphens, like an ODS code (F84001)",
            );
        }
        if let Some(kind) = kind {
            let parent_kind = parent.map(|p| p.kind);
            if !kind.allowed_parents().contains(&parent_kind) {
                errors.add("parent_id", parent_rule_message(kind));
            }
        }
        errors.into_result(())?;
        Ok(Organisation {
            id: OrgId::new(),
            name: name.unwrap_or_default(),
            kind: kind.expect("validated above"),
            parent_id: parent.map(|p| p.id),
            code,
            created_at: now,
        })
    }
}

fn parent_rule_message(kind: OrgKind) -> &'static str {
    match kind {
        OrgKind::Icb => "An Integrated Care Board cannot sit under another organisation",
        OrgKind::Pcn => "A Primary Care Network must belong to an Integrated Care Board",
        OrgKind::GpPractice => "A GP practice must belong to a Primary Care Network",
        OrgKind::Vcse | OrgKind::LocalAuthority | OrgKind::NhsTrust => {
            "This kind of organisation can only be placed under an Integrated Care Board"
        }
    }
}

/// The organisations one organisation's tenancy reaches: itself and all
/// its descendants (computed by the store, which holds the tree).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgScope {
    root: OrgId,
    members: Vec<OrgId>,
}

impl OrgScope {
    /// `members` must include `root`; it is added if missing.
    pub fn new(root: OrgId, mut members: Vec<OrgId>) -> OrgScope {
        if !members.contains(&root) {
            members.push(root);
        }
        OrgScope { root, members }
    }

    pub fn root(&self) -> OrgId {
        self.root
    }

    pub fn contains(&self, org: OrgId) -> bool {
        self.members.contains(&org)
    }

    pub fn members(&self) -> &[OrgId] {
        &self.members
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::now;

    fn input(name: &str, kind: &str) -> NewOrganisationInput {
        NewOrganisationInput {
            name: name.into(),
            kind: kind.into(),
            code: String::new(),
        }
    }

    #[test]
    fn kinds_round_trip_through_codes() {
        for kind in OrgKind::ALL {
            assert_eq!(kind.code().parse::<OrgKind>(), Ok(kind));
        }
        assert!("surgery".parse::<OrgKind>().is_err());
    }

    #[test]
    fn tree_rules_are_enforced() {
        let icb = Organisation::create(&input("North ICB", "icb"), None, now()).unwrap();
        let pcn = Organisation::create(&input("Central PCN", "pcn"), Some(&icb), now()).unwrap();
        assert_eq!(pcn.parent_id, Some(icb.id));
        let practice =
            Organisation::create(&input("High St Surgery", "gp_practice"), Some(&pcn), now())
                .unwrap();
        assert_eq!(practice.kind, OrgKind::GpPractice);

        let orphan_pcn = Organisation::create(&input("PCN", "pcn"), None, now()).unwrap_err();
        assert!(orphan_pcn.for_field("parent_id").is_some());
        let practice_under_icb =
            Organisation::create(&input("X", "gp_practice"), Some(&icb), now()).unwrap_err();
        assert_eq!(
            practice_under_icb.for_field("parent_id"),
            Some("A GP practice must belong to a Primary Care Network")
        );
        assert!(Organisation::create(&input("Garden club", "vcse"), None, now()).is_ok());
        assert!(Organisation::create(&input("Garden club", "vcse"), Some(&pcn), now()).is_err());
    }

    #[test]
    fn reports_every_bad_field() {
        let errors = Organisation::create(
            &NewOrganisationInput {
                name: " ".into(),
                kind: "nope".into(),
                code: "F8 4001!".into(),
            },
            None,
            now(),
        )
        .unwrap_err();
        assert!(errors.for_field("name").is_some());
        assert!(errors.for_field("kind").is_some());
        assert!(errors.for_field("code").is_some());
    }

    #[test]
    fn codes_are_upper_cased() {
        let mut i = input("High St", "vcse");
        i.code = "f84001".into();
        let org = Organisation::create(&i, None, now()).unwrap();
        assert_eq!(org.code.as_deref(), Some("F84001"));
    }
}
