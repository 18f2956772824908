"""Demo data of approvals: two requisition flows and a few requisitions in every state
of a round. Called by the project's demo seed inside the demo org's scope; a second run
adds nothing."""

from guanxi.orgs.models import Employee
from guanxi.workspace.approvals import requisitions, services
from guanxi.workspace.approvals.models import ApprovalFlow

SAMPLES = (
    # (title, category, amount, content, what happens)
    ("采购笔记本电脑 3 台", "purchase", "24000", "新入职销售人员使用。", "approve"),
    ("参加广州建材展的差旅请示", "instruction", "8600", "两人三天，含展位费。", "pending"),
    ("合同盖章：华东区经销协议", "seal", None, "与杭州经销商的年度协议。", "approve"),
    ("办公室打印机维修", "purchase", "6500", "更换定影组件。", "reject"),
)


def seed(admin):
    """Two flows (大额采购: the manager, then the admin; 一般申请 over 5,000: the manager)
    and the sample requisitions of employees who have a manager. Returns how many
    requisitions were made."""
    if ApprovalFlow.objects.filter(document=requisitions.DOCUMENT).exists():
        return 0
    services.flow_create(
        actor=admin,
        document=requisitions.DOCUMENT,
        name="大额采购申请",
        priority=10,
        conditions=[
            {"variable": "category", "op": "=", "value": "purchase"},
            {"variable": "amount", "op": ">=", "value": "20000"},
        ],
        steps=[
            {"name": "部门主管审批", "kind": "manager"},
            {"name": "总经理审批", "kind": "employees", "employees": [admin.pk]},
        ],
    )
    services.flow_create(
        actor=admin,
        document=requisitions.DOCUMENT,
        name="一般申请",
        priority=20,
        conditions=[{"variable": "amount", "op": ">", "value": "5000"}],
        steps=[{"name": "部门主管审批", "kind": "manager"}],
    )
    services.flow_create(
        actor=admin,
        document=requisitions.DOCUMENT,
        name="用章申请",
        priority=30,
        conditions=[{"variable": "category", "op": "=", "value": "seal"}],
        steps=[{"name": "部门主管审批", "kind": "manager"}],
    )
    staff = list(
        Employee.objects.filter(status=Employee.Status.ACTIVE, manager__isnull=False)
        .exclude(pk=admin.pk)
        .select_related("manager")
        .order_by("pk")[: len(SAMPLES)]
    )
    made = 0
    for (title, category, amount, content, outcome), employee in zip(SAMPLES, staff, strict=False):
        if not requisitions.can(employee, "create"):
            continue
        record = requisitions.requisition_create(
            actor=employee, title=title, category=category, amount=amount, content=content
        )
        made += 1
        request = requisitions.requisition_submit(actor=employee, requisition=record)
        while request is not None and request.status == "pending" and outcome != "pending":
            task = request.tasks.filter(state="pending").select_related("approver").first()
            if task is None:
                break
            if outcome == "reject":
                services.reject(
                    actor=task.approver, request=request, comment="预算已用完，下季度再申请。"
                )
            else:
                services.approve(actor=task.approver, request=request, comment="同意。")
            request.refresh_from_db()
    return made
