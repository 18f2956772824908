"""Materialised-path trees (departments, product categories).

``path`` holds the ids from the root down, e.g. ``/3/17/42/``, so a subtree
is one ``startswith`` filter and moving a subtree is one UPDATE, whatever its
size. Nodes are org-owned; every query here runs through the scoped manager.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class TreeNode(models.Model):
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=gettext_lazy("上级"),
    )
    path = models.CharField(max_length=1000, editable=False, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)

    class Meta:
        abstract = True

    def descendants(self, *, include_self=True):
        qs = type(self)._default_manager.filter(path__startswith=self.path)
        return qs if include_self else qs.exclude(pk=self.pk)

    def ancestor_ids(self):
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def is_descendant_of(self, other):
        return self.path.startswith(other.path)


def tree_place(node):
    """Compute ``path``/``depth`` of a freshly saved node from its parent."""
    parent_path = node.parent.path if node.parent_id else "/"
    node.path = f"{parent_path}{node.pk}/"
    node.depth = 0 if not node.parent_id else node.parent.depth + 1
    type(node)._default_manager.filter(pk=node.pk).update(path=node.path, depth=node.depth)


def tree_move(node, new_parent):
    """Move ``node`` and its whole subtree under ``new_parent`` (None = root).

    Refuses to move a node under itself or its own descendant. Caller holds the
    transaction.
    """
    if new_parent is not None and new_parent.is_descendant_of(node):
        raise ValidationError(
            {"parent": _("不能把节点移动到它自己或它的下级之下。")}, code="tree_cycle"
        )
    old_path = node.path
    new_path = f"{new_parent.path if new_parent else '/'}{node.pk}/"
    depth_delta = (new_parent.depth + 1 if new_parent else 0) - node.depth
    model = type(node)
    model._default_manager.filter(pk=node.pk).update(parent=new_parent)
    model._default_manager.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_delta,
    )
    node.parent = new_parent
    node.path = new_path
    node.depth += depth_delta
