"""The bell's care reminders: open care tasks of the employee due within the reminder days."""

from guanxi.customers import care


def reminders(request):
    employee = getattr(request, "employee", None)
    if employee is None:
        return {}
    return {"care_due": care.bell_count(employee)}
