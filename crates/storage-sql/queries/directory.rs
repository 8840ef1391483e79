use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use linkwork_domain::OrgId;
use linkwork_domain::audit::NewAuditEvent;
use linkwork_domain::directory::*;
use linkwork_domain::time::now;
use linkwork_storage::{
    DirectoryChange, DirectoryItem, DirectoryRecord, DirectoryStore, ImportCounts, StorageError,
    StorageResult,
};
use linkwork_storage_sql::batch::last_of_each;
use linkwork_storage_sql::directory::{columns as col, *};
use sqlx::QueryBuilder;
use uuid::Uuid;

use super::audit::insert as insert_audit;
use super::{Connection, backend, insert_rows, push_in};
use crate::dialect::{self, Db, FOR_UPDATE, MAX_PARAMS, Store};

/// Services written per batch during an import.
const IMPORT_BATCH: usize = 500;

/// `DELETE FROM table WHERE column IN (ids)`.
async fn delete_where_in(
    conn: &mut Connection,
    table: &str,
    column: &str,
    ids: &[Uuid],
) -> StorageResult<()> {
    for chunk in ids.chunks(MAX_PARAMS) {
        let mut query = QueryBuilder::<Db>::new(format!("DELETE FROM {table} WHERE "));
        push_in(&mut query, column, chunk);
        query.build().execute(&mut *conn).await.map_err(backend)?;
    }
    Ok(())
}

async fn upsert_organizations(conn: &mut Connection, orgs: &[&Organization]) -> StorageResult<()> {
    if orgs.is_empty() {
        return Ok(());
    }
    // The tenant link is Linkwork's own and survives re-imports.
    insert_rows(conn, "dir_organizations", col::ORGANIZATIONS, orgs,
        " ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description, email = excluded.email, \
         website = excluded.website, logo = excluded.logo, uri = excluded.uri, parent_organization_id = excluded.parent_organization_id",
        |b, o| {
            b.push_bind(o.id)
                .push_bind(o.name.as_str())
                .push_bind(o.description.as_str())
                .push_bind(o.email.as_deref())
                .push_bind(o.website.as_deref())
                .push_bind(o.logo.as_deref())
                .push_bind(o.uri.as_deref())
                .push_bind(o.parent_organization_id);
        },
    )
    .await
    .map_err(backend)?;
    let ids: Vec<Uuid> = orgs.iter().map(|o| o.id).collect();
    delete_where_in(
        conn,
        "dir_organization_identifiers",
        "organization_id",
        &ids,
    )
    .await?;
    let identifiers: Vec<(Uuid, i64, &OrganizationIdentifier)> = orgs
        .iter()
        .flat_map(|o| {
            o.organization_identifiers
                .iter()
                .enumerate()
                .map(move |(i, x)| (o.id, i as i64, x))
        })
        .collect();
    insert_rows(
        conn,
        "dir_organization_identifiers",
        col::ORGANIZATION_IDENTIFIERS,
        &identifiers,
        "",
        |b, (org, pos, x)| {
            b.push_bind(*org)
                .push_bind(*pos)
                .push_bind(x.id)
                .push_bind(x.identifier_scheme.as_deref())
                .push_bind(x.identifier_type.as_str())
                .push_bind(x.identifier.as_str());
        },
    )
    .await
    .map_err(backend)
}

async fn upsert_taxonomies(conn: &mut Connection, taxonomies: &[&Taxonomy]) -> StorageResult<()> {
    insert_rows(conn, "dir_taxonomies", col::TAXONOMIES, taxonomies,
        " ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description, uri = excluded.uri, version = excluded.version",
        |b, t| {
            b.push_bind(t.id)
                .push_bind(t.name.as_str())
                .push_bind(t.description.as_str())
                .push_bind(t.uri.as_deref())
                .push_bind(t.version.as_deref());
        },
    )
    .await
    .map_err(backend)
}

