"""Every bad input of issue 9 (items 6-12) ends in a clear error with exit code 2 before
anything is stored, or in a stored failed row with the reason: never a traceback, never an
ok row. Run through the real CLI entry point on real files and a real SQLite store."""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sfmbench.cli import main
from sfmbench.store import Store

SECRET = "s3cr3t-Pa55"


@pytest.fixture
def store_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    monkeypatch.setenv("SFMBENCH_STORAGE", url)
    return url


def cli(capsys: pytest.CaptureFixture[str], *args: str, flat: bool = True) -> tuple[int, str]:
    """Exit code and output; ``flat``: white space folded (the console wraps at its width)."""
    code = main(list(args))
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "Traceback" not in text
    return code, " ".join(text.split()) if flat else text


def rows(url: str) -> list[dict]:
    return Store(url).rows(latest=False)


def series_csv(path: Path, n: int = 120, *, tz: str = "", body: str | None = None) -> Path:
    if body is None:
        dates = pd.date_range("2020-01-01", periods=n, freq="h").strftime("%Y-%m-%d %H:%M:%S")
        values = np.sin(np.arange(n) / 4)
        body = "date,a,b\n" + "".join(f"{d}{tz},{v:.4f},{2 * v:.4f}\n"
                                      for d, v in zip(dates, values))
    path.write_text(body)
    return path


def run_csv(capsys, path: Path, *extra: str) -> tuple[int, str]:
    return cli(capsys, "run", "-q", "task=ltsf/csv", f"task.path={path}", "task.horizon=4",
               "task.lookback=8", "model=last-value", "budget=smoke", *extra)


def assert_failed_row(url: str, code: int, text: str, *needles: str) -> dict:
    (row,) = rows(url)
    assert code == 1 and row["status"] == "failed", text
    for needle in needles:
        assert needle in row["error"] and needle in text, (needle, row["error"])
    return row


@pytest.mark.parametrize("name, body, needle", [
    ("empty", "", "is empty"),
    ("header-only", "date,a,b\n", "no data rows"),
    ("inf", "date,a\n" + "".join(f"2020-01-01 {h:02d}:00:00,{'inf' if h == 5 else h}\n"
                                 for h in range(24)), "infinite"),
    ("mixed-tz", "date,a\n" + "".join(f"2020-01-01 {h:02d}:00:00{'+01:00' if h % 2 else 'Z'},"
                                      f"{h}\n" for h in range(24)), "time zone"),
])
def test_malformed_series_csv_is_a_failed_row(capsys, tmp_path, store_url, name, body, needle):
    code, text = run_csv(capsys, series_csv(tmp_path / f"{name}.csv", body=body))
    if code == 2:  # refused before storing
        assert needle in text and not rows(store_url)
    else:
        assert_failed_row(store_url, code, text, needle)


def test_environment_file_leaks_nothing(capsys, tmp_path, store_url, monkeypatch):
    monkeypatch.setenv("SFMBENCH_TEST_SECRET", SECRET)
    copy = tmp_path / "environ"  # the same layout, the secret first
    copy.write_bytes(f"API_TOKEN={SECRET}\0HOME=/root\0".encode())
    for path in (Path("/proc/self/environ"), copy):
        if not path.is_file():
            continue
        code, text = run_csv(capsys, path)
        assert code in (1, 2) and SECRET not in text and "HOME=" not in text
        assert "NUL bytes" in text
    assert all(SECRET not in str(r) and "\x00" not in str(r["error"]) for r in rows(store_url))


def test_errors_quote_a_short_single_line_excerpt(capsys, tmp_path, store_url):
    cell = "x" * 500 + "\nsecond line " + SECRET
    path = series_csv(tmp_path / "long.csv", body='date,a\n2020-01-01,"' + cell + '"\n' * 1)
    code, text = run_csv(capsys, path)
    row = rows(store_url)[0] if rows(store_url) else {"error": ""}
    assert SECRET not in text and SECRET not in str(row["error"])
    assert "x" * 41 not in text


def test_changed_file_is_a_new_job_with_its_identity(capsys, tmp_path, store_url):
    path = series_csv(tmp_path / "mine.csv")
    code, _ = run_csv(capsys, path)
    assert code == 0
    code, text = run_csv(capsys, path)
    assert code == 0 and "already stored" in text
    series_csv(path, n=140)  # the user edits the file
    code, text = run_csv(capsys, path)
    assert code == 0 and "already stored" not in text
    stored = rows(store_url)
    assert len(stored) == 2 and stored[0]["job_key"] != stored[1]["job_key"]
    assert {r["task"].split("@")[0] for r in stored} == {"ltsf/csv"}
    assert len({r["task"] for r in stored}) == 2 and all("mine.csv:" in r["task"] for r in stored)
    out = tmp_path / "lb"
    code, _ = cli(capsys, "leaderboard", "--out", str(out))
    board = pd.read_csv(out / "leaderboard.csv")
    assert code == 0 and len(board) == 2 and set(board["n"]) == {1}  # never averaged


def test_unreadable_file_is_refused_before_storing(capsys, tmp_path, store_url):
    folder = tmp_path / "a-folder.csv"
    folder.mkdir()
    code, text = run_csv(capsys, folder)
    assert code == 2 and "cannot read" in text and not rows(store_url)


