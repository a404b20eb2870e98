"""API clients: the systems that use /api/v1/, their hashed tokens, units and operations

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 04:00:00

Adds ``api_client`` (a registered system: name, keyed hash and first characters of its token, the operations it
may use, its rate limit, when it was created, rotated and revoked) and ``api_client_unit`` (the units whose data
it may send or read).
"""
from alembic import op
import sqlalchemy as sa
import models.base


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'api_client',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('token_prefix', sa.String(length=16), nullable=False),
        sa.Column('operations', sa.JSON(), nullable=False),
        sa.Column('rate_limit_per_minute', sa.Integer(), nullable=False),
        sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('rotated_at', models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', models.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint('rate_limit_per_minute > 0 AND rate_limit_per_minute <= 100000',
                           name=op.f('ck_api_client_rate_limit_range')),
        sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_api_client_created_by_id_person'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_client')),
        sa.UniqueConstraint('name', name=op.f('uq_api_client_name')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_api_client_token_hash')),
    )
    op.create_table(
        'api_client_unit',
        sa.Column('api_client_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['api_client_id'], ['api_client.id'],
                                name=op.f('fk_api_client_unit_api_client_id_api_client'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_api_client_unit_unit_id_unit'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('api_client_id', 'unit_id', name=op.f('pk_api_client_unit')),
    )
    with op.batch_alter_table('api_client_unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_client_unit_unit_id'), ['unit_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('api_client_unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_client_unit_unit_id'))
    op.drop_table('api_client_unit')
    op.drop_table('api_client')
