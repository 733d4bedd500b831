"""CSV cells that a spreadsheet would evaluate are neutralized (CSV/formula injection).

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a
formula to Excel, LibreOffice and Google Sheets; such cells get a leading ``'`` (the OWASP
recommendation), which spreadsheets display as text and which keeps the cell readable.
Numbers stay numbers: only text cells are touched, and a text cell that is a plain number
(``-0.5``) is left alone.
"""
from __future__ import annotations

import re
from typing import Any

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def neutralize(value: Any) -> Any:
    """``value`` made inert for spreadsheets when it is a text cell that starts a formula."""
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    if _NUMBER.fullmatch(value.strip()):
        return value
    return "'" + value


def neutralize_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names are neutralized."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralize)
    out.columns = [neutralize(c) for c in out.columns]
    return out
