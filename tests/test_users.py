"""The shared database layer: migrations, users/teams/roles, passwords, the audit log."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from kb_bot import audit, users
from kb_bot.db import MIGRATIONS_DIR, alembic_config, make_engine, migrate, session_scope
from kb_bot.users import PermissionDenied, Role, UserError

PASSWORD = "correct horse battery"


def test_migrate_creates_base_tables_and_is_repeatable(db_url):
    migrate(db_url)
    migrate(db_url)  # a second start finds nothing to do
    engine = make_engine(db_url)
    tables = set(inspect(engine).get_table_names())
    assert {"users", "teams", "audit_log", "alembic_version"} <= tables
    engine.dispose()


def test_parallel_branch_heads_upgrade(db_url, tmp_path: Path):
    """A feature branch from 0001_base (like the chat's 0003_chat) upgrades together with 0002_claims."""
    scripts = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, scripts)
    (scripts / "versions" / "0099_branch.py").write_text(
        '"""A test branch."""\n'
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        'revision = "0099_branch"\ndown_revision = "0001_base"\nbranch_labels = None\ndepends_on = None\n\n\n'
        "def upgrade():\n"
        '    op.create_table("branch_probe", sa.Column("id", sa.Integer, primary_key=True),\n'
        '                    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id")))\n\n\n'
        "def downgrade():\n"
        '    op.drop_table("branch_probe")\n',
        encoding="utf-8",
    )
    cfg = alembic_config(db_url)
    cfg.set_main_option("script_location", str(scripts))
    heads = ScriptDirectory.from_config(cfg).get_heads()
    assert len(heads) >= 2 and "0099_branch" in heads
    command.upgrade(cfg, "heads")
    engine = make_engine(db_url)
    with engine.connect() as conn:
        current = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
    assert current == set(heads)
    assert "branch_probe" in inspect(engine).get_table_names()
    engine.dispose()


def _team(session) -> tuple[users.User, users.User, users.User, users.Team]:
    sv = users.add_user(session, "sv1", Role.SV, actor="admin", password=PASSWORD, display_name="指導 一郎")
    team = users.add_team(session, "1班", sv, actor="admin")
    cw = users.add_user(session, "cw1", "cw", actor="admin", password=PASSWORD, team=team)
    other = users.add_user(session, "cw2", "cw", actor="admin", password=PASSWORD)
    session.commit()
    return sv, cw, other, team


def test_authenticate_and_disable(session):
    _, cw, _, _ = _team(session)
    assert cw.password_hash.startswith("$argon2id$")
    assert PASSWORD not in cw.password_hash
    assert users.authenticate(session, "cw1", PASSWORD) is cw
    assert users.authenticate(session, "cw1", "wrong password!") is None
    assert users.authenticate(session, "nobody", PASSWORD) is None
    users.disable_user(session, cw, actor="admin")
    session.commit()
    assert users.authenticate(session, "cw1", PASSWORD) is None
    users.set_password(session, cw, "another password", actor="admin")
    assert users.authenticate(session, "cw1", "another password") is None  # still disabled


def test_user_without_password_cannot_log_in(session):
    users.add_user(session, "sso", "cw", actor="admin")
    assert users.authenticate(session, "sso", "") is None
    assert users.authenticate(session, "sso", PASSWORD) is None


def test_set_password_replaces_the_old_one(session):
    _, cw, _, _ = _team(session)
    users.set_password(session, cw, "a brand new secret", actor="cw1")
    assert users.authenticate(session, "cw1", PASSWORD) is None
    assert users.authenticate(session, "cw1", "a brand new secret") is cw


def test_rules_on_users_and_teams(session):
    sv, cw, _, _ = _team(session)
    with pytest.raises(UserError, match="すでに登録"):
        users.add_user(session, "cw1", "cw", actor="admin")
    with pytest.raises(UserError, match="cw / sv / admin"):
        users.add_user(session, "x", "boss", actor="admin")
    with pytest.raises(UserError, match="10文字以上"):
        users.add_user(session, "y", "cw", actor="admin", password="short")
    with pytest.raises(UserError, match="査察指導員"):
        users.add_team(session, "2班", cw, actor="admin")
    with pytest.raises(UserError, match="すでにあります"):
        users.add_team(session, "1班", sv, actor="admin")
    with pytest.raises(UserError, match="users list"):
        users.require_user(session, "ghost")


