"""``trust_remote_code`` fails closed: "no", "false" (even quoted in YAML) never run a
checkpoint's own Python; only an explicit true does."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from sfmbench.cli import main
from sfmbench.store import Store


def evil_checkpoint(folder: Path, marker: Path) -> Path:
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({
        "model_type": "evil", "auto_map": {"AutoConfig": "configuration_evil.EvilConfig",
                                           "AutoModel": "modeling_evil.EvilModel"}}))
    code = f"from pathlib import Path\nPath({str(marker)!r}).write_text('code ran')\n"
    (folder / "configuration_evil.py").write_text(code)
    (folder / "modeling_evil.py").write_text(code)
    return folder


@pytest.mark.parametrize("setting", ["model.trust_remote_code=no",
                                     "model.trust_remote_code='false'", None])
def test_remote_code_refused_unless_explicitly_true(tmp_path, monkeypatch, capsys, setting):
    marker = tmp_path / "marker"
    ckpt = evil_checkpoint(tmp_path / "ckpt", marker)
    url = f"sqlite:///{tmp_path / 'r.db'}"
    monkeypatch.setenv("SFMBENCH_STORAGE", url)
    args = ["run", "-q", "task=generated/ts-seasonal-24", "model=chronos", "budget=smoke",
            f"model.model_id={ckpt}"] + ([setting] if setting else [])
    code = main(args)
    text = capsys.readouterr()
    (row,) = Store(url).rows()
    assert code == 1 and row["status"] == "failed" and "needs remote code" in row["error"]
    assert "Traceback" not in text.out + text.err
    assert not marker.exists()


def test_yaml_string_false_is_false(tmp_path, monkeypatch):
    from sfmbench.config import make_job

    conf = tmp_path / "conf" / "model"
    conf.mkdir(parents=True)
    (conf / "chronos-quoted.yaml").write_text(
        "method: chronos\nparams: {trust_remote_code: 'false', model_id: x}\n")
    monkeypatch.setenv("SFMBENCH_CONFIG_PATH", str(tmp_path / "conf"))
    job = make_job("generated/ts-seasonal-24", "chronos-quoted", 0, "smoke")
    assert job.model_params["trust_remote_code"] is False
