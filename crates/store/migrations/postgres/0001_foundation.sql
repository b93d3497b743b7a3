-- Foundation: partners, units, accounts, sessions, tokens, login throttling and the audit chain.
-- Kept in lockstep with ../sqlite/0001_foundation.sql (same tables and columns).

CREATE TABLE partners (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    name_fr TEXT,
    iso3 TEXT UNIQUE,
    regional_group TEXT,
    un_status TEXT,
    parent_id TEXT REFERENCES partners(id),
    website TEXT,
    description TEXT NOT NULL DEFAULT '',
    classification TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX partners_kind_name ON partners (kind, name);

CREATE TABLE partner_status_events (
    id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners(id),
    instrument TEXT NOT NULL,
    kind TEXT NOT NULL,
    on_date DATE NOT NULL,
    source TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (partner_id, instrument, kind, on_date)
);
CREATE INDEX partner_status_events_lookup ON partner_status_events (instrument, kind, on_date);

CREATE TABLE units (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    state_id TEXT REFERENCES partners(id),
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    email TEXT,
    unit_id TEXT NOT NULL REFERENCES units(id),
    roles TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    totp_secret TEXT,
    -- The last TOTP time step accepted, so a code cannot be replayed.
    totp_last_step BIGINT,
    disabled BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    second_factor_done BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    label TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE login_failures (
    id TEXT PRIMARY KEY,
    throttle_key TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_failures_key_at ON login_failures (throttle_key, at);

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    record_kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    classification TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_record ON audit_log (record_kind, record_id, seq);
CREATE INDEX audit_log_at ON audit_log (at);

-- The chain head: one row, updated in every writing transaction, so concurrent writers are
-- serialised on it and the chain never forks.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE focal_points (
    id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners(id),
    name TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    authority TEXT NOT NULL DEFAULT '',
    mandates TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    languages TEXT NOT NULL,
    mandate_from DATE NOT NULL,
    mandate_to DATE,
    classification TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX focal_points_partner ON focal_points (partner_id);

CREATE TABLE communication_profiles (
    id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners(id),
    channel TEXT NOT NULL,
    receiving_authority TEXT NOT NULL,
    languages TEXT NOT NULL,
    interpol_for_urgent BOOLEAN NOT NULL,
    notified_on DATE NOT NULL,
    agreed_effective_on DATE,
    effective_from DATE NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    classification TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX communication_profiles_partner ON communication_profiles (partner_id, effective_from);

-- Application settings that must survive restarts (for example whether the first
-- administrator was created).
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