@pytest.mark.parametrize("model, setting, needle", [
    ("last-value", "seed=99999999999999999999", "seed must be an integer"),
    ("last-value", "budget=[smoke]", "budget must be one name"),
    ("chronos", "model.trust_remote_code=off", "must be a boolean"),
    ("last-value", "save_predictions=maybe", "must be a boolean"),
])
def test_bad_settings_exit_2(capsys, store_url, model, setting, needle):
    code, text = cli(capsys, "run", "task=generated/ts-seasonal-24", f"model={model}", setting)
    assert code == 2 and needle in text and not rows(store_url)


def test_bad_sweep_settings_exit_2(capsys, store_url):
    for setting, needle in (("seeds=[]", "seeds"), ("dry_run=maybe", "must be a boolean"),
                            ("retry_failed=nope", "must be a boolean"),
                            ("executor.name=pbs", "unknown kind name='pbs'")):
        code, text = cli(capsys, "sweep", "tasks=[generated/ts-seasonal-24]",
                         "models=[last-value]", "budget=smoke", setting)
        assert code == 2 and needle in text, (setting, text)
    code, text = cli(capsys, "sweep", "tasks=[generated/ts-seasonal-24]", "models=[last-value]",
                     "budget=smoke", "dry_run=no", "-q")
    assert code == 0 and "1 ran ok" in text  # "no" means no, not bool("no")
    assert not rows(store_url)[0]["error"]


def test_lags_that_are_not_numbers(capsys, store_url):
    code, text = cli(capsys, "run", "task=generated/ts-seasonal-24", "model=autoar",
                     "budget=smoke", "model.lags=abc")
    if code == 2:
        assert "lags" in text and not rows(store_url)
    else:
        assert_failed_row(store_url, code, text, "lags")


def test_corrupt_sqlite_store_is_a_clear_error(capsys, tmp_path, monkeypatch):
    path = tmp_path / "bad.db"
    Store(f"sqlite:///{path}").engine.dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
    data = bytearray(path.read_bytes())
    data[100:4096] = os.urandom(3996)  # scramble the schema page
    path.write_bytes(bytes(data))
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    monkeypatch.setenv("SFMBENCH_STORAGE", f"sqlite:///{path}")
    code, text = cli(capsys, "results")
    assert code == 2 and "bad.db" in text and "damaged" in text


def test_genomics_folder_errors(capsys, tmp_path, store_url):
    from tests.tasks.genomics.genomics_fixtures import write_csv, write_gue_folder

    def run(folder: Path) -> tuple[int, str]:
        return cli(capsys, "run", "-q", "task=genomics/csv", f"task.path={folder}",
                   "model=kmer-logreg", "budget=smoke")

    single = write_gue_folder(tmp_path / "single")
    write_csv(single / "train.csv", [("ACGTACGT", 1)] * 10)
    code, text = run(single)
    assert_failed_row(store_url, code, text, "at least two classes")

    header_only = write_gue_folder(tmp_path / "header-only")
    write_csv(header_only / "test.csv", [])
    huge = write_gue_folder(tmp_path / "huge-label")
    write_csv(huge / "train.csv", [("ACGTACGT", 0), ("ACGTTTTT", 1), ("ACGTAAAA", int(1e9))])
    for folder, needle in ((header_only, "no rows"), (huge, "at most 10000 classes")):
        code, text = run(folder)
        assert code in (1, 2) and needle in text, text
        assert all(r["status"] == "failed" for r in rows(store_url))


def test_store_url_password_never_printed(capsys, tmp_path, monkeypatch):
    url = f"postgresql+psycopg://bench:{SECRET}@127.0.0.1:1/sfmbench"
    monkeypatch.setenv("SFMBENCH_STORAGE", url)
    code, text = cli(capsys, "results")
    assert code == 2 and SECRET not in text and "***" in text
    monkeypatch.setenv("SFMBENCH_STORAGE", f"postgresql://bench:{SECRET}@host:port/db")
    code, text = cli(capsys, "results")
    assert code == 2 and SECRET not in text


def test_results_csv_neutralizes_formula_names(capsys, store_url):
    from sfmbench.results import ResultRow

    Store(store_url).add(ResultRow(job_key="k", task="=HYPERLINK(\"http://x\")", model="@m",
                                   kind="baseline", seed=0, budget="smoke", status="failed",
                                   error="-boom"))
    code, text = cli(capsys, "results", "--format", "csv", flat=False)
    frame = pd.read_csv(__import__("io").StringIO(text))
    assert code == 0 and frame["task"][0].startswith("'=") and frame["model"][0] == "'@m"
    assert frame["error"][0] == "'-boom"


def test_sweep_prints_the_store_without_its_password(capsys, postgres_url, monkeypatch):
    import sqlalchemy as sa

    url = sa.engine.make_url(postgres_url).set(password=SECRET)  # trust auth ignores it
    monkeypatch.setenv("SFMBENCH_STORAGE", url.render_as_string(hide_password=False))
    code, text = cli(capsys, "sweep", "-q", "tasks=[generated/ts-seasonal-24]",
                     "models=[last-value]", "budget=smoke")
    assert code == 0 and SECRET not in text and ":***@" in text
    assert all(SECRET not in str(r) for r in Store(postgres_url).rows())
