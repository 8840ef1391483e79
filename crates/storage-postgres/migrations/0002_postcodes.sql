-- The postcode lookup (from the ONS National Statistics Postcode Lookup):
-- where each postcode is, its LSOA and that area's deprivation.
CREATE TABLE postcodes (
    postcode   TEXT PRIMARY KEY,
    outcode    TEXT NOT NULL,
    lat        DOUBLE PRECISION NOT NULL,
    lon        DOUBLE PRECISION NOT NULL,
    lsoa       TEXT,
    imd_rank   INTEGER,
    imd_decile SMALLINT CHECK (imd_decile BETWEEN 1 AND 10)
);
CREATE INDEX postcodes_outcode ON postcodes (outcode);
