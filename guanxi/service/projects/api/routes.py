"""This app's resources under ``/api/v1/``: ``register`` adds its viewsets to the
project's router, ``urlpatterns`` holds its other paths (both read by config/api_urls)."""


def register(router):
    """Adds this app's viewsets to the ``/api/v1/`` router."""


urlpatterns: list = []
