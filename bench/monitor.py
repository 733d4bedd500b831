"""Watching a job: peak memory of the process (sampled RSS, and GPU where there is one), and the
stage the running job is in (:func:`report_stage`), for progress displays."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType

import psutil


class PeakMemory:
    """Context manager sampling this process's RSS (children included) every ``interval`` s."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.peak_bytes = 0
        self.peak_gpu_bytes: int | None = None
        self._stop = threading.Event()
        self._proc = psutil.Process()

    def _rss(self) -> int:
        total = self._proc.memory_info().rss
        for child in self._proc.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:
                continue
        return total

    def _run(self) -> None:
        while True:
            try:
                self.peak_bytes = max(self.peak_bytes, self._rss())
            except psutil.Error:
                pass
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> "PeakMemory":
        try:
            import torch
            if torch.cuda.is_available():
                torch.cuda.reset_peak_memory_stats()
                self.peak_gpu_bytes = 0
        except ImportError:  # pragma: no cover
            pass
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join(timeout=1)
        self.peak_bytes = max(self.peak_bytes, self._rss())
        if self.peak_gpu_bytes is not None:
            import torch
            self.peak_gpu_bytes = int(torch.cuda.max_memory_allocated())

    @property
    def peak_mb(self) -> float:
        return self.peak_bytes / 2**20


# ----------------------------------------------------------------------------------------------
# the stage of the job in flight (shown by `run` and by sweep progress bars)
# ----------------------------------------------------------------------------------------------
_stage_listeners: list[Callable[[str], None]] = []
_stage_context: list[str] = []


def _stage_text(stage: str, step: int | None, total: int | None) -> str:
    return stage if step is None else (f"{stage} {step}/{total}" if total else f"{stage} {step}")


def report_stage(stage: str, step: int | None = None, total: int | None = None) -> None:
    """Tell whoever watches this process what the running job does now, e.g.
    ``report_stage("dasha retrain epoch", 2, 8)``; inside :func:`stage_context` the enclosing
    stage is shown first (``tune trial 2/8 · epoch 1/4``). Cheap and silent when nobody
    listens."""
    if not _stage_listeners:
        return
    text = " · ".join([*_stage_context, _stage_text(stage, step, total)])
    for listener in list(_stage_listeners):
        listener(text)


@contextmanager
def stage_context(stage: str, step: int | None = None, total: int | None = None) -> Iterator[None]:
    """A stage that encloses others (a tuning trial around its epochs): reported now, and
    shown before every stage reported inside the block."""
    report_stage(stage, step, total)
    _stage_context.append(_stage_text(stage, step, total))
    try:
        yield
    finally:
        _stage_context.pop()


@contextmanager
def stage_listener(listener: Callable[[str], None]) -> Iterator[None]:
    """Call ``listener(text)`` on every :func:`report_stage` inside the block."""
    _stage_listeners.append(listener)
    try:
        yield
    finally:
        _stage_listeners.remove(listener)
