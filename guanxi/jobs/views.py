"""Job pages: my jobs, one job with its live progress, and its result file."""

import os

from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from guanxi.core.views import employee_required
from guanxi.jobs import progress, registry, selectors, services
from guanxi.orgs import policy

PAGE_SIZE = 50


def _present(job):
    """Attach what the templates show beside the row's own fields."""
    job.kind_label = registry.label(job.kind)
    job.summary = (
        registry.summary(job.kind, job.result) if job.status == job.Status.SUCCEEDED else ""
    )
    job.file_name = os.path.basename(job.file.name) if job.file else ""
    return job


@require_GET
@employee_required
def job_list(request):
    employee = request.employee
    paginator = Paginator(selectors.job_list(employee=employee), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    progress.overlay(page.object_list)
    for job in page.object_list:
        _present(job)
    return render(
        request,
        "jobs/job_list.html",
        {
            "page": page,
            "show_owner": policy.is_admin(employee),
        },
    )


@require_GET
@employee_required
def job_bell(request):
    """The bell's job badge, loaded after the page: my jobs still queued or running."""
    return render(
        request,
        "jobs/_bell.html",
        {"count": selectors.unfinished_count(employee=request.employee)},
    )


@require_GET
@employee_required
def job_detail(request, pk):
    """The job page; htmx polls the same URL for the progress partial."""
    employee = request.employee
    job = _present(selectors.access_job(employee, pk))
    error_message = services.describe_error(job) if job.status == job.Status.FAILED else ""
    context = {
        "job": job,
        "error_message": error_message,
        # the raw error of a crashed job helps an admin; others get the plain message
        "show_technical": (
            bool(job.error) and str(error_message) != job.error and policy.is_admin(employee)
        ),
        "file_expired": bool((job.result or {}).get("file_expired")),
    }
    template = "jobs/_progress.html" if request.htmx else "jobs/job_detail.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_GET
@employee_required
def job_download(request, pk):
    """The job's file as an attachment; only its creator or an org admin gets it."""
    job = selectors.access_job(request.employee, pk)
    if not job.file:
        raise Http404
    try:
        handle = job.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=True, filename=os.path.basename(job.file.name))
    response["Cache-Control"] = "private, no-store"
    return response
