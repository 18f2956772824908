"""Global search. Today it finds employees and departments; the customer
module brings the real index (customers, contacts, phones, codes)."""

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render

from guanxi.orgs import policy, selectors

MIN_LENGTH = 2
LIMIT = 20


@login_required
def results(request):
    employee = request.employee
    query = (request.GET.get("q") or "").strip()[:100]
    groups = []
    if employee is not None and len(query) >= MIN_LENGTH:
        if policy.can(employee, "employees.view"):
            people = selectors.employee_list(employee=employee, filters={"q": query})[:LIMIT]
            groups.append(("employees", list(people)))
        if policy.can(employee, "departments.view"):
            departments = selectors.department_list(employee=employee).filter(
                Q(name__icontains=query)
            )[:LIMIT]
            groups.append(("departments", list(departments)))
    return render(
        request,
        "search/results.html",
        {
            "query": query,
            "groups": dict(groups),
            "too_short": 0 < len(query) < MIN_LENGTH,
        },
    )
