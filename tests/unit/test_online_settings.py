"""Where a revision's timeouts come from (issue 18): the spec's settings.migration (rendered
into op.set_timeouts), overridden when it runs by alembic.ini, then the environment, then -x."""

from __future__ import annotations

from argparse import Namespace
from types import SimpleNamespace

import pytest
from alembic.config import Config

from generator.errors import MigrationError
from generator.migrate.online_ops import Timeouts, backoff, run_time_timeouts, spec_timeouts


def test_spec_settings_and_defaults() -> None:
    assert spec_timeouts({}) == Timeouts("5s", "15min", 3)
    raw = {"settings": {"migration": {"lock_timeout": "2s", "statement_timeout": "10min", "lock_retries": 4}}}
    assert spec_timeouts(raw) == Timeouts("2s", "10min", 4)
    # malformed values (the JSON Schema reports them) never reach a revision
    assert spec_timeouts({"settings": {"migration": {"lock_timeout": "1s'; DROP TABLE x; --", "lock_retries": True}}}) \
        == Timeouts("5s", "15min", 3)


def test_run_time_overrides_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SCHEMACTL_LOCK_TIMEOUT", "SCHEMACTL_STATEMENT_TIMEOUT", "SCHEMACTL_LOCK_RETRIES"):
        monkeypatch.delenv(name, raising=False)
    cfg = Config()
    context = SimpleNamespace(config=cfg)
    assert run_time_timeouts(context, "5s", "15min", 3) == Timeouts("5s", "15min", 3)
    assert run_time_timeouts(None, "5s", "15min", 3) == Timeouts("5s", "15min", 3)
    cfg.set_main_option("lock_timeout", "7s")
    assert run_time_timeouts(context, "5s", "15min", 3).lock_timeout == "7s"
    monkeypatch.setenv("SCHEMACTL_LOCK_TIMEOUT", "9s")
    monkeypatch.setenv("SCHEMACTL_LOCK_RETRIES", "0")
    assert run_time_timeouts(context, "5s", "15min", 3) == Timeouts("9s", "15min", 0)
    cfg.cmd_opts = Namespace(x=["lock_timeout=1s", "db=postgresql://x"])
    assert run_time_timeouts(context, "5s", "15min", 3).lock_timeout == "1s"
    monkeypatch.setenv("SCHEMACTL_STATEMENT_TIMEOUT", "soon")
    with pytest.raises(MigrationError) as bad:
        run_time_timeouts(context, "5s", "15min", 3)
    assert (bad.value.message, bad.value.hint) == (
        "statement_timeout 'soon' is not a duration", "write it as PostgreSQL does: 5s, 500ms, 15min")


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n) for n in (1, 2, 3, 4, 6, 10)] == [0.5, 1.0, 2.0, 4.0, 10.0, 10.0]
