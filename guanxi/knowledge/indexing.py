"""Knowledge articles in the search index: found by code, title, tags and body text
(Chinese by bigrams, so a two-character word finds them), shown with their category.
The knowledge base's own search box reads the same entries (``selectors.article_search``).
"""

from django.utils.translation import gettext_lazy as _

from guanxi.knowledge import richtext
from guanxi.knowledge.models import Article
from guanxi.search import registry
from guanxi.search.tokens import Document

KIND = "kb_article"
MODULE = "knowledge"
# the body text indexed per article: enough for any real article, bounded for the index
BODY_CHARS = 20000


def _documents(ids):
    rows = Article.objects.filter(pk__in=ids).select_related("category")
    for article in rows.only(
        "id", "code", "title", "body", "tags", "kind", "category__name", "category__path"
    ):
        yield Document(
            kind=KIND,
            object_id=article.pk,
            title=f"{article.code} {article.title}",
            subtitle=article.category.name if article.category else article.get_kind_display(),
            module=MODULE,
            url_name="knowledge:article_detail",
            url_arg=article.pk,
            codes=[article.code],
            texts=[
                article.title,
                " ".join(str(tag) for tag in article.tags),
                richtext.plain_text(article.body)[:BODY_CHARS],
            ],
        )


def _all_ids():
    return Article.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=5000)


registry.register(
    KIND, label=_("知识文章"), module=MODULE, documents=_documents, all_ids=_all_ids, order=90
)
