from django.urls import include, path

from guanxi.accounts import views as accounts_views

urlpatterns = [
    path("i18n/setlang/", accounts_views.set_language_view, name="set_language"),
    path("api/v1/", include("guanxi.config.api_urls")),
    path("", include("guanxi.accounts.urls")),
    path("setup/", include("guanxi.orgs.urls")),
    path("search/", include("guanxi.search.urls")),
    path("products/", include("guanxi.catalog.urls")),
    path("customers/", include("guanxi.customers.urls")),
    path("jobs/", include("guanxi.jobs.urls")),
    path("transfer/", include("guanxi.transfer.urls")),
    path("audit/", include("guanxi.audit.urls")),
    path("core/", include("guanxi.core.urls")),
    path("notifications/", include("guanxi.workspace.notifications.urls")),
    path("approvals/", include("guanxi.workspace.approvals.urls")),
    path("calendar/", include("guanxi.workspace.schedule.urls")),
    path("messages/", include("guanxi.workspace.messages.urls")),
    path("announcements/", include("guanxi.workspace.announcements.urls")),
    path("work-reports/", include("guanxi.workspace.reports.urls")),
    path("leads/", include("guanxi.sales.leads.urls")),
    path("opportunities/", include("guanxi.sales.opportunities.urls")),
    path("quotes/", include("guanxi.sales.quotes.urls")),
    path("contracts/", include("guanxi.sales.contracts.urls")),
    path("orders/", include("guanxi.sales.orders.urls")),
    path("receivables/", include("guanxi.sales.receivables.urls")),
    path("commissions/", include("guanxi.sales.commissions.urls")),
    path("planning/", include("guanxi.sales.planning.urls")),
    path("sales-analysis/", include("guanxi.sales.analysis.urls")),
    path("expenses/", include("guanxi.sales.expenses.urls")),
    path("tickets/", include("guanxi.service.tickets.urls")),
    path("service/call", include("guanxi.service.tickets.call_urls")),
    path("service/routing/", include("guanxi.service.routing.urls")),
    path("service/mail/", include("guanxi.service.mail.urls")),
    path("service/reports/", include("guanxi.service.reports.urls")),
    path("installed-products/", include("guanxi.service.installed.urls")),
    path("service-contracts/", include("guanxi.service.contracts.urls")),
    path("repairs/", include("guanxi.service.repairs.urls")),
    path("defects/", include("guanxi.service.defects.urls")),
    path("service-projects/", include("guanxi.service.projects.urls")),
    path("knowledge/", include("guanxi.knowledge.urls")),
    path("", include("guanxi.workspace.urls")),
]

# Stored files (exports, imports, attachments) are never served from MEDIA_ROOT directly:
# each has a download view that checks who is asking.
