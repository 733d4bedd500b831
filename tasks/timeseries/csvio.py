"""Read and validate a forecasting CSV in the LTSF format: a date column plus numeric channels."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sfmbench.errors import DataError
from sfmbench.redact import excerpt, safe_message

#: values that files use to mean "missing" (the canonical weather.csv holds -9999)
SENTINELS = (-9999.0,)


@dataclass
class SeriesTable:
    """A validated series: values (T, C) float64, channel names and the parsed dates, plus what
    a relaxed read let through (``notes``: repeated or unordered time stamps)."""

    values: np.ndarray
    channels: tuple[str, ...]
    dates: np.ndarray
    path: Path
    notes: tuple[str, ...] = ()

    def sentinels(self) -> dict[str, int]:
        """``{channel: number of rows holding a sentinel value such as -9999}``."""
        hits = np.isin(self.values, SENTINELS).sum(axis=0)
        return {c: int(n) for c, n in zip(self.channels, hits) if n}


def _line(row: int) -> str:
    return f"data row {row} (line {row + 2} of the file)"


def read_series_csv(path: str | Path, date_column: str = "date",
                    target: str | None = None, strict_dates: bool = True) -> SeriesTable:
    """Read ``path``; keep every channel, or only ``target`` when given.

    Raises :class:`DataError` saying what is wrong and where: a missing file, date column or
    target, non-numeric values, NaNs, dates that are unparseable, out of order or duplicated.
    With ``strict_dates=False`` repeated or unordered time stamps are allowed (rows are kept in
    file order, as the standard LTSF loaders read them) and described in ``notes``.
    """
    import pandas as pd

    path = Path(path).expanduser()
    if not path.is_file():
        raise DataError(f"no such file: {path}", "check the path (task.path=...) and that the "
                        "file exists and is readable")
    _require_text(path)
    try:
        df = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise DataError(f"{path} is empty", "give a comma-separated file with a header row "
                        "(a date column and value columns) and data rows") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise DataError(f"cannot parse {path} as CSV: "
                        f"{safe_message(str(exc).splitlines()[0] if str(exc) else exc, 160)}",
                        "give a comma-separated file with a header row") from None
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or type(exc).__name__}",
                        "check that the file exists and is readable") from None
    if date_column not in df.columns:
        raise DataError(f"{path} has no date column {date_column!r} (columns: "
                        f"{', '.join(excerpt(c, 30) for c in df.columns[:10])}"
                        f"{', ...' if df.shape[1] > 10 else ''})",
                        "name the time-stamp column with date_column=..., or add one")
    if df.empty:
        raise DataError(f"{path} has a header but no data rows", "add the series' rows")
    channels = [c for c in df.columns if c != date_column]
    if target is not None:
        if target not in channels:
            raise DataError(f"{path} has no column {target!r} to forecast",
                            f"choose target= one of: "
                            f"{', '.join(excerpt(c, 30) for c in channels[:20])}")
        channels = [target]
    if not channels:
        raise DataError(f"{path} has no value columns besides {date_column!r}",
                        "add at least one numeric column")
    data = df[channels]
    for col in channels:
        if not pd.api.types.is_numeric_dtype(data[col]):
            bad = pd.to_numeric(data[col], errors="coerce").isna() & data[col].notna()
            row = int(np.flatnonzero(bad.to_numpy())[0]) if bad.any() else 0
            raise DataError(f"column {excerpt(col, 30)} of {path} is not numeric: {_line(row)} "
                            f"holds {excerpt(data[col].iloc[row])}",
                            "fix or drop that column, or forecast another one with target=...")
    values = data.to_numpy(dtype=np.float64)
    nan = ~np.isfinite(values)
    if nan.any():
        row, c = (int(i) for i in np.argwhere(nan)[0])
        what = "missing" if np.isnan(values[row, c]) else "an infinite"
        raise DataError(f"column {excerpt(channels[c], 30)} of {path} has {what} value at "
                        f"{_line(row)} ({int(nan[:, c].sum())} missing or infinite in that "
                        "column)", "fill or interpolate missing values and replace infinite "
                        "ones before benchmarking")
    notes: list[str] = []
    dates = _parse_dates(df[date_column], path, date_column, notes if not strict_dates else None)
    return SeriesTable(values, tuple(str(c) for c in channels), dates, path, tuple(notes))


def _require_text(path: Path) -> None:
    """DataError (quoting nothing) when ``path`` is unreadable or binary, e.g. a NUL byte."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 16)
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or type(exc).__name__}",
                        "check that the file exists and is readable") from None
    if b"\x00" in head:
        raise DataError(f"{path} is not a text CSV file (it holds NUL bytes)",
                        "give a comma-separated text file with a header row (task.path=...)")


def _parse_dates(col: "object", path: Path, name: str,
                 notes: list[str] | None = None) -> np.ndarray:
    import pandas as pd

    try:
        dates = pd.to_datetime(col, errors="coerce")  # type: ignore[arg-type]
    except (ValueError, TypeError) as exc:  # e.g. mixed time zones
        raise DataError(f"date column {name!r} of {path} cannot be read as one time axis "
                        f"({safe_message(str(exc).splitlines()[0], 120)})",
                        "write every time stamp in the same time zone (or all in UTC, "
                        "e.g. 2016-07-01T00:00:00Z)") from None
    if not (pd.api.types.is_datetime64_any_dtype(dates)):
        raise DataError(f"date column {name!r} of {path} mixes time zones or formats",
                        "write every time stamp in the same time zone (or all in UTC)")
    if dates.isna().any():
        row = int(np.flatnonzero(dates.isna().to_numpy())[0])
        raise DataError(f"date column {name!r} of {path}: {_line(row)} holds "
                        f"{excerpt(col.iloc[row])}, which is not a date",  # type: ignore[attr-defined]
                        "write dates as ISO 8601 (e.g. 2016-07-01 00:00:00)")
    d = dates.to_numpy()
    step = np.diff(d)
    bad = np.flatnonzero(step <= np.timedelta64(0))
    if bad.size and notes is not None:          # relaxed: keep file order, say what is there
        for i in bad:
            row = int(i) + 1
            kind = "repeats" if step[i] == np.timedelta64(0) else "goes back in time at"
            notes.append(f"the time stamp {kind} {_line(row)} ({dates.iloc[row - 1]} then "
                         f"{dates.iloc[row]})")
    elif bad.size:
        row = int(bad[0]) + 1
        kind = "repeats" if step[bad[0]] == np.timedelta64(0) else "goes back in time at"
        raise DataError(f"date column {name!r} of {path} {kind} {_line(row)} "
                        f"({dates.iloc[row - 1]} then {dates.iloc[row]})",
                        "sort the rows by date and remove duplicate time stamps, or set "
                        "task.strict_dates=false to keep the rows in file order")
    return d
