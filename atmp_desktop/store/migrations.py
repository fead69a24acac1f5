"""Numbered schema migrations. `PRAGMA user_version` is the schema version.

Add a migration by appending a function to MIGRATIONS; never edit a released one. The project file is
copied to a backup before any migration runs (ProjectFile.open).
"""
from __future__ import annotations

import sqlite3


_M1_INITIAL = """
    CREATE TABLE project_meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    -- One row per filled-in scalar field; value is JSON (string, number, boolean, list or object).
    CREATE TABLE field_values (
        step     TEXT NOT NULL,
        field    TEXT NOT NULL,
        value    TEXT NOT NULL CHECK (json_valid(value)),
        modified TEXT NOT NULL,
        PRIMARY KEY (step, field)
    );
    -- One row per row of a table field (sites, process steps, specifications ...); cells is a JSON object.
    CREATE TABLE table_rows (
        step     TEXT NOT NULL,
        field    TEXT NOT NULL,
        position INTEGER NOT NULL CHECK (position >= 0),
        cells    TEXT NOT NULL CHECK (json_valid(cells)),
        PRIMARY KEY (step, field, position)
    );
    -- Append-only history of every change, kept inside the file so it travels with it.
    CREATE TABLE audit_log (
        id        INTEGER PRIMARY KEY AUTOINCREMENT,
        at        TEXT NOT NULL,
        user      TEXT NOT NULL,
        action    TEXT NOT NULL,
        field     TEXT,
        old_value TEXT,
        new_value TEXT
    );
    CREATE TRIGGER audit_log_is_append_only_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_log_is_append_only_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""


_M2_SECTION_STATUS = """
    -- The writer's own status of each CTD section (not started / draft / in review / ready).
    CREATE TABLE section_status (
        code     TEXT PRIMARY KEY,
        status   TEXT NOT NULL CHECK (status IN ('not_started', 'draft', 'in_review', 'ready')),
        note     TEXT NOT NULL DEFAULT '',
        modified TEXT NOT NULL
    );
"""


_M3_ROW_IDS = """
    -- Table rows get a stable identity that survives edits, reorders, Save As and copies of the file, so two
    -- copies of one project share row identities (merge, links from results to specification rows).
    -- `position` only orders rows within their table: it has gaps, so an insert or a move rewrites one row.
    -- The table is rebuilt by CREATE + copy (not ALTER ... RENAME) so its stored SQL text is exactly the
    -- statement below in every file, whatever the SQLite version: the schema check compares that text.
    -- Files are opened with trusted_schema=OFF, under which SQLite 3.40 refuses a schema whose CHECK calls
    -- json_valid(); stored JSON is checked by the store when read instead (every value, every time).
    CREATE TABLE table_rows_v2 AS SELECT step, field, position, cells FROM table_rows;
    DROP TABLE table_rows;
    CREATE TABLE table_rows (
        row_id   TEXT PRIMARY KEY NOT NULL,
        step     TEXT NOT NULL,
        field    TEXT NOT NULL,
        position INTEGER NOT NULL,
        cells    TEXT NOT NULL
    );
    INSERT INTO table_rows (row_id, step, field, position, cells)
        SELECT lower(hex(randomblob(8))), step, field, position * 65536, cells FROM table_rows_v2;
    DROP TABLE table_rows_v2;
    CREATE INDEX table_rows_order ON table_rows (step, field, position);
    CREATE TABLE field_values_v2 AS SELECT step, field, value, modified FROM field_values;
    DROP TABLE field_values;
    CREATE TABLE field_values (
        step     TEXT NOT NULL,
        field    TEXT NOT NULL,
        value    TEXT NOT NULL,
        modified TEXT NOT NULL,
        PRIMARY KEY (step, field)
    );
    INSERT INTO field_values SELECT step, field, value, modified FROM field_values_v2;
    DROP TABLE field_values_v2;
    -- The undo history lives in the file (row-level differences, JSON), so it survives a restart and costs
    -- no memory. `undone` = 1 marks the redo side. Bounded by the store (oldest steps are dropped).
    CREATE TABLE undo_steps (
        seq     INTEGER PRIMARY KEY,
        label   TEXT NOT NULL,
        undone  INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1)),
        changes TEXT NOT NULL
    );
