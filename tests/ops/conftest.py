"""The case core's and the desk's personas and the letters' case builder, and object storage,
for the operations tests."""

from tests.correspondence.conftest import (  # noqa: F401  (fixtures)
    _desk_settings,
    _fast_settings,
    appeal,
    cases,
    medical,
    member,
    people,
    pharmacy,
    receive,
    staff,
    team,
    worker,
)
from tests.objectstore import file_storage, moto_endpoint  # noqa: F401  (fixtures)
