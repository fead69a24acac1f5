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


MIGRATIONS: list[tuple[str, str]] = [
    ("0001_initial", _M1_INITIAL),
    ("0002_section_status", _M2_SECTION_STATUS),
]
SCHEMA_VERSION = len(MIGRATIONS)


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
