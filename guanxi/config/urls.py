from django.conf import settings
from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", include("guanxi.config.api_urls")),
    path("", include("guanxi.accounts.urls")),
    path("setup/", include("guanxi.orgs.urls")),
    path("search/", include("guanxi.search.urls")),
    path("products/", include("guanxi.catalog.urls")),
    path("customers/", include("guanxi.customers.urls")),
    path("jobs/", include("guanxi.jobs.urls")),
    path("transfer/", include("guanxi.transfer.urls")),
    path("audit/", include("guanxi.audit.urls")),
    path("", include("guanxi.workspace.urls")),
]

if settings.DEBUG:  # uploaded files are served by the web server in production
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
