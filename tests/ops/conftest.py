"""The case core's personas and the letters' case builder, for the operations tests."""

from tests.correspondence.conftest import (  # noqa: F401  (fixtures)
    _fast_settings,
    cases,
    member,
    people,
    team,
    worker,
)
from tests.objectstore import file_storage, moto_endpoint  # noqa: F401  (fixtures)
