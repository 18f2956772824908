"""Labels of the audit keys orgs writes that are not model fields: an employee's password
reset (the value is never stored, only that it changed) and the new order of a
dictionary's entries (recorded on its first entry)."""

from django.utils.translation import pgettext_lazy

from guanxi.audit import labels


def register():
    labels.register("orgs.employee", {"password": labels.Key(pgettext_lazy("audit", "密码"))})
    labels.register(
        "orgs.dictionaryentry", {"order": labels.Key(pgettext_lazy("audit", "选项顺序"))}
    )
