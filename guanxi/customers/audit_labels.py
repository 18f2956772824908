"""Labels of the audit keys customers writes that are not model fields.

The handover's summary entry on the employee handing over (``customers_handover``) stores
who handed over to whom (``{"id", "repr"}``: shown as names), the scope (a code) and how
many records of each kind moved (``{kind: number}``). Pool moves, lifecycle changes and
restores store model fields only, which the audit screens label by themselves.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.audit import labels

HANDOVER_SCOPES = {"all": _("全部客户"), "chosen": _("所选客户")}


def handover_kinds():
    """kind -> plural label of what a handover moves: customers' own kinds, then the
    steps later modules registered (read when shown, so every registered step counts)."""
    from guanxi.customers import extensions

    kinds = {
        "customers": pgettext_lazy("handover count", "客户"),
        "care_tasks": pgettext_lazy("handover count", "关怀任务"),
    }
    kinds.update({step.key: step.label for step in extensions.handover_steps()})
    return kinds


def register():
    labels.register(
        "orgs.employee",
        {
            "handover_from": labels.Key(_("移交人")),
            "handover_to": labels.Key(_("接收人")),
            "handover_scope": labels.Key(_("移交范围"), values=HANDOVER_SCOPES),
            "handover_moved": labels.Key(
                _("移交数量"), format=labels.counts(handover_kinds, always=("customers",))
            ),
        },
    )
