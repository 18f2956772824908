"""Property-based API testing: generated requests never cause a server error.

schemathesis reads our own OpenAPI document and sends valid and invalid
requests to every operation (as an org admin, who may call everything). Any
5xx answer fails the test: bad input must get a 4xx with the error shape.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from guanxi.accounts import services as accounts
from guanxi.api.schema import SchemaGenerator
from guanxi.core.tenancy import all_orgs

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = get_wsgi_application()


@pytest.fixture
def keep_test_connection():
    """Requests go straight to the WSGI app: keep Django from closing the test's
    database connection at the end of each one (as its own test client does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(world, other_world, keep_test_connection):
    with all_orgs():
        _token, raw = accounts.token_issue(user=world.admin.user, name="fuzz")
    return raw


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_request_causes_a_server_error(case, admin_token):
    response = case.call(headers={"Authorization": f"Bearer {admin_token}"})
    case.validate_response(response, checks=[not_a_server_error])
    if response.status_code >= 400 and response.headers.get("Content-Type", "").startswith(
        "application/json"
    ):
        assert {"detail", "code", "fields"} <= set(response.json())
