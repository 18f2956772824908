"""``/api/v1/``: every resource registers here (the isolation matrix reads this router).

The API framework (authentication, errors, pagination, the scoped viewset base)
is the low-level ``guanxi.api`` package; this router sits above every app.
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from guanxi.accounts.api import MeView, TokenView
from guanxi.catalog.api import views as catalog
from guanxi.customers.api import care as customer_care
from guanxi.customers.api import care_rules as customer_care_rules
from guanxi.customers.api import pool as customer_pool
from guanxi.customers.api import renewals as customer_renewals
from guanxi.customers.api import views as customers
from guanxi.knowledge.api import routes as knowledge_routes
from guanxi.orgs.api import views as orgs
from guanxi.sales.analysis.api import routes as analysis_routes
from guanxi.sales.commissions.api import routes as commission_routes
from guanxi.sales.contracts.api import routes as contract_routes
from guanxi.sales.expenses.api import routes as expense_routes
from guanxi.sales.leads.api import routes as lead_routes
from guanxi.sales.opportunities.api import routes as opportunity_routes
from guanxi.sales.orders.api import routes as order_routes
from guanxi.sales.planning.api import routes as planning_routes
from guanxi.sales.quotes.api import routes as quote_routes
from guanxi.sales.receivables.api import routes as receivable_routes
from guanxi.search.views import SearchView
from guanxi.service.contracts.api import routes as service_contract_routes
from guanxi.service.defects.api import routes as defect_routes
from guanxi.service.installed.api import routes as installed_routes
from guanxi.service.mail.api import routes as service_mail_routes
from guanxi.service.projects.api import routes as service_project_routes
from guanxi.service.repairs.api import routes as repair_routes
from guanxi.service.reports.api import routes as service_report_routes
from guanxi.service.routing.api import routes as routing_routes
from guanxi.service.tickets.api import routes as ticket_routes
from guanxi.transfer.api.views import ImportViewSet
from guanxi.workspace.announcements.api import routes as announcement_routes
from guanxi.workspace.api import views as workspace
from guanxi.workspace.approvals.api import routes as approval_routes
from guanxi.workspace.messages.api import routes as message_routes
from guanxi.workspace.notifications.api import routes as notification_routes
from guanxi.workspace.reports.api import routes as work_report_routes
from guanxi.workspace.schedule.api import routes as schedule_routes

SALES_ROUTES = (
    lead_routes,
    opportunity_routes,
    quote_routes,
    contract_routes,
    order_routes,
    receivable_routes,
    commission_routes,
    planning_routes,
    analysis_routes,
    expense_routes,
)
SERVICE_ROUTES = (
    ticket_routes,
    routing_routes,
    service_mail_routes,
    installed_routes,
    service_contract_routes,
    repair_routes,
    service_report_routes,
    defect_routes,
    service_project_routes,
    knowledge_routes,
)

router = DefaultRouter(trailing_slash=False)
router.include_root_view = False
router.register("departments", orgs.DepartmentViewSet, basename="department")
router.register("employees", orgs.EmployeeViewSet, basename="employee")
router.register("roles", orgs.RoleViewSet, basename="role")
router.register("dictionary-entries", orgs.DictionaryEntryViewSet, basename="dictionary-entry")
router.register("numbering-rules", orgs.NumberingRuleViewSet, basename="numbering-rule")
router.register("customers", customers.CustomerViewSet, basename="customer")
router.register("contacts", customers.ContactViewSet, basename="contact")
router.register("pool", customer_pool.PoolViewSet, basename="pool")
router.register("care-tasks", customer_care.CareTaskViewSet, basename="care-task")
router.register("care-rules", customer_care_rules.CareRuleViewSet, basename="care-rule")
router.register("renewals", customer_renewals.RenewalItemViewSet, basename="renewal")
router.register("custom-fields", orgs.CustomFieldViewSet, basename="custom-field")
router.register("products", catalog.ProductViewSet, basename="product")
router.register("product-categories", catalog.ProductCategoryViewSet, basename="product-category")
router.register("product-lines", catalog.ProductLineViewSet, basename="product-line")
router.register("imports", ImportViewSet, basename="import")
router.register("activities", workspace.ActivityViewSet, basename="activity")
router.register("attachments", workspace.AttachmentViewSet, basename="attachment")
for routes in (
    notification_routes,
    approval_routes,
    schedule_routes,
    announcement_routes,
    message_routes,
    work_report_routes,
    *SALES_ROUTES,
    *SERVICE_ROUTES,
):
    routes.register(router)

app_name = "api"
urlpatterns = [
    path("auth/token", TokenView.as_view(), name="token"),
    path("me", MeView.as_view(), name="me"),
    path("search", SearchView.as_view(), name="search"),
    path("settings", orgs.SettingsView.as_view(), name="settings"),
    path("care/upcoming", customer_care.UpcomingView.as_view(), name="care-upcoming"),
    *notification_routes.urlpatterns,
    *approval_routes.urlpatterns,
    *schedule_routes.urlpatterns,
    *message_routes.urlpatterns,
    *announcement_routes.urlpatterns,
    *work_report_routes.urlpatterns,
    *(pattern for routes in SALES_ROUTES for pattern in routes.urlpatterns),
    *(pattern for routes in SERVICE_ROUTES for pattern in routes.urlpatterns),
    # the document describes the API, not any org's data: readable without signing in
    path(
        "openapi.json", SpectacularJSONAPIView.as_view(permission_classes=[AllowAny]), name="schema"
    ),
    path(
        "docs",
        SpectacularSwaggerView.as_view(url_name="api:schema", permission_classes=[AllowAny]),
        name="docs",
    ),
    path("", include(router.urls)),
]
