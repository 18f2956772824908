"""The full-text index over ``SearchEntry.tokens``, in the database's own dialect.

SQLite: an FTS5 table with the entries as external content, kept in step by
triggers. PostgreSQL: a GIN index on the tokens read as a ``tsvector`` (the
tokens are stored as lexemes as they are; no parser or dictionary touches them).
"""

from django.db import migrations

SQLITE_UP = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(tokens, content='search_searchentry', "
    "content_rowid='id', tokenize=\"unicode61 tokenchars '_' remove_diacritics 0\", "
    "detail=none)",
    "CREATE TRIGGER search_fts_ai AFTER INSERT ON search_searchentry BEGIN "
    "INSERT INTO search_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
    "CREATE TRIGGER search_fts_ad AFTER DELETE ON search_searchentry BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens); END",
    "CREATE TRIGGER search_fts_au AFTER UPDATE OF tokens ON search_searchentry BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens); "
    "INSERT INTO search_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS search_fts_au",
    "DROP TRIGGER IF EXISTS search_fts_ad",
    "DROP TRIGGER IF EXISTS search_fts_ai",
    "DROP TABLE IF EXISTS search_fts",
]
POSTGRES_UP = [
    "CREATE INDEX search_entry_tokens ON search_searchentry "
    "USING gin ((tokens::tsvector))",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS search_entry_tokens"]


def _run(statements):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for sql in statements.get(vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]
