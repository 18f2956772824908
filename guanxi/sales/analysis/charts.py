"""The data the screen's ECharts draw (``static/sales_analysis/analysis.js``), handed to
the page with ``json_script``: plain numbers and the labels in the active language."""

from django.utils.translation import gettext as _


def _number(value):
    return float(value) if value is not None else None


def funnel(result):
    return {
        "stages": [row["name"] for row in result["stages"]],
        "counts": [row["reached"] for row in result["stages"]],
        "conversions": [_number(row["conversion"]) for row in result["stages"]],
        "labels": {"count": _("到达数"), "conversion": _("转化率")},
    }


def breakdown(result, limit=20):
    """The first ``limit`` rows (a bar chart stays readable), periods all."""
    rows = result["rows"] if result["by"] in ("month", "quarter") else result["rows"][:limit]
    return {
        "categories": [row["label"] for row in rows],
        "series": [
            {"name": _("订单金额"), "data": [_number(row["order_amount"]) for row in rows]},
            {"name": _("赢单金额"), "data": [_number(row["won_amount"]) for row in rows]},
        ],
    }


def trend(result):
    rows = result["rows"]
    return {
        "categories": [row["label"] for row in rows],
        "series": [
            {"name": _("订单金额"), "data": [_number(row["order_amount"]) for row in rows]},
            {"name": _("赢单金额"), "data": [_number(row["won_amount"]) for row in rows]},
        ],
        "counts": {
            "name": _("赢单数"),
            "data": [row["won_count"] for row in rows],
        },
    }
