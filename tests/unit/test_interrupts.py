"""Ctrl-C never lands inside Python's import machinery (cli/interrupts.py).

CPython's ``importlib._bootstrap._get_module_lock`` takes the global import lock and only then
enters the ``try`` that releases it. A KeyboardInterrupt raised between the two leaves the lock
held, and the next import in any other thread waits for ever: a ``diff`` interrupted at that
moment hung at exit, waiting for its live-side thread (CI, ``test_ctrl_c_drops_the_scratch_
database``). Each test runs a fresh interpreter that recreates that window exactly: the lock
taken, SIGINT sent, bytecode run (where Python delivers signals), then the release, in code
whose file name is the frozen module's.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

WINDOW = '''
import _imp, os, signal, sys, threading, time
sys.path.insert(0, {repo!r})
signal.signal(signal.SIGINT, signal.default_int_handler)  # Python's own, whatever was inherited
if {install}:
    from cli import interrupts
    interrupts.install()
SOURCE = """
def window():
    _imp.acquire_lock()
    os.kill(os.getpid(), signal.SIGINT)
    x = 0
    for i in range(10000):  # Python runs the signal handler here
        x += i
    try:
        pass
    finally:
        _imp.release_lock()
"""
namespace = {{"_imp": _imp, "os": os, "signal": signal}}
exec(compile(SOURCE, "<frozen importlib._bootstrap>", "exec"), namespace)
where = "never"
try:
    namespace["window"]()
    where = "after the window"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        {after}
except KeyboardInterrupt:
    pass
else:
    print("no interrupt", flush=True)
    os._exit(3)
print("interrupted", where, flush=True)
worker = threading.Thread(target=lambda: __import__("email.mime.text"), daemon=True)
worker.start()
worker.join(5)
print("another thread could not import" if worker.is_alive() else "another thread imported", flush=True)
os._exit(0)
'''


def _run(install: bool, after: str = "time.sleep(0.001)") -> list[str]:
    script = WINDOW.format(repo=str(REPO), install=install, after=after)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.splitlines()


def test_without_the_handler_the_window_leaks_the_import_lock() -> None:
    """The control: Python's own handler raises inside the window, and the lock is never
    released (the test below would pass for the wrong reason if this did not happen)."""
    assert _run(install=False) == ["interrupted never", "another thread could not import"]


def test_an_interrupt_in_the_window_arrives_after_it() -> None:
    assert _run(install=True) == ["interrupted after the window", "another thread imported"]


def test_a_held_interrupt_goes_to_the_handler_current_when_it_is_sent_again() -> None:
    """A block that holds Ctrl-C back (generator.pg.database._deferred_interrupts) swaps the
    SIGINT handler: an interrupt held meanwhile is recorded by that block, not raised in it."""
    after = (
        "got = []; signal.signal(signal.SIGINT, lambda s, f: got.append(s)); time.sleep(0.1); "
        "signal.signal(signal.SIGINT, interrupts._on_sigint); "
        "print('recorded', len(got), flush=True); raise KeyboardInterrupt"
    )
    assert _run(install=True, after=after) == [
        "recorded 1", "interrupted after the window", "another thread imported"
    ]


@pytest.mark.parametrize("where", ["_click_exceptions", "_register"])
def test_ctrl_c_before_the_command_runs_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    import signal

    import cli.main
    import cli.state

    monkeypatch.setattr(cli.state, "PROCESS_LIFETIME", cli.state.PROCESS_LIFETIME)  # run() sets it

    def interrupted() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.main, where, interrupted)
    previous = (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGALRM))
    try:
        with pytest.raises(SystemExit) as exit_:
            cli.main.run()
    finally:
        signal.signal(signal.SIGINT, previous[0])
        signal.signal(signal.SIGALRM, previous[1])
    assert exit_.value.code == 130
    err = capsys.readouterr().err
    assert "error: interrupted" in err and "Traceback" not in err


def test_an_interrupt_python_wrapped_is_still_an_interrupt(
    run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Python 3.11 wraps an exception raised while a class is created (``__set_name__``) in a
    RuntimeError: Ctrl-C there is still "interrupted", exit 130, not an internal error."""
    import cli.spec

    def wrapped(*_args, **_kwargs):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise RuntimeError("Error calling __set_name__ on 'Field' instance 'x'") from exc

    monkeypatch.setattr(cli.spec, "validate_files", wrapped)
    result = run_cli("validate")
    assert result.code == 130, result.output
    assert "error: interrupted" in result.stderr and "internal error" not in result.stderr


def test_other_errors_are_not_interrupts() -> None:
    from cli.main import _caused_by_interrupt

    try:
        try:
            raise ValueError("inner")
        except ValueError as inner:
            raise RuntimeError("outer") from inner
    except RuntimeError as exc:
        assert not _caused_by_interrupt(exc)


LOGGED = """
import logging, sys
sys.path.insert(0, {repo!r})
from cli.main import main
main({args!r})
try:
    raise KeyboardInterrupt
except KeyboardInterrupt:
    logging.getLogger("sqlalchemy.pool.impl.QueuePool").error("Exception closing connection", exc_info=True)
"""


@pytest.mark.parametrize(("args", "shown"), [(["validate", "--help"], False), (["--debug", "validate", "--help"], True)])
def test_sqlalchemy_logged_errors_are_printed_only_with_debug(args: list[str], shown: bool) -> None:
    """SQLAlchemy's pool logs "Exception closing connection" with a traceback when Ctrl-C lands
    while it closes one; Python's last-resort handler would print it under the error line."""
    script = LOGGED.format(repo=str(REPO), args=args)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert ("Traceback" in done.stderr) is shown, done.stderr


def test_a_process_started_with_sigint_ignored_keeps_ignoring_it() -> None:
    """A background job of a script (bash ignores SIGINT for those) or nohup: as Python."""
    script = (
        f"import signal, sys; sys.path.insert(0, {str(REPO)!r}); "
        "signal.signal(signal.SIGINT, signal.SIG_IGN); "
        "from cli import interrupts; interrupts.install(); "
        "print(signal.getsignal(signal.SIGINT) is signal.SIG_IGN)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "True", done.stderr
