"""``{% start_card card context %}``: a start page card's template, rendered with the page's
context plus the card's own (see ``guanxi.workspace.start``)."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def start_card(context, card, card_context):
    with context.push(**card_context):
        return context.template.engine.get_template(card.template).render(context)
