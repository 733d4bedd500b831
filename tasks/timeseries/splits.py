"""Chronological split rules: where train, validation and test end in a series of n rows."""
from __future__ import annotations

from dataclasses import dataclass

from sfmbench.errors import ConfigError, DataError


@dataclass(frozen=True)
class Borders:
    """Absolute row borders: train [0, train_end), val [train_end, val_end), test [val_end, end)."""

    train_end: int
    val_end: int
    end: int

    def as_dict(self) -> dict[str, list[int]]:
        return {"train": [0, self.train_end], "val": [self.train_end, self.val_end],
                "test": [self.val_end, self.end]}


@dataclass(frozen=True)
class FixedSplit:
    """Fixed row counts from the start of the file (ETT: 12/4/4 months); later rows are unused."""

    train: int
    val: int
    test: int

    def borders(self, n: int) -> Borders:
        end = self.train + self.val + self.test
        if n < end:
            raise DataError(f"the series has {n} rows but its fixed split needs {end} "
                            f"({self.train} train + {self.val} val + {self.test} test)",
                            "the file is truncated or not the canonical one: delete it and "
                            "download it again")
        return Borders(self.train, self.train + self.val, end)

    def describe(self) -> str:
        b = self.borders(self.train + self.val + self.test)
        return (f"rows: train [0, {b.train_end}), val [{b.train_end}, {b.val_end}), "
                f"test [{b.val_end}, {b.end})")


@dataclass(frozen=True)
class RatioSplit:
    """Fractions of n rows: train = int(train*n) first rows, test = int(test*n) last, val between."""

    train: float = 0.7
    val: float = 0.1
    test: float = 0.2

    def __post_init__(self) -> None:
        fr = (self.train, self.val, self.test)
        if any(f < 0 for f in fr) or self.train <= 0 or self.test <= 0 or abs(sum(fr) - 1) > 1e-6:
            raise ConfigError(f"split fractions {list(fr)} are invalid",
                              "give three non-negative fractions train/val/test that sum to 1, "
                              "with train and test above 0, e.g. split=[0.7,0.1,0.2]")

    @classmethod
    def parse(cls, value: object) -> "RatioSplit":
        """From a config value: a sequence of three numbers or a string like ``0.7,0.1,0.2``."""
        if isinstance(value, RatioSplit):
            return value
        if isinstance(value, str):
            value = value.strip("[]() ").replace("/", ",").split(",")
        try:
            parts = [float(v) for v in value]  # type: ignore[union-attr]
        except (TypeError, ValueError):
            parts = []
        if len(parts) != 3:
            raise ConfigError(f"split {value!r} is not three fractions",
                              "write it as train/val/test fractions, e.g. split=[0.7,0.1,0.2]")
        return cls(*parts)

    def borders(self, n: int) -> Borders:
        train_end, n_test = int(self.train * n), int(self.test * n)
        return Borders(train_end, n - n_test, n)

    def describe(self) -> str:
        return (f"chronological {self.train:g}/{self.val:g}/{self.test:g}: train = first "
                f"int({self.train:g}n) rows, test = last int({self.test:g}n), val between")


SplitRule = FixedSplit | RatioSplit
