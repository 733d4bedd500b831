"""The ``sfmbench`` command line."""
from __future__ import annotations

import argparse
import logging
import os
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import __version__
from .errors import SfmbenchError

EPILOG_OVERRIDES = """\
Settings are KEY=VALUE: VALUE is a YAML value (3, 1e-3, true, null, [a,b], {r: 8}); a,b,c is
a list (seeds=0,1,2); quote lists in the shell: 'models=[a,b]'.
Storage: SFMBENCH_STORAGE (a database URL) overrides every command's store; the default is a
SQLite file in the run directory (--run-dir, default ./sfmbench-runs).
"""


def _fmt(desc: str) -> dict[str, Any]:
    return {"description": textwrap.dedent(desc), "epilog": EPILOG_OVERRIDES,
            "formatter_class": argparse.RawDescriptionHelpFormatter}


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--run-dir", type=Path, default=None,
                        help="directory for the SQLite store, predictions and work files "
                             "(default: SFMBENCH_RUN_DIR, else ./sfmbench-runs; "
                             "./sfmbench-demo for `demo`)")
    common.add_argument("--storage", default=None,
                        help="database URL for results and optuna studies, e.g. "
                             "sqlite:///r.db or postgresql+psycopg://u:p@host/db "
                             "(default: SFMBENCH_STORAGE, else a SQLite file in the run dir)")
    common.add_argument("--debug", action="store_true", help="show tracebacks")
    common.add_argument("-q", "--quiet", action="store_true", help="no progress bars")

    p = argparse.ArgumentParser(
        prog="sfmbench", **_fmt("""\
        Does a specialized foundation model beat a well-tuned supervised baseline on your task?
        sfmbench tunes strong supervised baselines, fine-tunes FMs, and writes every result to
        a store from which it renders a leaderboard.

        Start with `sfmbench demo` (offline, a few minutes on a CPU)."""))
    p.add_argument("--version", action="version", version=f"sfmbench {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("run", parents=[common], help="run one job and store its result",
                       **_fmt("""\
        Run one (task, model, seed) job: load the task, tune and fit the model on the train and
        validation splits, predict the test inputs, score them in the harness, store one row.
        A job whose successful result is already stored is not run again (a failed one is).

        Examples:
          sfmbench run task=ltsf/ETTh1-96 model=autoar
          sfmbench run task=ltsf/csv task.path=my.csv task.horizon=24 model=dlinear seed=1
          sfmbench run task=gue/prom_core_all model=dasha budget=cpu model.n_trials=4

        Keys: task, model, seed (0), budget (smoke|cpu|paper, default cpu), storage, device,
        task.KEY (task parameters, see `sfmbench tasks show`), model.KEY (model parameters,
        see `sfmbench models show`)."""))
    s.add_argument("overrides", nargs="*", metavar="KEY=VALUE")

    s = sub.add_parser("sweep", parents=[common], help="run a grid of jobs (resumable)",
                       **_fmt("""\
        Run every task x model x seed of a suite. Stored jobs are skipped, so re-running the
        same command after a crash, kill -9 or Ctrl-C resumes where it stopped; a failing job
        is stored as failed with its reason and the sweep goes on (failed jobs are retried on
        the next run, up to 3 attempts). Shows a progress bar with ETA.

        Examples:
          sfmbench sweep suite=ltsf-ett
          sfmbench sweep suite=ltsf models=[autoar,dlinear] seeds=[0,1,2] budget=cpu
          sfmbench sweep tasks=[generated/ts-*] models=[autoar] executor.workers=2
          sfmbench sweep suite=gue executor=slurm executor.partition=gpu storage=postgresql+psycopg://...

        Keys: suite, tasks, models, seeds, budget, executor (local|slurm), executor.workers,
        executor.gpus, retry_failed, dry_run, task.KEY, model.KEY, storage, device."""))
    s.add_argument("overrides", nargs="*", metavar="KEY=VALUE")

    s = sub.add_parser("results", parents=[common], help="print, export or delete stored rows",
                       **_fmt("""\
        Stored result rows: task, model, kind, seed, status, primary_metric, primary_value,
        one column per metric, the best validation score, wall time and the job key. By default
        one row per job (its successful row, else its last attempt); --all shows every attempt.
        `results delete` removes every attempt of the jobs the filters select: it lists them,
        asks for confirmation (--yes skips it) and, with --dry-run, only lists them.

        Examples:
          sfmbench results
          sfmbench results --format csv --out results.csv
          sfmbench results --format json --task 'ltsf/*' --status failed
          sfmbench results delete --model dlinear --status failed --dry-run"""))
    s.add_argument("action", nargs="?", choices=["show", "delete"], default="show",
                   help="show (default) or delete the selected rows")
    s.add_argument("--yes", action="store_true", help="delete without asking")
    s.add_argument("--dry-run", action="store_true", help="delete: only list what would go")
    s.add_argument("--format", choices=["table", "csv", "json"], default="table")
    s.add_argument("--all", action="store_true", help="every attempt, not one row per job")
    s.add_argument("--wide", action="store_true",
                   help="also the Method class, recipe, trials, epochs, training samples, "
                        "hyperparameters, architecture and stage times of each row")
    s.add_argument("--task", help="wildcard filter on task names")
    s.add_argument("--model", help="wildcard filter on model names")
    s.add_argument("--status", choices=["ok", "failed"], help="only rows with this status")
    s.add_argument("--out", type=Path, help="write to this file instead of stdout")

    s = sub.add_parser("leaderboard", parents=[common], help="write the leaderboard CSV/MD/HTML",
                       **_fmt("""\
        Aggregate the successful stored rows into DIR/leaderboard.csv (one row per task and
        model: mean, std, n, bootstrap CI, rank, difference to the best tuned baseline,
        compute; columns documented in the README), DIR/summary.csv (per domain: FM wins,
        ties and losses against the best baseline), DIR/leaderboard.md and an HTML page with
        plots; the table is also printed.

        Example: sfmbench leaderboard --out leaderboard/"""))
    s.add_argument("--out", type=Path, default=Path("leaderboard-out"), help="output directory")
    s.add_argument("--task", help="wildcard filter on task names")
    s.add_argument("--budget", help="only results of this budget (needed when a store holds "
                                    "several budgets of the same jobs)")
    s.add_argument("--published", action="store_true",
                   help="also show what papers report on these tasks (rows of kind "
                        "`published`, never part of the statistics)")

    s = sub.add_parser("rerun", parents=[common], help="run a stored job again and compare",
                       **_fmt("""\
        Run the stored row JOB_KEY again from its resolved config (task, model parameters,
        seed, budget) into a scratch store and run directory, then print, metric by metric,
        the stored and the new value, and what the method chose (hyperparameters,
        architecture, trials, epochs). Exit status 0 when everything agrees, 1 otherwise.

        Example: sfmbench rerun 3f2a9c0d1e4b5a69"""))
    s.add_argument("job_key", help="the row's job key (column job_key of `sfmbench results`)")
    s.add_argument("--scratch", type=Path, default=None,
                   help="scratch run directory (default: a new temporary folder)")

    for noun, what in (("tasks", "task"), ("models", "model"), ("suites", "suite")):
        s = sub.add_parser(noun, parents=[common], help=f"list or describe {noun}",
                           **_fmt(f"""\
            `sfmbench {noun} list [PATTERN]` lists {noun} (wildcards: 'ltsf/ETTh*', 'gue/*');
            `sfmbench {noun} show NAME` describes one {what} (--json: the full document)."""))
        s.add_argument("action", choices=["list", "show"])
        s.add_argument("name", nargs="?", help="wildcard pattern (list) or name (show)")
        s.add_argument("--json", action="store_true", help="show: the full document as JSON")

    s = sub.add_parser("demo", parents=[common], help="offline demo sweep ending in a leaderboard",
                       **_fmt("""\
        Run the `demo` suite offline, then print and write the leaderboard: generated
        time-series, DNA and multispectral image tasks; the tuned baselines (Auto-AR, DASHA in
        1-D and 2-D) against simple references and foundation models: a small FM that the demo
        pretrains itself in seconds on a generated corpus (`demo-fm`, labelled as such) and,
        where sfmbench[crossmodal] is installed, ORCA over the real pretrained all-MiniLM-L6-v2
        (`orca-minilm-demo`, one seed); three seeds for other seeded methods, one run for
        deterministic ones; sized for a few minutes on 2 idle CPU cores. Re-running resumes;
        results go to --run-dir (default ./sfmbench-demo), the page to --out.

        Examples:
          sfmbench demo
          sfmbench demo --out demo-leaderboard/ seeds=[0] budget=smoke"""))
    s.add_argument("--out", type=Path, default=None,
                   help="leaderboard directory (default: RUN_DIR/leaderboard)")
    s.add_argument("overrides", nargs="*", metavar="KEY=VALUE",
                   help="sweep settings over the demo suite, e.g. seeds=[0] budget=smoke")

    s = sub.add_parser("check-plugin", parents=[common], help="check a plugin model end to end",
                       **_fmt("""\
        Check that a model (built-in or installed plugin) meets the adapter contract, then run
        it end to end on a tiny generated task of every problem type it claims, and say
        precisely what is missing or failing.

        Example: sfmbench check-plugin my-dna-fm"""))
    s.add_argument("name")
    s.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="model.KEY=VALUE settings")
    return p


