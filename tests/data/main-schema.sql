-- The schema of a data directory made by docgen before schema versioning reached PostgreSQL
-- (main at 213a4cb: storage.SCHEMA, MIGRATIONS 1-2, drafts.SCHEMA, the e-form's index).
CREATE TABLE boots (
        id TEXT PRIMARY KEY,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        started_at TEXT NOT NULL,
        reclaimed_numbers INTEGER NOT NULL,
        reclaimed_keys INTEGER NOT NULL
    );
CREATE TABLE case_documents (
        document_id TEXT PRIMARY KEY REFERENCES documents(id),
        case_id TEXT NOT NULL REFERENCES cases(id),
        position INTEGER NOT NULL,
        UNIQUE (case_id, position)
    );
CREATE TABLE case_events (
        case_id TEXT NOT NULL REFERENCES cases(id),
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        time TEXT NOT NULL,
        actor TEXT NOT NULL,
        detail TEXT NOT NULL,
        PRIMARY KEY (case_id, seq)
    );
CREATE TABLE case_media (
        id TEXT PRIMARY KEY,
        case_id TEXT NOT NULL REFERENCES cases(id),
        position INTEGER NOT NULL,
        kind TEXT NOT NULL,
        media_type TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        filename TEXT NOT NULL,
        metadata TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        UNIQUE (case_id, position)
    );
CREATE TABLE case_volumes (
        case_id TEXT NOT NULL REFERENCES cases(id),
        volume INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        pages INTEGER NOT NULL,
        documents TEXT NOT NULL,
        built_at TEXT NOT NULL,
        built_by TEXT NOT NULL,
        PRIMARY KEY (case_id, volume)
    );
CREATE TABLE cases (
        id TEXT PRIMARY KEY,
        number TEXT NOT NULL UNIQUE,
        data TEXT NOT NULL,
        party_name TEXT NOT NULL,
        party_code TEXT,
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        closed_at TEXT
    );
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    template_id TEXT NOT NULL,
    template_version TEXT NOT NULL,
    template_sha256 TEXT NOT NULL,
    title TEXT NOT NULL,
    doc_number TEXT,
    payload_sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    review_due TEXT
);
CREATE TABLE drafts (
    id TEXT PRIMARY KEY,
    principal_id TEXT NOT NULL,
    template_id TEXT NOT NULL,
    template_version TEXT NOT NULL,
    document_id TEXT,
    round INTEGER,
    data TEXT NOT NULL,
    note TEXT,
    example INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE idempotency_keys (
    key TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    document_id TEXT,
    created_at REAL NOT NULL
, boot_id TEXT);
CREATE TABLE number_reservations (
    prefix TEXT NOT NULL,
    year INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    document_id TEXT,
    reserved_at REAL NOT NULL, boot_id TEXT,
    PRIMARY KEY (prefix, year, seq)
);
CREATE TABLE principals (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    roles TEXT NOT NULL,
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
CREATE TABLE renditions (
    key TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL
);
CREATE TABLE stages (
    document_id TEXT NOT NULL REFERENCES documents(id),
    idx INTEGER NOT NULL,
    stage TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    docx_sha256 TEXT NOT NULL,
    pdf_sha256 TEXT NOT NULL,
    link TEXT NOT NULL,
    PRIMARY KEY (document_id, idx)
);
CREATE INDEX cases_party_name ON cases (party_name);
CREATE INDEX drafts_by_principal ON drafts (principal_id, updated_at);
CREATE INDEX documents_by_payload ON documents (template_id, payload_sha256);
PRAGMA user_version = 2;