"""


_M4_SHARE_AND_REVIEW = """
    -- Milestones: named snapshots of the project inside its own file ("as sent to CMC lead", "as submitted").
    -- `id` is a UUID that every copy of the file keeps, so two copies find their last common milestone (the
    -- base of a three-way merge). `content` is the project at that moment as zlib-compressed JSON (the
    -- interchange document with row ids, plus review status and comments), checked like any input when read;
    -- `digest` is the SHA-256 of the uncompressed JSON.
    CREATE TABLE milestones (
        id       TEXT PRIMARY KEY NOT NULL,
        name     TEXT NOT NULL,
        created  TEXT NOT NULL,
        author   TEXT NOT NULL,
        kind     TEXT NOT NULL,
        note     TEXT NOT NULL,
        counts   TEXT NOT NULL,
        digest   TEXT NOT NULL,
        content  BLOB NOT NULL
    );
    -- Review status of a step ('step:<id>') or a CTD section ('section:<code>'): draft / in_review / approved,
    -- with the reviewer, the date and a comment. Approved content that changes goes back to in_review.
    CREATE TABLE review_status (
        target   TEXT PRIMARY KEY NOT NULL,
        status   TEXT NOT NULL,
        reviewer TEXT NOT NULL,
        at       TEXT NOT NULL,
        comment  TEXT NOT NULL
    );
    -- Threaded review comments on a field (`path`; a table row adds `row_id`). A reply names its thread's
    -- first comment in `parent` ('' for the first); open/resolved is kept on the first comment.
    CREATE TABLE review_comments (
        id          TEXT PRIMARY KEY NOT NULL,
        path        TEXT NOT NULL,
        row_id      TEXT NOT NULL,
        parent      TEXT NOT NULL,
        author      TEXT NOT NULL,
        at          TEXT NOT NULL,
        body        TEXT NOT NULL,
        state       TEXT NOT NULL,
        resolved_by TEXT NOT NULL,
        resolved_at TEXT NOT NULL
    );
"""


_M5_FIGURES = """
    -- Figures the writer attaches to a field or a heading (core/figures.py, docs/figures.md). An image is
    -- kept once per content (its SHA-256 is the key), however many figures, undo steps and milestones use it;
    -- `kind` is png / jpeg / svg, checked by decoding before it is stored and when it is exported.
    CREATE TABLE figure_images (
        digest TEXT PRIMARY KEY NOT NULL,
        kind   TEXT NOT NULL,
        data   BLOB NOT NULL
    );
    -- One row per attached figure: `target` is a field path or 'heading:<code or id>', `position` orders the
    -- figures of the project, `image` is a figure_images digest.
    CREATE TABLE figures (
        id       TEXT PRIMARY KEY NOT NULL,
        target   TEXT NOT NULL,
        position INTEGER NOT NULL,
        caption  TEXT NOT NULL,
        alt      TEXT NOT NULL,
        name     TEXT NOT NULL,
        image    TEXT NOT NULL
    );
"""


MIGRATIONS: list[tuple[str, str]] = [
    ("0001_initial", _M1_INITIAL),
    ("0002_section_status", _M2_SECTION_STATUS),
    ("0003_row_ids_and_undo", _M3_ROW_IDS),
    ("0004_milestones_and_review", _M4_SHARE_AND_REVIEW),
    ("0005_figures", _M5_FIGURES),
]
SCHEMA_VERSION = len(MIGRATIONS)
_EXPECTED: dict[int, frozenset] = {}


def expected_schema(version: int = SCHEMA_VERSION) -> frozenset[tuple[str, str, str, str]]:
    """What `sqlite_master` holds in a file of `version` made by this app: (type, name, table, sql) with the
    SQL's whitespace collapsed. Built once per version by running our own migrations on an empty database."""
    if version not in _EXPECTED:
        conn = sqlite3.connect(":memory:", isolation_level=None)
        try:
            migrate(conn, version)
            _EXPECTED[version] = read_schema(conn)
        finally:
            conn.close()
    return _EXPECTED[version]


def read_schema(conn: sqlite3.Connection) -> frozenset[tuple[str, str, str, str]]:
    """The schema as stored. Text that is not UTF-8 (a damaged page) raises sqlite3.DatabaseError."""
    factory = conn.text_factory
    conn.text_factory = bytes
    try:
        rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    except UnicodeDecodeError:  # SQLite's own error message quotes damaged schema text
        raise sqlite3.DatabaseError("malformed database schema (not readable text)") from None
    finally:
        conn.text_factory = factory
    try:
        rows = [tuple(v.decode("utf-8") if isinstance(v, bytes) else v for v in r) for r in rows]
    except UnicodeDecodeError:
        raise sqlite3.DatabaseError("the schema is not readable text") from None
    return frozenset((t, n, tb, " ".join((sql or "").split())) for t, n, tb, sql in rows)


def migrate(conn: sqlite3.Connection, to_version: int = SCHEMA_VERSION) -> list[str]:
    """Bring the schema from its current user_version to `to_version`, each step in its own transaction."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    applied: list[str] = []
    for number in range(current + 1, to_version + 1):
        name, sql = MIGRATIONS[number - 1]
        # executescript would commit a pending transaction, so the transaction lives inside the script.
        try:
            conn.executescript(
                f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\n"
                f"UPDATE project_meta SET value = '{number}' WHERE key = 'schema_version';\nCOMMIT;")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied
