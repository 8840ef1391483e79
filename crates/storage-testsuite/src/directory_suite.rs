//! The directory storage behaviour every backend must show.

use linkwork_domain::OrgId;
use linkwork_domain::audit::{Actor, AuditAction, NewAuditEvent};
use linkwork_domain::directory::needs;
use linkwork_domain::directory::*;
use linkwork_domain::time::now;
use linkwork_storage::{
    AuditFilter, BulkLoaded, DirectoryItem, DirectoryRecord, PageRequest, StorageError, Store,
};
use uuid::Uuid;

use crate::fixtures::tree;

fn event() -> NewAuditEvent {
    NewAuditEvent::new(Actor::Cli, AuditAction::DirectoryImport, now())
}

fn id() -> Uuid {
    Uuid::new_v4()
}

/// A service with something in every list, linked to the shipped needs.
pub fn rich_service(org: &Organization) -> Service {
    let service_id = id();
    let location = Location {
        id: id(),
        location_type: LocationType::Physical,
        name: Some("Riverside Community Centre".into()),
        description: Some("Ground floor hall".into()),
        latitude: Some(53.7123),
        longitude: Some(-1.9031),
        external_identifier: Some("100012345678".into()),
        external_identifier_type: Some("UPRN".into()),
        addresses: vec![Address {
            id: id(),
            attention: None,
            address_1: "1 Mill Lane".into(),
            address_2: Some("Canalside".into()),
            city: "Riverside".into(),
            region: None,
            state_province: "West Yorkshire".into(),
            postal_code: "RV1 3BQ".into(),
            country: "GB".into(),
            address_type: LocationType::Physical,
        }],
        accessibility: vec![
            Accessibility {
                id: id(),
                description: Some("Step-free access and a ramp".into()),
                details: None,
                url: None,
                accessibility: Some("Wheelchair access is possible on all levels.".into()),
            },
            Accessibility {
                id: id(),
                description: Some("Hearing loop".into()),
                details: Some("At reception".into()),
                url: None,
                accessibility: None,
            },
        ],
    };
    let sal_id = id();
    let contact_id = id();
    let befriending = needs::need_id("befriending").unwrap();
    Service {
        id: service_id,
        organization_id: Some(org.id),
        name: "Tuesday Friendship Club".into(),
        description: Some("Tea, chat and company".into()),
        url: Some("https://friends.example/club".into()),
        email: Some("club@friends.example".into()),
        status: ServiceStatus::Active,
        fees: Some("Free".into()),
        accreditations: None,
        eligibility_description: Some("Adults who feel lonely".into()),
        minimum_age: Some(18.0),
        maximum_age: None,
        application_process: Some("Drop in, or ask your link worker".into()),
        wait_time: Some("No wait".into()),
        assured_date: Some("2026-01-01".into()),
        assurer_email: None,
        alert: None,
        last_modified: Some(now()),
        schedules: vec![Schedule {
            id: id(),
            service_at_location_id: Some(sal_id),
            freq: Some("WEEKLY".into()),
            interval: Some(1.0),
            byday: Some("TU".into()),
            opens_at: Some("10:00:00".into()),
            closes_at: Some("12:00:00".into()),
            description: Some("Every Tuesday morning".into()),
            ..Default::default()
        }],
        service_areas: vec![ServiceArea {
            id: id(),
            name: Some("Riverside".into()),
            ..Default::default()
        }],
        service_at_locations: vec![ServiceAtLocation {
            id: sal_id,
            service_id: Some(service_id),
            location_id: Some(location.id),
            location,
        }],
        languages: vec![Language {
            id: id(),
            name: Some("English".into()),
            code: Some("en".into()),
            note: None,
        }],
        organization: Some(org.clone()),
        funding: vec![Funding {
            id: id(),
            source: Some("Riverside City Council".into()),
        }],
        cost_options: vec![CostOption {
            id: id(),
            option: Some("Everyone".into()),
            amount: Some(0.0),
            ..Default::default()
        }],
        contacts: vec![Contact {
            id: contact_id,
            name: Some("Margaret Wilson".into()),
            title: Some("Coordinator".into()),
            email: None,
            phones: vec![Phone {
                id: id(),
                number: "01632 960001".into(),
                description: Some("Mobile".into()),
                contact_id: None,
            }],
        }],
        phones: vec![Phone {
            id: id(),
            number: "01632 960000".into(),
            description: None,
            contact_id: None,
        }],
        attributes: vec![Attribute {
            id: id(),
            link_id: Some(service_id),
            taxonomy_term_id: befriending,
            link_type: Some("service".into()),
            taxonomy_term: needs::terms().into_iter().find(|t| t.id == befriending),
        }],
    }
}

