"""`portal init-db` builds the schema through migrations, idempotently, matching the models."""

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DatabaseError

from portal import create_app
from portal.extensions import db
from tests.conftest import TEST_DATABASE_URL, test_config

MIGRATION_SCHEMA = "portal_migration_test"


def _init_db_twice_and_compare(tmp_path: Path, url: str) -> None:
    app = create_app(test_config(tmp_path, SQLALCHEMY_DATABASE_URI=url))
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        assert "certificates" in inspect(db.engine).get_table_names()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        # The append-only guard is part of the migrated schema, not only of create_all().
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO audit_log (at, actor, action, entity_type, entity_id, ip) "
                "VALUES (CURRENT_TIMESTAMP, 'cli', 'test', 'x', '1', '')"))
        with pytest.raises(DatabaseError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text("UPDATE audit_log SET actor = 'someone else'"))
        db.engine.dispose()


def test_init_db_twice_then_schema_matches_models_on_sqlite(tmp_path):
    _init_db_twice_and_compare(tmp_path, f"sqlite:///{tmp_path / 'migrated.sqlite3'}")


def test_init_db_twice_then_schema_matches_models_on_postgresql(tmp_path):
    """On PostgreSQL (CI), in a schema of its own so the suite's tables are left alone."""
    if not TEST_DATABASE_URL or not TEST_DATABASE_URL.startswith("postgresql"):
        pytest.skip("needs TEST_DATABASE_URL on PostgreSQL")
    admin = create_engine(TEST_DATABASE_URL)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {MIGRATION_SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {MIGRATION_SCHEMA}"))
    separator = "&" if "?" in TEST_DATABASE_URL else "?"
    url = f"{TEST_DATABASE_URL}{separator}options=-csearch_path%3D{MIGRATION_SCHEMA}"
    try:
        _init_db_twice_and_compare(tmp_path, url)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {MIGRATION_SCHEMA} CASCADE"))
        admin.dispose()
