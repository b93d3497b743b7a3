-- The thread of a request between the Court's officers and the requested State's focal
-- points, from transmission on. A message may point at one of the request's documents.
-- Kept in lockstep with ../sqlite/0005_messages.sql.

CREATE TABLE request_messages (
    id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES requests(id),
    author_id TEXT NOT NULL REFERENCES users(id),
    -- Which side wrote it: 'court' or 'partner'.
    side TEXT NOT NULL,
    body TEXT NOT NULL,
    document_id TEXT REFERENCES request_documents(id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX request_messages_request ON request_messages (request_id, created_at);
