"""Cold-start benchmark: how long each ``sfmbench`` command path takes to import, against a bare
``import torch`` measured in the same way on the same machine in the same run.

    python benchmarks/startup.py [--repeats 3]

Each measurement is a fresh interpreter; the time runs from the first line of the script (the
interpreter's own start-up is excluded on both sides) to the end of the command (``--help``,
``tasks list``, ``results`` on an empty store) or, for ``run``, to the moment the job itself
starts (``run_job`` is entered, after config, task checks and thread setup). Reports the median
of ``--repeats`` runs, whether torch was imported, and ends with one JSON line.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile

PROBE = """
import time, sys
t0 = time.perf_counter()
{body}
print("SECONDS", time.perf_counter() - t0, "TORCH", "torch" in sys.modules,
      "TORCHMETRICS", "torchmetrics" in sys.modules)
"""

CLI = """
import io, contextlib
from sfmbench.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        main({argv!r})
    except SystemExit:
        pass
"""

RUN = """
import sfmbench.runner as runner
class Reached(Exception):
    pass
def probe(job, store, settings=None):
    raise Reached
runner.run_job = probe
from sfmbench.cli import main
try:
    main({argv!r})
except Reached:
    pass
"""

PATHS = {
    "import torch": "import torch",
    "sfmbench --help": CLI.format(argv=["--help"]),
    "sfmbench tasks list": CLI.format(argv=["tasks", "list"]),
    "sfmbench results": CLI.format(argv=["results"]),
    "sfmbench run (to the job)": RUN.format(argv=["run", "-q", "task=generated/ts-ar-24",
                                                  "model=autoar", "budget=smoke"]),
}


def measure(body: str, run_dir: str) -> tuple[float, bool, bool]:
    done = subprocess.run([sys.executable, "-c", PROBE.format(body=body)], capture_output=True,
                          text=True, cwd=run_dir, timeout=600,
                          env={**__import__("os").environ, "SFMBENCH_RUN_DIR": run_dir})
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("SECONDS")), None)
    if line is None:
        raise RuntimeError(f"probe failed:\n{done.stdout[-1000:]}\n{done.stderr[-3000:]}")
    parts = line.split()
    return float(parts[1]), parts[3] == "True", parts[5] == "True"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as run_dir:
        for name, body in PATHS.items():
            runs = [measure(body, run_dir) for _ in range(args.repeats)]
            seconds = statistics.median(r[0] for r in runs)
            results[name] = {"seconds": round(seconds, 3), "imports_torch": runs[0][1],
                             "imports_torchmetrics": runs[0][2]}
            print(f"{name:28s} {seconds:7.2f} s  torch imported: {runs[0][1]!s:5s}  "
                  f"torchmetrics: {runs[0][2]}", flush=True)
    torch_s = results["import torch"]["seconds"]
    run_s = results["sfmbench run (to the job)"]["seconds"]
    print(f"sfmbench run reaches the job {run_s - torch_s:+.2f} s after a bare import torch")
    print(json.dumps({"benchmark": "startup", "repeats": args.repeats, "paths": results,
                      "run_minus_torch_seconds": round(run_s - torch_s, 3)}))


if __name__ == "__main__":
    main()
