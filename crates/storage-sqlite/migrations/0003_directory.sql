-- The community directory: Open Referral UK 3.0 in relational form.
-- Children of a service are replaced with it, so their keys include the
-- owner's id; locations are shared between services and keyed by id alone.

CREATE TABLE dir_organizations (
    id                     BLOB PRIMARY KEY NOT NULL,
    name                   TEXT NOT NULL,
    description            TEXT NOT NULL DEFAULT '',
    email                  TEXT,
    website                TEXT,
    logo                   TEXT,
    uri                    TEXT,
    parent_organization_id BLOB,
    -- The Linkwork organisation whose partners may edit these listings.
    tenant_org_id          BLOB REFERENCES organisations (id)
) STRICT;
CREATE INDEX dir_organizations_tenant ON dir_organizations (tenant_org_id);

CREATE TABLE dir_organization_identifiers (
    organization_id   BLOB NOT NULL REFERENCES dir_organizations (id) ON DELETE CASCADE,
    position          INTEGER NOT NULL,
    id                BLOB NOT NULL,
    identifier_scheme TEXT,
    identifier_type   TEXT NOT NULL,
    identifier        TEXT NOT NULL,
    PRIMARY KEY (organization_id, id)
) STRICT;

CREATE TABLE dir_taxonomies (
    id          BLOB PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    uri         TEXT,
    version     TEXT
) STRICT;

CREATE TABLE dir_taxonomy_terms (
    id          BLOB PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    -- Not foreign keys: feeds name parents and taxonomies they do not include.
    parent_id   BLOB,
    taxonomy    TEXT,
    taxonomy_id BLOB,
    term_uri    TEXT,
    term        TEXT
) STRICT;
CREATE INDEX dir_taxonomy_terms_parent ON dir_taxonomy_terms (parent_id);
CREATE INDEX dir_taxonomy_terms_taxonomy ON dir_taxonomy_terms (taxonomy_id);

CREATE TABLE dir_services (
    id                      BLOB PRIMARY KEY NOT NULL,
    organization_id         BLOB REFERENCES dir_organizations (id),
    name                    TEXT NOT NULL,
    description             TEXT,
    url                     TEXT,
    email                   TEXT,
    status                  TEXT NOT NULL CHECK (status IN ('active', 'inactive', 'defunct', 'temporarily closed')),
    fees                    TEXT,
    accreditations          TEXT,
    eligibility_description TEXT,
    minimum_age             REAL,
    maximum_age             REAL,
    application_process     TEXT,
    wait_time               TEXT,
    assured_date            TEXT,
    assurer_email           TEXT,
    alert                   TEXT,
    last_modified           TEXT NOT NULL
) STRICT;
CREATE INDEX dir_services_organization ON dir_services (organization_id);
CREATE INDEX dir_services_last_modified ON dir_services (last_modified);

CREATE TABLE dir_locations (
    id                       BLOB PRIMARY KEY NOT NULL,
    location_type            TEXT NOT NULL CHECK (location_type IN ('physical', 'postal', 'virtual')),
    name                     TEXT,
    description              TEXT,
    latitude                 REAL,
    longitude                REAL,
    external_identifier      TEXT,
    external_identifier_type TEXT
) STRICT;

CREATE TABLE dir_addresses (
    location_id    BLOB NOT NULL REFERENCES dir_locations (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    id             BLOB NOT NULL,
    attention      TEXT,
    address_1      TEXT NOT NULL,
    address_2      TEXT,
    city           TEXT NOT NULL,
    region         TEXT,
    state_province TEXT NOT NULL,
    postal_code    TEXT NOT NULL,
    country        TEXT NOT NULL,
    address_type   TEXT NOT NULL,
    PRIMARY KEY (location_id, id)
) STRICT;

CREATE TABLE dir_accessibility (
    location_id BLOB NOT NULL REFERENCES dir_locations (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    id          BLOB NOT NULL,
    description TEXT,
    details     TEXT,
    url         TEXT,
    PRIMARY KEY (location_id, id)
) STRICT;

CREATE TABLE dir_service_at_locations (
    service_id  BLOB NOT NULL REFERENCES dir_services (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    id          BLOB PRIMARY KEY NOT NULL,
    location_id BLOB NOT NULL REFERENCES dir_locations (id)
) STRICT;
CREATE INDEX dir_service_at_locations_service ON dir_service_at_locations (service_id);

CREATE TABLE dir_schedules (
    service_id             BLOB NOT NULL REFERENCES dir_services (id) ON DELETE CASCADE,
    position               INTEGER NOT NULL,
    id                     BLOB NOT NULL,
    service_at_location_id BLOB,
    valid_from             TEXT,
    valid_to               TEXT,
    dtstart                TEXT,
    freq                   TEXT,
    interval_count         REAL,
    byday                  TEXT,
    bymonthday             TEXT,
    description            TEXT,
    opens_at               TEXT,
    closes_at              TEXT,
    schedule_link          TEXT,
    attending_type         TEXT,
    notes                  TEXT,
    PRIMARY KEY (service_id, id)
) STRICT;

CREATE TABLE dir_cost_options (
    service_id         BLOB NOT NULL REFERENCES dir_services (id) ON DELETE CASCADE,
    position           INTEGER NOT NULL,
    id                 BLOB NOT NULL,
    valid_from         TEXT,
    valid_to           TEXT,
    option             TEXT,
    amount             REAL,
    amount_description TEXT,
    PRIMARY KEY (service_id, id)
) STRICT;

CREATE TABLE dir_contacts (
    service_id BLOB NOT NULL REFERENCES dir_services (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    id         BLOB NOT NULL,
    name       TEXT,
    title      TEXT,
    email      TEXT,
    PRIMARY KEY (service_id, id)
) STRICT;

CREATE TABLE dir_phones (
    service_id  BLOB NOT NULL REFERENCES dir_services (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    id          BLOB NOT NULL,
    contact_id  BLOB,
    number      TEXT NOT NULL,
    description TEXT,
    PRIMARY KEY (service_id, id)
) STRICT;

CREATE TABLE dir_languages (
    service_id BLOB NOT NULL REFERENCES dir_services (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    id         BLOB NOT NULL,
    name       TEXT,
    code       TEXT,
    note       TEXT,
    PRIMARY KEY (service_id, id)
) STRICT;

CREATE TABLE dir_service_areas (
    service_id   BLOB NOT NULL REFERENCES dir_services (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    id           BLOB NOT NULL,
    name         TEXT,
    extent       TEXT,
    extent_type  TEXT,
    uri          TEXT,
    service_area TEXT,
    PRIMARY KEY (service_id, id)
) STRICT;

CREATE TABLE dir_funding (
    service_id BLOB NOT NULL REFERENCES dir_services (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    id         BLOB NOT NULL,
    source     TEXT,
    PRIMARY KEY (service_id, id)
) STRICT;

CREATE TABLE dir_service_attributes (
    service_id       BLOB NOT NULL REFERENCES dir_services (id) ON DELETE CASCADE,
    position         INTEGER NOT NULL,
    id               BLOB NOT NULL,
    taxonomy_term_id BLOB NOT NULL,
    link_type        TEXT,
    PRIMARY KEY (service_id, id)
) STRICT;
CREATE INDEX dir_service_attributes_term ON dir_service_attributes (taxonomy_term_id);

-- Every change to a service, in order: instances follow it to keep their
-- search indexes current.
CREATE TABLE dir_changes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    service_id BLOB NOT NULL,
    changed_at TEXT NOT NULL
) STRICT;
