"""The personal start page: what this employee needs today, not the whole system."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from guanxi.orgs import policy
from guanxi.orgs.context_processors import navigation_for
from guanxi.workspace import start


@login_required
def home(request):
    employee = request.employee
    if employee is None:
        from django.contrib.auth import logout
        from django.shortcuts import redirect

        logout(request)
        return redirect("accounts:login")
    setup_links = [
        item
        for section in navigation_for(employee, "")
        for item in section["items"]
        if item["url"] != request.path
    ]
    team = None
    if policy.can(employee, "employees.view"):
        team = list(employee.reports.filter(status="active").select_related("department")[:20])
    return render(
        request,
        "workspace/home.html",
        {
            "roles": list(employee.roles.all()),
            "setup_links": setup_links,
            "team": team,
            "is_admin": policy.is_admin(employee),
            # the care card's due tasks also give the bell its count (care.due_list)
            "cards": start.cards_for(employee),
            "back_url": request.path,
        },
    )
