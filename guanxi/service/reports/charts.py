"""The data the report's ECharts draw (the sales analysis' chart script draws them),
handed to the page with ``json_script``: plain numbers and labels in the active language."""

from django.utils.translation import gettext as _


def _number(value):
    return float(value) if value is not None else None


def breakdown(result, limit=20):
    """Volume and resolved per group (the first ``limit`` groups; periods all)."""
    rows = result["rows"] if result["by"] == "month" else result["rows"][:limit]
    return {
        "categories": [row["label"] for row in rows],
        "series": [
            {"name": _("新建工单数"), "data": [row["volume"] for row in rows]},
            {"name": _("已解决"), "data": [row["resolved"] for row in rows]},
            {"name": _("积压"), "data": [row["backlog"] for row in rows]},
        ],
    }


def trend(result):
    """Per month: first response and resolution hours (lines), volume (bars)."""
    rows = result["rows"]
    return {
        "categories": [row["label"] for row in rows],
        "series": [
            {
                "name": _("平均首次响应（小时）"),
                "data": [_number(row["first_response_hours"]) for row in rows],
            },
            {
                "name": _("平均解决时长（小时）"),
                "data": [_number(row["resolution_hours"]) for row in rows],
            },
        ],
        "counts": {"name": _("新建工单数"), "data": [row["volume"] for row in rows]},
    }
