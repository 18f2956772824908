"""The bell's care reminders: the count when this request already knows it (the start
page computes it); elsewhere the bell loads it after the page, costing the page nothing."""

from guanxi.customers import care


def reminders(request):
    employee = getattr(request, "employee", None)
    if employee is None:
        return {}
    return {"care_due": care.known_bell_count(employee)}
