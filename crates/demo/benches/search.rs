//! Directory search at national scale, in memory: 100,000 generated
//! services, the queries of bench/search.lua. `cargo bench -p linkwork-demo`
use criterion::{Criterion, criterion_group, criterion_main};
use linkwork_domain::directory::needs::{self, need_id};
use linkwork_domain::geo::GeoPoint;
use linkwork_search::{Doc, Query, SearchIndex};

fn index(count: usize) -> (SearchIndex, Vec<GeoPoint>) {
    let providers: Vec<_> = (0..count / 40)
        .map(|i| linkwork_domain::directory::Organization {
            id: uuid::Uuid::from_u128(i as u128 + 1),
            name: format!("Community Provider {i}"),
            description: "x".into(),
            ..Default::default()
        })
        .collect();
    let places = linkwork_demo::postcodes::national_places(count * 2);
    let services = linkwork_demo::services::generate(count, &providers, &places);
    let mut index = SearchIndex::new();
    index.set_terms(needs::terms());
    for s in &services {
        let doc = Doc::from_service(s, |id| index.term_names(id));
        index.upsert(doc);
    }
    let points = places
        .iter()
        .take(100)
        .map(|p| GeoPoint::new(p.lat, p.lon).unwrap())
        .collect();
    (index, points)
}

fn search(c: &mut Criterion) {
    let (index, points) = index(100_000);
    let queries: Vec<(&str, Query)> = vec![
        (
            "typo + need + 25 miles",
            Query {
                text: Some("gardning".into()),
                needs: vec![need_id("community-gardening").unwrap()],
                near: Some(points[0]),
                within_m: Some(25.0 * 1609.344),
                per_page: 20,
                ..Default::default()
            },
        ),
        (
            "stem + need + 10 miles",
            Query {
                text: Some("debts".into()),
                needs: vec![need_id("debt-advice").unwrap()],
                near: Some(points[1]),
                within_m: Some(10.0 * 1609.344),
                per_page: 20,
                ..Default::default()
            },
        ),
        (
            "two words + 25 miles",
            Query {
                text: Some("health walks".into()),
                near: Some(points[2]),
                within_m: Some(25.0 * 1609.344),
                per_page: 20,
                ..Default::default()
            },
        ),
        (
            "common word, no filters",
            Query {
                text: Some("community".into()),
                per_page: 20,
                ..Default::default()
            },
        ),
        (
            "filters only",
            Query {
                near: Some(points[3]),
                within_m: Some(5.0 * 1609.344),
                free_only: true,
                per_page: 20,
                ..Default::default()
            },
        ),
    ];
    let mut group = c.benchmark_group("directory search, 100,000 services");
    for (name, query) in &queries {
        group.bench_function(*name, |b| b.iter(|| index.search(query)));
    }
    group.finish();
}

criterion_group!(benches, search);
criterion_main!(benches);