async fn upsert_terms(conn: &mut Connection, terms: &[&TaxonomyTerm]) -> StorageResult<()> {
    insert_rows(conn, "dir_taxonomy_terms", col::TAXONOMY_TERMS, terms,
        " ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description, parent_id = excluded.parent_id, \
         taxonomy = excluded.taxonomy, taxonomy_id = excluded.taxonomy_id, term_uri = excluded.term_uri, term = excluded.term",
        |b, t| {
            b.push_bind(t.id)
                .push_bind(t.name.as_str())
                .push_bind(t.description.as_str())
                .push_bind(t.parent_id)
                .push_bind(t.taxonomy.as_deref())
                .push_bind(t.taxonomy_id)
                .push_bind(t.term_uri.as_deref())
                .push_bind(t.term.as_deref());
        },
    )
    .await
    .map_err(backend)
}

/// Rows of one kind of child, tagged with their owner and position.
fn children<'a, T>(
    services: &'a [&Service],
    list: impl Fn(&'a Service) -> &'a [T],
) -> Vec<(Uuid, i64, &'a T)> {
    services
        .iter()
        .flat_map(|s| {
            list(s)
                .iter()
                .enumerate()
                .map(move |(i, x)| (s.id, i as i64, x))
        })
        .collect()
}

/// Writes services (replacing any with the same ids) with their
/// organisations, locations and children. Returns how many were new. The
/// caller logs the change with [`log_changes`].
async fn write_services(conn: &mut Connection, services: &[&Service]) -> StorageResult<u64> {
    if services.is_empty() {
        return Ok(0);
    }
    let at = now();
    let ids: Vec<Uuid> = services.iter().map(|s| s.id).collect();
    let mut existing = HashSet::new();
    for chunk in ids.chunks(MAX_PARAMS) {
        let mut query = QueryBuilder::<Db>::new("SELECT id FROM dir_services WHERE ");
        push_in(&mut query, "id", chunk);
        let found: Vec<Uuid> = query
            .build_query_scalar()
            .fetch_all(&mut *conn)
            .await
            .map_err(backend)?;
        existing.extend(found);
    }

    let orgs = last_of_each(
        services
            .iter()
            .filter_map(|s| s.organization.as_ref())
            .collect(),
        |o| o.id,
    );
    upsert_organizations(conn, &orgs).await?;

    insert_rows(conn, "dir_services", col::SERVICES, services,
        " ON CONFLICT (id) DO UPDATE SET organization_id = excluded.organization_id, name = excluded.name, \
         description = excluded.description, url = excluded.url, email = excluded.email, status = excluded.status, \
         fees = excluded.fees, accreditations = excluded.accreditations, eligibility_description = excluded.eligibility_description, \
         minimum_age = excluded.minimum_age, maximum_age = excluded.maximum_age, application_process = excluded.application_process, \
         wait_time = excluded.wait_time, assured_date = excluded.assured_date, assurer_email = excluded.assurer_email, \
         alert = excluded.alert, last_modified = excluded.last_modified",
        |b, s| {
            b.push_bind(s.id)
                .push_bind(s.organization_id)
                .push_bind(s.name.as_str())
                .push_bind(s.description.as_deref())
                .push_bind(s.url.as_deref())
                .push_bind(s.email.as_deref())
                .push_bind(s.status.code())
                .push_bind(s.fees.as_deref())
                .push_bind(s.accreditations.as_deref())
                .push_bind(s.eligibility_description.as_deref())
                .push_bind(s.minimum_age)
                .push_bind(s.maximum_age)
                .push_bind(s.application_process.as_deref())
                .push_bind(s.wait_time.as_deref())
                .push_bind(s.assured_date.as_deref())
                .push_bind(s.assurer_email.as_deref())
                .push_bind(s.alert.as_deref())
                .push_bind(s.last_modified.unwrap_or(at));
        },
    )
    .await
    .map_err(backend)?;

    for table in [
        "dir_service_at_locations",
        "dir_schedules",
        "dir_cost_options",
        "dir_contacts",
        "dir_phones",
        "dir_languages",
        "dir_service_areas",
        "dir_funding",
        "dir_service_attributes",
    ] {
        delete_where_in(conn, table, "service_id", &ids).await?;
    }

    let locations = last_of_each(
        services
            .iter()
            .flat_map(|s| s.service_at_locations.iter().map(|sal| &sal.location))
            .collect(),
        |l| l.id,
    );
    insert_rows(conn, "dir_locations", col::LOCATIONS, &locations,
        " ON CONFLICT (id) DO UPDATE SET location_type = excluded.location_type, name = excluded.name, description = excluded.description, \
         latitude = excluded.latitude, longitude = excluded.longitude, external_identifier = excluded.external_identifier, \
         external_identifier_type = excluded.external_identifier_type",
        |b, l| {
            b.push_bind(l.id)
                .push_bind(l.location_type.code())
                .push_bind(l.name.as_deref())
                .push_bind(l.description.as_deref())
                .push_bind(l.latitude)
                .push_bind(l.longitude)
                .push_bind(l.external_identifier.as_deref())
                .push_bind(l.external_identifier_type.as_deref());
        },
    )
    .await
    .map_err(backend)?;
    let location_ids: Vec<Uuid> = locations.iter().map(|l| l.id).collect();
    delete_where_in(conn, "dir_addresses", "location_id", &location_ids).await?;
    delete_where_in(conn, "dir_accessibility", "location_id", &location_ids).await?;
    let addresses: Vec<(Uuid, i64, &Address)> = locations
        .iter()
        .flat_map(|l| {
            l.addresses
                .iter()
                .enumerate()
                .map(move |(i, a)| (l.id, i as i64, a))
        })
        .collect();
    insert_rows(
        conn,
        "dir_addresses",
        col::ADDRESSES,
        &addresses,
        "",
        |b, (loc, pos, a)| {
            b.push_bind(*loc)
                .push_bind(*pos)
                .push_bind(a.id)
                .push_bind(a.attention.as_deref())
                .push_bind(a.address_1.as_str())
                .push_bind(a.address_2.as_deref())
                .push_bind(a.city.as_str())
                .push_bind(a.region.as_deref())
                .push_bind(a.state_province.as_str())
                .push_bind(a.postal_code.as_str())
                .push_bind(a.country.as_str())
                .push_bind(a.address_type.code());
        },
    )
    .await
    .map_err(backend)?;
    let accessibility: Vec<(Uuid, i64, &Accessibility)> = locations
        .iter()
        .flat_map(|l| {
            l.accessibility
                .iter()
                .enumerate()
                .map(move |(i, a)| (l.id, i as i64, a))
        })
        .collect();
    insert_rows(
        conn,
        "dir_accessibility",
        col::ACCESSIBILITY,
        &accessibility,
        "",
        |b, (loc, pos, a)| {
            b.push_bind(*loc)
                .push_bind(*pos)
                .push_bind(a.id)
                .push_bind(a.description.as_deref())
                .push_bind(a.details.as_deref())
                .push_bind(a.url.as_deref())
                .push_bind(a.accessibility.as_deref());
        },
    )
    .await
    .map_err(backend)?;

    let sals = children(services, |s| &s.service_at_locations);
    insert_rows(conn, "dir_service_at_locations", col::SERVICE_AT_LOCATIONS, &sals,
        " ON CONFLICT (id) DO UPDATE SET service_id = excluded.service_id, position = excluded.position, location_id = excluded.location_id",
        |b, (sid, pos, sal)| {
            b.push_bind(*sid).push_bind(*pos).push_bind(sal.id).push_bind(sal.location.id);
        },
    )
    .await
    .map_err(backend)?;
    let schedules = children(services, |s| &s.schedules);
    insert_rows(
        conn,
        "dir_schedules",
        col::SCHEDULES,
        &schedules,
        "",
        |b, (sid, pos, x)| {
            b.push_bind(*sid)
                .push_bind(*pos)
                .push_bind(x.id)
                .push_bind(x.service_at_location_id)
                .push_bind(x.valid_from.as_deref())
                .push_bind(x.valid_to.as_deref())
                .push_bind(x.dtstart.as_deref())
                .push_bind(x.freq.as_deref())
                .push_bind(x.interval)
                .push_bind(x.byday.as_deref())
                .push_bind(x.bymonthday.as_deref())
                .push_bind(x.description.as_deref())
                .push_bind(x.opens_at.as_deref())
                .push_bind(x.closes_at.as_deref())
                .push_bind(x.schedule_link.as_deref())
                .push_bind(x.attending_type.as_deref())
                .push_bind(x.notes.as_deref());
        },
    )
    .await
    .map_err(backend)?;
    let costs = children(services, |s| &s.cost_options);
    insert_rows(
        conn,
        "dir_cost_options",
        col::COST_OPTIONS,
        &costs,
        "",
        |b, (sid, pos, x)| {
            b.push_bind(*sid)
                .push_bind(*pos)
                .push_bind(x.id)
                .push_bind(x.valid_from.as_deref())
                .push_bind(x.valid_to.as_deref())
                .push_bind(x.option.as_deref())
                .push_bind(x.amount)
                .push_bind(x.amount_description.as_deref());
        },
    )
    .await
    .map_err(backend)?;
    let contacts = children(services, |s| &s.contacts);
    insert_rows(
        conn,
        "dir_contacts",
        col::CONTACTS,
        &contacts,
        "",
        |b, (sid, pos, x)| {
            b.push_bind(*sid)
                .push_bind(*pos)
                .push_bind(x.id)
                .push_bind(x.name.as_deref())
                .push_bind(x.title.as_deref())
                .push_bind(x.email.as_deref());
        },
    )
    .await
    .map_err(backend)?;
    // Service phones, then each contact's, all in one table.
    let mut phones: Vec<(Uuid, i64, Option<Uuid>, &Phone)> = Vec::new();
    for s in services {
        let own = s.phones.iter().map(|p| (None, p));
        let contacts = s
            .contacts
            .iter()
            .flat_map(|c| c.phones.iter().map(move |p| (Some(c.id), p)));
        for (i, (contact, phone)) in own.chain(contacts).enumerate() {
            phones.push((s.id, i as i64, contact, phone));
        }
    }
    insert_rows(
        conn,
        "dir_phones",
        col::PHONES,
        &phones,
        "",
        |b, (sid, pos, contact, p)| {
            b.push_bind(*sid)
                .push_bind(*pos)
                .push_bind(p.id)
                .push_bind(*contact)
                .push_bind(p.number.as_str())
                .push_bind(p.description.as_deref());
        },
    )
    .await
    .map_err(backend)?;
    let languages = children(services, |s| &s.languages);
    insert_rows(
        conn,
        "dir_languages",
        col::LANGUAGES,
        &languages,
        "",
        |b, (sid, pos, x)| {
            b.push_bind(*sid)
                .push_bind(*pos)
                .push_bind(x.id)
                .push_bind(x.name.as_deref())
                .push_bind(x.code.as_deref())
                .push_bind(x.note.as_deref());
        },
    )
    .await
    .map_err(backend)?;
    let areas = children(services, |s| &s.service_areas);
    insert_rows(
        conn,
        "dir_service_areas",
        col::SERVICE_AREAS,
        &areas,
        "",
        |b, (sid, pos, x)| {
            b.push_bind(*sid)
                .push_bind(*pos)
                .push_bind(x.id)
                .push_bind(x.name.as_deref())
                .push_bind(x.extent.as_deref())
                .push_bind(x.extent_type.as_deref())
                .push_bind(x.uri.as_deref())
                .push_bind(x.service_area.as_deref());
        },
    )
    .await
    .map_err(backend)?;
    let funding = children(services, |s| &s.funding);
    insert_rows(
        conn,
        "dir_funding",
        col::FUNDING,
        &funding,
        "",
        |b, (sid, pos, x)| {
            b.push_bind(*sid)
                .push_bind(*pos)
                .push_bind(x.id)
                .push_bind(x.source.as_deref());
        },
    )
    .await
    .map_err(backend)?;
    let attributes = children(services, |s| &s.attributes);
    insert_rows(
        conn,
        "dir_service_attributes",
        col::ATTRIBUTES,
        &attributes,
        "",
        |b, (sid, pos, x)| {
            b.push_bind(*sid)
                .push_bind(*pos)
                .push_bind(x.id)
                .push_bind(x.taxonomy_term_id)
                .push_bind(x.link_type.as_deref());
        },
    )
    .await
    .map_err(backend)?;
    Ok(ids.iter().filter(|id| !existing.contains(*id)).count() as u64)
}

