-- The registered population reports compare referrals with: NHS England's
-- "Patients Registered at a GP Practice" (by practice and LSOA, and by
-- practice, sex and five-year age band) and the English Indices of
-- Deprivation by LSOA. Practices are kept by their ODS code, as the files
-- give them, so a file may name practices Linkwork does not know yet.
-- Each import replaces the whole of its table.
CREATE TABLE registered_lsoa (
    practice_code TEXT NOT NULL,
    lsoa          TEXT NOT NULL,
    patients      INTEGER NOT NULL CHECK (patients >= 0),
    PRIMARY KEY (practice_code, lsoa)
) STRICT, WITHOUT ROWID;

CREATE TABLE registered_age_sex (
    practice_code TEXT NOT NULL,
    sex           TEXT NOT NULL CHECK (sex IN ('female', 'male')),
    -- The first year of the band (0, 5, … 95; 95 is 95 and over).
    age_from      INTEGER NOT NULL CHECK (age_from BETWEEN 0 AND 95),
    patients      INTEGER NOT NULL CHECK (patients >= 0),
    PRIMARY KEY (practice_code, sex, age_from)
) STRICT, WITHOUT ROWID;

CREATE TABLE lsoa_deprivation (
    lsoa       TEXT PRIMARY KEY NOT NULL,
    edition    TEXT NOT NULL CHECK (edition IN ('2019', '2025')),
    imd_rank   INTEGER NOT NULL CHECK (imd_rank >= 1),
    imd_decile INTEGER NOT NULL CHECK (imd_decile BETWEEN 1 AND 10)
) STRICT;
