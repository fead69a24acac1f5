"""How tests/data/format1.atmp was made: a project at schema version 1, as the first release wrote it.

Kept for the record; the .atmp file itself is committed and must not be regenerated after schema changes.
"""
import json
import sqlite3
import sys

from atmp_desktop.store.header import APPLICATION_ID
from atmp_desktop.store.migrations import migrate

path = sys.argv[1]
conn = sqlite3.connect(path, isolation_level=None)
conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
conn.execute("PRAGMA journal_mode = DELETE")
migrate(conn, to_version=1)
now = "2026-01-15T09:00:00Z"
conn.execute("BEGIN")
for k, v in {"uuid": "0b0e4a43-1f7e-4b55-9d3c-0c2b7f3a1a01", "title": "Oldcel (format 1)", "created": now,
             "modified": now, "app_version": "0.0.9", "schema_version": "1"}.items():
    conn.execute("INSERT INTO project_meta VALUES (?, ?)", (k, v))
conn.execute("INSERT INTO field_values VALUES ('product', 'invented_name', ?, ?)", (json.dumps("Oldcel"), now))
conn.execute("INSERT INTO field_values VALUES ('product', 'atmp_type', ?, ?)", (json.dumps("TEP"), now))
conn.execute("INSERT INTO table_rows VALUES ('manufacturing', 'sites', 0, ?)",
             (json.dumps({"name": "Legacy Site", "country": "NL"}),))
conn.execute("INSERT INTO audit_log (at, user, action, field, old_value, new_value) "
             "VALUES (?, 'writer', 'create', NULL, NULL, 'new project')", (now,))
conn.execute("COMMIT")
conn.close()