/// Gives each partial service (`partial`: its place in `services` and the
/// lists it left out) those lists from the copy of it before it in
/// `services`, or else from what `tx` reads as stored: earlier batches of
/// the same import included.
async fn keep_lists(
    tx: &mut Connection,
    services: &mut [Service],
    partial: Vec<(usize, Vec<ServiceList>)>,
) -> StorageResult<()> {
    if partial.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = distinct(partial.iter().map(|(i, _)| services[*i].id));
    for chunk in ids.chunks(MAX_PARAMS) {
        let mut query = QueryBuilder::<Db>::new("SELECT id FROM dir_services WHERE ");
        push_in(&mut query, "id", chunk);
        query.push(FOR_UPDATE);
        query.build().fetch_all(&mut *tx).await.map_err(backend)?;
    }
    let stored: HashMap<Uuid, Service> = load_services_in(tx, Some(&ids))
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    for (i, keep) in partial {
        let (before, rest) = services.split_at_mut(i);
        let service = &mut rest[0];
        let earlier = before.iter().rev().find(|s| s.id == service.id);
        if let Some(from) = earlier.or_else(|| stored.get(&service.id)) {
            service.keep_lists(from, &keep);
        }
    }
    Ok(())
}

/// Logs that services changed, for other instances to follow; call it last,
/// just before committing. Followers read changes after the last sequence
/// number they saw, so numbers must be taken in commit order: otherwise a
/// transaction that took a lower number but committed later would never be
/// seen: `dialect::lock_change_log` makes that so.
pub(super) async fn log_changes(conn: &mut Connection, ids: &[Uuid]) -> StorageResult<()> {
    dialect::lock_change_log(conn).await.map_err(backend)?;
    let at = now();
    insert_rows(
        conn,
        "dir_changes",
        "service_id, changed_at",
        ids,
        "",
        |b, id| {
            b.push_bind(*id).push_bind(at);
        },
    )
    .await
    .map_err(backend)
}

