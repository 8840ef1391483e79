//! The need taxonomy Linkwork ships: what people come to social
//! prescribing for, in a two-level hierarchy. It is data with fixed
//! identifiers (UUID v5 of each code), so every deployment shares them and
//! imported taxonomies can sit beside it.

use uuid::Uuid;

use super::model::{Taxonomy, TaxonomyTerm};

/// The namespace for Linkwork's own deterministic identifiers.
pub const NAMESPACE: Uuid = Uuid::from_u128(0x6c69_6e6b_776f_726b_0000_0000_0000_0001);

pub const TAXONOMY_NAME: &str = "Linkwork social prescribing needs";

/// `(code, name, parent code, description)`.
const NEEDS: &[(&str, &str, Option<&str>, &str)] = &[
    (
        "social-connection",
        "Befriending and social connection",
        None,
        "Company, friendship and feeling part of a community",
    ),
    (
        "befriending",
        "Befriending",
        Some("social-connection"),
        "Regular visits or calls from a volunteer befriender",
    ),
    (
        "community-groups",
        "Community groups and clubs",
        Some("social-connection"),
        "Lunch clubs, social groups, men's sheds and faith groups",
    ),
    (
        "arts",
        "Arts and creativity",
        None,
        "Making, performing and enjoying art",
    ),
    (
        "music-singing",
        "Music and singing",
        Some("arts"),
        "Choirs, singing groups and music making",
    ),
    (
        "arts-crafts",
        "Arts and crafts",
        Some("arts"),
        "Painting, drawing, crafts and creative writing",
    ),
    (
        "nature",
        "Gardening and nature",
        None,
        "Time outdoors and with growing things",
    ),
    (
        "community-gardening",
        "Community gardening",
        Some("nature"),
        "Growing food and flowers together",
    ),
    (
        "green-spaces",
        "Walks and green spaces",
        Some("nature"),
        "Conservation volunteering and nature walks",
    ),
    (
        "physical-activity",
        "Physical activity",
        None,
        "Moving more, at a pace that suits the person",
    ),
    (
        "walking",
        "Walking groups",
        Some("physical-activity"),
        "Led walks for all abilities",
    ),
    (
        "gentle-exercise",
        "Gentle exercise",
        Some("physical-activity"),
        "Chair-based exercise, tai chi, yoga and falls prevention",
    ),
    (
        "sport",
        "Sport and fitness",
        Some("physical-activity"),
        "Swimming, cycling, football and gym sessions",
    ),
    (
        "money",
        "Debt and money",
        None,
        "Help with debt, bills and managing money",
    ),
    (
        "debt-advice",
        "Debt advice",
        Some("money"),
        "Free, confidential advice on dealing with debt",
    ),
    (
        "budgeting",
        "Budgeting and money skills",
        Some("money"),
        "Help to budget, cut bills and get grants",
    ),
    (
        "benefits",
        "Benefits",
        None,
        "Checking entitlement and claiming benefits",
    ),
    (
        "benefits-advice",
        "Benefits advice and claims",
        Some("benefits"),
        "Help with claims, forms, appeals and assessments",
    ),
    (
        "housing",
        "Housing",
        None,
        "Somewhere safe, warm and affordable to live",
    ),
    (
        "housing-advice",
        "Housing advice",
        Some("housing"),
        "Tenancy problems, repairs, damp and cold homes",
    ),
    (
        "homelessness",
        "Homelessness support",
        Some("housing"),
        "Help for people who are or may become homeless",
    ),
    (
        "employment",
        "Employment and skills",
        None,
        "Work, volunteering and learning",
    ),
    (
        "finding-work",
        "Finding work",
        Some("employment"),
        "CVs, job search and support back into work",
    ),
    (
        "volunteering",
        "Volunteering",
        Some("employment"),
        "Giving time to help others",
    ),
    (
        "learning",
        "Learning and courses",
        Some("employment"),
        "Adult education, English classes and skills courses",
    ),
    (
        "carers",
        "Carers",
        None,
        "Support for people who look after someone",
    ),
    (
        "bereavement",
        "Bereavement",
        None,
        "Support after someone has died",
    ),
    (
        "dementia",
        "Dementia",
        None,
        "Living well with dementia, for people and their families",
    ),
    (
        "memory-cafes",
        "Memory cafés",
        Some("dementia"),
        "Friendly groups for people with memory problems and their carers",
    ),
    (
        "mental-wellbeing",
        "Mental wellbeing",
        None,
        "Feeling better in mind",
    ),
    (
        "peer-support",
        "Peer support",
        Some("mental-wellbeing"),
        "Groups of people with shared experience",
    ),
    (
        "talking-support",
        "Talking and listening",
        Some("mental-wellbeing"),
        "Listening services and low-intensity talking support",
    ),
    (
        "stress-anxiety",
        "Stress and anxiety",
        Some("mental-wellbeing"),
        "Courses and groups for managing stress and worry",
    ),
    (
        "long-term-conditions",
        "Long-term conditions",
        None,
        "Living well with diabetes, heart and lung conditions, pain and more",
    ),
    ("food", "Food", None, "Enough good food to eat"),
    (
        "food-banks",
        "Food banks and pantries",
        Some("food"),
        "Emergency food and low-cost food clubs",
    ),
    (
        "cooking",
        "Cooking and healthy eating",
        Some("food"),
        "Cooking skills and eating well on a budget",
    ),
    (
        "digital-inclusion",
        "Digital inclusion",
        None,
        "Getting online: devices, data and skills",
    ),
    (
        "family",
        "Families and parenting",
        None,
        "Support for parents and families",
    ),
];

