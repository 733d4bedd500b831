"""What DASH's tricks buy: the summed-kernel mixture and successive-halving pruning.

1. Forward + backward time of one DASH mixture layer over the genomics grid (K = {3,5,7,9,11} x
   D = {1,3,5,7}: 20 candidates, merged kernel of 71 taps) applied once (FFT or direct), against
   running every candidate as its own dilated convolution and summing, at sequence lengths 300
   and 1000, batch 64; and the same in 2-D over the satellite grid (K = {3,5,7,9} x
   D = {1,3,7,15}: 16 candidates, merged kernel of 121 x 121 taps) at 64 x 64 and 120 x 120
   (EuroSAT/so2sat and BigEarthNet sizes).
2. The epochs a real optuna study with successive-halving pruning (min resource 1, reduction
   factor 2, the ASHA rungs 1, 2, 4, ...) trains on a generated task, against running every
   trial to the full budget at equal trial count.

Usage: ``python benchmarks/dash_mixture.py [--channels 128] [--lengths 300 1000] [--sizes 64 120]
[--channels-2d 32] [--batch-2d 8] [--device cpu]``.
The last line printed is one JSON object with every figure.
"""
from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from sfmbench import ArraySplit, ProblemType, RunContext, TaskSpec
from sfmbench.baselines.dasha.mixture import MixtureConv, SearchSpace, separate_convs_reference
from sfmbench.training import TrainConfig, optuna_report, sgd, train
from sfmbench.tuning import finished_trials, optimize

GENOMICS = SearchSpace((3, 5, 7, 9, 11), (1, 3, 5, 7))
SATELLITE = SearchSpace((3, 5, 7, 9), (1, 3, 7, 15))


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def _time(step: Callable[[], None], device: torch.device, repeats: int) -> float:
    """Median seconds of ``step`` after one warm-up call."""
    step()
    _sync(device)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        _sync(device)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def mixture_timings(length: int, channels: int, batch: int, device: torch.device,
                    repeats: int, space: SearchSpace = GENOMICS, ndim: int = 1,
                    direct: bool = True) -> dict[str, float]:
    """Milliseconds per forward+backward: summed kernel via FFT, via direct conv (unless
    ``direct`` is False), and separate candidate convolutions; ``length`` is the side of an
    ``ndim``-D input."""
    torch.manual_seed(0)
    x = torch.randn(batch, channels, *([length] * ndim), device=device, requires_grad=True)
    out: dict[str, float] = {}
    modes = (("mixture_fft_ms", True), ("mixture_direct_ms", False))
    for name, fft in modes if direct else modes[:1]:
        layer = MixtureConv(channels, channels, space, ndim, fft=fft).to(device)

        def step(layer: MixtureConv = layer) -> None:
            layer(x).square().mean().backward()
        out[name] = 1000 * _time(step, device, repeats)
    layer = MixtureConv(channels, channels, space, ndim).to(device)

    def separate() -> None:
        separate_convs_reference(layer, x, layer.coefficients()).square().mean().backward()
    out["separate_ms"] = 1000 * _time(separate, device, repeats)
    out["speedup_fft"] = out["separate_ms"] / out["mixture_fft_ms"]
    if direct:
        out["speedup_direct"] = out["separate_ms"] / out["mixture_direct_ms"]
    out["speedup_best"] = max(out["speedup_fft"], out.get("speedup_direct", 0.0))
    return out


def _toy_task(n: int, seed: int) -> ArraySplit:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8)).astype(np.float32)
    y = (x[:, 0] * x[:, 1] + 0.5 * x[:, 2] + 0.3 * rng.normal(size=n) > 0).astype(np.int64)
    return ArraySplit(x, y)