/// `SELECT columns FROM table [WHERE key IN (ids)]`.
async fn select<T>(
    conn: &mut Connection,
    columns: &str,
    table: &str,
    key: &str,
    ids: Option<&[Uuid]>,
) -> StorageResult<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, super::DbRow> + Send + Unpin,
{
    let Some(ids) = ids else {
        return sqlx::query_as(&format!("SELECT {columns} FROM {table}"))
            .fetch_all(&mut *conn)
            .await
            .map_err(backend);
    };
    let mut rows = Vec::new();
    for chunk in ids.chunks(MAX_PARAMS) {
        let mut query = QueryBuilder::<Db>::new(format!("SELECT {columns} FROM {table} WHERE "));
        push_in(&mut query, key, chunk);
        rows.extend(
            query
                .build_query_as::<T>()
                .fetch_all(&mut *conn)
                .await
                .map_err(backend)?,
        );
    }
    Ok(rows)
}

fn distinct(ids: impl Iterator<Item = Uuid>) -> Vec<Uuid> {
    let set: HashSet<Uuid> = ids.collect();
    set.into_iter().collect()
}

/// Loads the services with `ids` (every service when `None`), whole.
async fn load_services(store: &Store, ids: Option<&[Uuid]>) -> StorageResult<Vec<Service>> {
    // One snapshot, so a save committed part-way cannot mix two versions.
    let mut tx = dialect::begin_snapshot(&store.pool)
        .await
        .map_err(backend)?;
    let services = load_services_in(&mut tx, ids).await?;
    tx.commit().await.map_err(backend)?;
    Ok(services)
}

