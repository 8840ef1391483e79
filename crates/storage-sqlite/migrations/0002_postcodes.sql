-- The postcode lookup (from the ONS National Statistics Postcode Lookup):
-- where each postcode is, its LSOA and that area's deprivation.
CREATE TABLE postcodes (
    postcode   TEXT PRIMARY KEY NOT NULL,
    outcode    TEXT NOT NULL,
    lat        REAL NOT NULL,
    lon        REAL NOT NULL,
    lsoa       TEXT,
    imd_rank   INTEGER,
    imd_decile INTEGER CHECK (imd_decile BETWEEN 1 AND 10)
) STRICT;
CREATE INDEX postcodes_outcode ON postcodes (outcode);
