"""A kaigo premium file is imported once per scope (office or teams), not once for the whole office.

``kaigo_batches.file_sha256`` is no longer unique on its own: ``scope`` is ``office`` (an administrator's
import, every case) or ``team:1,3`` (an SV's import, the teams they lead), unique with the file's hash.
Existing batches get the scope of their importer: an SV's the teams they lead now, anyone else's ``office``.

Revision ID: 0005_kaigo_import_scope
Revises: 0002_claims
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_kaigo_import_scope"
down_revision = "0002_claims"
branch_labels = None
depends_on = None


def _foreign_keys(on: bool) -> None:
    """SQLite rebuilds the table to change its constraints; kaigo_drafts refers to it, so foreign keys
    are off meanwhile (the pragma only takes effect outside a transaction)."""
    if op.get_bind().dialect.name == "sqlite":
        with op.get_context().autocommit_block():
            op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("kaigo_batches") as batch:
        batch.add_column(sa.Column("scope", sa.String(200), nullable=True))
    batches = bind.execute(
        sa.text(
            "SELECT b.id, u.id FROM kaigo_batches b LEFT JOIN users u ON u.username = b.imported_by AND u.role = 'sv'"
        )
    ).all()
    led_by = sa.text("SELECT id FROM teams WHERE sv_user_id = :sv ORDER BY id")
    for batch_id, sv_id in batches:
        teams = bind.execute(led_by, {"sv": sv_id}).scalars().all() if sv_id is not None else []
        scope = "team:" + ",".join(str(t) for t in teams) if teams else "office"
        bind.execute(sa.text("UPDATE kaigo_batches SET scope = :s WHERE id = :id"), {"s": scope, "id": batch_id})
    _foreign_keys(on=False)
    with op.batch_alter_table("kaigo_batches") as batch:
        batch.alter_column("scope", existing_type=sa.String(200), nullable=False)
        batch.drop_constraint("uq_kaigo_batches_file_sha256", type_="unique")
        batch.create_unique_constraint("uq_kaigo_batches_file_sha256_scope", ["file_sha256", "scope"])
    _foreign_keys(on=True)


def downgrade() -> None:
    """Not supported: a file imported by several teams has several batches, which a hash unique on its own
    cannot hold, and their drafts and decisions are records to keep."""
    raise NotImplementedError("0005_kaigo_import_scope cannot be downgraded: batches of one file for several teams")
