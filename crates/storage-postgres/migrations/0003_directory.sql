-- The community directory: Open Referral UK 3.0 in relational form.
-- Children of a service are replaced with it, so their keys include the
-- owner's id; locations are shared between services and keyed by id alone.

CREATE TABLE dir_organizations (
    id                     UUID PRIMARY KEY,
    name                   TEXT NOT NULL,
    description            TEXT NOT NULL DEFAULT '',
    email                  TEXT,
    website                TEXT,
    logo                   TEXT,
    uri                    TEXT,
    parent_organization_id UUID,
    -- The Linkwork organisation whose partners may edit these listings.
    tenant_org_id          UUID REFERENCES organisations (id)
);
CREATE INDEX dir_organizations_tenant ON dir_organizations (tenant_org_id);

CREATE TABLE dir_organization_identifiers (
    organization_id   UUID NOT NULL REFERENCES dir_organizations (id) ON DELETE CASCADE,
    position          BIGINT NOT NULL,
    id                UUID NOT NULL,
    identifier_scheme TEXT,
    identifier_type   TEXT NOT NULL,
    identifier        TEXT NOT NULL,
    PRIMARY KEY (organization_id, id)
);

CREATE TABLE dir_taxonomies (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    uri         TEXT,
    version     TEXT
);

CREATE TABLE dir_taxonomy_terms (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    -- Not foreign keys: feeds name parents and taxonomies they do not include.
    parent_id   UUID,
    taxonomy    TEXT,
    taxonomy_id UUID,
    term_uri    TEXT,
    term        TEXT
);
CREATE INDEX dir_taxonomy_terms_parent ON dir_taxonomy_terms (parent_id);
CREATE INDEX dir_taxonomy_terms_taxonomy ON dir_taxonomy_terms (taxonomy_id);

CREATE TABLE dir_services (
    id                      UUID PRIMARY KEY,
    organization_id         UUID REFERENCES dir_organizations (id),
    name                    TEXT NOT NULL,
    description             TEXT,
    url                     TEXT,
    email                   TEXT,
    status                  TEXT NOT NULL CHECK (status IN ('active', 'inactive', 'defunct', 'temporarily closed')),
    fees                    TEXT,
    accreditations          TEXT,
    eligibility_description TEXT,
    minimum_age             DOUBLE PRECISION,
    maximum_age             DOUBLE PRECISION,
    application_process     TEXT,
    wait_time               TEXT,
    assured_date            TEXT,
    assurer_email           TEXT,
    alert                   TEXT,
    last_modified           TIMESTAMPTZ NOT NULL
);
CREATE INDEX dir_services_organization ON dir_services (organization_id);
CREATE INDEX dir_services_last_modified ON dir_services (last_modified);

CREATE TABLE dir_locations (
    id                       UUID PRIMARY KEY,
    location_type            TEXT NOT NULL CHECK (location_type IN ('physical', 'postal', 'virtual')),
    name                     TEXT,
    description              TEXT,
    latitude                 DOUBLE PRECISION,
    longitude                DOUBLE PRECISION,
    external_identifier      TEXT,
    external_identifier_type TEXT
);

CREATE TABLE dir_addresses (
    location_id    UUID NOT NULL REFERENCES dir_locations (id) ON DELETE CASCADE,
    position       BIGINT NOT NULL,
    id             UUID NOT NULL,
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
);

CREATE TABLE dir_accessibility (
    location_id UUID NOT NULL REFERENCES dir_locations (id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    id          UUID NOT NULL,
    description TEXT,
    details     TEXT,
    url         TEXT,
    PRIMARY KEY (location_id, id)
);

CREATE TABLE dir_service_at_locations (
    service_id  UUID NOT NULL REFERENCES dir_services (id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    id          UUID PRIMARY KEY,
    location_id UUID NOT NULL REFERENCES dir_locations (id)
);
CREATE INDEX dir_service_at_locations_service ON dir_service_at_locations (service_id);

CREATE TABLE dir_schedules (
    service_id             UUID NOT NULL REFERENCES dir_services (id) ON DELETE CASCADE,
    position               BIGINT NOT NULL,
    id                     UUID NOT NULL,
    service_at_location_id UUID,
    valid_from             TEXT,
    valid_to               TEXT,
    dtstart                TEXT,
    freq                   TEXT,
    interval_count         DOUBLE PRECISION,
    byday                  TEXT,
    bymonthday             TEXT,
    description            TEXT,
    opens_at               TEXT,
    closes_at              TEXT,
    schedule_link          TEXT,
    attending_type         TEXT,
    notes                  TEXT,
    PRIMARY KEY (service_id, id)
);

CREATE TABLE dir_cost_options (
    service_id         UUID NOT NULL REFERENCES dir_services (id) ON DELETE CASCADE,
    position           BIGINT NOT NULL,
    id                 UUID NOT NULL,
    valid_from         TEXT,
    valid_to           TEXT,
    option             TEXT,
    amount             DOUBLE PRECISION,
    amount_description TEXT,
    PRIMARY KEY (service_id, id)
);

CREATE TABLE dir_contacts (
    service_id UUID NOT NULL REFERENCES dir_services (id) ON DELETE CASCADE,
    position   BIGINT NOT NULL,
    id         UUID NOT NULL,
    name       TEXT,
    title      TEXT,
    email      TEXT,
    PRIMARY KEY (service_id, id)
);

CREATE TABLE dir_phones (
    service_id  UUID NOT NULL REFERENCES dir_services (id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    id          UUID NOT NULL,
    contact_id  UUID,
    number      TEXT NOT NULL,
    description TEXT,
    PRIMARY KEY (service_id, id)
);

CREATE TABLE dir_languages (
    service_id UUID NOT NULL REFERENCES dir_services (id) ON DELETE CASCADE,
    position   BIGINT NOT NULL,
    id         UUID NOT NULL,
    name       TEXT,
    code       TEXT,
    note       TEXT,
    PRIMARY KEY (service_id, id)
);

CREATE TABLE dir_service_areas (
    service_id   UUID NOT NULL REFERENCES dir_services (id) ON DELETE CASCADE,
    position     BIGINT NOT NULL,
    id           UUID NOT NULL,
    name         TEXT,
    extent       TEXT,
    extent_type  TEXT,
    uri          TEXT,
    service_area TEXT,
    PRIMARY KEY (service_id, id)
);

CREATE TABLE dir_funding (
    service_id UUID NOT NULL REFERENCES dir_services (id) ON DELETE CASCADE,
    position   BIGINT NOT NULL,
    id         UUID NOT NULL,
    source     TEXT,
    PRIMARY KEY (service_id, id)
);

CREATE TABLE dir_service_attributes (
    service_id       UUID NOT NULL REFERENCES dir_services (id) ON DELETE CASCADE,
    position         BIGINT NOT NULL,
    id               UUID NOT NULL,
    taxonomy_term_id UUID NOT NULL,
    link_type        TEXT,
    PRIMARY KEY (service_id, id)
);
CREATE INDEX dir_service_attributes_term ON dir_service_attributes (taxonomy_term_id);

-- Every change to a service, in order: instances follow it to keep their
-- search indexes current.
CREATE TABLE dir_changes (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    service_id UUID NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL
);