#: the module of each command's handler (default: sfmbench.commands, the job commands)
HANDLER_MODULES = {"results": "commands_results", "leaderboard": "commands_results",
                   "tasks": "commands_listings", "models": "commands_listings",
                   "suites": "commands_listings"}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 0
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from .threads import prepare_environment
    prepare_environment()  # before torch loads: OpenMP threads sleep instead of spinning
    from .signals import sigterm_as_interrupt
    sigterm_as_interrupt()  # a scheduler's SIGTERM cleans up like Ctrl-C
    if args.run_dir is not None:
        os.environ["SFMBENCH_RUN_DIR"] = str(args.run_dir)
    if args.storage:
        os.environ["SFMBENCH_STORAGE"] = args.storage
    import importlib
    module = importlib.import_module(f".{HANDLER_MODULES.get(args.command, 'commands')}",
                                     __package__)
    handler: Callable[[argparse.Namespace], int] = getattr(module, args.command.replace("-", "_"))
    try:
        return handler(args)
    except SfmbenchError as exc:
        if args.debug:
            raise
        _error(exc.message, exc.hint)
        return 2
    except KeyboardInterrupt:
        _error("interrupted", "nothing stored was lost; re-run the same command to resume")
        return 130


def _error(message: str, hint: str | None) -> None:
    from rich.markup import escape

    from .progress import console
    from .redact import redact_text  # no password of a URL in any message
    console.print(f"[bold red]error:[/] {escape(redact_text(message))}", highlight=False)
    if hint:
        console.print(f"[yellow]hint:[/] {escape(redact_text(hint))}", highlight=False)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
