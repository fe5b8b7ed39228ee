"""The case tables this package reads, by app label.

`access` sits below the case core (docs/layers.md): it may read the case tables, as its foreign
keys refer to them, but never imports the core's code. Django's app registry gives the model
classes by label, at call time, once the apps are loaded.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps


def case_table(name: str) -> Any:
    """The model class of a case table: `Case`, `Team`, `Party`, `Authorization`, `Event`."""
    return apps.get_model("cases", name)
