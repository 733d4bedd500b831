"""The generated multispectral family and the train-only augmentation."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from sfmbench.catalog import TASKS, create_task, task_names
from sfmbench.specs import ProblemType
from sfmbench.tasks.satellite.imaging import FlipRotate

VARIANTS = {"generated/sat-cls": ProblemType.CLASSIFICATION,
            "generated/sat-multilabel": ProblemType.MULTILABEL,
            "generated/sat-seg": ProblemType.SEGMENTATION}


def test_family_is_registered_with_tiny_and_demo_variants() -> None:
    names = task_names("generated/sat-*")
    assert set(names) == (set(VARIANTS) | {f"{n}-tiny" for n in VARIANTS}
                          | {"generated/sat-cls-small"})
    for n in names:
        md = TASKS.metadata(n)
        assert md["modality"] == "satellite" and md["tiny"] == n.endswith("-tiny")


@pytest.mark.parametrize("name,problem", VARIANTS.items())
def test_tiny_variants_load_deterministically(name: str, problem: ProblemType) -> None:
    task = create_task(f"{name}-tiny")
    assert task.spec.problem is problem and task.spec.input_shape == (4, 16, 16)
    a, b = task.load(), create_task(f"{name}-tiny").load()
    np.testing.assert_array_equal(a.train.x, b.train.x)
    assert a.train.x.shape == (96, 4, 16, 16) and len(a.val) == len(a.test) == 48
    if problem is ProblemType.SEGMENTATION:
        assert a.train.y.shape == (96, 16, 16) and set(np.unique(a.train.y)) <= {0, 1, 2, 3}
        assert (a.train.y > 0).any() and (a.train.y == 0).any()
    elif problem is ProblemType.MULTILABEL:
        assert a.train.y.shape == (96, 4) and (a.train.y.sum(1) >= 1).all()
    else:
        assert set(np.unique(a.train.y)) == {0, 1, 2, 3}


def test_planted_pattern_is_learnable_on_validation() -> None:
    """A linear probe on per-band means and maxima beats chance clearly on validation."""
    from sklearn.linear_model import LogisticRegression

    data = create_task("generated/sat-cls").load()

    def feats(x: np.ndarray) -> np.ndarray:
        return np.concatenate([x.mean(axis=(2, 3)), x.max(axis=(2, 3))], axis=1)
    clf = LogisticRegression(max_iter=2000).fit(feats(data.train.x), data.train.y)
    assert clf.score(feats(data.val.x), data.val.y) > 0.5   # chance: 0.25


def test_flip_rotate_moves_masks_with_images() -> None:
    torch.manual_seed(0)
    x = torch.arange(2 * 3 * 5 * 5, dtype=torch.float32).reshape(2, 3, 5, 5).repeat(20, 1, 1, 1)
    y = x[:, 0].long()   # the mask equals channel 0: any op must keep them equal
    xa, ya = FlipRotate(segmentation=True)(x, y)
    assert torch.equal(xa[:, 0].long(), ya)
    assert not torch.equal(xa, x)   # something was flipped or rotated
    for i in range(len(x)):   # every output is one of the 8 dihedral images of its input
        variants = [torch.rot90(t, k, (-2, -1)) for t in (x[i], torch.flip(x[i], (-1,)))
                    for k in range(4)]
        assert any(torch.equal(xa[i], v) for v in variants)
    labels = torch.arange(40)
    _, same = FlipRotate(segmentation=False)(x, labels)
    assert torch.equal(same, labels)


def test_training_loop_augments_train_batches_only(one_torch_thread) -> None:
    """The real training loop calls the task's augmentation for training batches and never
    for validation scoring or prediction."""
    from torch import nn

    from sfmbench.training import TrainConfig, predict_scores, train

    task = create_task("generated/sat-cls-tiny")
    data = task.load()
    calls: list[int] = []
    inner = data.train.augment

    def counting(xb, yb):
        calls.append(len(xb))
        return inner(xb, yb)
    data.train.augment = counting
    model = nn.Sequential(nn.Flatten(), nn.Linear(4 * 16 * 16, 4))
    train(model, data.train, data.val, task.spec, TrainConfig(epochs=2, batch_size=32,
                                                             show_progress=False),
          optimizer=lambda p: torch.optim.SGD(p, lr=0.01))
    assert sum(calls) == 2 * len(data.train)   # every training sample, each epoch
    before = len(calls)
    predict_scores(model, data.test.inputs)
    assert len(calls) == before and data.val.augment is None
