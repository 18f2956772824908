"""The lead score (线索评分): fit (industry, region, size, source) and engagement
(follow-ups on the lead, and those with the customer's response recorded), by the
org's ``ScoringRule`` rows.

``compute`` is pure: given a lead, its engagement counts and the active rules it returns
the score and its breakdown. The services store it (``services.lead_rescore``)."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import pgettext

from guanxi.sales.leads.models import MAX_SCORE, LeadSetup, ScoringRule

Criterion = ScoringRule.Criterion
FIT = (Criterion.INDUSTRY, Criterion.REGION, Criterion.SIZE, Criterion.SOURCE)
ENGAGEMENT = (Criterion.ACTIVITIES, Criterion.RESPONSES)
TARGET_KEY = "lead"  # the follow-up target type of leads

# (criterion, value, points): a B2B SME's first guess, for the admin to tune
DEFAULT_RULES = [
    (Criterion.INDUSTRY, "manufacturing", 15),
    (Criterion.INDUSTRY, "it", 15),
    (Criterion.INDUSTRY, "retail", 10),
    (Criterion.INDUSTRY, "healthcare", 10),
    (Criterion.INDUSTRY, "logistics", 8),
    (Criterion.SIZE, "1-19", 5),
    (Criterion.SIZE, "20-99", 10),
    (Criterion.SIZE, "100-499", 20),
    (Criterion.SIZE, "500-999", 25),
    (Criterion.SIZE, "1000+", 25),
    (Criterion.REGION, "北京", 10),
    (Criterion.REGION, "上海", 10),
    (Criterion.REGION, "广东", 10),
    (Criterion.REGION, "江苏", 8),
    (Criterion.REGION, "浙江", 8),
    (Criterion.SOURCE, "referral", 10),
    (Criterion.SOURCE, "exhibition", 8),
    (Criterion.SOURCE, "web_form", 5),
    (Criterion.ACTIVITIES, "1", 5),
    (Criterion.ACTIVITIES, "3", 10),
    (Criterion.ACTIVITIES, "5", 15),
    (Criterion.RESPONSES, "1", 10),
    (Criterion.RESPONSES, "2", 20),
]


@dataclass(frozen=True)
class Result:
    score: int
    breakdown: list  # [{"criterion", "value", "points"}], in rule order


def ensure_defaults(org_id):
    """Put the default rules in place the first time an org's rules are read (once: an
    org that deleted them keeps none). Returns True when it did."""
    setup, _created = LeadSetup.objects.get_or_create(org_id=org_id)
    if setup.scoring_defaults_loaded:
        return False
    updated = LeadSetup.objects.filter(pk=setup.pk, scoring_defaults_loaded=False).update(
        scoring_defaults_loaded=True, rules_changed_at=timezone.now()
    )
    if not updated:  # a concurrent request did it
        return False
    existing = set(ScoringRule.objects.values_list("criterion", "value"))
    ScoringRule.objects.bulk_create(
        [
            ScoringRule(org_id=org_id, criterion=criterion, value=value, points=points)
            for criterion, value, points in DEFAULT_RULES
            if (criterion, value) not in existing
        ]
    )
    return True


def active_rules(org_id):
    """The org's active rules (one query; the defaults on first use)."""
    ensure_defaults(org_id)
    return list(ScoringRule.objects.filter(is_active=True).order_by("criterion", "-points", "id"))


def _count_value(value):
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return None


def matches(rule, lead, activities, responses):
    """Does ``rule`` apply to ``lead`` (with these engagement counts)?"""
    criterion = rule.criterion
    if criterion == Criterion.REGION:
        return bool(rule.value.strip()) and rule.value.strip() in (lead.region or "")
    if criterion in (Criterion.INDUSTRY, Criterion.SIZE, Criterion.SOURCE):
        return bool(rule.value) and getattr(lead, criterion) == rule.value
    threshold = _count_value(rule.value)
    if threshold is None:
        return False
    count = activities if criterion == Criterion.ACTIVITIES else responses
    return count >= threshold


def compute(lead, rules, *, activities=0, responses=0):
    """The score of ``lead``: per criterion the best matching rule's points, summed and
    kept within 0–100."""
    best: dict[str, ScoringRule] = {}
    for rule in rules:
        if matches(rule, lead, activities, responses):
            current = best.get(rule.criterion)
            if current is None or rule.points > current.points:
                best[rule.criterion] = rule
    order = [c.value for c in Criterion]
    breakdown = [
        {"criterion": rule.criterion, "value": rule.value, "points": rule.points}
        for rule in sorted(best.values(), key=lambda r: order.index(r.criterion))
    ]
    total = sum(rule.points for rule in best.values())
    return Result(score=max(0, min(MAX_SCORE, total)), breakdown=breakdown)


def engagement_counts(lead_ids):
    """``{lead id: (follow-ups, follow-ups with an outcome)}`` from the live follow-ups
    on those leads (one query)."""
    from guanxi.workspace.models import Activity

    rows = (
        Activity.objects.filter(target_type=TARGET_KEY, target_id__in=list(lead_ids))
        .values("target_id")
        .annotate(total=Count("id"), answered=Count("id", filter=~Q(outcome="")))
    )
    return {row["target_id"]: (row["total"], row["answered"]) for row in rows}


def criterion_label(criterion):
    try:
        return Criterion(criterion).label
    except ValueError:
        return criterion


def breakdown_rows(lead, labels):
    """The breakdown of ``lead`` for a page: each line with its criterion's label and its
    value's label (``labels``: {criterion: {code: label}} of the picklists)."""
    rows = []
    for item in lead.score_breakdown or []:
        criterion = item.get("criterion", "")
        value = item.get("value", "")
        shown = labels.get(criterion, {}).get(value, value)
        if criterion in ENGAGEMENT:
            shown = pgettext("scoring threshold", "%(n)s 次") % {"n": value}
        rows.append(
            {
                "label": criterion_label(criterion),
                "value": shown,
                "points": item.get("points", 0),
            }
        )
    return rows
