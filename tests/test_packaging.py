"""The wheel installs one import root, ``sfmbench``, with every sub-package and the YAML tree."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"bench": "sfmbench", "tasks": "sfmbench/tasks", "baselines": "sfmbench/baselines",
           "fms": "sfmbench/fms", "leaderboard": "sfmbench/leaderboard", "conf": "sfmbench/conf"}


def test_wheel_has_one_import_root_and_everything(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "--no-build-isolation", "-w", str(tmp_path), str(ROOT)], check=True,
                   timeout=600, cwd=tmp_path)
    (wheel,) = tmp_path.glob("sfmbench-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    roots = {n.split("/")[0] for n in names}
    assert roots == {"sfmbench", next(r for r in roots if r.endswith(".dist-info"))}
    for folder, target in FOLDERS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.relative_to(ROOT / folder).as_posix()
            assert f"{target}/{rel}" in names, f"sub-package {init.parent} missing from the wheel"
        for yaml in (ROOT / folder).rglob("*.yaml"):
            assert f"{target}/{yaml.relative_to(ROOT / folder).as_posix()}" in names
    entry_points = zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "sfmbench = sfmbench.cli:main" in entry_points
