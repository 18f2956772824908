"""The ``requisitions`` permissions (view / create / edit / delete) on the API and the
screens: each refusal is a 403 with the translated reason, and nothing is written."""

import pytest

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.orgs import policy
from guanxi.orgs.models import Role
from guanxi.workspace.approvals import requisitions, services
from guanxi.workspace.approvals.models import Requisition
from guanxi.workspace.approvals.tests.helpers import flow, requisition

pytestmark = pytest.mark.django_db
REP_ROLE = "销售代表"


def _rep_role(world, *, add=(), remove=()):
    """Change what the sales reps' role may do with requisitions (rep_a and rep_b)."""
    with all_orgs():
        role = Role.objects.get(org=world.org, name=REP_ROLE)
        codes = [c for c in role.permissions if c not in {f"requisitions.{a}" for a in remove}]
        role.permissions = [*codes, *(f"requisitions.{a}" for a in add)]
        role.save(update_fields=["permissions"])
    for employee in (world.rep_a, world.rep_b):
        policy.forget(employee)


def _count(world):
    with all_orgs():
        return Requisition.objects.filter(org=world.org).count()


def _title(record):
    with all_orgs():
        return Requisition.objects.get(pk=record.pk).title


def test_the_preset_roles_file_and_edit_but_do_not_delete(world):
    with org_scope(world.org):
        assert requisitions.can(world.rep_a, "view")
        assert requisitions.can(world.rep_a, "create")
        assert requisitions.can(world.rep_a, "edit")
        assert not requisitions.can(world.rep_a, "delete")
        assert requisitions.can(world.readonly, "view")
        assert not requisitions.can(world.readonly, "create")
        assert requisitions.can(world.admin, "delete")


# ---- API -----------------------------------------------------------------------------------


def test_api_without_view_nothing_is_listed_or_read(world, api):
    record = requisition(world)
    _rep_role(world, remove=("view",))
    client = api(world.rep_a)
    listing = client.get("/api/v1/requisitions")
    assert listing.status_code == 403
    assert listing.json()["detail"] == "您没有执行此操作的权限：通用申请 · 查看"
    assert client.get(f"/api/v1/requisitions/{record.pk}").status_code == 403
    english = client.get("/api/v1/requisitions", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["detail"] == "You are not allowed to do this: Requisitions · View"


def test_api_without_create_nothing_is_filed_or_submitted(world, api):
    record = requisition(world)
    _rep_role(world, remove=("create",))
    client = api(world.rep_a)
    before = _count(world)
    refused = client.post("/api/v1/requisitions", {"title": "出差请示"}, format="json")
    assert refused.status_code == 403
    assert "通用申请 · 新建" in refused.json()["detail"]
    assert _count(world) == before
    submit = client.post(f"/api/v1/requisitions/{record.pk}/submit", {}, format="json")
    assert submit.status_code == 403
    with all_orgs():
        assert Requisition.objects.get(pk=record.pk).status == Requisition.Status.DRAFT


def test_api_without_edit_ones_own_draft_stays_as_it_is(world, api):
    record = requisition(world)
    _rep_role(world, remove=("edit",))
    refused = api(world.rep_a).patch(
        f"/api/v1/requisitions/{record.pk}", {"title": "改过的"}, format="json"
    )
    assert refused.status_code == 403
    assert "通用申请 · 编辑" in refused.json()["detail"]
    assert _title(record) == "采购笔记本电脑"


def test_api_delete_needs_the_delete_permission_and_being_the_submitter(world, api):
    record = requisition(world)
    refused = api(world.rep_a).delete(f"/api/v1/requisitions/{record.pk}")
    assert refused.status_code == 403
    assert "通用申请 · 删除" in refused.json()["detail"]
    assert _count(world) == 1
    _rep_role(world, add=("delete",))
    # a colleague's requisition is not theirs to see, let alone delete
    assert api(world.rep_b).delete(f"/api/v1/requisitions/{record.pk}").status_code == 404
    assert api(world.rep_a).delete(f"/api/v1/requisitions/{record.pk}").status_code == 204
    assert _count(world) == 0


def test_api_an_approver_who_may_edit_cannot_edit_someone_elses(world, api):
    flow(world)
    record = requisition(world)
    with org_scope(world.org):
        request = requisitions.requisition_submit(actor=world.rep_a, requisition=record)
        services.reject(actor=world.manager, request=request, comment="补充说明")
    manager = api(world.manager)
    assert manager.get(f"/api/v1/requisitions/{record.pk}").status_code == 200  # involved
    refused = manager.patch(f"/api/v1/requisitions/{record.pk}", {"title": "x"}, format="json")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "只有申请人可以修改申请。"
    assert _title(record) == "采购笔记本电脑"


# ---- screens -------------------------------------------------------------------------------


def _refused(response, reason):
    assert response.status_code == 403
    assert reason in response.content.decode()


def test_screens_without_view(world, web):
    record = requisition(world)
    _rep_role(world, remove=("view",))
    client = web(world.rep_a)
    _refused(client.get("/approvals/requisitions/"), "通用申请 · 查看")
    _refused(client.get(f"/approvals/requisitions/{record.pk}/"), "通用申请 · 查看")
    english = client.get("/approvals/requisitions/", HTTP_ACCEPT_LANGUAGE="en")
    _refused(english, "You are not allowed to do this: Requisitions · View")


def test_screens_without_create(world, web):
    _rep_role(world, remove=("create",))
    client = web(world.rep_a)
    page = client.get("/approvals/requisitions/").content.decode()
    assert 'data-testid="requisition-new"' not in page
    _refused(client.get("/approvals/requisitions/new/"), "通用申请 · 新建")
    _refused(
        client.post("/approvals/requisitions/new/", {"title": "x", "category": "other"}),
        "通用申请 · 新建",
    )
    assert _count(world) == 0


def test_screens_without_edit(world, web):
    record = requisition(world)
    _rep_role(world, remove=("edit",))
    client = web(world.rep_a)
    page = client.get(f"/approvals/requisitions/{record.pk}/").content.decode()
    assert 'data-testid="requisition-edit"' not in page
    assert 'data-testid="requisition-submit"' in page  # filing it is "create"
    url = f"/approvals/requisitions/{record.pk}/edit/"
    _refused(client.get(url), "通用申请 · 编辑")
    _refused(client.post(url, {"title": "改过的", "category": "other"}), "通用申请 · 编辑")
    assert _title(record) == "采购笔记本电脑"


def test_screens_delete_needs_the_delete_permission(world, web):
    record = requisition(world)
    client = web(world.rep_a)
    url = f"/approvals/requisitions/{record.pk}/"
    page = client.get(url).content.decode()
    assert 'data-testid="requisition-edit"' in page
    assert 'data-testid="requisition-delete"' not in page
    _refused(client.post(f"{url}delete/"), "通用申请 · 删除")
    assert _count(world) == 1
    _rep_role(world, add=("delete",))
    assert 'data-testid="requisition-delete"' in client.get(url).content.decode()
    response = client.post(f"{url}delete/")
    assert response.status_code == 302
    assert _count(world) == 0
