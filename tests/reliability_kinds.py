"""Broken and hostile project files, one function per kind, for tests/test_store_reliability.py.

Each function gets the path of a valid project (car-t sample) and damages it as a crash, a disk, a careless tool
or an attacker would. `expect` says what a user must see: "refused" (one sentence, file unchanged), "foreign"
(refused as a foreign schema, a clean copy is possible), "problems" (opens; bad values reported by field path),
"opens" (recovered or harmless).
"""
from __future__ import annotations

import json
import os
import socket
import sqlite3
from pathlib import Path

BROKEN: dict[str, tuple[str, callable]] = {}
HOSTILE: dict[str, tuple[str, callable]] = {}


def broken(expect):
    def deco(fn):
        BROKEN[fn.__name__] = (expect, fn)
        return fn
    return deco


def hostile(expect):
    def deco(fn):
        HOSTILE[fn.__name__] = (expect, fn)
        return fn
    return deco


def sql(path: Path, *statements, trusted=True):
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA trusted_schema = ON")
        for s in statements:
            conn.executescript(s) if ";" in s.strip().rstrip(";") else conn.execute(s)
    finally:
        conn.close()


def set_raw(path: Path, step: str, field: str, value) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("INSERT OR REPLACE INTO field_values (step, field, value, modified) VALUES (?, ?, ?, 'x')",
                     [step, field, value])
    finally:
        conn.close()


def first_row(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT row_id FROM table_rows ORDER BY step, field, position LIMIT 1").fetchone()[0]
    finally:
        conn.close()


def patch_bytes(path: Path, offset: int, data: bytes) -> None:
    with open(path, "r+b") as fh:
        fh.seek(offset)
        fh.write(data)


# ============================================================ broken files (crashes, disks, careless tools)
@broken("refused")
def empty_file(p): p.write_bytes(b"")


@broken("refused")
def zip_file(p): p.write_bytes(b"PK\x03\x04" + os.urandom(3000))


@broken("refused")
def csv_file(p): p.write_text("title,value\nfoo,bar\n")


@broken("refused")
def random_bytes(p): p.write_bytes(os.urandom(8192))


@broken("refused")
def header_only(p): p.write_bytes(p.read_bytes()[:100])


@broken("refused")
def truncated_half(p): p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2 + 100])


@broken("refused")
def truncated_first_page(p): p.write_bytes(p.read_bytes()[:4096])


@broken("refused")
def zeroed_second_page(p): patch_bytes(p, 4096, b"\x00" * 4096)


@broken("refused")
def garbage_in_middle(p):
    size = p.stat().st_size
    patch_bytes(p, size // 2, os.urandom(4096))


@broken("refused")
def bad_page_size(p): patch_bytes(p, 16, b"\x00\x03")


@broken("refused")
def other_application(p): sql(p, "PRAGMA application_id = 12345")


@broken("refused")
def newer_format(p): sql(p, "PRAGMA user_version = 99")


@broken("problems")
def invalid_utf8_value(p): set_raw(p, "product", "inn", b"\xff\xfe not utf-8")


@broken("problems")
def not_json_value(p): set_raw(p, "product", "inn", "this is not json")


@broken("problems")
def integer_holds_text(p): set_raw(p, "traceability", "retention_years", '"abc"')


@broken("problems")
def choice_not_in_list(p): set_raw(p, "product", "atmp_type", '"XYZ"')


@broken("problems")
def impossible_date(p): set_raw(p, "product", "cat_classification_date", '"31/02/2025"')


@broken("problems")
def scalar_where_table_belongs(p): set_raw(p, "manufacturing", "sites", '"one site"')


@broken("problems")
def rows_where_scalar_belongs(p):
    sql(p, "INSERT INTO table_rows (row_id, step, field, position, cells) VALUES "
           "('x1', 'product', 'inn', 0, '{\"a\": 1}')")


@broken("problems")
def cells_not_an_object(p):
    sql(p, f"UPDATE table_rows SET cells = '[1, 2, 3]' WHERE row_id = '{first_row(p)}'")


@broken("problems")
def cells_not_json(p):
    sql(p, f"UPDATE table_rows SET cells = '{{broken' WHERE row_id = '{first_row(p)}'")


@broken("problems")
def unknown_column(p):
    sql(p, f"UPDATE table_rows SET cells = '{{\"colour\": \"red\"}}' WHERE row_id = '{first_row(p)}'")


@broken("problems")
def position_not_a_number(p):
    sql(p, f"UPDATE table_rows SET position = 'first' WHERE row_id = '{first_row(p)}'")


@broken("problems")
def value_stored_as_integer(p):
    conn = sqlite3.connect(p, isolation_level=None)
    conn.execute("UPDATE field_values SET value = 42 WHERE step = 'product' AND field = 'inn'")
    conn.close()


@broken("problems")
def unknown_field(p): set_raw(p, "product", "no_such_field", '"x"')


@broken("problems")
def bad_section_status(p):
    sql(p, "INSERT OR REPLACE INTO section_status (code, status, note, modified) VALUES ('3.2.S', 'ready', 'n', 'x')",
        "UPDATE section_status SET note = CAST(X'FF00' AS TEXT)")


@broken("locked")
def malformed_lock(p): p.with_name(p.name + ".lock").write_text("not json {{{")


@broken("locked")
def empty_lock(p): p.with_name(p.name + ".lock").write_text("")


@broken("opens")
def empty_lock_from_before_boot(p):  # a power cut came after the lock's name reached the disk, before its content
    lock = p.with_name(p.name + ".lock")
    lock.write_text("")
    boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                if line.startswith("btime "))
    os.utime(lock, (boot - 3600, boot - 3600))


