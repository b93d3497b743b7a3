-- Signed receipts: each transmission, answer and upload of a request gets a receipt signed
-- with the Court's key and chained to the request's previous receipt. The file is kept
-- exactly as issued, since its bytes are what is signed and hashed.
-- Kept in lockstep with ../postgres/0004_receipts.sql.

CREATE TABLE receipts (
    request_id TEXT NOT NULL REFERENCES requests(id),
    number INTEGER NOT NULL,
    event TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    key_id TEXT NOT NULL,
    -- The SHA-256 of the file, which the request's next receipt names.
    sha256 TEXT NOT NULL,
    file TEXT NOT NULL,
    PRIMARY KEY (request_id, number)
) STRICT;

-- Every key that has signed receipts, so the published key ring keeps retired keys. The
-- secret is stored only for the key Comity generates when no key file is configured.
CREATE TABLE receipt_keys (
    key_id TEXT PRIMARY KEY,
    public_key TEXT NOT NULL,
    secret_key TEXT,
    first_used_at TEXT NOT NULL
) STRICT;
