from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnnouncementsConfig(AppConfig):
    name = "guanxi.workspace.announcements"
    label = "announcements"
    verbose_name = _("公告")

    def ready(self):
        from guanxi.workspace import start
        from guanxi.workspace.announcements import cards

        start.register(
            "announcements",
            template="announcements/_start_card.html",
            context=cards.start_card,
            order=35,
        )
