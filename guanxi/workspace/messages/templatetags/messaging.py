"""``{% load messaging %}``: ``{{ activity.content|mentions }}`` shows a follow-up's text
escaped, with line breaks and its @mentions highlighted."""

from django import template

from guanxi.workspace.messages import mentions as mention_text

register = template.Library()


@register.filter
def mentions(content):
    return mention_text.render(content)


@register.filter
def mention_plain(content):
    """The text with each mention token as ``@姓名`` (for previews)."""
    return mention_text.plain_text(content)
