"""near-duplicate fingerprints on images, and pairs of near-duplicates

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BANDS = ("band0", "band1", "band2", "band3")


def upgrade() -> None:
    # Existing rows get theirs from `imageapi fingerprints backfill`.
    with op.batch_alter_table("images", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("fingerprint", sa.LargeBinary(length=36), nullable=True)
        )
        for band in BANDS:
            batch_op.add_column(sa.Column(band, sa.Integer(), nullable=True))
        for band in BANDS:
            batch_op.create_index(f"ix_images_user_{band}", ["user_id", band])

    op.create_table(
        "image_duplicates",
        sa.Column("image_id", sa.String(length=32), nullable=False),
        sa.Column("other_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("distance", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["image_id"],
            ["images.id"],
            name=op.f("fk_image_duplicates_image_id_images"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["other_id"],
            ["images.id"],
            name=op.f("fk_image_duplicates_other_id_images"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_image_duplicates_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "image_id", "other_id", name=op.f("pk_image_duplicates")
        ),
    )
    with op.batch_alter_table("image_duplicates", schema=None) as batch_op:
        batch_op.create_index("ix_image_duplicates_user", ["user_id"])
        batch_op.create_index("ix_image_duplicates_other", ["other_id"])


def downgrade() -> None:
    op.drop_table("image_duplicates")
    with op.batch_alter_table("images", schema=None) as batch_op:
        for band in reversed(BANDS):
            batch_op.drop_index(f"ix_images_user_{band}")
        for band in reversed(BANDS):
            batch_op.drop_column(band)
        batch_op.drop_column("fingerprint")