pub fn organization(name: &str) -> Organization {
    Organization {
        id: id(),
        name: name.into(),
        description: format!("{name} helps people in Riverside"),
        email: Some("hello@friends.example".into()),
        website: Some("https://friends.example".into()),
        organization_identifiers: vec![OrganizationIdentifier {
            id: id(),
            identifier_scheme: Some("GB-CHC".into()),
            identifier_type: "Charity number".into(),
            identifier: "1100001".into(),
        }],
        ..Default::default()
    }
}

async fn with_needs(store: &dyn Store) {
    store
        .save_taxonomy(&needs::taxonomy(), &needs::terms(), &event())
        .await
        .unwrap();
}

pub async fn a_service_round_trips_whole(store: &dyn Store) {
    with_needs(store).await;
    let org = organization("Riverside Befrienders");
    let service = rich_service(&org);
    let head = store.directory_change_head().await.unwrap();
    assert!(store.save_service(&service, &event()).await.unwrap(), "new");
    assert_eq!(store.service(service.id).await.unwrap().unwrap(), service);
    assert!(
        !store.save_service(&service, &event()).await.unwrap(),
        "second save updates"
    );
    let changes = store.directory_changes_after(head, 10).await.unwrap();
    assert_eq!(
        changes.iter().map(|c| c.service_id).collect::<Vec<_>>(),
        vec![service.id, service.id]
    );
    assert!(changes[0].seq < changes[1].seq);
    assert_eq!(store.directory_change_head().await.unwrap(), changes[1].seq);
    assert_eq!(store.service_count().await.unwrap(), 1);
    let sal = service.service_at_locations[0].id;
    assert_eq!(
        store.service_id_for_service_at_location(sal).await.unwrap(),
        Some(service.id)
    );
    assert_eq!(
        store
            .service_id_for_service_at_location(id())
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.directory_organization(org.id).await.unwrap().unwrap(),
        org
    );
    assert!(store.service(id()).await.unwrap().is_none());
}

pub async fn saving_replaces_every_list(store: &dyn Store) {
    let org = organization("Green Shoots");
    let mut service = rich_service(&org);
    store.save_service(&service, &event()).await.unwrap();
    service.schedules.clear();
    service.contacts.clear();
    service.phones.truncate(0);
    service.name = "Garden Club".into();
    service.status = ServiceStatus::TemporarilyClosed;
    service.service_at_locations[0]
        .location
        .accessibility
        .remove(0);
    service.attributes.clear();
    store.save_service(&service, &event()).await.unwrap();
    assert_eq!(store.service(service.id).await.unwrap().unwrap(), service);
}

