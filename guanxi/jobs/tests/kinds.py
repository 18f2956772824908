"""Throw-away job kinds for tests, registered and removed by the ``test_kinds`` fixture."""

from django.core.exceptions import ValidationError
from django.utils import translation

from guanxi.core.errors import BusinessRuleError
from guanxi.jobs import registry
from guanxi.jobs.models import Job

KINDS = ("test.count", "test.crash", "test.refuse", "test.file", "test.language")


def register_all(seen):
    """Register the test kinds; ``seen`` collects what the functions observed."""

    @registry.register("test.count", label="计数测试", summary=lambda r: f"共 {r['rows']} 行")
    def count(job, reporter):
        reporter.total(1200)
        for done in range(1, 1201):
            reporter.advance()
            if done in (499, 500, 1000):
                seen.setdefault("progress", []).append(
                    Job.objects.values_list("progress", flat=True).get(pk=job.pk)
                )
        return {"rows": 1200}

    @registry.register("test.crash", label="崩溃测试")
    def crash(job, reporter):
        reporter.total(10)
        reporter.advance(3)
        raise RuntimeError("disk on fire at /srv/secret")

    @registry.register("test.refuse", label="规则测试")
    def refuse(job, reporter):
        if job.params.get("validation"):
            raise ValidationError({"name": ["名称不能为空。"]})
        raise BusinessRuleError("数据太多，请缩小范围。")

    @registry.register("test.file", label="文件测试", permission="audit.export")
    def with_file(job, reporter):
        reporter.attach("客户名单.csv", "\ufeff名称\n阿尔法\n")
        return {"rows": 1}

    @registry.register("test.language", label="语言测试")
    def language(job, reporter):
        seen["language"] = translation.get_language()
        return {}


def unregister_all():
    for kind in KINDS:
        registry.unregister(kind)
