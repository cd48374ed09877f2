"""Recurring questions: topics and the questions assigned to them.

Revision ID: 0007_topics
Revises: 0006_helpdesk
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_topics"
down_revision = "0006_helpdesk"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "topics",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("site_id", sa.String(length=32), nullable=False),
        sa.Column("embedder", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=1000), nullable=False),
        sa.Column("centroid_sum", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_topics_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topics")),
    )
    with op.batch_alter_table("topics", schema=None) as batch_op:
        batch_op.create_index("ix_topics_site_embedder", ["site_id", "embedder"], unique=False)

    op.create_table(
        "topic_questions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("site_id", sa.String(length=32), nullable=False),
        sa.Column("topic_id", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("source_id", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=True),
        sa.Column("thread_id", sa.String(length=32), nullable=True),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_topic_questions_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_topic_questions_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topics.id"],
            name=op.f("fk_topic_questions_topic_id_topics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic_questions")),
        sa.UniqueConstraint(
            "site_id",
            "source",
            "source_id",
            name=op.f("uq_topic_questions_site_id_source_source_id"),
        ),
    )
    with op.batch_alter_table("topic_questions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_topic_questions_site_asked", ["site_id", "asked_at"], unique=False
        )
        batch_op.create_index(
            "ix_topic_questions_topic_asked", ["topic_id", "asked_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("topic_questions", schema=None) as batch_op:
        batch_op.drop_index("ix_topic_questions_topic_asked")
        batch_op.drop_index("ix_topic_questions_site_asked")

    op.drop_table("topic_questions")
    with op.batch_alter_table("topics", schema=None) as batch_op:
        batch_op.drop_index("ix_topics_site_embedder")

    op.drop_table("topics")
