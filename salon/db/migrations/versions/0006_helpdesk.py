"""Help desk: expert groups, internal question threads, knowledge snippets.

Revision ID: 0006_helpdesk
Revises: 0005_playbooks
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006_helpdesk"
down_revision = "0005_playbooks"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "expert_groups",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("site_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_expert_groups_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_groups")),
        sa.UniqueConstraint("site_id", "name", name=op.f("uq_expert_groups_site_id_name")),
    )
    with op.batch_alter_table("expert_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_expert_groups_site_id"), ["site_id"], unique=False)

    op.create_table(
        "expert_members",
        sa.Column("group_id", sa.String(length=32), nullable=False),
        sa.Column("associate_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["associate_id"],
            ["associates.id"],
            name=op.f("fk_expert_members_associate_id_associates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["expert_groups.id"],
            name=op.f("fk_expert_members_group_id_expert_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "associate_id", name=op.f("pk_expert_members")),
    )
    op.create_table(
        "help_threads",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("site_id", sa.String(length=32), nullable=False),
        sa.Column("group_id", sa.String(length=32), nullable=False),
        sa.Column("asked_by", sa.String(length=32), nullable=True),
        sa.Column("asker_name", sa.String(length=200), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("context", JSON, nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["asked_by"],
            ["associates.id"],
            name=op.f("fk_help_threads_asked_by_associates"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_help_threads_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["expert_groups.id"],
            name=op.f("fk_help_threads_group_id_expert_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_help_threads_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_help_threads")),
    )
    with op.batch_alter_table("help_threads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_help_threads_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index("ix_help_threads_group_status", ["group_id", "status"], unique=False)
        batch_op.create_index(
            "ix_help_threads_site_status", ["site_id", "status", "created_at"], unique=False
        )

    op.create_table(
        "help_messages",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("thread_id", sa.String(length=32), nullable=False),
        sa.Column("author_id", sa.String(length=32), nullable=True),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["associates.id"],
            name=op.f("fk_help_messages_author_id_associates"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["help_threads.id"],
            name=op.f("fk_help_messages_thread_id_help_threads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_help_messages")),
    )
    with op.batch_alter_table("help_messages", schema=None) as batch_op:
        batch_op.create_index("ix_help_messages_thread", ["thread_id", "created_at"], unique=False)

    op.create_table(
        "knowledge_snippets",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("site_id", sa.String(length=32), nullable=False),
        sa.Column("thread_id", sa.String(length=32), nullable=True),
        sa.Column("canned_reply_id", sa.String(length=32), nullable=True),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["canned_reply_id"],
            ["canned_replies.id"],
            name=op.f("fk_knowledge_snippets_canned_reply_id_canned_replies"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["associates.id"],
            name=op.f("fk_knowledge_snippets_created_by_associates"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_knowledge_snippets_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["help_threads.id"],
            name=op.f("fk_knowledge_snippets_thread_id_help_threads"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_snippets")),
    )
    with op.batch_alter_table("knowledge_snippets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_knowledge_snippets_site_id"), ["site_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("knowledge_snippets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_knowledge_snippets_site_id"))
    op.drop_table("knowledge_snippets")
    with op.batch_alter_table("help_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_help_messages_thread")
    op.drop_table("help_messages")
    with op.batch_alter_table("help_threads", schema=None) as batch_op:
        batch_op.drop_index("ix_help_threads_site_status")
        batch_op.drop_index("ix_help_threads_group_status")
        batch_op.drop_index(batch_op.f("ix_help_threads_conversation_id"))
    op.drop_table("help_threads")
    op.drop_table("expert_members")
    with op.batch_alter_table("expert_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expert_groups_site_id"))
    op.drop_table("expert_groups")
