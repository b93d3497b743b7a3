-- Invitations of States' focal points: an activation link sent by e-mail, usable once, until
-- it expires. Only the link's SHA-256 is stored.
-- Kept in lockstep with ../postgres/0006_invitations.sql.

CREATE TABLE invitations (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    -- The account it creates.
    name TEXT NOT NULL,
    display_name TEXT NOT NULL,
    email TEXT NOT NULL,
    unit_id TEXT NOT NULL REFERENCES units(id),
    roles TEXT NOT NULL,
    invited_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
) STRICT;
CREATE INDEX invitations_name ON invitations (name);
