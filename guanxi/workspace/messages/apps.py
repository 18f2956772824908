from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    """Messages (消息) between employees, and @mentions in follow-ups.

    The label is ``messaging``: ``messages`` belongs to ``django.contrib.messages``."""

    name = "guanxi.workspace.messages"
    label = "messaging"
    verbose_name = _("消息")

    def ready(self):
        from guanxi.workspace.messages import start

        start.register()