def sha_savings(n_trials: int, max_epochs: int, seed: int = 0) -> dict[str, float]:
    """Epochs trained by a pruned random search versus n_trials x max_epochs."""
    spec = TaskSpec(name="generated/toy", domain="generated",
                    problem=ProblemType.CLASSIFICATION, input_shape=(8,), primary_metric="mcc",
                    higher_is_better=True, metrics=("mcc",), num_classes=2)
    tr, va = _toy_task(1024, seed), _toy_task(512, seed + 1)

    def objective(trial) -> float:
        lr = trial.suggest_float("lr", 1e-4, 1.0, log=True)
        width = trial.suggest_categorical("width", [4, 16, 64])
        torch.manual_seed(trial.number)
        model = nn.Sequential(nn.Linear(8, width), nn.ReLU(), nn.Linear(width, 2))
        inner = optuna_report(trial, "max")

        def report(epoch: int, value: float) -> None:
            trial.set_user_attr("epochs", epoch)
            inner(epoch, value)
        result = train(model, tr, va, spec,
                       TrainConfig(epochs=max_epochs, batch_size=64, show_progress=False),
                       optimizer=sgd(model.parameters(), lr), report=report)
        return float(result.best_score)

    ctx = RunContext(seed=seed, storage_url=None, show_progress=False, study_prefix="bench")
    study = optimize(ctx, objective, n_trials=n_trials, direction="max", stage="sha",
                     sampler="random", pruner="sha",
                     pruner_kwargs={"min_resource": 1, "reduction_factor": 2})
    trials = finished_trials(study)
    run = sum(int(t.user_attrs.get("epochs", 0)) for t in trials)
    full = len(trials) * max_epochs
    return {"n_trials": len(trials), "max_epochs": max_epochs, "epochs_trained": run,
            "full_budget_epochs": full, "compute_saved": 1 - run / full,
            "n_pruned": sum(t.state.name == "PRUNED" for t in trials),
            "best_val_mcc": float(study.best_value)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=128)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lengths", type=int, nargs="+", default=[300, 1000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 120],
                        help="2-D image sides (satellite grid)")
    parser.add_argument("--channels-2d", type=int, default=32)
    parser.add_argument("--batch-2d", type=int, default=8)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--trials", type=int, default=32)
    parser.add_argument("--max-epochs", type=int, default=16)
    args = parser.parse_args()
    device = torch.device(args.device)
    figures: dict[str, object] = {"device": str(device), "threads": torch.get_num_threads(),
                                  "channels": args.channels, "batch": args.batch,
                                  "candidates": len(GENOMICS.candidates),
                                  "merged_taps": GENOMICS.extent, "mixture": {}}
    for length in args.lengths:
        row = mixture_timings(length, args.channels, args.batch, device, args.repeats)
        figures["mixture"][str(length)] = row  # type: ignore[index]
        print(f"L={length:5d}  separate {row['separate_ms']:9.1f} ms  mixture FFT "
              f"{row['mixture_fft_ms']:8.1f} ms ({row['speedup_fft']:.1f}x)  mixture direct "
              f"{row['mixture_direct_ms']:8.1f} ms ({row['speedup_direct']:.1f}x)", flush=True)
    # 2-D: a direct 121 x 121 convolution is far slower than the separate candidates; the
    # summed kernel is applied through the FFT (what fft="auto" picks from 15 taps on in 2-D)
    figures.update({"channels_2d": args.channels_2d, "batch_2d": args.batch_2d,
                    "candidates_2d": len(SATELLITE.candidates),
                    "merged_taps_2d": SATELLITE.extent, "mixture_2d": {}})
    for size in args.sizes:
        row = mixture_timings(size, args.channels_2d, args.batch_2d, device, args.repeats,
                              SATELLITE, ndim=2, direct=False)
        figures["mixture_2d"][f"{size}x{size}"] = row  # type: ignore[index]
        print(f"{size:3d}x{size:<3d}  separate {row['separate_ms']:9.1f} ms  mixture FFT "
              f"{row['mixture_fft_ms']:8.1f} ms ({row['speedup_fft']:.1f}x)", flush=True)
    sha = sha_savings(args.trials, args.max_epochs)
    figures["sha"] = sha
    print(f"SHA: {sha['epochs_trained']} of {sha['full_budget_epochs']} epochs trained "
          f"({100 * sha['compute_saved']:.0f} % saved, {sha['n_pruned']}/{sha['n_trials']} pruned)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
