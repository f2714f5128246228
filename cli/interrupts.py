"""Ctrl-C that never lands inside Python's import machinery.

A KeyboardInterrupt is raised wherever the main thread happens to be when SIGINT arrives. In
CPython's ``importlib._bootstrap`` that can be between ``_imp.acquire_lock()`` and the
``try`` that releases it (``_get_module_lock``): the global import lock is then held for
ever, and the next import in any other thread waits for it for ever. ``diff`` and
``generate`` run one side in a worker thread that imports lazily, so a Ctrl-C at the wrong
moment left the process hung at exit, waiting for that thread (seen in CI:
``test_ctrl_c_drops_the_scratch_database``; reproduced by sending SIGINT at random moments:
5 hangs in 800 diffs, 0 with this module: tests/drift/test_ctrl_c_stress.py).

``install()`` replaces the SIGINT handler with one that raises KeyboardInterrupt as Python's
default handler does, except when the innermost frame is code that must not be torn halfway
(the import machinery, ``concurrent.futures``' bookkeeping): there the interrupt is held and
sent again a few milliseconds later (SIGALRM), by which time that code has finished.
Standard library only: it is installed before anything else is imported.
"""

from __future__ import annotations

import signal
from types import FrameType

RETRY_SECONDS = 0.005

# innermost frames a KeyboardInterrupt must not be raised in: a lock taken but not yet in
# the try that releases it, a future's state set but its waiters not yet woken
_UNSAFE = ("<frozen importlib.", "importlib/_bootstrap", "concurrent/futures/_base.py")


def unsafe_to_interrupt(frame: FrameType | None) -> bool:
    """Is ``frame`` (the one a signal handler is given) code an exception must not tear? The
    frames of this module are skipped: ``_again`` runs the SIGINT handler from its own frame,
    which may sit on top of importlib's (a weakref callback holding the import lock)."""
    while frame is not None and frame.f_code.co_filename == __file__:
        frame = frame.f_back
    return frame is not None and any(part in frame.f_code.co_filename for part in _UNSAFE)


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    if unsafe_to_interrupt(frame):
        signal.setitimer(signal.ITIMER_REAL, RETRY_SECONDS)  # _again, from a safer place
        return
    raise KeyboardInterrupt


def _again(signum: int, frame: FrameType | None) -> None:
    """The held interrupt, sent again when no unsafe code runs: to whichever SIGINT handler is
    current by then (a block that holds Ctrl-C back, generator.pg.database's
    ``_deferred_interrupts``, records it)."""
    if unsafe_to_interrupt(frame):
        signal.setitimer(signal.ITIMER_REAL, RETRY_SECONDS)
        return
    signal.raise_signal(signal.SIGINT)


def install() -> None:
    """Ctrl-C raises KeyboardInterrupt, never inside the import machinery. The main thread
    only (where Python runs signal handlers); idempotent. A process started with SIGINT
    ignored (a background job of a script, nohup) keeps ignoring it, as Python itself does;
    so does one whose embedding program set its own handler."""
    current = signal.getsignal(signal.SIGINT)
    if current is not signal.default_int_handler and current is not _on_sigint:
        return
    signal.signal(signal.SIGALRM, _again)
    signal.signal(signal.SIGINT, _on_sigint)
