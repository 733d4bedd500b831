"""The base class of every DNA sequence-classification task."""
from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar

from sfmbench.codecs.dna import ALPHABET
from sfmbench.data import TaskData
from sfmbench.specs import ProblemType, TaskSpec
from sfmbench.task import Task

from .sequences import SequenceTable, build_task_data, holdout, max_length


class SequenceTask(Task):
    """A classification task over DNA sequences, one-hot encoded as ``(5, length)``.

    Subclasses read their source into :class:`SequenceTable` splits (:meth:`read_splits`) and
    declare what they know without reading data (:meth:`declared_length`,
    :meth:`declared_classes`); this base validates, carves the validation hold-out when the
    source has none, encodes, and builds the spec.
    """

    defaults: ClassVar[dict[str, Any]] = {"length": None, "crop": False}
    primary_metric: ClassVar[str] = "mcc"
    metrics: ClassVar[tuple[str, ...]] = ("mcc", "f1_macro", "accuracy")
    domain: ClassVar[str] = "genomics"
    source_url: ClassVar[str] = ""
    license: ClassVar[str] = ""
    citation: ClassVar[str] = ""

    def __init__(self, name: str, **params: Any) -> None:
        super().__init__(name, **params)
        self._splits: tuple[SequenceTable, SequenceTable | None, SequenceTable] | None = None

    # what subclasses provide ------------------------------------------------------------------
    @abstractmethod
    def read_splits(self) -> tuple[SequenceTable, SequenceTable | None, SequenceTable]:
        """(train, validation or None, test) as read from the source."""

    def declared_length(self) -> int | None:
        """The padded length known without reading data (None: max over train)."""
        return None

    def declared_classes(self) -> int | None:
        return None

    def crop(self) -> bool:
        """Whether sequences longer than :attr:`length` keep their first bases (else an error)."""
        return bool(self.params.get("crop"))

    def split_description(self) -> str:
        return "source train/validation/test files"

    def description(self) -> str:
        return ""

    # derived ------------------------------------------------------------------------------------
    def _read(self) -> tuple[SequenceTable, SequenceTable | None, SequenceTable]:
        if self._splits is None:
            self._splits = self.read_splits()
        return self._splits

    @property
    def length(self) -> int:
        """Padded sequence length: the ``length`` param, else declared, else max over train."""
        if self.params.get("length"):
            from sfmbench.parsing import parse_int
            return parse_int(self.params["length"], "task.length", minimum=1)
        declared = self.declared_length()
        if declared is not None:
            return declared
        return max_length(self._read()[0])

    @property
    def num_classes(self) -> int:
        declared = self.declared_classes()
        return declared if declared is not None else int(self._read()[0].labels.max()) + 1

    @property
    def spec(self) -> TaskSpec:
        return TaskSpec(
            name=self.name, domain=self.domain, problem=ProblemType.CLASSIFICATION,
            input_shape=(len(ALPHABET), self.length), primary_metric=self.primary_metric,
            higher_is_better=True, metrics=self.metrics, num_classes=self.num_classes,
            splits=self.split_description(), source=self.source_url, license=self.license,
            citation=self.citation, description=self.description(),
            extra={"modality": "genomics", "alphabet": ALPHABET, "x_dtype": "uint8", "crop": self.crop()})

    def load(self) -> TaskData:
        train, val, test = self._read()
        info: dict[str, Any] = {}
        if val is None:
            train, val, info = holdout(train)
        else:
            info["val_source"] = val.source
        return build_task_data(train, val, test, length=self.length,
                               num_classes=self.declared_classes(),
                               crop=self.crop(), info=info)
