from django.urls import path

from guanxi.knowledge import views

app_name = "knowledge"
urlpatterns = [
    path("", views.article_list, name="article_list"),
    path("faq/", views.faq_list, name="faq_list"),
    path("articles/new/", views.article_create, name="article_create"),
    path("articles/<int:pk>/", views.article_detail, name="article_detail"),
    path("articles/<int:pk>/edit/", views.article_edit, name="article_edit"),
    path("articles/<int:pk>/versions/", views.article_versions, name="article_versions"),
    path(
        "articles/<int:pk>/versions/<int:number>/restore/",
        views.article_restore,
        name="article_restore",
    ),
    path("articles/<int:pk>/<str:verb>/", views.article_action, name="article_action"),
    path("categories/", views.category_list, name="category_list"),
    path("categories/<int:pk>/<str:verb>/", views.category_action, name="category_action"),
    path("trees/", views.tree_list, name="tree_list"),
    path("trees/new/", views.tree_create, name="tree_create"),
    path("trees/<int:pk>/", views.tree_detail, name="tree_detail"),
    path("trees/<int:pk>/edit/", views.tree_edit, name="tree_edit"),
    path("trees/<int:pk>/nodes/", views.node_create, name="node_create"),
    path("trees/<int:pk>/<str:verb>/", views.tree_action, name="tree_action"),
    path("nodes/<int:pk>/<str:verb>/", views.node_action, name="node_action"),
    path("panel/<str:target_key>/<int:target_id>/", views.target_panel, name="target_panel"),
    path(
        "panel/<str:target_key>/<int:target_id>/search/",
        views.panel_search,
        name="panel_search",
    ),
    path("panel/<str:target_key>/<int:target_id>/link/", views.panel_link, name="panel_link"),
    path("panel/<str:target_key>/<int:target_id>/walk/", views.walk_start, name="walk_start"),
    path("links/<int:pk>/<str:verb>/", views.link_action, name="link_action"),
    path("walks/<int:pk>/", views.walk_detail, name="walk_detail"),
    path("walks/<int:pk>/<str:verb>/", views.walk_action, name="walk_action"),
]
