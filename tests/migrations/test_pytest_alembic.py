"""pytest-alembic's four default tests on the committed chain, on 17 and 18.

Single head, upgrade from base to head, the models (the spec) match the DDL the migrations
produce (autogenerate through migrations/env.py finds nothing), and every revision upgrades
and downgrades. Configured in conftest.py: ``alembic_config`` is the repo's alembic.ini with
the spec built in a scratch database on the same server as autogenerate's target,
``alembic_engine`` a scratch database there; pytest-alembic hands the engine to env.py in
``config.attributes["connection"]``.
"""

from __future__ import annotations

from pytest_alembic.tests import (  # noqa: F401  (collected here)
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