/// Loads services as `conn` sees them (a snapshot, or a writing
/// transaction).
async fn load_services_in(
    tx: &mut Connection,
    ids: Option<&[Uuid]>,
) -> StorageResult<Vec<Service>> {
    let mut rows = ServiceRows {
        services: select(tx, col::SERVICES, "dir_services", "id", ids).await?,
        ..Default::default()
    };
    if rows.services.is_empty() {
        return Ok(Vec::new());
    }
    let service_ids: Vec<Uuid> = rows.services.iter().map(|s| s.id).collect();
    // Loading everything, filtering by id would only slow the queries down.
    let by = ids.map(|_| service_ids.as_slice());
    rows.service_at_locations = select(
        tx,
        col::SERVICE_AT_LOCATIONS,
        "dir_service_at_locations",
        "service_id",
        by,
    )
    .await?;
    rows.schedules = select(tx, col::SCHEDULES, "dir_schedules", "service_id", by).await?;
    rows.cost_options = select(tx, col::COST_OPTIONS, "dir_cost_options", "service_id", by).await?;
    rows.contacts = select(tx, col::CONTACTS, "dir_contacts", "service_id", by).await?;
    rows.phones = select(tx, col::PHONES, "dir_phones", "service_id", by).await?;
    rows.languages = select(tx, col::LANGUAGES, "dir_languages", "service_id", by).await?;
    rows.service_areas = select(
        tx,
        col::SERVICE_AREAS,
        "dir_service_areas",
        "service_id",
        by,
    )
    .await?;
    rows.funding = select(tx, col::FUNDING, "dir_funding", "service_id", by).await?;
    rows.attributes = select(
        tx,
        col::ATTRIBUTES,
        "dir_service_attributes",
        "service_id",
        by,
    )
    .await?;
    let location_ids = distinct(rows.service_at_locations.iter().map(|s| s.location_id));
    let org_ids = distinct(rows.services.iter().filter_map(|s| s.organization_id));
    let term_ids = distinct(rows.attributes.iter().map(|a| a.taxonomy_term_id));
    let (locs, orgs, terms) = match ids {
        Some(_) => (
            Some(location_ids.as_slice()),
            Some(org_ids.as_slice()),
            Some(term_ids.as_slice()),
        ),
        None => (None, None, None),
    };
    rows.locations = select(tx, col::LOCATIONS, "dir_locations", "id", locs).await?;
    rows.addresses = select(tx, col::ADDRESSES, "dir_addresses", "location_id", locs).await?;
    rows.accessibility = select(
        tx,
        col::ACCESSIBILITY,
        "dir_accessibility",
        "location_id",
        locs,
    )
    .await?;
    rows.organizations = select(tx, col::ORGANIZATIONS, "dir_organizations", "id", orgs).await?;
    rows.organization_identifiers = select(
        tx,
        col::ORGANIZATION_IDENTIFIERS,
        "dir_organization_identifiers",
        "organization_id",
        orgs,
    )
    .await?;
    rows.terms = select(tx, col::TAXONOMY_TERMS, "dir_taxonomy_terms", "id", terms).await?;
    Ok(rows.assemble())
}