@broken("opens")
def stale_lock_dead_pid(p):
    p.with_name(p.name + ".lock").write_text(json.dumps(
        {"host": socket.gethostname(), "pid": 2 ** 22 - 3, "token": "dead", "user": "x", "since": "2026"}))


@broken("opens")
def stale_lock_reused_pid(p):
    p.with_name(p.name + ".lock").write_text(json.dumps(
        {"host": socket.gethostname(), "pid": 1, "start": "another-boot:1", "token": "old", "user": "x"}))


@broken("opens")
def leftover_temp_files(p):
    (p.parent / f".~atmp-{_host()}-{2 ** 22 - 5}-abcd-{p.name}.tmp").write_bytes(b"x" * 5000)


@broken("opens")
def empty_journal(p): p.with_name(p.name + "-journal").write_bytes(b"")


@broken("opens")
def wal_mode_file(p): sql(p, "PRAGMA journal_mode = WAL")


@broken("refused")
def folder_not_file(p):
    p.unlink()
    p.mkdir()


@broken("refused")
def dangling_symlink(p):
    p.unlink()
    p.symlink_to(p.parent / "gone.atmp")


def _host():
    import zlib
    return f"{zlib.crc32(socket.gethostname().encode()) & 0xFFFFFFFF:08x}"


# ============================================================ hostile files (made to run code or stall us)
@hostile("foreign")
def trigger_rewrites_value(p):
    sql(p, """CREATE TRIGGER evil AFTER INSERT ON audit_log BEGIN
              UPDATE field_values SET value = '"EVIL"' WHERE field = 'inn'; END;""")


@hostile("foreign")
def trigger_deletes_rows(p):
    sql(p, "CREATE TRIGGER wipe AFTER UPDATE ON field_values BEGIN DELETE FROM table_rows; END;")


@hostile("foreign")
def trigger_cpu_bomb(p):
    sql(p, """CREATE TRIGGER bomb BEFORE INSERT ON audit_log BEGIN
              SELECT count(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)
              SELECT x FROM c); END;""")


@hostile("foreign")
def trigger_on_rows_insert(p):
    sql(p, "CREATE TRIGGER t2 AFTER INSERT ON table_rows BEGIN DELETE FROM field_values; END;")


@hostile("foreign")
def trigger_on_meta(p):
    sql(p, "CREATE TRIGGER t3 AFTER UPDATE ON project_meta BEGIN DELETE FROM section_status; END;")


@hostile("foreign")
def trigger_on_undo(p):
    sql(p, "CREATE TRIGGER t4 AFTER INSERT ON undo_steps BEGIN DELETE FROM undo_steps; END;")


@hostile("foreign")
def trigger_ignores_writes(p):
    sql(p, "CREATE TRIGGER t5 BEFORE UPDATE ON field_values BEGIN SELECT RAISE(IGNORE); END;")


@hostile("foreign")
def view_replaces_values(p):
    sql(p, """ALTER TABLE field_values RENAME TO real_values;
              CREATE VIEW field_values AS SELECT step, field, value, modified FROM real_values
              UNION ALL SELECT 'product', 'inn', '"INJECTED"', 'x';""")