pub async fn imports_are_one_transaction(store: &dyn Store) {
    with_needs(store).await;
    let org = organization("Riverside Money Advice");
    let first = rich_service(&org);
    let second = rich_service(&org);
    let term = TaxonomyTerm {
        id: id(),
        name: "Debt help".into(),
        description: "x".into(),
        ..Default::default()
    };
    let taxonomy = Taxonomy {
        id: id(),
        name: "Imported".into(),
        description: "A feed's own".into(),
        ..Default::default()
    };
    let items = || {
        vec![
            Ok(DirectoryItem::Organization(org.clone())),
            Ok(DirectoryItem::Taxonomy(taxonomy.clone())),
            Ok(DirectoryItem::Term(term.clone())),
            Ok(DirectoryItem::Service(Box::new(first.clone()))),
            Ok(DirectoryItem::Service(Box::new(second.clone()))),
        ]
    };
    let counts = store
        .import_directory(&mut items().into_iter(), &event())
        .await
        .unwrap();
    assert_eq!((counts.services_created, counts.services_updated), (2, 0));
    assert_eq!(
        (
            counts.organizations,
            counts.taxonomies,
            counts.taxonomy_terms
        ),
        (1, 1, 1)
    );
    let again = store
        .import_directory(&mut items().into_iter(), &event())
        .await
        .unwrap();
    assert_eq!(
        (again.services_created, again.services_updated),
        (0, 2),
        "re-import updates, never duplicates"
    );
    assert_eq!(store.service_count().await.unwrap(), 2);
    let mut ids = vec![first.id, second.id];
    ids.sort();
    let mut all: Vec<Uuid> = store
        .all_services()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    all.sort();
    assert_eq!(all, ids);
    assert_eq!(store.services(&[first.id, id()]).await.unwrap().len(), 1);
    assert!(
        store
            .taxonomy_terms()
            .await
            .unwrap()
            .iter()
            .any(|t| t.id == term.id)
    );
    assert!(
        store
            .taxonomies()
            .await
            .unwrap()
            .iter()
            .any(|t| t.id == taxonomy.id)
    );

    // An error part-way leaves everything as it was.
    let head = store.directory_change_head().await.unwrap();
    let audits = store
        .audit_events(&AuditFilter::default(), PageRequest::new(1, 1))
        .await
        .unwrap()
        .total;
    let third = rich_service(&org);
    let broken = vec![
        Ok(DirectoryItem::Service(Box::new(third.clone()))),
        Err("line 9: unreadable".to_owned()),
    ];
    let err = store
        .import_directory(&mut broken.into_iter(), &event())
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::Aborted(_)), "{err:?}");
    assert!(store.service(third.id).await.unwrap().is_none());
    assert_eq!(store.directory_change_head().await.unwrap(), head);
    assert_eq!(
        store
            .audit_events(&AuditFilter::default(), PageRequest::new(1, 1))
            .await
            .unwrap()
            .total,
        audits
    );
}

/// Feeds repeat records: every service names its terms again, and a record
/// can appear twice. The later copy wins, as if imported one by one.
pub async fn an_import_may_repeat_a_record(store: &dyn Store) {
    with_needs(store).await;
    let org = organization("Riverside Money Advice");
    let mut renamed_org = org.clone();
    renamed_org.name = "Riverside Money Advice CIO".into();
    let term = TaxonomyTerm {
        id: id(),
        name: "Debt help".into(),
        description: "x".into(),
        ..Default::default()
    };
    let renamed_term = TaxonomyTerm {
        name: "Debt advice".into(),
        ..term.clone()
    };
    let service = rich_service(&org);
    let mut renamed_service = service.clone();
    renamed_service.name = "Money worries drop-in".into();
    renamed_service.organization = Some(renamed_org.clone());
    let items = vec![
        Ok(DirectoryItem::Organization(org.clone())),
        Ok(DirectoryItem::Organization(renamed_org)),
        Ok(DirectoryItem::Term(term.clone())),
        Ok(DirectoryItem::Term(term.clone())),
        Ok(DirectoryItem::Term(renamed_term)),
        Ok(DirectoryItem::Service(Box::new(service.clone()))),
        Ok(DirectoryItem::Service(Box::new(renamed_service))),
    ];
    let counts = store
        .import_directory(&mut items.into_iter(), &event())
        .await
        .unwrap();
    assert_eq!(
        (
            counts.organizations,
            counts.taxonomy_terms,
            counts.services_created,
            counts.services_updated
        ),
        (1, 1, 1, 0)
    );
    let saved = store.service(service.id).await.unwrap().unwrap();
    assert_eq!(saved.name, "Money worries drop-in");
    assert_eq!(saved.service_at_locations, service.service_at_locations);
    let terms = store.taxonomy_terms().await.unwrap();
    assert_eq!(
        terms
            .iter()
            .filter(|t| t.id == term.id)
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>(),
        vec!["Debt advice"]
    );
    let orgs = store.directory_organizations(None).await.unwrap();
    assert_eq!(
        orgs.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(),
        vec!["Riverside Money Advice CIO"]
    );
}

