import pytest
from django.db import connection

from guanxi.core.checks import postgres_utf8_ctype


@pytest.mark.django_db
def test_database_locale_check_passes_on_the_test_database():
    assert postgres_utf8_ctype(None, databases=["default"]) == []


@pytest.mark.django_db
def test_database_locale_check_flags_a_non_utf8_ctype(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")

    class FakeCursor:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def execute(self, sql):
            pass

        def fetchone(self):
            return ("C",)

    monkeypatch.setattr(connection, "cursor", lambda: FakeCursor())
    errors = postgres_utf8_ctype(None, databases=["default"])
    assert [e.id for e in errors] == ["guanxi.E001"]
