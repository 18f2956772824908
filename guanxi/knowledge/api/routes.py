"""This app's resources under ``/api/v1/``: ``register`` adds its viewsets to the
project's router, ``urlpatterns`` holds its other paths (both read by config/api_urls)."""

from guanxi.knowledge.api import views


def register(router):
    """Adds this app's viewsets to the ``/api/v1/`` router."""
    router.register(
        "knowledge-categories", views.KnowledgeCategoryViewSet, basename="knowledge-category"
    )
    router.register("articles", views.ArticleViewSet, basename="article")
    router.register("knowledge-links", views.ArticleLinkViewSet, basename="knowledge-link")
    router.register("decision-trees", views.DecisionTreeViewSet, basename="decision-tree")
    router.register("decision-nodes", views.DecisionNodeViewSet, basename="decision-node")
    router.register("diagnosis-walks", views.DiagnosisWalkViewSet, basename="diagnosis-walk")


urlpatterns: list = []