/// A partial service (a summary that left lists out) keeps those lists
/// from the copy of it just before it in the import, else from what is
/// stored when the import writes it: never from anything older.
pub async fn a_partial_service_keeps_the_latest_lists(store: &dyn Store) {
    with_needs(store).await;
    let org = organization("Riverside Walkers");
    let stored = rich_service(&org);
    store.save_service(&stored, &event()).await.unwrap();
    let summary = |name: &str| {
        let mut s = stored.clone();
        s.name = name.into();
        s.schedules.clear();
        s.contacts.clear();
        DirectoryItem::PartialService {
            service: Box::new(s),
            keep: vec![ServiceList::Schedules, ServiceList::Contacts],
        }
    };
    let mut full = stored.clone();
    full.schedules[0].byday = Some("TU".into());
    full.contacts.truncate(1);
    for (items, name) in [
        (
            vec![
                summary("First"),
                DirectoryItem::Service(Box::new(full.clone())),
            ],
            &full.name,
        ),
        (
            vec![
                DirectoryItem::Service(Box::new(full.clone())),
                summary("Later"),
            ],
            &"Later".to_owned(),
        ),
    ] {
        store.save_service(&stored, &event()).await.unwrap();
        store
            .import_directory(&mut items.into_iter().map(Ok), &event())
            .await
            .unwrap();
        let saved = store.service(stored.id).await.unwrap().unwrap();
        assert_eq!(&saved.name, name);
        assert_eq!(saved.schedules, full.schedules, "the full copy's lists");
        assert_eq!(saved.contacts, full.contacts);
    }
    // Alone, a summary keeps what is stored when it is written: an edit
    // saved since the import began (its reading) is not undone.
    let mut edited = stored.clone();
    edited.schedules[0].byday = Some("SA".into());
    store.save_service(&edited, &event()).await.unwrap();
    store
        .import_directory(&mut std::iter::once(Ok(summary("Walkers"))), &event())
        .await
        .unwrap();
    let saved = store.service(stored.id).await.unwrap().unwrap();
    assert_eq!(saved.name, "Walkers");
    assert_eq!(saved.schedules, edited.schedules);
    assert_eq!(saved.contacts, edited.contacts);
    assert_eq!(
        saved.service_at_locations, stored.service_at_locations,
        "lists it gave are its own"
    );
}

pub async fn organisations_link_to_their_partners(store: &dyn Store) {
    let t = tree(store).await;
    let org = organization("Riverside Befrienders");
    let other = organization("Another Charity");
    store
        .save_service(&rich_service(&org), &event())
        .await
        .unwrap();
    store
        .save_service(&rich_service(&other), &event())
        .await
        .unwrap();
    assert_eq!(store.organization_tenant(org.id).await.unwrap(), None);
    store
        .set_organization_tenant(org.id, Some(t.vcse.id), &event())
        .await
        .unwrap();
    assert_eq!(
        store.organization_tenant(org.id).await.unwrap(),
        Some(t.vcse.id)
    );
    assert_eq!(
        store.organization_tenants().await.unwrap(),
        vec![(org.id, t.vcse.id)]
    );
    let linked = store
        .directory_organizations(Some(t.vcse.id))
        .await
        .unwrap();
    assert_eq!(
        linked.iter().map(|o| o.id).collect::<Vec<_>>(),
        vec![org.id]
    );
    assert_eq!(store.directory_organizations(None).await.unwrap().len(), 2);
    // Re-importing the organisation keeps the link.
    let mut renamed = org.clone();
    renamed.name = "Riverside Befrienders CIO".into();
    store
        .import_directory(
            &mut vec![Ok(DirectoryItem::Organization(renamed))].into_iter(),
            &event(),
        )
        .await
        .unwrap();
    assert_eq!(
        store.organization_tenant(org.id).await.unwrap(),
        Some(t.vcse.id)
    );
    let missing = store
        .set_organization_tenant(id(), Some(OrgId::new()), &event())
        .await;
    assert!(matches!(missing, Err(StorageError::NotFound(_))));
}

