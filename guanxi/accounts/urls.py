from django.urls import path

from guanxi.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("account/security/", views.security_view, name="security"),
    path("account/language/", views.set_language_view, name="set_language"),
    path("signup/", views.signup_view, name="signup"),
]
