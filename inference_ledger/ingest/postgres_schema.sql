-- The operations manual's traceability schema, flattened for PostgreSQL: one row per
-- decision envelope, with its tool calls, approvals and context snapshots in child tables.
-- Inference Ledger reads these tables incrementally by `created_at` (see docs/ingestion.md);
-- the indexes on created_at keep those reads cheap on large tables.

CREATE TABLE IF NOT EXISTS decision_envelopes (
    id                  TEXT PRIMARY KEY,
    trace_id            TEXT,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    user_action         TEXT,
    context_hash        TEXT,
    user_id             TEXT,
    tenant_id           TEXT,
    feature             TEXT,
    model_version       TEXT,
    prompt_version      TEXT,
    guardrails_version  TEXT,
    policy_version      TEXT,
    policy_rules        JSONB,
    output_id           TEXT,
    output_state        TEXT,
    content_hash        TEXT,
    prior_output_id     TEXT,
    reasoning_summary_hash TEXT,
    inference_cost_usd  NUMERIC(18, 9),
    orchestration_cost_usd NUMERIC(18, 9),
    tool_cost_usd       NUMERIC(18, 9),
    metadata            JSONB
);
CREATE INDEX IF NOT EXISTS decision_envelopes_created_at ON decision_envelopes (created_at);

CREATE TABLE IF NOT EXISTS tool_calls (
    id                   TEXT PRIMARY KEY,
    decision_envelope_id TEXT REFERENCES decision_envelopes (id),
    trace_id             TEXT,
    tool_name            TEXT NOT NULL,
    input_hash           TEXT,
    output_hash          TEXT,
    success              BOOLEAN,
    status               TEXT,
    latency_ms           DOUBLE PRECISION,
    retry_count          INTEGER DEFAULT 0,
    error_message        TEXT,
    cost_usd             NUMERIC(18, 9),
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS tool_calls_created_at ON tool_calls (created_at);

CREATE TABLE IF NOT EXISTS approvals (
    id                   TEXT PRIMARY KEY,
    decision_envelope_id TEXT REFERENCES decision_envelopes (id),
    output_id            TEXT,
    action               TEXT NOT NULL CHECK (action IN ('approve', 'reject', 'escalate', 'override')),
    approver             TEXT,
    notes                TEXT,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS approvals_created_at ON approvals (created_at);

CREATE TABLE IF NOT EXISTS context_snapshots (
    id                   TEXT PRIMARY KEY,
    decision_envelope_id TEXT REFERENCES decision_envelopes (id),
    trace_id             TEXT,
    context_hash         TEXT,
    source_refs          JSONB,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS context_snapshots_created_at ON context_snapshots (created_at);
