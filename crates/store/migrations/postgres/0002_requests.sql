-- Requests for cooperation: requests, their lines and history, documents, the job queue
-- that sends reminders, and in-app notifications.
-- Kept in lockstep with ../sqlite/0002_requests.sql (same tables and columns).

CREATE TABLE requests (
    id TEXT PRIMARY KEY,
    -- The Court's own reference number; imports are keyed by it.
    reference TEXT NOT NULL UNIQUE,
    direction TEXT NOT NULL,
    organ TEXT NOT NULL,
    on_behalf_of TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_id TEXT REFERENCES requests(id),
    partner_id TEXT NOT NULL REFERENCES partners(id),
    title TEXT NOT NULL,
    purpose TEXT NOT NULL,
    facts TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    situation TEXT NOT NULL,
    case_name TEXT NOT NULL,
    -- JSON array of linked persons; protected persons are stored under their pseudonym.
    persons TEXT NOT NULL,
    urgency TEXT NOT NULL,
    deadline DATE,
    cost_allocation TEXT NOT NULL,
    classification TEXT NOT NULL,
    status TEXT NOT NULL,
    -- The state a consultation or postponement interrupted.
    resume_status TEXT,
    owner_unit_id TEXT NOT NULL REFERENCES units(id),
    acting_for_unit_id TEXT REFERENCES units(id),
    chamber_unit_id TEXT REFERENCES units(id),
    -- The unit of the organ that transmits it (rule 176).
    transmitting_unit_id TEXT NOT NULL REFERENCES units(id),
    responsible_user_id TEXT REFERENCES users(id),
    decision_reference TEXT NOT NULL,
    -- The communication profile in force at transmission, kept as sent.
    profile_id TEXT REFERENCES communication_profiles(id),
    channel TEXT,
    receiving_authority TEXT,
    language TEXT,
    national_reference TEXT,
    -- Effective dates projected from the history, so figures need no replay.
    transmitted_on DATE,
    first_response_on DATE,
    executed_on DATE,
    closed_on DATE,
    provisional_arrest_on DATE,
    imported_at TIMESTAMPTZ,
    imported_by TEXT,
    created_by TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX requests_status ON requests (status, deadline);
CREATE INDEX requests_partner ON requests (partner_id, transmitted_on);
CREATE INDEX requests_owner ON requests (owner_unit_id, updated_at);
CREATE INDEX requests_transmitted ON requests (direction, transmitted_on);
-- Lists are newest first by default: these serve the common filters in that order, with the
-- id as the tie-breaker the list query sorts by.
CREATE INDEX requests_updated ON requests (updated_at, id);
CREATE INDEX requests_status_updated ON requests (status, updated_at, id);
CREATE INDEX requests_partner_updated ON requests (partner_id, updated_at, id);
-- Overdue and due-soon lists look only at open requests.
CREATE INDEX requests_open_deadline ON requests (deadline)
    WHERE status NOT IN ('executed', 'refused', 'withdrawn', 'answered');
CREATE INDEX requests_parent ON requests (parent_id);
CREATE INDEX requests_responsible ON requests (responsible_user_id, status);

CREATE TABLE request_lines (
    id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES requests(id),
    position BIGINT NOT NULL,
    line_type TEXT NOT NULL,
    -- JSON object: the answers to the line type's checklist.
    content TEXT NOT NULL,
    cost_allocation TEXT NOT NULL,
    outcome TEXT NOT NULL,
    outcome_on DATE,
    outcome_note TEXT NOT NULL,
    UNIQUE (request_id, position)
);
CREATE INDEX request_lines_type ON request_lines (line_type, request_id);

CREATE TABLE request_events (
    id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES requests(id),
    seq BIGINT NOT NULL,
    action TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    -- When it took effect (figures use this) and when it was entered (the audit uses that).
    effective_on DATE NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL,
    -- JSON object: grounds, consultation type and outcome, line outcomes, references.
    detail TEXT NOT NULL,
    UNIQUE (request_id, seq)
);
CREATE INDEX request_events_action ON request_events (action, effective_on);

-- File contents, addressed by their SHA-256, stored once however often they are attached.
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    content BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE request_documents (
    id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES requests(id),
    sha256 TEXT NOT NULL REFERENCES blobs(sha256),
    filename TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    kind TEXT NOT NULL,
    language TEXT,
    description TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX request_documents_request ON request_documents (request_id, uploaded_at);

-- Durable background work. The dedupe key makes enqueuing idempotent: a reminder for one
-- request, deadline and kind exists once, whatever restarts or rescans happen.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    dedupe_key TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    run_at TIMESTAMPTZ NOT NULL,
    attempts BIGINT NOT NULL,
    locked_until TIMESTAMPTZ,
    last_error TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX jobs_due ON jobs (status, run_at);

CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    request_id TEXT REFERENCES requests(id),
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    dedupe_key TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    read_at TIMESTAMPTZ
);
CREATE INDEX notifications_user ON notifications (user_id, created_at);

-- Named counters (the yearly sequence of request references).
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

-- Full-text search over titles and descriptions; queries repeat this exact expression.
-- Punctuation becomes a space first, so 'ICC-01/04-001' is the words icc, 01, 04 and 001 (as
-- SQLite's tokenizer reads it) rather than a signed number.
CREATE INDEX requests_search ON requests
    USING GIN (to_tsvector('simple', translate(reference || ' ' || title || ' ' || purpose, '-/._', '    ')));