fn id_of(code: &str) -> Uuid {
    Uuid::new_v5(&NAMESPACE, format!("need:{code}").as_bytes())
}

pub fn taxonomy() -> Taxonomy {
    Taxonomy {
        id: Uuid::new_v5(&NAMESPACE, b"taxonomy:needs"),
        name: TAXONOMY_NAME.into(),
        description:
            "The needs people bring to social prescribing, used to find services that help".into(),
        uri: None,
        version: Some("1".into()),
    }
}

/// Every term, parents before children.
pub fn terms() -> Vec<TaxonomyTerm> {
    let taxonomy = taxonomy();
    NEEDS
        .iter()
        .map(|(code, name, parent, description)| TaxonomyTerm {
            id: id_of(code),
            name: (*name).into(),
            description: (*description).into(),
            parent_id: parent.map(id_of),
            taxonomy: Some(taxonomy.name.clone()),
            taxonomy_id: Some(taxonomy.id),
            term_uri: None,
            term: Some((*code).into()),
        })
        .collect()
}

/// The id of the term with `code`, e.g. `need_id("befriending")`.
pub fn need_id(code: &str) -> Option<Uuid> {
    NEEDS.iter().any(|(c, ..)| *c == code).then(|| id_of(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issue_s_needs_are_all_there() {
        let names: Vec<String> = terms().into_iter().map(|t| t.name.to_lowercase()).collect();
        for need in [
            "befriending",
            "arts",
            "gardening",
            "physical activity",
            "debt",
            "benefits",
            "housing",
            "employment",
            "carers",
            "bereavement",
            "dementia",
            "mental wellbeing",
            "long-term conditions",
            "food",
            "digital inclusion",
        ] {
            assert!(names.iter().any(|n| n.contains(need)), "{need}");
        }
    }

    #[test]
    fn ids_are_stable_and_parents_come_first() {
        assert_eq!(need_id("befriending"), need_id("befriending"));
        assert_eq!(need_id("nonsense"), None);
        let all = terms();
        for (i, term) in all.iter().enumerate() {
            if let Some(parent) = term.parent_id {
                assert!(
                    all[..i].iter().any(|t| t.id == parent),
                    "{} after its parent",
                    term.name
                );
            }
        }
        let ids: std::collections::HashSet<_> = all.iter().map(|t| t.id).collect();
        assert_eq!(ids.len(), all.len());
    }
}
