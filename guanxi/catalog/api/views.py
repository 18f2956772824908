"""``/api/v1/products``, ``/api/v1/product-categories``, ``/api/v1/product-lines``."""

from guanxi.api.pagination import WholeListPagination
from guanxi.api.viewsets import OrgViewSet
from guanxi.catalog import prices, selectors, services
from guanxi.catalog.api.serializers import (
    ProductCategorySerializer,
    ProductLineSerializer,
    ProductSerializer,
)
from guanxi.catalog.filters import ORDERING_FIELDS, ProductFilter


class ProductViewSet(OrgViewSet):
    """Products (产品). Filters: ``q`` (code, name or mnemonic), ``category``
    (with its sub-categories), ``kind``, ``active``; ``ordering`` by code, name
    or list_price. ``cost_price`` is null without ``special.view_cost``."""

    module = "products"
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    ordering_fields = list(ORDERING_FIELDS)
    ordering = ["code"]

    def scoped_queryset(self):
        return selectors.product_list(employee=self.employee)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):
            return context
        if not hasattr(self, "_catalog_context"):
            self._catalog_context = {
                "price_places": prices.price_places(self.employee.org_id),
                "view_cost": selectors.can_view_cost(self.employee),
            }
        return {**context, **self._catalog_context}

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        serializer.instance = services.product_create(actor=self.employee, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        serializer.instance = services.product_update(
            actor=self.employee, product=serializer.instance, version=version, **data
        )

    def perform_destroy(self, instance):
        services.product_delete(actor=self.employee, product=instance)


class ProductCategoryViewSet(OrgViewSet):
    """Product categories: a tree. PATCH ``parent`` moves the whole branch;
    deleting a category that has sub-categories or products is refused (422)."""

    module = "products"
    serializer_class = ProductCategorySerializer
    ordering_fields = ["path", "name", "sort_order", "id"]
    search_fields = ["name", "code"]
    pagination_class = WholeListPagination

    def scoped_queryset(self):
        return selectors.category_list(employee=self.employee)

    def perform_create(self, serializer):
        serializer.instance = services.category_create(
            actor=self.employee, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.category_update(
            actor=self.employee, category=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.category_delete(actor=self.employee, category=instance)


class ProductLineViewSet(OrgViewSet):
    """Product lines (产品线), used by loyalty "coverage" analysis."""

    module = "products"
    serializer_class = ProductLineSerializer
    ordering_fields = ["sort_order", "name", "id"]
    search_fields = ["name"]
    pagination_class = WholeListPagination

    def scoped_queryset(self):
        return selectors.product_line_list(employee=self.employee)

    def perform_create(self, serializer):
        serializer.instance = services.product_line_create(
            actor=self.employee, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.product_line_update(
            actor=self.employee, line=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.product_line_delete(actor=self.employee, line=instance)
