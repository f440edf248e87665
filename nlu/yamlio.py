"""Reading YAML with libyaml's parser when PyYAML was built with it (it is in the wheels we
install): the training data, content, catalogs of topics and the crisis lists are large, and
the pure-Python parser spent most of the content check's time (and of the test suite's, under
coverage). Same safe subset of YAML either way."""

from __future__ import annotations

from typing import Any

import yaml

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """``yaml.safe_load``, faster."""
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - a safe loader
