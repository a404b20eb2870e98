"""``flask backup`` and the restore README.md describes: a backup restored into a fresh database verifies clean
(issue 11, build point 10)."""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from sqlalchemy import create_engine, func, make_url, select, text

from models import Entry, Seal
from tests.conftest import TEST_CONFIG
from tests.ledgers.conftest import signed  # noqa: F401  (a week signed the real way)
from tests.weekly.conftest import catalog  # noqa: F401
from worklog import create_app, integrity
from worklog.extensions import db

pytestmark = pytest.mark.postgres


def _restore_postgres(dump: str, source_url: str) -> tuple[str, callable]:
    """README.md's restore: a new database, pg_restore into it. Returns its URL and how to drop it."""
    base = make_url(source_url)
    name = f"{base.database}_restored"
    admin = create_engine(base.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    target = base.set(database=name)
    command = ["pg_restore", "--no-owner", "--exit-on-error", "-d", name, "-h", target.host or "127.0.0.1",
               "-U", target.username or "postgres"]
    if target.port:
        command += ["-p", str(target.port)]
    subprocess.run(command + [dump], check=True, capture_output=True)

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return target.render_as_string(hide_password=False), drop


def test_backup_restores_into_a_fresh_database_that_verifies_clean(app, runner, tmp_path, org, signed):  # noqa: F811
    db.session.commit()
    entries = db.session.scalar(select(func.count()).select_from(Entry))
    path = tmp_path / ("backup.db" if db.engine.dialect.name == "sqlite" else "backup.dump")
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert f"Backup written to {path}" in result.output and path.stat().st_size > 0
    assert runner.invoke(args=["backup", str(path)]).exit_code == 1  # never over an existing file

    if db.engine.dialect.name == "sqlite":
        restored = tmp_path / "restored.db"
        shutil.copy(path, restored)   # README: stop the application, copy the file into place
        url, drop = f"sqlite:///{restored}", lambda: None
    else:
        url, drop = _restore_postgres(str(path), str(db.engine.url.render_as_string(hide_password=False)))
    try:
        other = create_app({**TEST_CONFIG, "DATABASE_URL": url})
        with other.app_context():
            assert db.session.scalar(select(func.count()).select_from(Entry)) == entries
            assert db.session.scalar(select(func.count()).select_from(Seal)) == 1
            report = integrity.verify(db.session)
            assert report.findings == [] and report.checked["sealed weeks"] == 1
            result = other.test_cli_runner().invoke(args=["verify"])
            assert result.exit_code == 0 and "Clean" in result.output, result.output
            db.session.close()
            db.engine.dispose()
    finally:
        drop()


def test_a_restore_under_another_key_does_not_verify(app, runner, tmp_path, org, signed):  # noqa: F811
    """The key stays with the instance: a copy of the database alone cannot be made to verify elsewhere."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the key's part is the same on PostgreSQL")
    db.session.commit()
    path = tmp_path / "backup.db"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    other = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "another-secret"})
    with other.app_context():
        result = other.test_cli_runner().invoke(args=["verify", "--no-checkpoint"])
        assert result.exit_code == 1 and "no longer matches its HMAC" in result.output
        db.session.close()
        db.engine.dispose()


def test_backup_says_clearly_when_pg_dump_is_missing(app, runner, tmp_path, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("pg_dump is PostgreSQL's")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    result = runner.invoke(args=["backup", str(tmp_path / "x.dump")])
    assert result.exit_code == 1
    assert "pg_dump was not found" in result.output and not os.path.exists(tmp_path / "x.dump")


def test_backup_writes_to_the_instance_folder_by_default(app, runner, org):
    db.session.commit()
    result = runner.invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    folder = os.path.join(app.instance_path, "backups")
    assert len(os.listdir(folder)) == 1 and folder in result.output
