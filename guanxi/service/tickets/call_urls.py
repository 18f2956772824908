"""``/service/call?number=…``: the call-centre screen a telephony system opens."""

from django.urls import path  # noqa: F401

app_name = "callcentre"
urlpatterns: list = []
