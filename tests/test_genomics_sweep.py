"""A genomics sweep: DASHA, the k-mer reference and a tiny local Nucleotide Transformer on a
generated DNA task; killed with ``kill -9``, resumed, and fed into the leaderboard."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from sfmbench.store import Store

from .fms.dna.tiny_dna_models import write_nucleotide_transformer

MODELS = ["kmer-logreg", "nt-tiny-local", "dasha"]


def _sweep(env: dict[str, str]) -> list[str]:
    return [sys.executable, "-m", "sfmbench.cli", "sweep", "-q",
            "tasks=[generated/dna-motif-tiny]", f"models=[{','.join(MODELS)}]", "seeds=[0,1]",
            "budget=smoke"]


def test_genomics_sweep_resumes_after_kill_and_feeds_leaderboard(tmp_path: Path) -> None:
    folder = write_nucleotide_transformer(tmp_path / "nt")
    conf = tmp_path / "conf" / "model"
    conf.mkdir(parents=True)
    (conf / "nt-tiny-local.yaml").write_text(
        "method: nucleotide-transformer\n"
        f"params: {{model_id: '{folder}', recipe: frozen}}\n")
    db = tmp_path / "r.db"
    env = {**os.environ, "SFMBENCH_CONFIG_PATH": str(tmp_path / "conf"),
           "SFMBENCH_STORAGE": f"sqlite:///{db}", "SFMBENCH_RUN_DIR": str(tmp_path / "runs")}
    store = Store(f"sqlite:///{db}")
    proc = subprocess.Popen(_sweep(env), env=env, stderr=subprocess.DEVNULL)
    t0 = time.time()
    while len(store.rows(latest=False)) < 2:
        assert proc.poll() is None and time.time() - t0 < 300
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    before = store.rows(latest=False)
    assert 2 <= len(before) < 5

    done = subprocess.run(_sweep(env), env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    rows = store.rows(latest=False)
    # kmer-logreg is deterministic: one job for both seeds; the others run per seed
    assert len(rows) == 5 and len({r["job_key"] for r in rows}) == 5
    assert all(r["status"] == "ok" for r in rows), [r["error"] for r in rows]
    assert rows[: len(before)] == before
    dasha = next(r for r in rows if r["model"] == "dasha")
    assert dasha["architecture"]["layers"] and dasha["stage_seconds"]

    out = tmp_path / "lb"
    lb = subprocess.run([sys.executable, "-m", "sfmbench.cli", "leaderboard", "--out", str(out)],
                        env=env, capture_output=True, text=True, timeout=300)
    assert lb.returncode == 0, lb.stderr
    board = pd.read_csv(out / "leaderboard.csv")
    assert set(board["model"]) == set(MODELS)
    assert board.set_index("model")["n"].to_dict() == {"kmer-logreg": 1, "nt-tiny-local": 2,
                                                        "dasha": 2}
    assert board.set_index("model").loc["nt-tiny-local", "kind"] == "fm"
    assert pd.read_csv(out / "summary.csv")["model"].tolist() == ["nt-tiny-local"]
