"""The isolation matrix: every API resource × {other org, other department, own}.

Each app describes how to make one record of each of its resources in
``guanxi/<app>/tests/samples.py`` with ``@sample("<router basename>", ...)``.
``test_isolation_matrix`` walks the API router: a resource without a sample
fails the suite, so a new endpoint cannot skip the checks.
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps


@dataclass
class Sample:
    basename: str
    build: Callable  # (world) -> instance in world.org, owned by world.rep_b when owned=True
    change: dict  # a valid PATCH body
    check_field: str  # attribute that PATCH would change
    create: Callable | None = None  # (world) -> valid POST body, or None if not creatable
    owned: bool = False  # data scope applies (owner / owner_department)
    module: str = ""
    extra: dict = field(default_factory=dict)


SAMPLES: dict[str, Sample] = {}


def sample(basename, *, change, check_field, create=None, owned=False, module=""):
    def register(build):
        SAMPLES[basename] = Sample(basename, build, change, check_field, create, owned, module)
        return build

    return register


def discover():
    for config in apps.get_app_configs():
        if config.name.startswith("guanxi."):
            module = f"{config.name}.tests.samples"
            try:
                importlib.import_module(module)
            except ModuleNotFoundError as exc:
                if not (exc.name and module.startswith(exc.name)):
                    raise
    return SAMPLES
