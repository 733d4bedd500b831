"""Thread counts set on purpose: torch's defaults oversubscribe a loaded machine.

torch (and the BLAS/OpenMP pools under it) start one thread per core and spin while they wait.
Beside other busy processes those threads fight for the same cores, and a training step can be
many times slower than with fewer threads. Every sfmbench process therefore picks its count:

1. ``SFMBENCH_THREADS`` (sfmbench's own setting), else ``OMP_NUM_THREADS`` (the usual one),
   when set to a positive integer (``SFMBENCH_THREADS=torch`` leaves torch's defaults alone);
2. otherwise the cores this process may use, divided among the ``workers`` of a parallel
   sweep, minus the cores that other processes keep busy right now (measured over a short
   interval), and at least one.

:func:`prepare_environment` must run before torch is imported: it also makes idle OpenMP
threads sleep instead of spinning (``OMP_WAIT_POLICY=PASSIVE``) unless the user chose a policy.
"""
from __future__ import annotations

import os

from .errors import ConfigError

ENV_THREADS = "SFMBENCH_THREADS"
#: ``SFMBENCH_THREADS=torch``: keep torch's own thread defaults (for comparisons)
TORCH_DEFAULT = "torch"
#: seconds over which the busy cores of other processes are measured
LOAD_SAMPLE_SECONDS = 0.2


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the OS reports one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


def threads_from_env() -> int | None:
    """The thread count the user set (``SFMBENCH_THREADS``, else ``OMP_NUM_THREADS``), if any."""
    for name in (ENV_THREADS, "OMP_NUM_THREADS"):
        raw = os.environ.get(name, "").strip()
        if not raw or (name == ENV_THREADS and raw == TORCH_DEFAULT):
            continue
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if value < 1:
            raise ConfigError(f"{name}={raw!r} is not a positive integer",
                              f"unset it or give a thread count, e.g. {name}=2")
        return value
    return None


def busy_cores(interval: float = LOAD_SAMPLE_SECONDS) -> float:
    """Cores kept busy by other processes over ``interval`` seconds (psutil; 0 if unknown)."""
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil is a dependency
        return 0.0
    me = psutil.Process()
    mine0 = sum(me.cpu_times()[:2])
    total = psutil.cpu_percent(interval=interval, percpu=True)
    mine = sum(me.cpu_times()[:2]) - mine0
    return max(0.0, sum(total) / 100.0 - mine / max(interval, 1e-6))


def choose_threads(workers: int = 1, *, measure_load: bool = True) -> int:
    """The thread count for one of ``workers`` processes (see the module docstring)."""
    chosen = threads_from_env()
    if chosen is not None:
        return chosen
    share = max(1, usable_cores() // max(1, workers))
    if not measure_load:
        return share
    free = usable_cores() - busy_cores()
    return max(1, min(share, int(free + 0.5)))


def torch_default_requested() -> bool:
    return os.environ.get(ENV_THREADS, "").strip() == TORCH_DEFAULT


def prepare_environment() -> None:
    """Before torch loads: idle OpenMP threads sleep rather than spin, unless the user chose."""
    if not torch_default_requested():
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def configure_threads(workers: int = 1, *, measure_load: bool = True,
                      threads: int | None = None) -> int:
    """Set torch's intra-op thread count for this process (``threads``, else
    :func:`choose_threads`) and return it; with ``SFMBENCH_THREADS=torch`` leave torch's
    default and return that.

    The inter-op pool is set too when torch still allows it (before its first parallel op).
    """
    import torch
    if torch_default_requested():
        return torch.get_num_threads()
    n = threads or choose_threads(workers, measure_load=measure_load)
    torch.set_num_threads(n)
    try:
        torch.set_num_interop_threads(n)
    except RuntimeError:  # already started: keep torch's pool
        pass
    return n
