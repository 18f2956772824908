"""Stored files follow the transaction: an upload that is rolled back leaves no file,
a deleted row takes its file along once the deletion commits."""

import gc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import services as customer_services
from guanxi.customers.models import Customer
from guanxi.workspace import services
from guanxi.workspace.models import Attachment

pytestmark = pytest.mark.django_db(transaction=True)


class Boom(Exception):
    pass


@pytest.fixture
def customer(world):
    with org_scope(world.org):
        return customer_services.customer_create(actor=world.rep_a, name="杭州西湖茶业有限公司")


def _upload(world, customer, name="报价单.pdf"):
    return services.attachment_upload(
        actor=world.rep_a,
        customer=customer,
        upload=SimpleUploadedFile(name, b"%PDF-1.4 data", content_type="application/pdf"),
    )


def _stored_files(settings):
    return sorted(p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file())


def _rows(world):
    with all_orgs():
        return Attachment.with_deleted.filter(org=world.org).count()


def test_a_committed_upload_keeps_its_file(world, customer, settings):
    with org_scope(world.org):
        attachment = _upload(world, customer)
    gc.collect()
    assert _stored_files(settings) == [settings.MEDIA_ROOT / attachment.file.name]
    assert _rows(world) == 1


def test_an_upload_rolled_back_by_the_callers_transaction_leaves_no_file(world, customer, settings):
    with org_scope(world.org), pytest.raises(Boom), transaction.atomic():
        attachment = _upload(world, customer)
        assert (settings.MEDIA_ROOT / attachment.file.name).is_file()  # until the rollback
        raise Boom
    assert _stored_files(settings) == []
    assert _rows(world) == 0


def test_an_upload_in_a_rolled_back_savepoint_leaves_no_file_the_rest_commits(
    world, customer, settings
):
    with org_scope(world.org), transaction.atomic():
        kept = _upload(world, customer, "合同.pdf")
        try:
            with transaction.atomic():
                _upload(world, customer, "草稿.pdf")
                raise Boom
        except Boom:
            pass
    assert _stored_files(settings) == [settings.MEDIA_ROOT / kept.file.name]
    with all_orgs():
        assert list(Attachment.objects.values_list("original_name", flat=True)) == ["合同.pdf"]


def test_a_failure_inside_the_upload_leaves_no_file_and_no_row(
    world, customer, settings, monkeypatch
):
    def failing_audit(**kwargs):
        raise Boom

    monkeypatch.setattr(services.audit, "record_change", failing_audit)
    with org_scope(world.org), pytest.raises(Boom):
        _upload(world, customer)
    assert _stored_files(settings) == []
    assert _rows(world) == 0


def test_moving_a_file_to_the_recycle_bin_keeps_the_stored_file(world, customer, settings):
    with org_scope(world.org):
        attachment = _upload(world, customer)
        services.attachment_delete(actor=world.rep_a, attachment=attachment)
    assert _stored_files(settings) == [settings.MEDIA_ROOT / attachment.file.name]


def test_deleting_the_row_removes_the_file_after_commit(world, customer, settings):
    with org_scope(world.org):
        attachment = _upload(world, customer)
        path = settings.MEDIA_ROOT / attachment.file.name
        with transaction.atomic():
            Attachment.with_deleted.get(pk=attachment.pk).delete()
            assert path.is_file()  # a rollback would still need it
        assert not path.exists()
    assert _rows(world) == 0


def test_a_rolled_back_deletion_keeps_the_file(world, customer, settings):
    with org_scope(world.org):
        attachment = _upload(world, customer)
        with pytest.raises(Boom), transaction.atomic():
            Attachment.with_deleted.get(pk=attachment.pk).delete()
            raise Boom
    assert _stored_files(settings) == [settings.MEDIA_ROOT / attachment.file.name]
    assert _rows(world) == 1


def test_files_go_with_a_customer_deleted_for_good(world, customer, settings):
    with org_scope(world.org):
        _upload(world, customer, "一.pdf")
        second = _upload(world, customer, "二.pdf")
        services.attachment_delete(actor=world.rep_a, attachment=second)  # in the bin
        assert len(_stored_files(settings)) == 2
        Customer.with_deleted.filter(pk=customer.pk).delete()
    assert _stored_files(settings) == []
    assert _rows(world) == 0