#[async_trait]
impl DirectoryStore for Store {
    async fn save_service(&self, service: &Service, audit: &NewAuditEvent) -> StorageResult<bool> {
        let mut tx = self.write().await?;
        let created = write_services(&mut tx, &[service]).await? == 1;
        // A feed's listing changed here is not overwritten by the feed's
        // next reading without the directory manager saying so.
        sqlx::query(
            "UPDATE directory_feed_services SET edited_locally_at = $1 WHERE service_id = $2",
        )
        .bind(audit.at)
        .bind(service.id)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        insert_audit(&mut tx, audit).await?;
        log_changes(&mut tx, &[service.id]).await?;
        tx.commit().await.map_err(backend)?;
        Ok(created)
    }

    async fn import_directory(
        &self,
        items: &mut (dyn Iterator<Item = Result<DirectoryItem, String>> + Send),
        audit: &NewAuditEvent,
    ) -> StorageResult<ImportCounts> {
        let mut tx = self.write().await?;
        let mut counts = ImportCounts::default();
        let mut changed = Vec::new();
        loop {
            let batch: Vec<DirectoryItem> = items
                .take(IMPORT_BATCH)
                .collect::<Result<_, _>>()
                .map_err(StorageError::Aborted)?;
            if batch.is_empty() {
                break;
            }
            let (mut orgs, mut taxonomies, mut terms, mut services) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            let mut partial = Vec::new();
            for item in batch {
                match item {
                    DirectoryItem::Organization(o) => orgs.push(o),
                    DirectoryItem::Taxonomy(t) => taxonomies.push(t),
                    DirectoryItem::Term(t) => terms.push(t),
                    DirectoryItem::Service(s) => services.push(*s),
                    DirectoryItem::PartialService { service, keep } => {
                        partial.push((services.len(), keep));
                        services.push(*service);
                    }
                }
            }
            keep_lists(&mut tx, &mut services, partial).await?;
            let (orgs, taxonomies, terms, services): (Vec<_>, Vec<_>, Vec<_>, Vec<_>) = (
                orgs.iter().collect(),
                taxonomies.iter().collect(),
                terms.iter().collect(),
                services.iter().collect(),
            );
            let orgs = last_of_each(orgs, |o| o.id);
            let taxonomies = last_of_each(taxonomies, |t| t.id);
            let terms = last_of_each(terms, |t| t.id);
            let services = last_of_each(services, |s| s.id);
            upsert_organizations(&mut tx, &orgs).await?;
            upsert_taxonomies(&mut tx, &taxonomies).await?;
            upsert_terms(&mut tx, &terms).await?;
            let created = write_services(&mut tx, &services).await?;
            changed.extend(services.iter().map(|s| s.id));
            counts.organizations += orgs.len() as u64;
            counts.taxonomies += taxonomies.len() as u64;
            counts.taxonomy_terms += terms.len() as u64;
            counts.services_created += created;
            counts.services_updated += services.len() as u64 - created;
        }
        insert_audit(&mut tx, audit).await?;
        if !changed.is_empty() {
            log_changes(&mut tx, &changed).await?;
        }
        tx.commit().await.map_err(backend)?;
        Ok(counts)
    }

