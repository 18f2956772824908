import pytest

from guanxi.jobs.tests import kinds


@pytest.fixture
def test_kinds():
    """Register throw-away job kinds; yields what the job functions observed."""
    seen = {}
    kinds.register_all(seen)
    yield seen
    kinds.unregister_all()
