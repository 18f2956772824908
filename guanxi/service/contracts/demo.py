"""Demo data of service contracts: a yearly maintenance contract with a response promise
and included visits covering the first demo customer's devices (active, ending within
the renewal reminder window, so its owner gets the reminder), and a product-wide contract
of another customer, active for the rest of the year. Called by the project's demo seed
inside the demo org's scope after the installed products demo; a second run adds nothing.
Returns how many contracts were made."""

import datetime

from django.utils import timezone

from guanxi.service.contracts import services
from guanxi.service.contracts.models import ServiceContract
from guanxi.service.installed.models import InstalledProduct


def seed(admin):
    if ServiceContract.with_deleted.exists():
        return 0
    items = list(InstalledProduct.objects.select_related("customer").order_by("pk"))
    if len(items) < 3:
        return 0
    today = timezone.localdate()
    first = items[0].customer
    covered = [{"installed_product": item.pk} for item in items if item.customer_id == first.pk]
    expiring = services.service_contract_create(
        actor=admin,
        customer=first,
        title="设备年度维保合同",
        start_date=today - datetime.timedelta(days=345),
        end_date=today + datetime.timedelta(days=19),
        items=covered,
        first_response_minutes=30,
        resolution_minutes=8 * 60,
        onsite_response_hours=24,
        visits_included=4,
        price="12000",
        billing_notes="合同期内上门 4 次免费，超出部分按服务网点价目表收费；配件另计。",
    )
    services.service_contract_activate(
        actor=admin, contract=expiring, signed_on=expiring.start_date
    )
    other = next(item for item in items if item.customer_id != first.pk)
    product_wide = services.service_contract_create(
        actor=admin,
        customer=other.customer,
        title="同型号设备全保服务",
        start_date=today - datetime.timedelta(days=30),
        end_date=today + datetime.timedelta(days=335),
        items=[{"product": other.product_id}],
        first_response_minutes=60,
        resolution_minutes=24 * 60,
        visits_included=None,
        price="28000",
    )
    services.service_contract_activate(actor=admin, contract=product_wide)
    return 2
