"""What installed products add to other modules, registered from
``InstalledProductsConfig.ready()``: a card on the customer 360° page (loaded after the
page, so it costs the page no query), the merge step (items move to the survivor), the
tickets section of the service history, and the import job kind."""

from django.utils.translation import gettext_lazy as _

from guanxi.customers import extensions
from guanxi.orgs import policy
from guanxi.service.installed import history, services, transfer  # noqa: F401 (job kind)
from guanxi.service.installed.models import InstalledProduct

CARD = "installed/_customer_card.html"


def customer_card(customer, employee):
    if not policy.can(employee, "installed_products.view"):
        return None
    return {"customer": customer}


def count_linked(customer_ids):
    return InstalledProduct.with_deleted.filter(customer_id__in=list(customer_ids)).count()


def move_linked(from_ids, survivor, actor):
    """A merge: the merged customers' installed products go to the survivor."""
    return services.move_customers(from_ids=from_ids, survivor=survivor)


def register():
    history.register()
    extensions.register_panel(
        extensions.Panel(key="installed_products", template=CARD, context=customer_card, order=70)
    )
    extensions.register_related(
        extensions.Related(
            key="installed_products",
            label=_("安装档案"),
            count=count_linked,
            move=move_linked,
            order=70,
        )
    )
