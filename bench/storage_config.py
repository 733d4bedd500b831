"""Resolve a ``storage=`` setting: a database URL, or the name of a ``conf/storage/*.yaml``.

A named storage file holds ``url:`` (``null`` = the embedded SQLite file of the run directory).
Its value may read the environment with OmegaConf's resolver, e.g.
``url: ${oc.env:SFMBENCH_PG_URL}``, so that passwords stay out of the YAML.
"""
from __future__ import annotations

import os
from pathlib import Path

from .config import group_entry, yaml_files
from .errors import ConfigError
from .store import default_url


def storage_url(value: str | None, run_dir: str | Path | None = None) -> str:
    """URL for ``value`` (URL, storage name or None); None = ``SFMBENCH_STORAGE`` (itself a URL
    or a storage name), else the run directory's SQLite file."""
    value = value or os.environ.get("SFMBENCH_STORAGE")
    if not value:
        return default_url(run_dir)
    value = str(value)
    if "://" in value:
        return value
    if value not in yaml_files("storage"):
        raise ConfigError(f"storage={value!r} is neither a database URL nor a named storage",
                          f"named storages: {', '.join(sorted(yaml_files('storage')))}; or give a "
                          "URL such as postgresql+psycopg://user@host/sfmbench")
    try:
        url = group_entry("storage", value).get("url")
    except ConfigError as exc:
        lines = str(exc.args[0]).splitlines()
        reason = next((ln for ln in lines if "nvironment variable" in ln), lines[0])
        raise ConfigError(f"storage={value!r}: {reason.split(': ', 1)[-1].strip()}",
                          "set the environment variable its YAML reads (see conf/storage/"
                          f"{value}.yaml)") from None
    if url is None:
        run_dir = Path(run_dir or os.environ.get("SFMBENCH_RUN_DIR", "sfmbench-runs"))
        return f"sqlite:///{(Path(run_dir) / 'sfmbench.db').resolve()}"
    if not isinstance(url, str) or "://" not in url:
        raise ConfigError(f"storage {value!r} has no usable url (got {url!r})",
                          f"set url: in conf/storage/{value}.yaml to a SQLAlchemy URL")
    return url
