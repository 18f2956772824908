"""Reading imports: an employee sees the imports they uploaded; an admin sees all."""

from django.http import Http404

from guanxi.orgs import policy
from guanxi.transfer.models import ImportBatch


def batch_queryset(*, employee):
    queryset = ImportBatch.objects.select_related("created_by", "job")
    if not policy.can(employee, "customers.import"):
        return queryset.none()
    if policy.is_admin(employee):
        return queryset
    return queryset.filter(created_by=employee)


def access_batch(employee, pk):
    try:
        return batch_queryset(employee=employee).get(pk=int(pk))
    except (ImportBatch.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc
