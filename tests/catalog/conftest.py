from tests.daily.conftest import catalog  # noqa: F401  (the day fixtures, shared)
