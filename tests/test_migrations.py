"""The Alembic migrations are the only source of the schema, and match the models."""

from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from quiz import create_app, migrate
from quiz.models import Base
from tests.conftest import on_postgres, reset_postgres_database


def fresh_database_url(tmp_path):
    if on_postgres():
        url = make_url(os.environ["QUIZ_TEST_DATABASE_URL"])
        url = url.set(database=f"{url.database}_migrations")
        rendered = url.render_as_string(hide_password=False)
        reset_postgres_database(rendered)
        return rendered
    return f"sqlite:///{tmp_path / 'empty.db'}"


@pytest.mark.filterwarnings("ignore:autogenerate skipping:UserWarning")
def test_upgrade_from_empty_matches_the_models_and_downgrades_cleanly(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZ_INSTANCE_PATH", str(tmp_path))
    app = create_app({"DATABASE_URL": fresh_database_url(tmp_path)})
    engine = app.extensions["quiz_db"].engine
    try:
        with app.app_context():
            migrate.upgrade(app)
        with engine.connect() as connection:
            differences = compare_metadata(
                MigrationContext.configure(connection, opts={"compare_type": True}),
                Base.metadata,
            )
        # Alembic cannot compare indexes with a DESC column; check those by name.
        expression = {
            index.name: table.name
            for table in Base.metadata.tables.values()
            for index in table.indexes
            if any(not hasattr(e, "name") for e in index.expressions)
        }
        differences = [
            d for d in differences if not (d[0].endswith("_index") and d[1].name in expression)
        ]
        assert differences == []
        inspector = inspect(engine)
        for name, table in expression.items():
            assert name in {i["name"] for i in inspector.get_indexes(table)}, name
        with app.app_context():
            migrate.downgrade(app, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
