"""The adapters through a real task loader (the generated series) and the harness's metric code."""
from __future__ import annotations

import numpy as np
import pytest

import sfmbench
from sfmbench.metrics import MetricSuite


@pytest.mark.parametrize("family,method", [("chronos-2", "chronos"), ("timesfm", "timesfm")])
def test_fit_predict_score_on_generated_task(family: str, method: str, tiny_checkpoints, ctx):
    task = sfmbench.create_task("generated/ts-seasonal-24", {"rows": 400, "lookback": 32,
                                                                "horizon": 8})
    data = task.load()
    cls = sfmbench.METHODS.get(method)
    assert cls.supports(task.spec)
    model = cls(task.spec, {"model_id": str(tiny_checkpoints[family]), "val_windows": 4,
                            "batch_size": 16}, ctx)
    report = model.fit(data.train, data.val)
    assert np.isfinite(report.best_val_metric)
    suite = MetricSuite(task.spec)            # the harness scores chunk by chunk
    inputs, targets = data.test.inputs, data.test.targets
    for start in range(0, len(inputs), 40):
        stop = min(start + 40, len(inputs))
        chunk = inputs.slice(start, stop)
        suite.update(model.predict(chunk), targets.targets(start, stop))
    scores = suite.compute()
    assert suite.n == len(inputs) and all(np.isfinite(v) for v in scores.values())
