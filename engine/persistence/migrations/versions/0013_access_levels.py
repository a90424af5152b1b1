"""Access levels: areas (sets of entry points) and weekly schedules per facility, levels
(area × schedule) with who holds them, a rental's level and 24/7 override, and the
facility's levels version (the key of their compiled cache).

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-04 19:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sqlmodel.sql.sqltypes.AutoString(length=36)


def upgrade() -> None:
    op.create_table('access_area',
    sa.Column('id', _ID, nullable=False),
    sa.Column('facility_id', _ID, nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('door_ids', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('facility_id', 'name')
    )
    op.create_table('access_schedule',
    sa.Column('id', _ID, nullable=False),
    sa.Column('facility_id', _ID, nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('spec', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('facility_id', 'name')
    )
    op.create_table('access_level',
    sa.Column('id', _ID, nullable=False),
    sa.Column('facility_id', _ID, nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('area_id', _ID, nullable=True),
    sa.Column('schedule_id', _ID, nullable=True),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('building', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
    sa.Column('floor', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('role_id', _ID, nullable=True),
    sa.Column('pms_names', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['access_area.id'], ),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], ),
    sa.ForeignKeyConstraint(['role_id'], ['role.id'], ),
    sa.ForeignKeyConstraint(['schedule_id'], ['access_schedule.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('facility_id', 'name')
    )
    for table in ('access_area', 'access_schedule', 'access_level'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f(f'ix_{table}_facility_id'), ['facility_id'], unique=False
            )
    # Plain ADD COLUMN (no batch): SQLite adds these in place; a rebuild of `rental` or
    # `facility` would trip the foreign keys that point at them.
    op.add_column(
        'facility', sa.Column('levels_version', sa.Integer(), server_default='0', nullable=False)
    )
    op.add_column('rental', sa.Column('access_level_id', _ID, nullable=True))
    op.add_column(
        'rental',
        sa.Column('around_the_clock', sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    # In place (SQLite >= 3.35): recreating the table would drop one that other rows reference.
    with op.batch_alter_table('rental', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('around_the_clock')
        batch_op.drop_column('access_level_id')
    # In place (SQLite >= 3.35): recreating the table would drop one that other rows reference.
    with op.batch_alter_table('facility', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('levels_version')
    op.drop_table('access_level')
    op.drop_table('access_schedule')
    op.drop_table('access_area')
