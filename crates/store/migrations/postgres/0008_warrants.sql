-- Warrants and the persons they name, their status history and the requests sent to arrest
-- them; reported journeys (travel alerts); actions taken with States (démarches); and
-- findings of non-compliance with the Assembly's procedure steps.
-- Kept in lockstep with ../sqlite/0008_warrants.sql.

-- What the partner's own law says about arrest and surrender, and any art. 98 question.
ALTER TABLE partners ADD COLUMN surrender_law TEXT NOT NULL DEFAULT 'unknown';
ALTER TABLE partners ADD COLUMN arrest_notes TEXT NOT NULL DEFAULT '';

CREATE TABLE persons (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    -- JSON array of other spellings and names.
    aliases TEXT NOT NULL,
    born_on DATE,
    nationality TEXT REFERENCES partners(id),
    photo_sha256 TEXT REFERENCES blobs(sha256),
    photo_media_type TEXT,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    version BIGINT NOT NULL
);

CREATE TABLE warrants (
    id TEXT PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    person_id TEXT NOT NULL REFERENCES persons(id),
    -- 'arrest_warrant' or 'summons'.
    kind TEXT NOT NULL,
    situation TEXT NOT NULL,
    case_name TEXT NOT NULL,
    chamber TEXT NOT NULL,
    issued_on DATE NOT NULL,
    crimes TEXT NOT NULL,
    facts TEXT NOT NULL,
    classification TEXT NOT NULL,
    under_seal BOOLEAN NOT NULL,
    unsealed_on DATE,
    owner_unit_id TEXT NOT NULL REFERENCES units(id),
    -- Comma-separated unit ids that may see the warrant while it is under seal.
    named_units TEXT NOT NULL,
    -- The latest status and the day it took effect (a projection of warrant_events).
    status TEXT NOT NULL,
    status_on DATE NOT NULL,
    imported_at TIMESTAMPTZ,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX warrants_person ON warrants (person_id);

CREATE TABLE warrant_events (
    id TEXT PRIMARY KEY,
    warrant_id TEXT NOT NULL REFERENCES warrants(id),
    seq BIGINT NOT NULL,
    -- A person status, or 'unsealed'.
    action TEXT NOT NULL,
    status TEXT NOT NULL,
    effective_on DATE NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    note TEXT NOT NULL,
    request_id TEXT REFERENCES requests(id),
    UNIQUE (warrant_id, seq)
);

CREATE TABLE warrant_requests (
    request_id TEXT PRIMARY KEY REFERENCES requests(id),
    warrant_id TEXT NOT NULL REFERENCES warrants(id)
);
CREATE INDEX warrant_requests_warrant ON warrant_requests (warrant_id);

CREATE TABLE travel_alerts (
    id TEXT PRIMARY KEY,
    person_id TEXT REFERENCES persons(id),
    -- The name as reported, before anyone matched it to a person.
    reported_name TEXT NOT NULL,
    -- Comma-separated partner ids.
    destinations TEXT NOT NULL,
    expected_from DATE,
    expected_to DATE,
    source TEXT NOT NULL,
    source_reliability TEXT NOT NULL,
    information_credibility TEXT NOT NULL,
    status TEXT NOT NULL,
    intake TEXT NOT NULL,
    summary TEXT NOT NULL,
    outcome TEXT NOT NULL,
    -- For reports that came by e-mail: the Message-ID (taken in once) and the original.
    message_id TEXT UNIQUE,
    message_sha256 TEXT REFERENCES blobs(sha256),
    classification TEXT NOT NULL,
    owner_unit_id TEXT NOT NULL REFERENCES units(id),
    named_units TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX travel_alerts_person ON travel_alerts (person_id);

CREATE TABLE demarches (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    partner_id TEXT REFERENCES partners(id),
    organisation TEXT NOT NULL,
    person_id TEXT REFERENCES persons(id),
    request_id TEXT REFERENCES requests(id),
    alert_id TEXT REFERENCES travel_alerts(id),
    happened_on DATE NOT NULL,
    summary TEXT NOT NULL,
    outcome TEXT NOT NULL,
    classification TEXT NOT NULL,
    owner_unit_id TEXT NOT NULL REFERENCES units(id),
    named_units TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX demarches_partner ON demarches (partner_id, happened_on);
CREATE INDEX demarches_person ON demarches (person_id, happened_on);

CREATE TABLE findings (
    id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners(id),
    -- 'art_87_7' or 'art_87_5_b'.
    basis TEXT NOT NULL,
    decided_on DATE NOT NULL,
    chamber TEXT NOT NULL,
    decision_reference TEXT NOT NULL,
    warrant_id TEXT REFERENCES warrants(id),
    summary TEXT NOT NULL,
    -- 'assembly', 'security_council' or 'not_referred'.
    referral TEXT NOT NULL,
    referred_on DATE,
    reply_days BIGINT NOT NULL,
    classification TEXT NOT NULL,
    owner_unit_id TEXT NOT NULL REFERENCES units(id),
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX findings_partner ON findings (partner_id, decided_on);

CREATE TABLE finding_requests (
    finding_id TEXT NOT NULL REFERENCES findings(id),
    request_id TEXT NOT NULL REFERENCES requests(id),
    PRIMARY KEY (finding_id, request_id)
);

CREATE TABLE finding_steps (
    id TEXT PRIMARY KEY,
    finding_id TEXT NOT NULL REFERENCES findings(id),
    step TEXT NOT NULL,
    status TEXT NOT NULL,
    due_on DATE,
    done_on DATE,
    note TEXT NOT NULL,
    document_sha256 TEXT REFERENCES blobs(sha256),
    document_name TEXT,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (finding_id, step)
);
