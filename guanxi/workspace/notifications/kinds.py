"""The registry of notification kinds (提醒类型).

A kind is a code every caller of ``notify`` names: its label (shown in the bell, the list
filter and the settings page), the channels an employee gets it on until they choose
otherwise, and whether group robots may forward it. The built-in kinds are registered
here; later apps register their own from their ``AppConfig.ready()``.
"""

from dataclasses import dataclass

from django.utils.translation import pgettext_lazy

APP = "app"
EMAIL = "email"
ROBOT = "robot"
CHANNELS = (APP, EMAIL, ROBOT)
CHANNEL_LABELS = {
    APP: pgettext_lazy("notification channel", "站内"),
    EMAIL: pgettext_lazy("notification channel", "邮件"),
    ROBOT: pgettext_lazy("notification channel", "群机器人"),
}


@dataclass(frozen=True)
class Kind:
    code: str
    label: object  # a lazy translation
    default_channels: tuple[str, ...]
    robot: bool


_KINDS: dict[str, Kind] = {}


def register(code, label, *, default_channels=(APP,), robot=True):
    """Register (or re-register, e.g. on reload) the kind ``code``. ``robot`` False keeps
    it out of group robots whatever they are set to forward (private matters)."""
    if not code or len(code) > 40 or not code.replace("_", "").isalnum():
        raise ValueError(f"invalid notification kind code: {code!r}")
    channels = tuple(dict.fromkeys(default_channels))
    unknown = set(channels) - set(CHANNELS)
    if unknown:
        raise ValueError(f"unknown channels for {code}: {sorted(unknown)}")
    _KINDS[code] = Kind(code, label, channels, bool(robot))
    return _KINDS[code]


def get(code):
    """The registered kind ``code``, or None."""
    return _KINDS.get(code)


def is_registered(code):
    return code in _KINDS


def all_kinds():
    """Every registered kind, in registration order."""
    return list(_KINDS.values())


def choices():
    return [(kind.code, kind.label) for kind in _KINDS.values()]


def label(code):
    kind = _KINDS.get(code)
    return kind.label if kind else code


BUILT_IN = (
    ("birthday", pgettext_lazy("notification kind", "生日提醒"), (APP,), True),
    ("anniversary", pgettext_lazy("notification kind", "合作纪念日"), (APP,), True),
    ("receivable_due", pgettext_lazy("notification kind", "应收到期"), (APP, EMAIL), True),
    ("renewal", pgettext_lazy("notification kind", "续约提醒"), (APP,), True),
    ("churn_risk", pgettext_lazy("notification kind", "流失预警"), (APP,), True),
    ("sla_breach", pgettext_lazy("notification kind", "SLA 超时"), (APP, EMAIL), True),
    ("approval_waiting", pgettext_lazy("notification kind", "待我审批"), (APP, EMAIL), True),
    ("approval_decided", pgettext_lazy("notification kind", "审批结果"), (APP,), True),
    ("follow_up_overdue", pgettext_lazy("notification kind", "跟进逾期"), (APP,), True),
    ("task_due", pgettext_lazy("notification kind", "任务到期"), (APP,), True),
    ("mention", pgettext_lazy("notification kind", "提及我的"), (APP,), False),
    ("announcement", pgettext_lazy("notification kind", "公告"), (APP,), True),
    ("message", pgettext_lazy("notification kind", "消息"), (APP,), False),
)

for _code, _label, _channels, _robot in BUILT_IN:
    register(_code, _label, default_channels=_channels, robot=_robot)
