//! The directory through the web: the open ORUK API, link workers'
//! search, and who may change listings, on the demo data.

mod support;

use axum::http::{StatusCode, header};
use linkwork_domain::audit::{Actor, AuditAction, NewAuditEvent};
use linkwork_domain::directory::{Organization, needs};
use linkwork_domain::time::now;
use linkwork_storage::{AuditFilter, DirectoryItem, PageRequest};
use serde_json::Value;
use support::TestApp;

async fn json(app: &TestApp, path: &str) -> (StatusCode, Value, axum::http::HeaderMap) {
    let reply = app.client().get(path).await;
    let body = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
    (reply.status, body, reply.headers)
}

async fn the_open_api_pages_filters_and_is_open_to_all(app: TestApp) {
    let (status, root, headers) = json(&app, "/api/oruk/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(root["version"], "3.0");
    assert_eq!(
        headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).unwrap(),
        "*"
    );

    let (status, page, _) = json(&app, "/api/oruk/services?per_page=7&page=2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["total_items"], 320);
    assert_eq!(page["size"], 7);
    assert_eq!(page["page_number"], 2);
    assert_eq!(page["total_pages"], 46);
    assert_eq!(page["first_page"], false);
    assert_eq!(page["last_page"], false);
    assert!(
        page["contents"][0].get("schedules").is_none(),
        "list items leave out the lists"
    );

    let id = page["contents"][0]["id"].as_str().unwrap().to_owned();
    let (status, service, _) = json(&app, &format!("/api/oruk/services/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        service["schedules"]
            .as_array()
            .is_some_and(|s| !s.is_empty())
    );
    assert!(service["organization"]["name"].is_string());

    // A parent need finds services tagged with its children.
    let money = needs::need_id("money").unwrap();
    let (_, by_need, _) = json(
        &app,
        &format!("/api/oruk/services?taxonomy_term_id={money}&per_page=100"),
    )
    .await;
    let debt = needs::need_id("debt-advice").unwrap().to_string();
    let budgeting = needs::need_id("budgeting").unwrap().to_string();
    let total = by_need["total_items"].as_u64().unwrap();
    assert!(total > 0);
    for s in by_need["contents"].as_array().unwrap() {
        let full = json(
            &app,
            &format!("/api/oruk/services/{}", s["id"].as_str().unwrap()),
        )
        .await
        .1;
        let terms: Vec<String> = full["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["taxonomy_term_id"].as_str().unwrap().to_owned())
            .collect();
        assert!(
            terms.contains(&debt) || terms.contains(&budgeting),
            "{terms:?}"
        );
    }
}

async fn proximity_returns_only_services_within_the_distance_nearest_first(app: TestApp) {
    let (status, page, _) = json(
        &app,
        "/api/oruk/service_at_locations?postcode=RV1%203BQ&proximity=2000&per_page=1000",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let places = page["contents"].as_array().unwrap();
    assert!(!places.is_empty() && places.len() < 320, "{}", places.len());
    let origin = app
        .store()
        .postcode(&"RV1 3BQ".parse().unwrap())
        .await
        .unwrap()
        .unwrap()
        .point;
    let distances: Vec<f64> = places
        .iter()
        .map(|p| {
            let point = linkwork_domain::geo::GeoPoint::new(
                p["location"]["latitude"].as_f64().unwrap(),
                p["location"]["longitude"].as_f64().unwrap(),
            )
            .unwrap();
            point.distance_m(&origin)
        })
        .collect();
    assert!(distances.iter().all(|d| *d <= 2000.0), "{distances:?}");
    assert!(distances.windows(2).all(|w| w[0] <= w[1]), "nearest first");
    let (_, wider, _) = json(
        &app,
        "/api/oruk/service_at_locations?postcode=RV1%203BQ&proximity=8000&per_page=1",
    )
    .await;
    assert!(wider["total_items"].as_u64().unwrap() > places.len() as u64);
}

async fn bad_input_is_a_400_naming_the_parameter_and_unknown_ids_404(app: TestApp) {
    for (query, parameter) in [
        ("per_page=lots", "per_page"),
        ("postcode=NOT%20A%20POSTCODE", "postcode"),
        ("postcode=RV1%203BQ&proximity=-5", "proximity"),
        ("proximity=500", "proximity"),
        ("day=Funday", "day"),
        ("start_time=teatime", "start_time"),
        ("minimum_age=old", "minimum_age"),
        ("modified_after=yesterday", "modified_after"),
        ("full=perhaps", "full"),
    ] {
        let (status, body, headers) = json(&app, &format!("/api/oruk/services?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(body["error"]["parameter"], parameter, "{query}: {body}");
        assert_eq!(body["error"]["code"], "invalid_parameter");
        assert_eq!(
            headers.get(header::CONTENT_TYPE).unwrap(),
            "application/json"
        );
    }
    for path in [
        "/api/oruk/services/00000000-0000-4000-8000-000000000000",
        "/api/oruk/services/not-a-uuid",
        "/api/oruk/taxonomies/00000000-0000-4000-8000-000000000000",
        "/api/oruk/taxonomy_terms/00000000-0000-4000-8000-000000000000",
        "/api/oruk/service_at_locations/00000000-0000-4000-8000-000000000000",
        "/api/oruk/nothing-here",
    ] {
        let (status, body, _) = json(&app, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body["error"]["code"], "not_found");
    }
}

async fn link_workers_find_services_despite_typos_with_reasons(app: TestApp) {
    let mut lw = app.demo_user("linkworker.north@riverside.example").await;
    let page = lw
        .get("/directory?q=gardning&postcode=RV1+3BQ&distance=5")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Community Garden"),
        "typo finds gardening"
    );
    assert!(page.body.contains("close to “gardning”"), "and says why");
    assert!(page.body.contains("miles from RV1 3BQ"));
    let debts = lw.get("/directory?q=debts").await;
    assert!(
        debts.body.contains("Debt Advice"),
        "stemming: debts finds debt advice"
    );
    let bad = lw.get("/directory?postcode=nonsense").await;
    assert!(bad.body.contains("Enter a real postcode"));
    // Commissioners do not search for others: they see what the public
    // sees.
    let mut commissioner = app.demo_user("commissioner@riverside.example").await;
    let public = commissioner.get("/directory?q=gardening").await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.body.contains("refer yourself to a link worker"));
}

async fn the_public_finds_published_listings_and_can_refer_themselves(app: TestApp) {
    let all = app.store().all_services().await.unwrap();
    let befrienders = app
        .store()
        .directory_organizations(None)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.name == "Riverside Befrienders")
        .unwrap();
    let own: Vec<_> = all
        .iter()
        .filter(|s| s.organization_id == Some(befrienders.id))
        .collect();
    let (full, stopped) = (own[0], own[1]);
    // One listing has stopped; another is full, with a note for staff.
    let mut partner = app.demo_user("partner.befrienders@riverside.example").await;
    let mut changed = stopped.clone();
    changed.status = linkwork_domain::directory::ServiceStatus::Inactive;
    app.store()
        .save_service(
            &changed,
            &NewAuditEvent::new(Actor::System, AuditAction::ServiceUpdate, now()),
        )
        .await
        .unwrap();
    app.app.sync_directory().await.unwrap();
    let next_year = (chrono::Utc::now().date_naive() + chrono::Duration::days(365))
        .format("%Y")
        .to_string();
    partner
        .get(&format!("/directory/services/{}/capacity", full.id))
        .await;
    let capacity = partner
        .post(
            &format!("/directory/services/{}/capacity", full.id),
            &[
                ("capacity", "full"),
                ("until_day", "1"),
                ("until_month", "1"),
                ("until_year", &next_year),
                ("capacity_note", "Staff only: Mrs Khan is on the list"),
            ],
        )
        .await;
    assert_eq!(capacity.status, StatusCode::SEE_OTHER, "{}", capacity.body);

    // Without signing in: search, published listings only.
    let mut public = app.client();
    let found = public.get("/directory?q=befriending").await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(found.body.contains("refer yourself to a link worker"));
    assert!(found.body.contains(&full.name));
    assert!(
        !found
            .body
            .contains(&format!("/directory/services/{}\"", stopped.id))
    );
    assert!(!found.body.contains("Include services that have stopped"));
    let closed = public
        .get("/directory?q=befriending&include_closed=yes")
        .await;
    assert!(
        !closed
            .body
            .contains(&format!("/directory/services/{}\"", stopped.id))
    );
    // A listing's page, without what is for staff, offering a referral.
    let page = public
        .get(&format!("/directory/services/{}", full.id))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Refer yourself to a link worker"));
    assert!(page.body.contains("href=\"/refer\""));
    assert!(
        !page.body.contains("Mrs Khan"),
        "capacity notes are for staff"
    );
    assert!(!page.body.contains("Change this listing"));
    assert_eq!(
        public
            .get(&format!("/directory/services/{}", stopped.id))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Staff see both, and the note.
    let mut lw = app.demo_user("linkworker.north@riverside.example").await;
    let staff = lw.get(&format!("/directory/services/{}", full.id)).await;
    assert!(staff.body.contains("Mrs Khan"));
    assert!(!staff.body.contains("Refer yourself to a link worker"));
    let stopped_page = lw.get(&format!("/directory/services/{}", stopped.id)).await;
    assert_eq!(stopped_page.status, StatusCode::OK);

    // A postcode typed with the words is where to search near.
    let near = public.get("/directory?q=gardening+RV1+3BQ").await;
    assert!(near.body.contains("miles from RV1 3BQ"), "{}", near.body);
    let unknown = public.get("/directory?q=gardening+LS1+4AP").await;
    assert!(
        unknown
            .body
            .contains("We do not know where that postcode is"),
        "{}",
        unknown.body
    );

    // The partner's own listings, whatever their status; no one else's.
    let listings = partner.get("/directory/your-listings").await;
    assert_eq!(listings.status, StatusCode::OK);
    for s in &own {
        assert!(listings.body.contains(&s.id.to_string()), "{}", s.name);
    }
    assert!(listings.body.contains("Not running") || listings.body.contains("Inactive"));
    let others = all
        .iter()
        .filter(|s| s.organization_id != Some(befrienders.id))
        .count();
    assert!(others > 0);
    assert_eq!(
        listings.body.matches("href=\"/directory/services/").count(),
        own.len() + 1,
        "its own services and \"Add a service\""
    );
    assert_eq!(
        lw.get("/directory/your-listings").await.status,
        StatusCode::FORBIDDEN
    );
}

async fn partners_edit_only_their_own_listings_and_edits_are_audited(app: TestApp) {
    let all = app.store().all_services().await.unwrap();
    let befrienders = app
        .store()
        .directory_organizations(None)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.name == "Riverside Befrienders")
        .unwrap();
    let own = all
        .iter()
        .find(|s| s.organization_id == Some(befrienders.id))
        .unwrap();
    let other = all
        .iter()
        .find(|s| s.organization_id != Some(befrienders.id))
        .unwrap();

    let mut partner = app.demo_user("partner.befrienders@riverside.example").await;
    assert_eq!(
        partner
            .get(&format!("/directory/services/{}/edit", other.id))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let form = partner
        .get(&format!("/directory/services/{}/edit", own.id))
        .await;
    assert_eq!(form.status, StatusCode::OK);
    let refused = partner
        .post(
            &format!("/directory/services/{}/edit", other.id),
            &[("name", "Hijacked")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.store().service(other.id).await.unwrap().unwrap().name,
        other.name,
        "unchanged"
    );

    let need = needs::need_id("befriending").unwrap().to_string();
    let bad = partner
        .post(
            &format!("/directory/services/{}/edit", own.id),
            &[
                ("name", ""),
                ("description", "Tea and company"),
                ("status", "active"),
                ("needs", &need),
                ("opens_tu", "10:00"),
                ("closes_tu", "09:00"),
                ("postcode", "XYZ"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "Enter the name of the service",
        "Tuesday closing time must be after its opening time",
        "Enter a real postcode",
    ] {
        assert!(bad.body.contains(message), "{message}");
    }
    assert!(bad.body.contains("Tea and company"), "typed text kept");

    let saved = partner
        .post(
            &format!("/directory/services/{}/edit", own.id),
            &[
                ("name", "Tuesday Friendship Club"),
                ("description", "Tea, chat and company every Tuesday"),
                ("status", "active"),
                ("needs", &need),
                ("free", "yes"),
                ("address_1", "1 Mill Lane"),
                ("city", "Riverside"),
                ("postcode", "rv1 3bq"),
                ("access", "step-free"),
                ("languages", "English, Polish"),
                ("opens_tu", "10:00"),
                ("closes_tu", "12:00"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let stored = app.store().service(own.id).await.unwrap().unwrap();
    assert_eq!(stored.name, "Tuesday Friendship Club");
    assert!(
        stored.last_modified > own.last_modified,
        "last_modified moves on"
    );
    assert_eq!(
        stored.service_at_locations[0].location.addresses[0].postal_code,
        "RV1 3BQ"
    );
    assert_eq!(stored.schedules[0].byday.as_deref(), Some("TU"));
    assert!(stored.is_free());
    // This instance's search sees the change at once.
    let mut lw = app.demo_user("linkworker.north@riverside.example").await;
    let found = lw
        .get("/directory?q=friendship&language=Polish&free=yes&day=TU")
        .await;
    assert!(
        found.body.contains("Tuesday Friendship Club"),
        "{}",
        found.body
    );
    let log = app
        .store()
        .audit_events(
            &linkwork_storage::AuditFilter {
                action: Some("directory.service_update".into()),
                entity_id: Some(own.id.to_string()),
                ..Default::default()
            },
            linkwork_storage::PageRequest::new(1, 5),
        )
        .await
        .unwrap();
    assert_eq!(log.total, 1);
    assert_eq!(
        log.items[0].actor_label,
        "partner.befrienders@riverside.example"
    );

    // A directory manager may change any listing.
    let mut manager = app.demo_user("directory@riverside.example").await;
    assert_eq!(
        manager
            .get(&format!("/directory/services/{}/edit", other.id))
            .await
            .status,
        StatusCode::OK
    );
}

async fn directory_managers_link_organisations_to_partners_a_page_at_a_time(app: TestApp) {
    let store = app.store();
    // More organisations than a page holds.
    let mut extra = (0..30).map(|i| {
        Ok(DirectoryItem::Organization(Organization {
            id: uuid::Uuid::new_v4(),
            name: format!("Test Group {i}"),
            description: "A group".into(),
            ..Default::default()
        }))
    });
    let audit = NewAuditEvent::new(Actor::Cli, AuditAction::DirectoryImport, now());
    store.import_directory(&mut extra, &audit).await.unwrap();
    let orgs = store.directory_organizations(None).await.unwrap();
    let mut manager = app.demo_user("directory@riverside.example").await;

    let first = manager.get("/directory/organisations").await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(
        first
            .body
            .contains(&format!("{} organisations", orgs.len()))
    );
    assert_eq!(first.body.matches("name=\"partner\"").count(), 25);
    assert!(
        first
            .body
            .contains("href=\"/directory/organisations?page=2\"")
    );

    let found = manager
        .get("/directory/organisations?name=befrienders")
        .await;
    assert!(
        found
            .body
            .contains("1 organisation with \"befrienders\" in the name."),
        "{}",
        found.body
    );
    let befrienders = orgs
        .iter()
        .find(|o| o.name == "Riverside Befrienders")
        .unwrap();
    assert!(found.body.contains(&format!(
        "/directory/organisations/{}/partner",
        befrienders.id
    )));
    assert_eq!(
        found.body.matches("name=\"partner\"").count(),
        orgs.iter()
            .filter(|o| o.name.to_lowercase().contains("befrienders"))
            .count()
    );

    // Only a community organisation can keep listings; the link is shown.
    let linkwork_orgs = store.list_organisations(None).await.unwrap();
    let named = |name: &str| linkwork_orgs.iter().find(|o| o.name == name).unwrap();
    let (council, garden) = (
        named("Riverside City Council"),
        named("Green Shoots Community Garden"),
    );
    let refused = manager
        .post(
            &format!("/directory/organisations/{}/partner", befrienders.id),
            &[("partner", &council.id.to_string())],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_ne!(
        store.organization_tenant(befrienders.id).await.unwrap(),
        Some(council.id),
        "nothing changed"
    );
    let linked = manager
        .post(
            &format!("/directory/organisations/{}/partner", befrienders.id),
            &[
                ("partner", &garden.id.to_string()),
                ("name", "Riverside Befrienders"),
            ],
        )
        .await;
    assert_eq!(linked.status, StatusCode::SEE_OTHER, "{}", linked.body);
    assert_eq!(
        linked.location(),
        Some("/directory/organisations?name=Riverside+Befrienders&done=linked"),
        "back to the same search"
    );
    assert_eq!(
        store.organization_tenant(befrienders.id).await.unwrap(),
        Some(garden.id)
    );
    let shown = manager
        .get("/directory/organisations?name=Riverside+Befrienders")
        .await;
    assert!(
        shown
            .body
            .contains(&format!("value=\"{}\" selected", garden.id))
    );
    let none = manager.get("/directory/organisations?name=zzzz").await;
    assert!(
        none.body
            .contains("No organisation's name contains \"zzzz\""),
        "{}",
        none.body
    );
}

/// Issue 11 part 1b: the directory manager edits the everyday words, the
/// change is audited, and searches use it at once.
async fn directory_managers_edit_the_search_s_everyday_words(app: TestApp) {
    let mut worker = app.demo_user("linkworker.north@riverside.example").await;
    assert!(
        worker
            .get("/directory?q=copd")
            .await
            .body
            .contains("Breathe Easy"),
        "the shipped list"
    );
    assert!(
        !worker
            .get("/directory?q=warble")
            .await
            .body
            .contains("Community Choir")
    );

    let mut manager = app.demo_user("directory@riverside.example").await;
    let page = manager.get("/directory/synonyms").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("the list Linkwork ships"));
    assert!(page.body.contains("copd"));

    let refused = manager
        .post(
            "/directory/synonyms",
            &[(
                "synonyms",
                "[[link]]\nwords = [\"warble\"]\nneeds = [\"humming\"]",
            )],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("there is no need with the code “humming”"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("warble"), "what was typed is kept");
    assert_eq!(app.store().search_synonyms().await.unwrap(), None);

    let mine = "[[link]]\nwords = [\"warble\"]\nterms = [\"choir\"]\n";
    let saved = manager
        .post("/directory/synonyms", &[("synonyms", mine)])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.store().search_synonyms().await.unwrap().unwrap().text,
        mine
    );
    let found = worker.get("/directory?q=warble").await;
    assert!(found.body.contains("Community Choir"));
    assert!(found.body.contains("(for “warble”)"), "{}", found.body);
    assert!(
        !worker
            .get("/directory?q=copd")
            .await
            .body
            .contains("Breathe Easy"),
        "the saved list replaces the shipped one"
    );
    let changes = app
        .store()
        .audit_events(
            &AuditFilter {
                action: Some(AuditAction::SearchSynonymsChange.code().to_owned()),
                ..Default::default()
            },
            PageRequest::new(1, 10),
        )
        .await
        .unwrap();
    assert_eq!(
        changes.total, 1,
        "audited once: the refused list changed nothing"
    );
}

on_both_backends_with_demo!(
    directory_managers_edit_the_search_s_everyday_words,
    the_open_api_pages_filters_and_is_open_to_all,
    proximity_returns_only_services_within_the_distance_nearest_first,
    bad_input_is_a_400_naming_the_parameter_and_unknown_ids_404,
    link_workers_find_services_despite_typos_with_reasons,
    the_public_finds_published_listings_and_can_refer_themselves,
    partners_edit_only_their_own_listings_and_edits_are_audited,
    directory_managers_link_organisations_to_partners_a_page_at_a_time,
);
