from tests.desk.conftest import (  # noqa: F401  (fixtures: the desk's personas and teams)
    _desk_settings,
    medical,
    member,
    pharmacy,
    staff,
)
