"""student verification

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 07:47:14.451060
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "verification", sa.String(length=16), server_default="pending", nullable=False
            )
        )
    op.execute("UPDATE users SET verification = 'confirmed' WHERE verified")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("verified")


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("verified", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.execute("UPDATE users SET verified = (verification = 'confirmed')")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("verification")
