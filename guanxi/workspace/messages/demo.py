"""Demo data of messages: a team group and a few direct conversations between the demo
org's colleagues, some of them unread. Called by the project's demo seed inside the demo
org's scope; a second run adds nothing."""

from guanxi.orgs.models import Employee
from guanxi.workspace.messages import services
from guanxi.workspace.messages.models import Conversation

GROUP_NAME = "销售团队"
GROUP_LINES = (
    "本周五下午三点开周会，请大家准备好本周的跟进情况。",
    "收到，我把华东区的报价汇总一下。",
    "天津港的合同这周能签下来，周会上细说。",
)
DIRECT_LINES = (
    ("明天上午一起去拜访客户吗？我九点半在公司楼下等你。", "好的，九点半见。"),
    ("上个月的回款明细发你邮箱了，麻烦核对一下。", None),
)


def seed(admin):
    """A group of the admin and up to five colleagues with a short exchange, and direct
    conversations between the admin and the first two colleagues. Returns the messages
    made (0 when the demo org already has conversations)."""
    if Conversation.objects.exists():
        return 0
    colleagues = list(
        Employee.objects.filter(status=Employee.Status.ACTIVE)
        .exclude(pk=admin.pk)
        .order_by("id")[:5]
    )
    if not colleagues:
        return 0
    made = 0
    group = services.group_create(actor=admin, name=GROUP_NAME, members=colleagues)
    speakers = [admin, *colleagues]
    for index, line in enumerate(GROUP_LINES):
        services.message_send(actor=speakers[index % len(speakers)], conversation=group, body=line)
        made += 1
    for colleague, (opening, answer) in zip(colleagues, DIRECT_LINES, strict=False):
        message = services.message_send_to(actor=colleague, recipient=admin, body=opening)
        made += 1
        if answer:
            services.message_send(actor=admin, conversation=message.conversation, body=answer)
            made += 1
    return made
