"""invite codes for invite-only registration

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from imageapi.db.base import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invites",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_invites")),
    )


def downgrade() -> None:
    op.drop_table("invites")
