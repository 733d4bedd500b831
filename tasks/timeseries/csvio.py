"""Read and validate a forecasting CSV in the LTSF format: a date column plus numeric channels."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sfmbench.errors import DataError


@dataclass
class SeriesTable:
    """A validated series: values (T, C) float64, channel names and the parsed dates."""

    values: np.ndarray
    channels: tuple[str, ...]
    dates: np.ndarray
    path: Path


def _line(row: int) -> str:
    return f"data row {row} (line {row + 2} of the file)"


def read_series_csv(path: str | Path, date_column: str = "date",
                    target: str | None = None) -> SeriesTable:
    """Read ``path``; keep every channel, or only ``target`` when given.

    Raises :class:`DataError` saying what is wrong and where: a missing file, date column or
    target, non-numeric values, NaNs, dates that are unparseable, out of order or duplicated.
    """
    import pandas as pd

    path = Path(path).expanduser()
    if not path.is_file():
        raise DataError(f"no such file: {path}", "check the path (task.path=...) and that the "
                        "file exists and is readable")
    try:
        df = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot parse {path} as CSV: {exc}",
                        "give a comma-separated file with a header row") from exc
    if date_column not in df.columns:
        raise DataError(f"{path} has no date column {date_column!r} (columns: "
                        f"{', '.join(map(str, df.columns[:10]))}{', ...' if df.shape[1] > 10 else ''})",
                        "name the time-stamp column with date_column=..., or add one")
    channels = [c for c in df.columns if c != date_column]
    if target is not None:
        if target not in channels:
            raise DataError(f"{path} has no column {target!r} to forecast",
                            f"choose target= one of: {', '.join(map(str, channels[:20]))}")
        channels = [target]
    if not channels:
        raise DataError(f"{path} has no value columns besides {date_column!r}",
                        "add at least one numeric column")
    data = df[channels]
    for col in channels:
        if not pd.api.types.is_numeric_dtype(data[col]):
            bad = pd.to_numeric(data[col], errors="coerce").isna() & data[col].notna()
            row = int(np.flatnonzero(bad.to_numpy())[0]) if bad.any() else 0
            raise DataError(f"column {col!r} of {path} is not numeric: {_line(row)} holds "
                            f"{data[col].iloc[row]!r}",
                            "fix or drop that column, or forecast another one with target=...")
    values = data.to_numpy(dtype=np.float64)
    nan = np.isnan(values)
    if nan.any():
        row, c = (int(i) for i in np.argwhere(nan)[0])
        raise DataError(f"column {channels[c]!r} of {path} has a missing value at {_line(row)} "
                        f"({int(nan[:, c].sum())} missing in that column)",
                        "fill or interpolate missing values before benchmarking")
    dates = _parse_dates(df[date_column], path, date_column)
    return SeriesTable(values, tuple(str(c) for c in channels), dates, path)


def _parse_dates(col: "object", path: Path, name: str) -> np.ndarray:
    import pandas as pd

    dates = pd.to_datetime(col, errors="coerce")  # type: ignore[arg-type]
    if dates.isna().any():
        row = int(np.flatnonzero(dates.isna().to_numpy())[0])
        raise DataError(f"date column {name!r} of {path}: {_line(row)} holds "
                        f"{col.iloc[row]!r}, which is not a date",  # type: ignore[attr-defined]
                        "write dates as ISO 8601 (e.g. 2016-07-01 00:00:00)")
    d = dates.to_numpy()
    step = np.diff(d)
    bad = np.flatnonzero(step <= np.timedelta64(0))
    if bad.size:
        row = int(bad[0]) + 1
        kind = "repeats" if step[bad[0]] == np.timedelta64(0) else "goes back in time at"
        raise DataError(f"date column {name!r} of {path} {kind} {_line(row)} "
                        f"({dates.iloc[row - 1]} then {dates.iloc[row]})",
                        "sort the rows by date and remove duplicate time stamps")
    return d
