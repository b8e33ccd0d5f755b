"""SIGINT (Ctrl-C) and SIGTERM during a command: one path out, no worker process left.

While a command runs, :func:`interruptible` turns both signals into
:class:`Interruption`, a ``KeyboardInterrupt``, raised in the main thread:
``compare`` then stops its fits (the comparison loop kills joblib's worker
processes), prints its one-line message and exits with ``128 + signal``
(130 for SIGINT, 143 for SIGTERM). Without it, SIGTERM would end the command
at once and leave its worker processes fitting for minutes. A second signal
during the clean-up kills the workers and exits at once.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from contextlib import contextmanager

from ._base import PROG

__all__ = ["Interruption", "exit_status", "interruptible", "received", "stop_children"]

_SIGNALS = ("SIGINT", "SIGTERM")
#: The signals received while :func:`interruptible` was active, in order.
_received: list[int] = []
#: The child processes that existed when the command started: never killed here.
_before: set = set()


class Interruption(KeyboardInterrupt):
    """SIGINT or SIGTERM received by the command (``signum``)."""

    def __init__(self, signum):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def received() -> str | None:
    """The name of the first signal received (``"SIGTERM"``), or None."""
    return signal.Signals(_received[0]).name if _received else None


def exit_status() -> int:
    """``128 + the first signal received``; 130 (SIGINT) for a plain ``KeyboardInterrupt``."""
    return 128 + (_received[0] if _received else signal.SIGINT)


def _children() -> dict:
    """``{pid: command line}`` of this process's live descendants (psutil, else /proc;
    empty where neither is available)."""
    try:
        import psutil
    except ImportError:
        psutil = None
    if psutil is not None:
        found = {}
        try:
            for child in psutil.Process().children(recursive=True):
                try:
                    if child.status() != psutil.STATUS_ZOMBIE:
                        found[child.pid] = " ".join(child.cmdline())
                except psutil.Error:
                    continue
        except psutil.Error:
            pass
        return found
    parents = {}
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return {}
    for entry in entries:
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                cmdline = fh.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except (OSError, IndexError):
            continue
        if fields[0] not in "ZX":
            parents.setdefault(int(fields[1]), []).append((int(entry), cmdline))
    found, todo = {}, [os.getpid()]
    while todo:
        for pid, cmdline in parents.get(todo.pop(), []):
            found[pid] = cmdline
            todo.append(pid)
    return found


def stop_children(grace=3.0) -> None:
    """Stop joblib's workers, then kill the child processes the command started that are
    still alive after ``grace`` seconds.

    Left alone: the children that existed before the command started (when
    :func:`~sklearn_losses.cli.main` runs inside another program), and
    joblib's resource trackers, which clean up and exit with this process.
    """
    import time

    from ..compare import stop_workers

    stop_workers()
    deadline = time.monotonic() + grace
    while True:
        left = [pid for pid, cmdline in _children().items()
                if pid not in _before and "resource_tracker" not in cmdline]
        if not left or time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _handler(signum, frame):
    _received.append(signum)
    if len(_received) > 1:  # a second signal: no more clean-up, but no worker left behind
        try:
            stop_children(grace=0.0)
        finally:
            print(f"{PROG}: {signal.Signals(signum).name} again: stopped at once.",
                  file=sys.stderr, flush=True)
            os._exit(128 + signum)
    raise Interruption(signum)


@contextmanager
def interruptible():
    """Within the block, SIGINT and SIGTERM raise :class:`Interruption` in the main thread.

    Signals that were ignored (``SIG_IGN``, e.g. SIGINT for a background job)
    stay ignored; outside the main thread nothing changes. The previous
    handlers are restored on exit.
    """
    _received.clear()
    _before.clear()
    _before.update(_children())
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for name in _SIGNALS:
        signum = getattr(signal, name, None)
        if signum is not None and signal.getsignal(signum) is not signal.SIG_IGN:
            previous[signum] = signal.signal(signum, _handler)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
