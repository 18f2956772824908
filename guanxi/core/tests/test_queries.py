"""first_and_count: one query when the rows fit, the true count when they don't."""

import pytest

from guanxi.core.queries import first_and_count
from guanxi.core.tenancy import org_scope
from guanxi.orgs.models import Department

pytestmark = pytest.mark.django_db


def test_rows_that_fit_are_counted_without_a_count_query(world, django_assert_num_queries):
    with org_scope(world.org):
        queryset = Department.objects.order_by("id")
        total = queryset.count()
        with django_assert_num_queries(1):
            rows, count = first_and_count(queryset, total)
        assert count == total and [d.pk for d in rows] == list(
            queryset.values_list("pk", flat=True)
        )
        with django_assert_num_queries(1):
            assert first_and_count(queryset.filter(name="没有这个部门"), 5) == ([], 0)


def test_more_rows_than_the_limit_are_counted(world, django_assert_num_queries):
    with org_scope(world.org):
        queryset = Department.objects.order_by("id")
        total = queryset.count()
        assert total > 2
        with django_assert_num_queries(2):
            rows, count = first_and_count(queryset, 2)
        assert count == total and len(rows) == 2
