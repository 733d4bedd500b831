"""SIGTERM handled like Ctrl-C, so a job killed by a scheduler cleans up like an interrupted one.

A ``KeyboardInterrupt`` unwinds through the harness: the job's claim is released (the
``finally`` of :meth:`sfmbench.store.Store.claimed`), optuna marks a running trial as failed
(it does so for ``KeyboardInterrupt``), and the CLI exits 130 without storing a row.
"""
from __future__ import annotations

import logging
import signal
import threading
from types import FrameType


def _raise_interrupt(signum: int, _frame: FrameType | None) -> None:
    signal.signal(signum, signal.SIG_DFL)  # a second SIGTERM kills at once
    raise KeyboardInterrupt(f"terminated by signal {signum}")


def _not_an_interrupt(record: logging.LogRecord) -> bool:
    """Drop log records whose traceback is an interrupt (optuna logs the failed trial)."""
    exc = record.exc_info[1] if record.exc_info else None
    return not isinstance(exc, KeyboardInterrupt)


def sigterm_as_interrupt() -> None:
    """Make SIGTERM raise KeyboardInterrupt in the main thread (no-op elsewhere / on Windows).

    optuna marks the running trial failed and logs it with the interrupt's traceback; that log
    line is dropped (the CLI says "interrupted" instead)."""
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _raise_interrupt)


def quiet_interrupts(logger: str = "optuna") -> None:
    """Keep an interrupt's traceback out of ``logger``'s handlers (call after importing it)."""
    for handler in logging.getLogger(logger).handlers:
        if _not_an_interrupt not in handler.filters:
            handler.addFilter(_not_an_interrupt)
