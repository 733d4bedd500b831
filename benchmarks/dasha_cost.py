"""Per-batch cost of DASHA's stages at GUE prom_core_all's shape (5 x 70 one-hot, batch 128).

The `cpu` budget's counts (conf/budget/cpu.yaml) come from these figures by a cost rule, never
from a score: run this on a quiet machine and multiply by the batches each stage does.

    python benchmarks/dasha_cost.py --threads 2 --batches 60
"""
from __future__ import annotations

import argparse
import time

import torch

from sfmbench.baselines.dasha.mixture import SearchSpace
from sfmbench.baselines.dasha.networks import FixedConvs, MixtureConvs, build_backbone
from sfmbench.training import sgd

LENGTH, BATCH, EVAL_BATCH = 70, 128, 512
ARCHS = {"small (3,1)": (3, 1), "centre (7,3)": (7, 3), "large (11,7)": (11, 7)}


def seconds_per_batch(model: torch.nn.Module, batches: int) -> float:
    """Median seconds of one SGD step after two warm-up steps."""
    x = torch.zeros(BATCH, 5, LENGTH)
    x[:, 0] = 1
    y = torch.randint(0, 2, (BATCH,))
    loss = torch.nn.CrossEntropyLoss()
    opt = sgd(model.parameters(), 0.01, 0.9, 5e-4)
    model.train()
    times = []
    for _ in range(batches + 2):
        t = time.perf_counter()
        opt.zero_grad()
        loss(model(x), y).backward()
        opt.step()
        times.append(time.perf_counter() - t)
    times = sorted(times[2:])
    return times[len(times) // 2]


@torch.no_grad()
def seconds_per_eval_batch(model: torch.nn.Module, batches: int = 5) -> float:
    model.eval()
    x = torch.zeros(EVAL_BATCH, 5, LENGTH)
    t = time.perf_counter()
    for _ in range(batches):
        model(x)
    return (time.perf_counter() - t) / batches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--widths", type=int, nargs="+", default=[32, 64, 128])
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    space = SearchSpace((3, 5, 7, 9, 11), (1, 3, 5, 7))
    search = build_backbone("resnet1d", 5, 2, width=16, depth=22, dropout=0.0,
                            conv=MixtureConvs(1, space, True, "auto"))
    print(f"search net width 16: {seconds_per_batch(search, args.batches):.3f} s/batch")
    for width in args.widths:
        for label, kd in ARCHS.items():
            net = build_backbone("resnet1d", 5, 2, width=width, depth=22, dropout=0.0,
                                 conv=FixedConvs(1, [kd] * 9))
            print(f"width {width:4d} {label:13s}: {seconds_per_batch(net, args.batches):.3f} "
                  f"s/batch, eval {seconds_per_eval_batch(net):.3f} s per {EVAL_BATCH}")


if __name__ == "__main__":
    main()
