"""``{% import_button %}``: the "导入" button of the customer list, for those who may import."""

from django import template

from guanxi.orgs import policy

register = template.Library()


@register.inclusion_tag("transfer/_import_button.html", takes_context=True)
def import_button(context):
    employee = getattr(context.get("request"), "employee", None)
    return {"allowed": employee is not None and policy.can(employee, "customers.import")}
