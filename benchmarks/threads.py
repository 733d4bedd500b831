"""Thread-setting benchmark: the demo's DASHA job with sfmbench's chosen thread count and with
torch's default, on an idle machine and beside two busy processes (``yes > /dev/null`` x2).

    python benchmarks/threads.py [--budget smoke] [--task generated/dna-motif-easy]

Every measurement is a fresh ``sfmbench run`` (a new process, a new store) of the same job: the
demo suite's DASHA network on the task at the budget. "chosen" is what sfmbench does by default
(:mod:`sfmbench.threads`: the cores minus those other processes keep busy, OpenMP threads
sleeping when idle); "torch default" is ``SFMBENCH_THREADS=torch`` (torch's own thread count,
OpenMP's default wait policy). The job time is the stored row's ``total_seconds``. The load
average before each measurement is printed, since "idle" is only as idle as the machine is.
Ends with one JSON line.
"""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEMO_DASHA = ["model.width=16", "model.search_width=8", "model.depth=10",
              "model.kernels=[3,5,7]", "model.dilations=[1,3]"]


def job_seconds(task: str, budget: str, torch_default: bool) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("OMP_NUM_THREADS", "SFMBENCH_THREADS", "OMP_WAIT_POLICY", "MKL_NUM_THREADS")}
    if torch_default:
        env["SFMBENCH_THREADS"] = "torch"
    with tempfile.TemporaryDirectory() as run_dir:
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "sfmbench.cli", "run", "-q", "--run-dir",
                               run_dir, f"task={task}", "model=dasha", f"budget={budget}",
                               *DEMO_DASHA], env=env, capture_output=True, text=True,
                              timeout=3600)
        wall = time.perf_counter() - started
        with sqlite3.connect(Path(run_dir) / "sfmbench.db") as db:
            status, seconds = db.execute("select status, total_seconds from "
                                         "sfmbench_results").fetchone()
    if status != "ok":
        raise RuntimeError(f"the job failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return {"job_seconds": round(float(seconds), 2), "wall_seconds": round(wall, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budget", default="smoke")
    parser.add_argument("--task", default="generated/dna-motif-easy")
    args = parser.parse_args()
    import torch
    from sfmbench.threads import choose_threads
    results: dict = {"task": args.task, "budget": args.budget, "cores": os.cpu_count(),
                     "torch_default_threads": torch.get_num_threads()}
    for condition in ("idle", "busy"):
        hogs = [subprocess.Popen(["yes"], stdout=subprocess.DEVNULL)
                for _ in range(2 if condition == "busy" else 0)]
        try:
            time.sleep(1.0 if hogs else 0.0)
            load = os.getloadavg()[0]
            chosen_threads = choose_threads()
            row = {"load_average_1min": round(load, 2), "chosen_threads": chosen_threads}
            for setting, torch_default in (("chosen", False), ("torch default", True)):
                row[setting] = job_seconds(args.task, args.budget, torch_default)
                print(f"{condition:5s} load {load:5.2f}  {setting:13s} "
                      f"({chosen_threads if not torch_default else results['torch_default_threads']}"
                      f" threads): job {row[setting]['job_seconds']:8.1f} s", flush=True)
            row["speedup"] = round(row["torch default"]["job_seconds"]
                                   / row["chosen"]["job_seconds"], 2)
            results[condition] = row
        finally:
            for hog in hogs:
                hog.terminate()
                hog.wait()
    print(json.dumps({"benchmark": "threads", **results}))


if __name__ == "__main__":
    main()
