"""Alembic environment for schemactl: target metadata comes from schema.yaml.

All logic lives in generator/alembic_env.py. Plain ``alembic upgrade head``,
``alembic downgrade base``, ``alembic check`` and ``alembic history`` work from the repo
root; pick the database with ``-x db=URL`` or DATABASE_URL (else the embedded server).
"""

from alembic import context

from generator.alembic_env import run

run(context)
