"""``manage.py search_reindex [--org CODE ...] [--kind KIND]``: rebuild the search index.

Every record of every registered kind (or one kind) is indexed again, org by
org, batch by batch, with progress. Safe to run while the application serves:
each batch is its own transaction.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.orgs.models import Organization
from guanxi.search import index, registry


class Command(BaseCommand):
    help = "Rebuild the global search index (all orgs, or the ones named)."

    def add_arguments(self, parser):
        parser.add_argument("--org", action="append", default=[], help="org code (repeatable)")
        parser.add_argument("--kind", help="only this kind of record")

    def handle(self, *args, org, kind, **options):
        names = [k.name for k in registry.kinds()]
        if kind and kind not in names:
            raise CommandError(
                _("未知的类型：%(kind)s（可选：%(names)s）")
                % {"kind": kind, "names": ", ".join(names)}
            )
        with all_orgs():
            orgs = Organization.objects.order_by("code")
            if org:
                orgs = orgs.filter(code__in=org)
                missing = sorted(set(org) - set(orgs.values_list("code", flat=True)))
                if missing:
                    raise CommandError(_("没有这个组织：%(code)s") % {"code": ", ".join(missing)})
            orgs = list(orgs)
        for item in orgs:
            with org_scope(item):

                def progress(kind_name, done, code=item.code):
                    self.stdout.write(f"\r{code} {kind_name}: {done}", ending="")
                    self.stdout.flush()

                total = index.rebuild(kind, progress=progress)
            self.stdout.write("")
            self.stdout.write(
                _("%(code)s：已索引 %(n)d 条记录。") % {"code": item.code, "n": total}
            )
