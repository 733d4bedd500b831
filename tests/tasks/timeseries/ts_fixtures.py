"""Fixture generator: small CSVs in the real LTSF format (``date`` + float channels)."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

ETT_COLUMNS = ("HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT")
WEATHER_COLUMNS = ("p (mbar)", "T (degC)", "Tpot (K)", "Tdew (degC)", "rh (%)", "VPmax (mbar)",
                   "VPact (mbar)", "VPdef (mbar)", "sh (g/kg)", "H2OC (mmol/mol)",
                   "rho (g/m**3)", "wv (m/s)", "max. wv (m/s)", "wd (deg)", "rain (mm)",
                   "raining (s)", "SWDR (W/m\u00b2)", "PAR (\u00b5mol/m\u00b2/s)",
                   "max. PAR (\u00b5mol/m\u00b2/s)", "Tlog (degC)", "OT")


def write_series_csv(path: Path, rows: int, columns: Sequence[str] = ETT_COLUMNS, *,
                     freq: str = "h", seed: int = 0, start: str = "2016-07-01") -> pd.DataFrame:
    """Write ``path`` like the LTSF files: ``date`` (``YYYY-MM-DD HH:MM:SS``) + float channels.

    Channels are daily sines plus a random walk with channel-specific level and scale, so that
    standardization matters. Returns the frame written.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(rows)[:, None]
    c = len(columns)
    values = (rng.normal(0, 10, c) + rng.uniform(0.5, 5, c)
              * (np.sin(2 * np.pi * t / 24 + rng.uniform(0, 6, c))
                 + np.cumsum(rng.normal(0, 0.1, (rows, c)), axis=0)))
    df = pd.DataFrame(values, columns=list(columns))
    df.insert(0, "date", pd.date_range(start, periods=rows, freq=freq)
              .strftime("%Y-%m-%d %H:%M:%S"))
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False)
    return df
