"""image metadata, working copies and the derivative cache

Revision ID: 0003
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from imageapi.db.base import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

NULLABLE_COLUMNS = (
    ("has_alpha", sa.Boolean()),
    ("colour_space", sa.String(length=32)),
    ("camera_make", sa.String(length=255)),
    ("camera_model", sa.String(length=255)),
    ("taken_at", UTCDateTime()),
    ("latitude", sa.Float()),
    ("longitude", sa.Float()),
    ("blurhash", sa.String(length=64)),
    ("working_copy_key", sa.String(length=255)),
    ("working_copy_width", sa.Integer()),
    ("working_copy_height", sa.Integer()),
)


def upgrade() -> None:
    with op.batch_alter_table("images", schema=None) as batch_op:
        # Existing rows: one page, upright as far as we know.
        batch_op.add_column(
            sa.Column("pages", sa.Integer(), nullable=False, server_default="1")
        )
        batch_op.add_column(
            sa.Column("orientation", sa.Integer(), nullable=False, server_default="1")
        )
        for name, column_type in NULLABLE_COLUMNS:
            batch_op.add_column(sa.Column(name, column_type, nullable=True))
        batch_op.create_index(
            "ix_images_user_taken", ["user_id", "taken_at"], unique=False
        )

    op.create_table(
        "derivatives",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("image_id", sa.String(length=32), nullable=False),
        sa.Column("cache_key", sa.String(length=512), nullable=False),
        sa.Column("storage_key", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_used_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["image_id"],
            ["images.id"],
            name=op.f("fk_derivatives_image_id_images"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_derivatives")),
        sa.UniqueConstraint(
            "image_id", "cache_key", name=op.f("uq_derivatives_image_id_cache_key")
        ),
    )
    with op.batch_alter_table("derivatives", schema=None) as batch_op:
        batch_op.create_index(
            "ix_derivatives_last_used", ["last_used_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("derivatives", schema=None) as batch_op:
        batch_op.drop_index("ix_derivatives_last_used")
    op.drop_table("derivatives")
    with op.batch_alter_table("images", schema=None) as batch_op:
        batch_op.drop_index("ix_images_user_taken")
        for name, _ in reversed(NULLABLE_COLUMNS):
            batch_op.drop_column(name)
        batch_op.drop_column("orientation")
        batch_op.drop_column("pages")