def test_scopes_cw_own_sv_team_admin_all(session):
    sv, cw, other, _ = _team(session)
    admin = users.add_user(session, "root", "admin", actor="setup")
    assert [u.username for u in users.team_members(session, sv)] == ["cw1"]
    assert users.visible_user_ids(session, cw) == {cw.id}
    assert users.visible_user_ids(session, sv) == {sv.id, cw.id}
    assert users.visible_user_ids(session, admin) is None
    assert users.can_see(session, sv, cw.id) and not users.can_see(session, sv, other.id)
    assert not users.can_see(session, cw, other.id)
    users.require_role(sv, Role.SV, Role.ADMIN)
    with pytest.raises(PermissionDenied, match="査察指導員・管理者だけ"):
        users.require_role(cw, Role.SV, Role.ADMIN)


def test_audit_log_records_changes_and_is_append_only(session, engine):
    _team(session)
    entry = audit.record(session, "cw1", "case.view", "C-0001", {"why": "訪問準備"})
    session.commit()
    assert entry.at.tzinfo is not None and abs(entry.at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    actions = [e.action for e in audit.entries(session)]
    assert actions[0] == "case.view" and actions.count("user.add") == 3 and "team.add" in actions
    assert audit.entries(session, actor="cw1")[0].detail == {"why": "訪問準備"}
    assert [e.target for e in audit.entries(session, action_prefix="team.")] == ["1班"]
    with engine.connect() as conn:
        for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text(statement))
            conn.rollback()
    assert len(audit.entries(session)) == len(actions)


def test_session_scope_rolls_back_on_error(engine):
    with pytest.raises(RuntimeError), session_scope(engine) as s:
        users.add_user(s, "temp", "cw", actor="admin")
        raise RuntimeError("boom")
    with session_scope(engine) as s:
        assert users.get_user(s, "temp") is None


def test_migrations_match_the_models(engine):
    """The tables the migrations build are the ones the models declare (no drift on either backend)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from kb_bot.db import Base, load_models

    load_models()
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


FAIL_INSERT = {
    "sqlite": ["CREATE TRIGGER disk_full BEFORE INSERT ON users BEGIN SELECT RAISE(ABORT, 'disk is full'); END"],
    "postgresql": [
        "CREATE FUNCTION disk_full() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk is full'; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER disk_full BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION disk_full()",
    ],
}


def test_users_add_on_a_failing_database_never_shows_the_hash(db_url, engine, home, monkeypatch, capsys):
    """The insert fails inside the database (as on a full disk): the person gets one generic Japanese line,
    the traceback goes to the error log, and neither carries the argon2 hash or the SQL parameters."""
    import io

    from kb_bot.cli import ERROR_LOG, main

    with engine.begin() as conn:
        for statement in FAIL_INSERT[engine.dialect.name]:
            conn.execute(text(statement))
    monkeypatch.setenv("KB_BOT_DATABASE_URL", db_url)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    code = main(["users", "add", "cw9", "--role", "cw", "--password-stdin"])
    out, err = capsys.readouterr()
    assert code == 70
    assert "予期しない問題" in err and str(home / ERROR_LOG) in err and len(err.strip().splitlines()) == 1
    logged = (home / ERROR_LOG).read_text(encoding="utf-8")
    assert "Traceback" in logged and "disk is full" in logged
    for text_seen in (out, err, logged):
        assert "$argon2" not in text_seen and "cw9" not in text_seen.replace("users add", "")
    with session_scope(engine) as s:
        assert users.get_user(s, "cw9") is None


def test_a_rule_violation_is_one_line_with_exit_code_1(db_url, engine, home, monkeypatch, capsys):
    from kb_bot.cli import main

    monkeypatch.setenv("KB_BOT_DATABASE_URL", db_url)
    with pytest.raises(SystemExit) as refused:  # argparse: refused before anything runs, in Japanese
        main(["users", "add", "x", "--role", "boss"])
    assert refused.value.code == 2
    assert "選べません" in capsys.readouterr().err
    assert main(["users", "disable", "nobody"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("エラー: ") and "Traceback" not in err