@hostile("foreign")
def recursive_view(p):
    sql(p, """ALTER TABLE table_rows RENAME TO real_rows;
              CREATE VIEW table_rows AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)
              SELECT 'r' || x AS row_id, 'manufacturing' AS step, 'sites' AS field, x AS position, '{}' AS cells
              FROM c;""")


@hostile("foreign")
def extra_table(p): sql(p, "CREATE TABLE payload (x BLOB)")


@hostile("foreign")
def extra_index(p): sql(p, "CREATE INDEX by_value ON field_values (value)")


@hostile("foreign")
def expression_index(p): sql(p, "CREATE INDEX by_len ON field_values (length(value) * 2)")


@hostile("foreign")
def extra_view(p): sql(p, "CREATE VIEW v AS SELECT * FROM field_values")


@hostile("foreign")
def audit_triggers_removed(p):
    sql(p, "DROP TRIGGER audit_log_is_append_only_update", "DROP TRIGGER audit_log_is_append_only_delete",
        "DELETE FROM audit_log")


@hostile("foreign")
def column_added(p): sql(p, "ALTER TABLE field_values ADD COLUMN extra TEXT DEFAULT 'x'")


@hostile("foreign")
def generated_column(p):
    sql(p, """ALTER TABLE field_values RENAME TO fv;
              CREATE TABLE field_values (step TEXT, field TEXT, modified TEXT,
                  raw TEXT, value TEXT GENERATED ALWAYS AS ('"GEN"' || raw) VIRTUAL);
              INSERT INTO field_values (step, field, modified, raw) SELECT step, field, modified, value FROM fv;
              DROP TABLE fv;""")


@hostile("foreign")
def check_constraint_bomb(p):
    sql(p, """CREATE TABLE bomb (x TEXT CHECK (length(randomblob(1000000000)) > 0));""")


@hostile("foreign")
def virtual_table(p):
    sql(p, """ALTER TABLE field_values RENAME TO fv2;
              CREATE VIRTUAL TABLE field_values USING fts4(step, field, value, modified);
              INSERT INTO field_values SELECT step, field, value, modified FROM fv2;
              DROP TABLE fv2;""")


@hostile("foreign")
def default_expression(p):
    sql(p, "CREATE TABLE d (x TEXT DEFAULT (hex(randomblob(16))))")


@hostile("foreign")
def analyze_stats(p): sql(p, "ANALYZE")


@hostile("foreign")
def extension_loading_trigger(p):
    sql(p, "CREATE TRIGGER ext AFTER INSERT ON audit_log BEGIN SELECT load_extension('/tmp/evil.so'); END;")


@hostile("foreign")
def forged_version(p):  # a v3 schema claiming to be v2: the schema no longer matches what v2 made
    sql(p, "PRAGMA user_version = 2")


@hostile("foreign")
def missing_table(p): sql(p, "DROP TABLE section_status")


@hostile("problems")
def bidi_override_in_text(p): set_raw(p, "product", "inn", json.dumps("gnp\u202e.exe"))


@hostile("problems")
def deep_nesting_value(p): set_raw(p, "product", "inn", "[" * 5000 + "]" * 5000)


@hostile("problems")
def nan_value(p): set_raw(p, "traceability", "retention_years", "NaN")


@hostile("problems")
def infinite_quantity(p):
    set_raw(p, "quality", "shelf_life", '{"value": 1e999, "unit": "months"}')


@hostile("refused")
def value_too_big(p):
    conn = sqlite3.connect(p, isolation_level=None)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 100_000_000)
    conn.execute("UPDATE field_values SET value = '\"' || printf('%.*c', 40000000, 'x') || '\"' "
                 "WHERE step = 'product' AND field = 'inn'")
    conn.close()


@hostile("refused")
def row_bomb(p, rows=None):
    from atmp_desktop.store import project_file
    n = rows or project_file.MAX_ROWS_IN_FILE + 10
    conn = sqlite3.connect(p, isolation_level=None)
    conn.execute("BEGIN")
    conn.execute("INSERT INTO table_rows (row_id, step, field, position, cells) "
                 "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT ?) "
                 "SELECT 'b' || x, 'manufacturing', 'sites', x, '{}' FROM c", [n])
    conn.execute("COMMIT")
    conn.close()


@hostile("problems")
def forged_undo_history(p):
    sql(p, """INSERT INTO undo_steps (label, undone, changes) VALUES
              ('edit of INN', 0, '[["f", "product.inn", "Kept", {"evil": true}]]')""")
