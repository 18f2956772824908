"""``{% load expenses_cards %}{% expenses_opportunity_card opportunity %}``: the "费用" card
of an opportunity page, for viewers with ``expenses.view`` (nothing otherwise). The card
loads its body after the page (htmx), so it costs the page no query."""

from django import template

from guanxi.orgs import policy

register = template.Library()


@register.inclusion_tag("expenses/_opportunity_panel.html", takes_context=True)
def expenses_opportunity_card(context, opportunity):
    request = context.get("request")
    employee = getattr(request, "employee", None)
    visible = employee is not None and policy.can(employee, "expenses.view")
    return {"opportunity": opportunity, "visible": visible}
