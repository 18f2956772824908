"""Knowledge forms: they shape the input; the services validate it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.knowledge.models import Article, DecisionNode


def _choices(rows, label, *, empty=True):
    head = [("", _("（无）"))] if empty else []
    return head + [(str(row.pk), label(row)) for row in rows]


def category_label(category):
    return f"{'　' * category.depth}{category.name}"


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=200)
    kind = forms.ChoiceField(label=_("类型"), choices=Article.Kind.choices)
    category = forms.ChoiceField(label=_("分类"), required=False)
    visibility = forms.ChoiceField(label=_("可见范围"), choices=Article.Visibility.choices)
    tags = forms.CharField(
        label=_("标签"), required=False, help_text=_("多个标签用逗号分隔，如：空调, 制冷")
    )
    products = forms.MultipleChoiceField(label=_("适用产品"), required=False)
    body = forms.CharField(
        label=_("正文"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 16, "data-kb-editor": "body"}),
        help_text=_("支持 Markdown：用工具栏插入标题、粗体、列表和链接。问答的正文即答案。"),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, categories=(), products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _choices(categories, category_label)
        self.fields["products"].choices = _choices(
            products, lambda p: f"{p.code} {p.name}", empty=False
        )

    @staticmethod
    def initial_for(article):
        return {
            "title": article.title,
            "kind": article.kind,
            "category": article.category_id or "",
            "visibility": article.visibility,
            "tags": ", ".join(article.tags),
            "products": [str(product.pk) for product in article.products.all()],
            "body": article.body,
            "version": article.version,
        }


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    parent = forms.ChoiceField(label=_("上级分类"), required=False)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = _choices(categories, category_label)


class TreeForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=200)
    description = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    category = forms.ChoiceField(label=_("分类"), required=False)
    product = forms.ChoiceField(label=_("适用产品"), required=False)
    first_question = forms.CharField(
        label=_("起始问题"), required=False, max_length=500, help_text=_("如：电源指示灯亮吗？")
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, categories=(), products=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _choices(categories, category_label)
        self.fields["product"].choices = _choices(products, lambda p: f"{p.code} {p.name}")
        if editing:
            del self.fields["first_question"]


class NodeForm(forms.Form):
    """An answer of a question and where it leads (or the first question)."""

    answer = forms.CharField(label=_("回答"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("下一步"), choices=DecisionNode.Kind.choices)
    text = forms.CharField(label=_("内容"), max_length=500)
    article = forms.ChoiceField(label=_("解决方案文章"), required=False)

    def __init__(self, *args, articles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["article"].choices = _choices(articles, lambda a: f"{a.code} {a.title}")