/// After a bulk load the planner's statistics are refreshed, whatever was
/// loaded.
pub async fn statistics_are_refreshed_after_bulk_loads(store: &dyn Store) {
    let org = organization("Active Riverside");
    store
        .save_service(&rich_service(&org), &event())
        .await
        .unwrap();
    for loaded in [
        BulkLoaded::Directory,
        BulkLoaded::Postcodes,
        BulkLoaded::Everything,
    ] {
        store.refresh_statistics(loaded).await.unwrap();
    }
    assert_eq!(store.service_count().await.unwrap(), 1);
}

pub async fn many_services_load_in_bulk(store: &dyn Store) {
    let org = organization("Active Riverside");
    let services: Vec<Service> = (0..1200).map(|_| rich_service(&org)).collect();
    let mut items = services
        .iter()
        .cloned()
        .map(|s| Ok(DirectoryItem::Service(Box::new(s))));
    let counts = store.import_directory(&mut items, &event()).await.unwrap();
    assert_eq!(counts.services_created, 1200);
    let loaded = store.all_services().await.unwrap();
    assert_eq!(loaded.len(), 1200);
    let wanted = &services[777];
    let found = loaded.iter().find(|s| s.id == wanted.id).unwrap();
    assert_eq!(found.schedules, wanted.schedules);
    assert_eq!(found.contacts, wanted.contacts);
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let batch = store.services_after(after, 500).await.unwrap();
        let Some(last) = batch.last() else { break };
        after = Some(last.id);
        assert!(batch.windows(2).all(|w| w[0].id < w[1].id), "in id order");
        paged.extend(batch);
    }
    assert_eq!(paged.len(), 1200);
    assert_eq!(paged.iter().find(|s| s.id == wanted.id).unwrap(), found);
    let changes = store.directory_changes_after(0, 500).await.unwrap();
    assert_eq!(changes.len(), 500, "pages of changes");
    let imports = AuditFilter {
        action: Some("directory.import".into()),
        ..Default::default()
    };
    assert_eq!(
        store
            .audit_events(&imports, PageRequest::new(1, 10))
            .await
            .unwrap()
            .total,
        1
    );
}

pub async fn known_ids_are_only_stored_records_of_that_kind(store: &dyn Store) {
    let org = organization("Riverside Friends");
    let service = rich_service(&org);
    let term = service.attributes[0].taxonomy_term_id;
    store.save_service(&service, &event()).await.unwrap();
    with_needs(store).await;
    let stranger = id();
    let known = store
        .known_directory_ids(DirectoryRecord::Organization, &[org.id, stranger, term])
        .await
        .unwrap();
    assert_eq!(known, [org.id].into_iter().collect());
    let known = store
        .known_directory_ids(DirectoryRecord::TaxonomyTerm, &[org.id, stranger, term])
        .await
        .unwrap();
    assert_eq!(known, [term].into_iter().collect());
    // More ids than one statement may bind are asked in several.
    let many: Vec<Uuid> = (0..70_000).map(|_| id()).chain([org.id]).collect();
    let known = store
        .known_directory_ids(DirectoryRecord::Organization, &many)
        .await
        .unwrap();
    assert_eq!(known.len(), 1);
}
