-- MlOps store schema, version 1. Applied once by PostgresStore (under an advisory lock) and recorded in
-- mlops_schema. Times are kept as .NET UTC ticks (bigint) so every value round-trips exactly (timestamptz keeps
-- microseconds only); the *_at views below show them as timestamptz for people querying with psql.
-- Each record is kept whole as JSON (doc) plus the columns it is looked up, ordered and constrained by.

-- Settings chosen when the store was created (e.g. the shared artifact directory).
CREATE TABLE mlops_settings (
    key   text PRIMARY KEY,
    value text NOT NULL
);

-- Tracking -----------------------------------------------------------------------------------------------------
-- Runs and registry records keep doc as json, not jsonb: jsonb reorders object keys (a run's params would come back
-- in another order), turns -0 into 0 and refuses \u0000, so it cannot give a record back exactly as it was saved.
-- Ids and names use the "C" collation: they compare byte for byte (as the LiteDB store's ordinal collation does), and
-- run id prefixes are a range scan of the primary key.

-- Kept by the trigger on runs below, so listing experiments never scans the runs.
CREATE TABLE experiments (
    name       text COLLATE "C" PRIMARY KEY,
    runs       integer NOT NULL,
    last_ticks bigint  NOT NULL
);

CREATE TABLE runs (
    id            text COLLATE "C" PRIMARY KEY,
    experiment    text COLLATE "C" NOT NULL,
    status        text   NOT NULL,
    trainer       text,
    started_ticks bigint NOT NULL,
    -- Metrics by name; ordering by one creates an expression index on first use (as the LiteDB store does).
    metrics       jsonb  NOT NULL,
    doc           json   NOT NULL
);
CREATE INDEX runs_started ON runs (started_ticks);
CREATE INDEX runs_experiment ON runs (experiment, started_ticks);

-- A run counts in its experiment; moving it moves the count. last_ticks only grows (as in the LiteDB store).
CREATE FUNCTION mlops_count_run() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.experiment <> NEW.experiment THEN
        UPDATE experiments SET runs = runs - 1 WHERE name = OLD.experiment;
    END IF;
    INSERT INTO experiments AS e (name, runs, last_ticks)
    VALUES (NEW.experiment, CASE WHEN TG_OP = 'INSERT' OR OLD.experiment <> NEW.experiment THEN 1 ELSE 0 END, NEW.started_ticks)
    ON CONFLICT (name) DO UPDATE SET runs = e.runs + excluded.runs, last_ticks = greatest(e.last_ticks, excluded.last_ticks);
    RETURN NULL;
END $$;
CREATE TRIGGER runs_count AFTER INSERT OR UPDATE OF experiment, started_ticks ON runs
    FOR EACH ROW EXECUTE FUNCTION mlops_count_run();

CREATE TABLE run_details (
    run_id text COLLATE "C" PRIMARY KEY,
    doc    json NOT NULL
);

CREATE TABLE stage_cache (
    key text COLLATE "C" PRIMARY KEY,
    doc json NOT NULL
);

-- Registry -----------------------------------------------------------------------------------------------------
-- Every registry write locks its models row first (SELECT ... FOR UPDATE): version numbers and history sequences
-- are then gapless per model, and check-then-write rules see the last committed state.
CREATE TABLE models (
    name          text COLLATE "C" PRIMARY KEY,
    latest        integer NOT NULL,
    history_seq   bigint  NOT NULL,
    gate_seq      bigint  NOT NULL,
    updated_ticks bigint  NOT NULL
);

CREATE TABLE model_versions (
    model   text COLLATE "C" NOT NULL REFERENCES models (name),
    version integer NOT NULL,
    run_id  text    NOT NULL,
    stage   text    NOT NULL,
    aliases text[]  NOT NULL,
    doc     json    NOT NULL,
    PRIMARY KEY (model, version),
    UNIQUE (model, run_id)
);
-- The rule "at most one Production version per model", held by the database itself under any number of writers.
CREATE UNIQUE INDEX model_versions_one_production ON model_versions (model) WHERE stage = 'Production';

CREATE TABLE model_history (
    model   text COLLATE "C" NOT NULL REFERENCES models (name),
    seq     bigint  NOT NULL,
    version integer NOT NULL,
    doc     json    NOT NULL,
    PRIMARY KEY (model, seq)
);

CREATE TABLE gate_runs (
    model   text COLLATE "C" NOT NULL REFERENCES models (name),
    seq     bigint  NOT NULL,
    version integer NOT NULL,
    doc     json    NOT NULL,
    PRIMARY KEY (model, seq)
);

-- Serving ------------------------------------------------------------------------------------------------------
CREATE TABLE deployments (
    id            text PRIMARY KEY,
    model         text   NOT NULL,
    started_ticks bigint NOT NULL,
    doc           jsonb  NOT NULL
);
CREATE INDEX deployments_model ON deployments (model, started_ticks);

-- The prediction log: the volume table (millions of rows per week), filled with binary COPY in batches.
-- inputs is json, not jsonb: json keeps the text as written, so the columns keep the order they were sent in
-- and numbers their exact digits (jsonb sorts keys and has no -0). A non-finite double is {"$double": "NaN"}.
CREATE TABLE predictions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model       text    NOT NULL,
    version     integer NOT NULL,
    ticks       bigint  NOT NULL,
    source      text    NOT NULL,
    inputs      json    NOT NULL,
    label       text    NOT NULL,
    score       double precision,
    probability double precision
);
-- A window is read per model and source in time order, ties in append order: this index is that order.
CREATE INDEX predictions_window ON predictions (model, source, ticks, id);

-- Monitoring ---------------------------------------------------------------------------------------------------
-- Monitoring and catalog records are json (kept as written, like the embedded store's JSON strings): a profile's
-- category counts and a record's facts keep their order, and every number its exact digits.
CREATE TABLE monitor_profiles (
    model   text    NOT NULL,
    version integer NOT NULL,
    doc     json    NOT NULL,
    PRIMARY KEY (model, version)
);

CREATE TABLE monitor_checks (
    model     text    NOT NULL,
    version   integer NOT NULL,
    window_id text    NOT NULL,
    at_ticks  bigint  NOT NULL,
    doc       json    NOT NULL,
    PRIMARY KEY (model, version, window_id)
);

-- Append-only: no code path updates or deletes a decision or a catalog record. seq is the append order.
CREATE TABLE monitor_decisions (
    seq      bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    id       text PRIMARY KEY,
    model    text   NOT NULL,
    at_ticks bigint NOT NULL,
    doc      json   NOT NULL
);
CREATE INDEX monitor_decisions_model ON monitor_decisions (model, at_ticks, seq);

CREATE TABLE catalog_records (
    seq   bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    id    text PRIMARY KEY,
    model text NOT NULL,
    doc   json NOT NULL
);
CREATE INDEX catalog_records_model ON catalog_records (model, seq);

-- For people: the ticks as timestamptz.
CREATE FUNCTION mlops_ticks_to_timestamptz(ticks bigint) RETURNS timestamptz
    LANGUAGE sql IMMUTABLE AS $$ SELECT to_timestamp((ticks - 621355968000000000) / 10000000.0) $$;
CREATE VIEW predictions_at AS
    SELECT id, model, version, mlops_ticks_to_timestamptz(ticks) AS at, source, inputs, label, score, probability FROM predictions;
