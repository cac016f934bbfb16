"""pyramid levels: several reduced copies per image instead of one

Revision ID: 0009
Revises: 0008

Expand only: the working copy columns stay, and images that have one (and
no pyramid) render from it as a one-level pyramid, so no object is moved and
a server of the previous release can still run beside this one.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("images", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pyramid", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("images", schema=None) as batch_op:
        batch_op.drop_column("pyramid")
