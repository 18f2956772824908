from django.urls import path

from guanxi.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("account/security/", views.security_view, name="security"),
    path("signup/", views.signup_view, name="signup"),
]
