"""Screens of the product catalogue. They parse input and call services/selectors."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.catalog import jobs, prices, selectors, services
from guanxi.catalog.filters import ORDERING_FIELDS, ProductFilter, filter_params
from guanxi.catalog.forms import CategoryForm, ProductForm, ProductLineForm, category_options
from guanxi.catalog.models import Product
from guanxi.core.errors import BusinessRuleError
from guanxi.core.forms import form_status, refuse
from guanxi.core.views import employee_required
from guanxi.jobs import services as job_services
from guanxi.orgs import custom_fields, policy

PAGE_SIZE = 25


def _capabilities(employee):
    return {
        action: policy.can(employee, f"products.{action}")
        for action in ("create", "edit", "delete", "export")
    }


# ---- products --------------------------------------------------------------------------


def _sort_links(params, current):
    """Column header links: click once ascending, again descending."""
    links = {}
    for name in ORDERING_FIELDS:
        target = f"-{name}" if current == name else name
        query = {**params, "ordering": target}
        query.pop("page", None)
        links[name] = {
            "url": "?" + urlencode(query),
            "state": "asc" if current == name else "desc" if current == f"-{name}" else "",
        }
    return links


@employee_required
def product_list(request):
    employee = request.employee
    queryset = selectors.product_list(employee=employee)
    product_filter = ProductFilter(request.GET or None, queryset=queryset)
    paginator = Paginator(product_filter.qs, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    params = filter_params(request.GET)
    categories = selectors.category_tree(employee=employee)
    units = selectors.unit_labels()
    rows = list(page.object_list)
    for product in rows:
        product.unit_label = units.get(product.unit, product.unit)
    list_fields = custom_fields.list_definitions(product_filter.custom_definitions)
    custom_fields.attach_cells(rows, list_fields)
    return render(
        request,
        "catalog/product_list.html",
        {
            "page": page,
            "rows": rows,
            "params": params,
            "page_query": urlencode(params),
            "sort": _sort_links(params, params.get("ordering", "")),
            "category_options": category_options(categories),
            "kinds": Product.Kind.choices,
            "places": prices.price_places(employee.org_id),
            "show_cost": selectors.can_view_cost(employee),
            "can": _capabilities(employee),
            "custom_columns": list_fields,
        },
    )


@employee_required
def product_detail(request, pk):
    employee = request.employee
    product = selectors.access_product(employee, pk)
    show_cost = selectors.can_view_cost(employee)
    return render(
        request,
        "catalog/product_detail.html",
        {
            "product": product,
            "lines": list(product.product_lines.all()),
            "unit_label": selectors.unit_labels().get(product.unit, product.unit),
            "places": prices.price_places(employee.org_id),
            "show_cost": show_cost,
            "history": selectors.product_history(employee=employee, product=product),
            "custom_rows": custom_fields.display_rows(
                product.custom, custom_fields.definitions("product")
            ),
            "can": _capabilities(employee),
        },
    )


def _product_form_page(request, form, product=None):
    return render(
        request,
        "catalog/product_form.html",
        {"form": form, "product": product},
        status=form_status(request, form),
    )


@employee_required
def product_create(request):
    employee = request.employee
    policy.require(employee, "products.create")
    show_cost = selectors.can_view_cost(employee)
    form = ProductForm(request.POST or None, show_cost=show_cost)
    if request.method == "POST" and form.is_valid():
        try:
            product = services.product_create(actor=employee, **form.service_kwargs())
        except (ValidationError, BusinessRuleError) as exc:
            refuse(form, exc)
        else:
            messages.success(
                request,
                _("产品“%(name)s”已创建，编号 %(code)s。")
                % {"name": product.name, "code": product.code},
            )
            return redirect("catalog:product_detail", pk=product.pk)
    return _product_form_page(request, form)


@employee_required
def product_edit(request, pk):
    employee = request.employee
    product = selectors.access_product(employee, pk, write=True)
    show_cost = selectors.can_view_cost(employee)
    form = ProductForm(
        request.POST or None,
        show_cost=show_cost,
        current_unit=product.unit,
        editing=True,
        initial=ProductForm.initial_for(product, prices.price_places(employee.org_id)),
    )
    if request.method == "POST" and form.is_valid():
        try:
            product = services.product_update(
                actor=employee,
                product=product,
                version=form.cleaned_data.get("version"),
                **form.service_kwargs(),
            )
        except (ValidationError, BusinessRuleError) as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("产品“%(name)s”已保存。") % {"name": product.name})
            return redirect("catalog:product_detail", pk=product.pk)
    return _product_form_page(request, form, product)


@employee_required
@require_POST
def product_set_active(request, pk):
    """Activate or deactivate (the normal way to retire a product)."""
    employee = request.employee
    product = selectors.access_product(employee, pk, write=True)
    active = request.POST.get("active") == "1"
    version = request.POST.get("version", "")
    try:
        services.product_update(
            actor=employee,
            product=product,
            version=int(version) if version.isdigit() else None,
            active=active,
        )
    except (ValidationError, BusinessRuleError) as exc:
        messages.error(
            request, exc.message if isinstance(exc, BusinessRuleError) else " ".join(exc.messages)
        )
    else:
        messages.success(request, _("产品已启用。") if active else _("产品已停用。"))
    return redirect("catalog:product_detail", pk=product.pk)


@employee_required
@require_POST
def product_delete(request, pk):
    employee = request.employee
    policy.require(employee, "products.delete")
    product = selectors.access_product(employee, pk)
    name = product.name
    try:
        services.product_delete(actor=employee, product=product)
    except BusinessRuleError as exc:
        messages.error(request, exc.message)
        return redirect("catalog:product_detail", pk=product.pk)
    messages.success(request, _("产品“%(name)s”已删除。") % {"name": name})
    return redirect("catalog:product_list")


@employee_required
@require_POST
def product_export(request):
    """Start the CSV export of the filtered list as a background job."""
    employee = request.employee
    job = job_services.job_start(
        actor=employee, kind=jobs.EXPORT_KIND, params=filter_params(request.POST)
    )
    try:
        return redirect(reverse("jobs:job_detail", args=[job.pk]))
    except NoReverseMatch:  # the jobs pages are not installed
        messages.success(request, _("导出任务已开始，完成后可在“后台任务”中下载文件。"))
        return redirect(
            reverse("catalog:product_list") + "?" + urlencode(filter_params(request.POST))
        )


# ---- categories ------------------------------------------------------------------------


@employee_required
def category_list(request):
    employee = request.employee
    categories = selectors.category_tree(employee=employee, with_counts=True)
    form = CategoryForm(request.POST or None, categories=categories)
    if request.method == "POST":
        policy.require(employee, "products.create")
        if form.is_valid():
            try:
                category = services.category_create(actor=employee, **form.service_kwargs())
            except (ValidationError, BusinessRuleError) as exc:
                refuse(form, exc)
            else:
                messages.success(request, _("分类“%(name)s”已创建。") % {"name": category.name})
                return redirect("catalog:category_list")
    return render(
        request,
        "catalog/category_list.html",
        {
            "categories": categories,
            "form": form,
            "can": _capabilities(employee),
        },
        status=form_status(request, form),
    )


@employee_required
def category_edit(request, pk):
    """Rename, re-code, reorder or move a category (with its whole branch)."""
    employee = request.employee
    category = selectors.access_category(employee, pk, write=True)
    categories = selectors.category_tree(employee=employee)
    form = CategoryForm(
        request.POST or None,
        categories=categories,
        category=category,
        initial={
            "name": category.name,
            "code": category.code,
            "parent": str(category.parent_id or ""),
            "sort_order": category.sort_order,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.category_update(actor=employee, category=category, **form.service_kwargs())
        except (ValidationError, BusinessRuleError) as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("分类已保存。"))
            return redirect("catalog:category_list")
    return render(
        request,
        "catalog/category_form.html",
        {"form": form, "category": category},
        status=form_status(request, form),
    )


@employee_required
@require_POST
def category_delete(request, pk):
    employee = request.employee
    policy.require(employee, "products.delete")
    category = selectors.access_category(employee, pk)
    try:
        services.category_delete(actor=employee, category=category)
    except BusinessRuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("分类“%(name)s”已删除。") % {"name": category.name})
    return redirect("catalog:category_list")


# ---- product lines ---------------------------------------------------------------------


@employee_required
def product_line_list(request):
    employee = request.employee
    lines = list(selectors.product_line_list(employee=employee))
    form = ProductLineForm(request.POST or None)
    if request.method == "POST":
        policy.require(employee, "products.create")
        if form.is_valid():
            try:
                line = services.product_line_create(actor=employee, **form.cleaned_data)
            except (ValidationError, BusinessRuleError) as exc:
                refuse(form, exc)
            else:
                messages.success(request, _("产品线“%(name)s”已创建。") % {"name": line.name})
                return redirect("catalog:product_line_list")
    return render(
        request,
        "catalog/product_line_list.html",
        {
            "lines": lines,
            "form": form,
            "can": _capabilities(employee),
        },
        status=form_status(request, form),
    )


@employee_required
def product_line_edit(request, pk):
    employee = request.employee
    line = selectors.access_product_line(employee, pk, write=True)
    form = ProductLineForm(
        request.POST or None,
        initial={"name": line.name, "description": line.description, "sort_order": line.sort_order},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.product_line_update(actor=employee, line=line, **form.cleaned_data)
        except (ValidationError, BusinessRuleError) as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("产品线已保存。"))
            return redirect("catalog:product_line_list")
    return render(
        request,
        "catalog/product_line_form.html",
        {"form": form, "line": line},
        status=form_status(request, form),
    )


@employee_required
@require_POST
def product_line_delete(request, pk):
    employee = request.employee
    policy.require(employee, "products.delete")
    line = selectors.access_product_line(employee, pk)
    try:
        services.product_line_delete(actor=employee, line=line)
    except BusinessRuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("产品线“%(name)s”已删除。") % {"name": line.name})
    return redirect("catalog:product_line_list")
