"""Write a small file in the format of the canonical LTSF ``weather.csv``, with its quirks.

    python tests/tasks/timeseries/make_weather_fixture.py OUT.csv [ROWS]

Same header (``date`` + the 21 channels), 10-minute steps, time stamps written like the original
(``YYYY-MM-DD HH:MM:SS``); like the canonical file it repeats one time stamp (followed by a
gap) and holds -9999 sentinels in ``wv (m/s)`` and ``max. wv (m/s)``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

try:
    from .ts_fixtures import WEATHER_COLUMNS, write_series_csv
except ImportError:                       # run as a script
    from ts_fixtures import WEATHER_COLUMNS, write_series_csv  # type: ignore[no-redef]

#: where the quirks go (data rows, 0-based), relative to the number of rows
REPEAT_AT = 0.36            # the canonical file repeats a time stamp at row 19,044 of 52,696
SENTINEL_ROWS = {"wv (m/s)": (0.1, 0.8), "max. wv (m/s)": (0.8,)}


def write_weather_fixture(path: Path, rows: int = 2000, seed: int = 0) -> dict[str, object]:
    """Write the file; returns where the quirks are (row of the repeat, sentinel rows)."""
    df = write_series_csv(path, rows, WEATHER_COLUMNS, freq="10min", seed=seed,
                          start="2020-01-01 00:10:00")
    dates = pd.to_datetime(df["date"])
    repeat = int(rows * REPEAT_AT)
    # row `repeat` carries the previous time stamp; the following rows keep theirs (a gap)
    dates.iloc[repeat] = dates.iloc[repeat - 1]
    df["date"] = dates.dt.strftime("%Y-%m-%d %H:%M:%S")
    sentinels = {}
    for column, where in SENTINEL_ROWS.items():
        idx = [int(rows * f) for f in where]
        df.loc[idx, column] = -9999.0
        sentinels[column] = idx
    df.to_csv(path, index=False)
    return {"repeat_row": repeat, "sentinels": sentinels, "rows": rows,
            "values": df[list(WEATHER_COLUMNS)].to_numpy(dtype=np.float64)}


if __name__ == "__main__":
    out = Path(sys.argv[1])
    info = write_weather_fixture(out, int(sys.argv[2]) if len(sys.argv) > 2 else 2000)
    print(f"wrote {out}: {info['rows']} rows, repeated time stamp at data row "
          f"{info['repeat_row']}, sentinels {info['sentinels']}")
