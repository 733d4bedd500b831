"""The Task vocabulary matches Method's: ``defaults`` on the class, resolved ``self.params``."""
from __future__ import annotations

import pytest

from sfmbench import TASKS, Task
from sfmbench.catalog import create_task
from sfmbench.errors import ConfigError

from .toy import ToyClassTask


def test_defaults_are_the_class_and_params_the_resolved_values():
    task = ToyClassTask(name="toy", n=50)
    assert ToyClassTask.defaults == {"n": 300, "seed": 0}          # not changed by an instance
    assert task.params == {"n": 50, "seed": 0}
    assert len(task.load().train.y) == 30                            # load() reads self.params


def test_unknown_parameter_names_the_valid_ones():
    with pytest.raises(ConfigError, match="no parameter") as err:
        ToyClassTask(name="toy", rows=5)
    assert "n, seed" in str(err.value)


def test_registry_entry_params_are_values_over_the_defaults():
    """The registration's ``params=`` metadata gives values; the class keeps its defaults."""
    entry_params = TASKS.entry("generated/dna-motif-tiny").metadata["params"]
    task = create_task("generated/dna-motif-tiny", {"n_test": 7})
    assert task.params == {**type(task).defaults, **entry_params, "n_test": 7}


def test_a_class_with_the_old_params_name_is_refused():
    with pytest.raises(TypeError, match="defaults"):
        type("OldStyle", (Task,), {"params": {"n": 1}})
