-- Changes to a State's communication profile proposed by its own focal points, for a
-- Registry officer to approve (the new profile then takes effect under rule 180) or reject.
-- Kept in lockstep with ../sqlite/0007_profile_proposals.sql.

CREATE TABLE profile_proposals (
    id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners(id),
    proposed_by TEXT NOT NULL REFERENCES users(id),
    -- JSON object: the proposed channel, authority, languages, agreed date and notes.
    proposal TEXT NOT NULL,
    -- 'pending', 'approved' or 'rejected'.
    status TEXT NOT NULL,
    decided_by TEXT,
    decided_at TIMESTAMPTZ,
    decision_note TEXT NOT NULL,
    profile_id TEXT REFERENCES communication_profiles(id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX profile_proposals_partner ON profile_proposals (partner_id, created_at);
