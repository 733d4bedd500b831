"""Results that papers report on the suite's tasks (``*.csv`` in this folder).

Each row: ``task`` (this suite's task name), ``model``, ``metric`` (this suite's metric name),
``value`` (on this suite's scale, e.g. MCC in [-1, 1] where a paper prints MCC x 100),
``paper``, ``table``, ``protocol`` (how the paper's protocol differs from this suite's). They are
shown beside measured rows with kind ``published`` (``sfmbench leaderboard --published``) and
never enter any statistic.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from sfmbench.errors import DataError

COLUMNS = ("task", "model", "metric", "value", "paper", "table", "protocol")
FOLDER = Path(__file__).resolve().parent


def load_published(folder: str | Path | None = None) -> pd.DataFrame:
    """Every published result in ``folder`` (default: the packaged tables), one frame."""
    root = Path(folder) if folder is not None else FOLDER
    files = sorted(root.glob("*.csv"))
    if not files:
        raise DataError(f"no published-result tables (*.csv) in {root}",
                        "reinstall sfmbench, or point to a folder of CSV files with columns "
                        + ", ".join(COLUMNS))
    frames = []
    for path in files:
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise DataError(f"cannot read {path} as CSV ({type(exc).__name__})",
                            "give a UTF-8 comma-separated table with the columns "
                            + ", ".join(COLUMNS)) from None
        missing = [c for c in COLUMNS if c not in frame.columns]
        if missing:
            raise DataError(f"{path} lacks the column(s) {', '.join(missing)}",
                            "give every table the columns " + ", ".join(COLUMNS))
        values = pd.to_numeric(frame["value"], errors="coerce")
        if values.isna().any():
            row = int(values.isna().to_numpy().nonzero()[0][0])
            raise DataError(f"{path}, data row {row + 1}: value {frame['value'].iloc[row]!r} "
                            "is not a number", "write the figure as a plain number")
        empty = frame[list(COLUMNS)].eq("").any(axis=1)
        if empty.any():
            row = int(empty.to_numpy().nonzero()[0][0])
            raise DataError(f"{path}, data row {row + 1} has an empty field",
                            "every published figure needs its task, model, metric, value, "
                            "paper, table and protocol differences")
        frames.append(frame.assign(value=values, file=path.name))
    return pd.concat(frames, ignore_index=True)
