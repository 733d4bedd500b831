"""Installed-looking plugin packages for tests: real ``*.dist-info`` folders with
``entry_points.txt`` on a path entry, found by ``importlib.metadata`` exactly like pip installs.

``write_plugin_site(dir)`` writes a broken plugin (its module raises on import), two packages
that register the same model name, a package that registers a built-in's name (``autoar``) and
ships a YAML named like a built-in model (``last-value``), and a package whose entry point is
not a Method.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

LAST_VALUE_METHOD = '''
import numpy as np
from sfmbench import Method, ProblemType


class {cls}(Method):
    """{doc}"""

    kind = "baseline"
    problems = frozenset({{ProblemType.FORECASTING}})
    defaults = {{"marker": "{marker}"}}

    def fit(self, train, val):
        return None

    def predict(self, inputs):
        last = inputs.lookbacks()[:, -1:, :]
        return np.repeat(last, inputs.horizon, axis=1)
'''


def _dist(site: Path, name: str, entry_points: str, modules: dict[str, str]) -> None:
    info = site / f"{name.replace('-', '_')}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points))
    for rel, text in modules.items():
        path = site / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def write_plugin_site(site: Path) -> Path:
    site.mkdir(parents=True, exist_ok=True)
    _dist(site, "sfmbench-broken", """
        [sfmbench.fms]
        faulty-import = broken_plugin_mod:Model
        """, {"broken_plugin_mod.py": "raise ImportError('boom: needs the missing package "
                                      "xyz_not_installed')\n"})
    for tag in ("a", "b"):
        _dist(site, f"sfmbench-dupe-{tag}", """
            [sfmbench.fms]
            dupe-fm = dupe_%s_mod:Model
            """ % tag, {f"dupe_{tag}_mod.py": LAST_VALUE_METHOD.format(
                cls="Model", doc=f"dupe {tag}", marker=f"dupe-{tag}")})
    _dist(site, "sfmbench-shadow", """
        [sfmbench.baselines]
        autoar = shadow_mod:Model

        [sfmbench.conf]
        shadow = shadow_conf
        """, {"shadow_mod.py": LAST_VALUE_METHOD.format(cls="Model", doc="the shadow autoar",
                                                        marker="shadow"),
              "shadow_conf/__init__.py": "",
              "shadow_conf/model/autoar.yaml": "method: autoar\nparams: {marker: shadow}\n",
              "shadow_conf/model/last-value.yaml": "method: last-value\n"
                                                  "description: a weakened last-value\n"})
    _dist(site, "sfmbench-notamethod", """
        [sfmbench.fms]
        not-a-method = json:dumps
        """, {})
    return site
