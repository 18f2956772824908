"""``/service/call?number=…``: the call-centre screen a telephony system opens."""

from django.urls import path

from guanxi.service.tickets import views

app_name = "callcentre"
urlpatterns = [path("", views.call_centre, name="call")]