    async fn known_directory_ids(
        &self,
        kind: DirectoryRecord,
        ids: &[Uuid],
    ) -> StorageResult<HashSet<Uuid>> {
        let table = match kind {
            DirectoryRecord::Organization => "dir_organizations",
            DirectoryRecord::TaxonomyTerm => "dir_taxonomy_terms",
            DirectoryRecord::Service => "dir_services",
        };
        let mut known = HashSet::new();
        for chunk in ids.chunks(MAX_PARAMS) {
            let mut query = QueryBuilder::<Db>::new(format!("SELECT id FROM {table} WHERE "));
            push_in(&mut query, "id", chunk);
            let found: Vec<Uuid> = query
                .build_query_scalar()
                .fetch_all(&self.pool)
                .await
                .map_err(backend)?;
            known.extend(found);
        }
        Ok(known)
    }

    async fn service(&self, id: Uuid) -> StorageResult<Option<Service>> {
        Ok(load_services(self, Some(&[id])).await?.pop())
    }

    async fn services(&self, ids: &[Uuid]) -> StorageResult<Vec<Service>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        load_services(self, Some(ids)).await
    }

    async fn all_services(&self) -> StorageResult<Vec<Service>> {
        load_services(self, None).await
    }

    async fn services_after(&self, after: Option<Uuid>, limit: u32) -> StorageResult<Vec<Service>> {
        let mut query = QueryBuilder::<Db>::new("SELECT id FROM dir_services");
        if let Some(after) = after {
            query.push(" WHERE id > ").push_bind(after);
        }
        query
            .push(" ORDER BY id LIMIT ")
            .push_bind(i64::from(limit));
        let ids: Vec<Uuid> = query
            .build_query_scalar()
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        let mut services = load_services(self, Some(&ids)).await?;
        services.sort_by_key(|s| s.id);
        Ok(services)
    }

    async fn service_count(&self) -> StorageResult<u64> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM dir_services")
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?;
        Ok(n as u64)
    }

    async fn service_id_for_service_at_location(&self, id: Uuid) -> StorageResult<Option<Uuid>> {
        sqlx::query_scalar("SELECT service_id FROM dir_service_at_locations WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)
    }

    async fn directory_organization(&self, id: Uuid) -> StorageResult<Option<Organization>> {
        let mut conn = self.pool.acquire().await.map_err(backend)?;
        let mut orgs = select::<OrganizationRow>(
            &mut conn,
            col::ORGANIZATIONS,
            "dir_organizations",
            "id",
            Some(&[id]),
        )
        .await?;
        let Some(row) = orgs.pop() else {
            return Ok(None);
        };
        let mut org = Organization::from(row);
        let mut identifiers: Vec<OrganizationIdentifierRow> = select(
            &mut conn,
            col::ORGANIZATION_IDENTIFIERS,
            "dir_organization_identifiers",
            "organization_id",
            Some(&[id]),
        )
        .await?;
        identifiers.sort_by_key(|r| r.position);
        org.organization_identifiers = identifiers
            .into_iter()
            .map(|r| OrganizationIdentifier {
                id: r.id,
                identifier_scheme: r.identifier_scheme,
                identifier_type: r.identifier_type,
                identifier: r.identifier,
            })
            .collect();
        Ok(Some(org))
    }

    async fn directory_organizations(
        &self,
        tenant: Option<OrgId>,
    ) -> StorageResult<Vec<Organization>> {
        let mut query = QueryBuilder::<Db>::new(format!(
            "SELECT {} FROM dir_organizations",
            col::ORGANIZATIONS
        ));
        if let Some(t) = tenant {
            query.push(" WHERE tenant_org_id = ").push_bind(t.0);
        }
        query.push(" ORDER BY lower(name), id");
        let rows: Vec<OrganizationRow> = query
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        Ok(rows.into_iter().map(Organization::from).collect())
    }

    async fn set_organization_tenant(
        &self,
        id: Uuid,
        tenant: Option<OrgId>,
        audit: &NewAuditEvent,
    ) -> StorageResult<()> {
        let mut tx = self.write().await?;
        let result = sqlx::query("UPDATE dir_organizations SET tenant_org_id = $1 WHERE id = $2")
            .bind(tenant.map(|t| t.0))
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        if result.rows_affected() != 1 {
            return Err(StorageError::NotFound("directory organisation"));
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)
    }

    async fn organization_tenant(&self, id: Uuid) -> StorageResult<Option<OrgId>> {
        let tenant: Option<Option<Uuid>> =
            sqlx::query_scalar("SELECT tenant_org_id FROM dir_organizations WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
        Ok(tenant.flatten().map(OrgId))
    }

    async fn organization_tenants(&self) -> StorageResult<Vec<(Uuid, OrgId)>> {
        let links: Vec<(Uuid, Uuid)> = sqlx::query_as(
            "SELECT id, tenant_org_id FROM dir_organizations WHERE tenant_org_id IS NOT NULL",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        Ok(links
            .into_iter()
            .map(|(id, org)| (id, OrgId(org)))
            .collect())
    }

    async fn taxonomies(&self) -> StorageResult<Vec<Taxonomy>> {
        let rows: Vec<TaxonomyRow> = sqlx::query_as(&format!(
            "SELECT {} FROM dir_taxonomies ORDER BY lower(name), id",
            col::TAXONOMIES
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        Ok(rows.into_iter().map(Taxonomy::from).collect())
    }

    async fn taxonomy_terms(&self) -> StorageResult<Vec<TaxonomyTerm>> {
        let rows: Vec<TaxonomyTermRow> = sqlx::query_as(&format!(
            "SELECT {} FROM dir_taxonomy_terms ORDER BY lower(name), id",
            col::TAXONOMY_TERMS
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        Ok(rows.into_iter().map(TaxonomyTerm::from).collect())
    }

    async fn save_taxonomy(
        &self,
        taxonomy: &Taxonomy,
        terms: &[TaxonomyTerm],
        audit: &NewAuditEvent,
    ) -> StorageResult<()> {
        let mut tx = self.write().await?;
        upsert_taxonomies(&mut tx, &[taxonomy]).await?;
        let terms: Vec<&TaxonomyTerm> = terms.iter().collect();
        upsert_terms(&mut tx, &terms).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(backend)
    }

    async fn directory_changes_after(
        &self,
        seq: i64,
        limit: u32,
    ) -> StorageResult<Vec<DirectoryChange>> {
        let rows: Vec<(i64, Uuid)> = sqlx::query_as(
            "SELECT seq, service_id FROM dir_changes WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(seq)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        Ok(rows
            .into_iter()
            .map(|(seq, service_id)| DirectoryChange { seq, service_id })
            .collect())
    }

    async fn directory_change_head(&self) -> StorageResult<i64> {
        let head: Option<i64> = sqlx::query_scalar("SELECT max(seq) FROM dir_changes")
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?;
        Ok(head.unwrap_or(0))
    }
}
