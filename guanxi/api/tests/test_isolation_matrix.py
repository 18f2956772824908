"""No API endpoint leaks across orgs, departments or permissions.

Generated from the API router and the samples every app registers; see
``matrix.py``. For each resource:

* another org's record: detail, PATCH and DELETE answer 404 and the row is unchanged;
  the list never contains it;
* a read-only employee: PATCH, DELETE and POST answer 403 and nothing changes;
* owned records (data scope "own"): a rep cannot see a colleague's record in
  another department (404) but sees their own.
"""

import pytest
from rest_framework import viewsets

from guanxi.api.tests.matrix import discover
from guanxi.api.viewsets import OrgViewSet
from guanxi.config.api_urls import router
from guanxi.core.tenancy import all_orgs

pytestmark = pytest.mark.django_db

RESOURCES = [
    (prefix, viewset, basename)
    for prefix, viewset, basename in router.registry
    if issubclass(viewset, viewsets.ModelViewSet)
]
IDS = [basename for _p, _v, basename in RESOURCES]


def _model(viewset):
    return viewset.serializer_class.Meta.model


def _reload(instance):
    with all_orgs():
        return type(instance)._base_manager.filter(pk=instance.pk).first()


def _sample(basename):
    samples = discover()
    assert basename in samples, (
        f"API resource '{basename}' has no isolation sample: add one to its app's "
        "tests/samples.py with @sample(...)"
    )
    return samples[basename]


def test_every_org_resource_uses_the_scoped_base():
    for prefix, viewset, _basename in RESOURCES:
        assert issubclass(viewset, OrgViewSet), f"/api/v1/{prefix} must subclass OrgViewSet"


@pytest.mark.parametrize(("prefix", "viewset", "basename"), RESOURCES, ids=IDS)
def test_other_orgs_record_is_invisible(prefix, viewset, basename, world, other_world, api):
    sample = _sample(basename)
    foreign = sample.build(other_world)
    before = getattr(foreign, sample.check_field)
    client = api(world.admin)
    url = f"/api/v1/{prefix}/{foreign.pk}"

    assert client.get(url).status_code == 404
    assert client.patch(url, sample.change, format="json").status_code == 404
    assert client.delete(url).status_code == 404
    after = _reload(foreign)
    assert after is not None, "another org's record was deleted"
    assert getattr(after, sample.check_field) == before

    listing = client.get(f"/api/v1/{prefix}", {"limit": 500})
    assert listing.status_code == 200
    items = listing.json()["items"]  # every list has the project's list shape
    assert foreign.pk not in {item["id"] for item in items}


@pytest.mark.parametrize(("prefix", "viewset", "basename"), RESOURCES, ids=IDS)
def test_read_only_employee_cannot_write(prefix, viewset, basename, world, api):
    sample = _sample(basename)
    record = sample.build(world)
    before = getattr(record, sample.check_field)
    model = _model(viewset)
    with all_orgs():
        count = model._base_manager.filter(org=world.org).count()
    client = api(world.readonly)
    url = f"/api/v1/{prefix}/{record.pk}"

    assert client.patch(url, sample.change, format="json").status_code == 403
    assert client.delete(url).status_code == 403
    if sample.create is not None:
        assert (
            client.post(f"/api/v1/{prefix}", sample.create(world), format="json").status_code == 403
        )
    after = _reload(record)
    assert after is not None
    assert getattr(after, sample.check_field) == before
    with all_orgs():
        assert model._base_manager.filter(org=world.org).count() == count


@pytest.mark.parametrize(("prefix", "viewset", "basename"), RESOURCES, ids=IDS)
def test_admin_can_create_and_change(prefix, viewset, basename, world, api):
    """The positive control: the same requests work for someone allowed."""
    sample = _sample(basename)
    record = sample.build(world)
    client = api(world.admin)
    response = client.patch(f"/api/v1/{prefix}/{record.pk}", sample.change, format="json")
    assert response.status_code == 200, response.content
    key, value = next(iter(sample.change.items()))
    assert getattr(_reload(record), sample.check_field) == value or response.json()[key] == value
    if sample.create is not None:
        created = client.post(f"/api/v1/{prefix}", sample.create(world), format="json")
        assert created.status_code == 201, created.content


@pytest.mark.parametrize(
    ("prefix", "viewset", "basename"),
    [r for r in RESOURCES if discover().get(r[2]) and discover()[r[2]].owned],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_data_scope_own_vs_other_department(prefix, viewset, basename, world, api):
    sample = _sample(basename)
    colleague_record = sample.build(world)  # owned by rep_b (north)
    url = f"/api/v1/{prefix}/{colleague_record.pk}"
    assert api(world.rep_a).get(url).status_code == 404
    assert api(world.rep_b).get(url).status_code == 200
    assert api(world.manager).get(url).status_code == 200  # sales subtree
