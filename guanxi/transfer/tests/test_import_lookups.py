"""An import looks up only the existing customers its rows might duplicate (by phone and
e-mail through the search index's exact keys, by the indexed name core) and the codes its
rows give, chunk by chunk: its queries and memory follow the file, not the org."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customers
from guanxi.customers.models import Customer
from guanxi.transfer import engine, services
from guanxi.transfer.models import ImportBatch
from guanxi.transfer.tests.helpers import csv_bytes, upload

pytestmark = pytest.mark.django_db

HEADER = ["客户名称", "电话", "邮箱", "客户编号"]


def _batch(actor, rows, **settings):
    with org_scope(actor.org):
        batch = services.import_upload(actor=actor, upload=upload(csv_bytes([HEADER, *rows])))
        return services.import_configure(actor=actor, batch=batch, **settings)


def _others(world, count):
    """Customers that share nothing with the file's rows."""
    with org_scope(world.org):
        for i in range(count):
            customers.customer_create(
                actor=world.manager, name=f"无关客户{i:03d}贸易有限公司", phone=f"0571-5555{i:04d}"
            )


def test_name_key_is_kept_by_every_way_a_customer_is_written(world):
    with org_scope(world.org):
        one = customers.customer_create(actor=world.manager, name="北京华为技术有限公司")
        assert one.name_key == "华为技术"
        one = customers.customer_update(
            actor=world.manager, customer=one, name="深圳腾讯科技有限公司"
        )
        assert Customer.objects.get(pk=one.pk).name_key == "腾讯科技"


def test_imported_customers_get_their_name_key(world, django_capture_on_commit_callbacks):
    batch = _batch(world.manager, [["华为技术（北京）有限公司", "", "", ""]])
    with org_scope(world.org), django_capture_on_commit_callbacks(execute=True):
        services.import_start(actor=world.manager, batch=batch)
    with org_scope(world.org):
        assert Customer.objects.get(name="华为技术（北京）有限公司").name_key == "华为技术"


def _checked(world, batch):
    """Check the batch in this process, counting its queries; returns (batch, queries,
    the customers its duplicate index loaded)."""
    loaded = []
    prefetch = engine.DuplicateIndex.prefetch

    def spy(index, keys_list):
        prefetch(index, keys_list)
        loaded.append(set(index.loaded))

    with org_scope(world.org), CaptureQueriesContext(connection) as queries:
        engine.DuplicateIndex.prefetch = spy
        try:
            services.import_execute(batch_id=batch.pk, reporter=_Quiet(), write=False)
        finally:
            engine.DuplicateIndex.prefetch = prefetch
    with org_scope(world.org):
        return ImportBatch.objects.get(pk=batch.pk), len(queries), loaded[-1] if loaded else set()


class _Quiet:
    def total(self, n):
        pass

    def advance(self, k=1):
        pass


@pytest.fixture
def existing(world):
    with org_scope(world.org):
        return [
            customers.customer_create(actor=world.manager, name="杭州西湖茶业有限公司",
                                      phone="0571-87650001"),
            customers.customer_create(actor=world.manager, name="宁波海运有限公司",
                                      email="Info@nbhy.cn"),
            customers.customer_create(actor=world.manager, name="华为技术（北京）有限公司"),
        ]  # fmt: skip


ROWS = [
    ["新公司甲", "0571 8765 0001", "", ""],  # the phone of the first
    ["新公司乙", "", "info@NBHY.cn", ""],  # the e-mail of the second
    ["北京华为技术有限公司", "", "", ""],  # the name core of the third
    ["全新的公司", "", "", ""],
]


@pytest.fixture
def big_org(monkeypatch):
    """Every org counts as big: duplicates are looked up chunk by chunk."""
    monkeypatch.setattr(engine.DuplicateIndex, "LOAD_ALL", 0)
    monkeypatch.setattr(engine.DuplicateIndex, "LOAD_PER_ROW", 0)


def test_a_small_org_is_read_whole_once_with_the_same_findings(world, existing):
    _others(world, 3)
    batch, _queries, loaded = _checked(world, _batch(world.manager, ROWS))
    assert (batch.skipped_count, batch.created_count) == (3, 1)
    assert loaded == set()  # nothing looked up: everything was read at the start
    with org_scope(world.org):
        index = engine.DuplicateIndex()
    assert index.whole and len(index.names) == 6


def test_a_big_file_reads_the_org_whole_too(world, existing, big_org, monkeypatch):
    monkeypatch.setattr(engine.DuplicateIndex, "LOAD_PER_ROW", 2)
    with org_scope(world.org):
        assert not engine.DuplicateIndex(rows=1).whole
        assert engine.DuplicateIndex(rows=2).whole  # 3 customers, at most 2 per row


def test_duplicates_are_found_without_reading_the_whole_org(world, existing, big_org):
    _others(world, 3)
    batch, few_queries, loaded = _checked(world, _batch(world.manager, ROWS))
    assert (batch.skipped_count, batch.created_count) == (3, 1)
    assert loaded == {c.pk for c in existing}  # only the customers that share a key
    with org_scope(world.org):
        for i in range(30):
            customers.customer_create(
                actor=world.manager, name=f"另一家无关客户{i:03d}", phone=f"0571-6666{i:04d}"
            )
    batch, many_queries, loaded = _checked(world, _batch(world.manager, ROWS))
    assert batch.skipped_count == 3 and loaded == {c.pk for c in existing}
    assert many_queries == few_queries  # the org's size does not show in the queries


def test_a_phone_many_customers_share_does_not_hide_the_other_keys(world):
    with org_scope(world.org):
        for i in range(5):  # five customers on one switchboard number
            customers.customer_create(
                actor=world.manager, name=f"总机客户{i}", phone="010-88880000"
            )
        lone = customers.customer_create(actor=world.manager, name="单独客户", phone="010-77770000")
        found = engine._exact_matches(["01088880000", "01077770000"])
    assert lone.pk in found and len(found) == 6


def test_codes_are_checked_against_customers_and_earlier_rows(world, monkeypatch, big_org):
    monkeypatch.setattr(engine, "CHUNK_SIZE", 2)
    with org_scope(world.org):
        gone = customers.customer_create(actor=world.manager, name="已删除客户", code="C-001")
        customers.customer_delete(actor=world.manager, customer=gone)
    rows = [["甲公司", "", "", "C-001"], ["乙公司", "", "", "C-002"], ["丙公司", "", "", "C-003"],
            ["丁公司", "", "", "C-002"]]  # fmt: skip
    batch, _queries, _loaded = _checked(world, _batch(world.manager, rows, duplicate_mode="create"))
    assert batch.error_count == 2
    assert sorted((p[0], p[2]) for p in batch.first_errors) == [(2, "C-001"), (5, "C-002")]
