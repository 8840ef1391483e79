-- The directory search's everyday words and what they stand for
-- (synonyms), as a directory manager last saved them: one row, its
-- version counting saves so every instance notices a change. Without the
-- row, search uses the list Linkwork ships.
CREATE TABLE search_synonyms (
    id         INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    body       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by BLOB NOT NULL REFERENCES users (id)
);
