"""Demo leads: the default scoring rules, three assignment rules (Shanghai and Beijing
leads in turn to the office's reps, trade-show leads to the South China rep) and fifteen
leads at every stage — new in the pool, assigned by the rules, followed up, qualified,
converted into a customer with a contact and an opportunity, and one disqualified.

``seed(actor)`` (an admin, inside the demo org's scope) creates what is not there yet;
running it again adds nothing."""

import datetime
from decimal import Decimal

from django.utils import timezone

from guanxi.orgs.models import Department, Employee
from guanxi.sales.leads import scoring, services
from guanxi.sales.leads.models import AssignmentRule, Lead

# (name, position, source, region, department name or None, employee username or None)
RULES = [
    ("上海地区线索轮流分配", 10, "", "上海", "上海办事处", None),
    ("北京地区线索轮流分配", 20, "", "北京", "北京办事处", None),
    ("展会线索交华南代表", 30, "exhibition", "广东", None, "lintao"),
]

# company, contact, title, mobile, phone, email, region, industry, size, source, owner
LEADS = [
    ("上海巨鲸网络科技有限公司", "钱伟", "技术总监", "13916880123", "021-62881234",
     "qianwei@jujing.example.cn", "上海市 上海市 徐汇区", "it", "100-499", "web_form", None),
    ("上海东方精工机械有限公司", "沈国平", "采购经理", "13761552310", "",
     "", "上海市 上海市 嘉定区", "manufacturing", "500-999", "referral", None),
    ("北京智联医疗器械有限公司", "郭敏", "运营副总", "13501187732", "010-84561200",
     "guomin@zlyl.example.cn", "北京市 北京市 朝阳区", "healthcare", "100-499", "phone", None),
    ("北京恒信达物流有限公司", "马俊", "总经理", "13910025546", "",
     "", "北京市 北京市 大兴区", "logistics", "20-99", "campaign", None),
    ("广州南粤食品有限公司", "黄志强", "市场部经理", "13802256671", "020-87651234",
     "", "广东省 广州市 天河区", "retail", "100-499", "exhibition", None),
    ("深圳锐芯电子有限公司", "刘畅", "研发经理", "13632287710", "",
     "liuchang@ruixin.example.cn", "广东省 深圳市 南山区", "manufacturing", "1000+",
     "exhibition", None),
    ("杭州青禾农业科技有限公司", "吴佳", "董事长助理", "13588120467", "",
     "", "浙江省 杭州市 余杭区", "other", "20-99", "web_form", "huangmin"),
    ("苏州博远新材料股份有限公司", "周涛", "供应链经理", "13913567788", "0512-66201188",
     "", "江苏省 苏州市 工业园区", "energy", "500-999", "referral", "zhangwei"),
    ("南京金陵教育咨询有限公司", "何雪", "校长", "13851906623", "",
     "hexue@jinling.example.cn", "江苏省 南京市 鼓楼区", "education", "20-99", "campaign",
     "lina"),
    ("天津港达国际货运代理有限公司", "赵宏", "业务总监", "13820039951", "022-25760011",
     "", "天津市 天津市 滨海新区", "logistics", "100-499", "phone", "zhengkai"),
    ("成都天府软件园服务有限公司", "李静", "行政主管", "13980065542", "",
     "", "四川省 成都市 高新区", "services", "1-19", "web_form", None),
    ("武汉光谷激光设备有限公司", "陈磊", "总工程师", "13707168890", "",
     "chenlei@ggjg.example.cn", "湖北省 武汉市 洪山区", "manufacturing", "100-499",
     "exhibition", None),
    ("西安秦川建设工程有限公司", "王建军", "项目经理", "13991823306", "029-88420011",
     "", "陕西省 西安市 雁塔区", "construction", "500-999", "referral", "zhoujie"),
    ("厦门海韵茶业有限公司", "林美玲", "店长", "13906051127", "",
     "", "福建省 厦门市 思明区", "retail", "1-19", "other", None),
    ("青岛蓝海水产有限公司", "孙波", "销售经理", "13864288015", "",
     "", "山东省 青岛市 黄岛区", "retail", "20-99", "phone", "wuqian"),
]  # fmt: skip

FOLLOW_UPS = {
    "苏州博远新材料股份有限公司": [
        ("call", "电话了解新材料采购计划，对方年底有设备升级预算。", "约了下周上门演示"),
        ("visit", "上门演示系统，供应链部门参加。", "客户要求提供报价方案"),
        ("email", "发送方案和参考案例。", ""),
    ],
    "南京金陵教育咨询有限公司": [
        ("call", "介绍课程管理方案，校长有兴趣。", "希望试用两周"),
    ],
    "天津港达国际货运代理有限公司": [
        ("call", "首次电话沟通，确认货代业务规模。", ""),
    ],
}
QUALIFIED = {"苏州博远新材料股份有限公司", "西安秦川建设工程有限公司"}
CONVERTED = "西安秦川建设工程有限公司"
DISQUALIFIED = ("厦门海韵茶业有限公司", "门店规模太小，暂无系统需求")


def _rules(actor):
    if AssignmentRule.objects.exists():
        return 0
    departments = {d.name: d for d in Department.objects.all()}
    employees = {
        e.user.username: e
        for e in Employee.objects.select_related("user").filter(status=Employee.Status.ACTIVE)
    }
    made = 0
    for name, position, source, region, department, username in RULES:
        if department and department in departments:
            services.assignment_rule_create(
                actor=actor, name=name, position=position, source=source, region=region,
                method=AssignmentRule.Method.ROUND_ROBIN, department=departments[department],
            )  # fmt: skip
            made += 1
        elif username and username in employees:
            services.assignment_rule_create(
                actor=actor, name=name, position=position, source=source, region=region,
                method=AssignmentRule.Method.EMPLOYEE, employee=employees[username],
            )  # fmt: skip
            made += 1
    return made


def _follow_up(lead, kind, content, outcome, days_ago):
    from guanxi.workspace import services as workspace

    workspace.activity_create(
        actor=lead.owner,
        target=("lead", lead.pk),
        kind=kind,
        content=content,
        outcome=outcome,
        occurred_at=timezone.now() - datetime.timedelta(days=days_ago),
    )


def seed(actor):
    """Create the demo rules and leads that do not exist yet; returns how many leads."""
    scoring.ensure_defaults(actor.org_id)
    _rules(actor)
    employees = {
        e.user.username: e
        for e in Employee.objects.select_related("user").filter(status=Employee.Status.ACTIVE)
    }
    existing = set(Lead.with_deleted.values_list("company_name", flat=True))
    created = 0
    for row in LEADS:
        company, contact, title, mobile, phone, email, region, industry, size, source, who = row
        if company in existing:
            continue
        lead = services.lead_create(
            actor=actor,
            company_name=company,
            contact_name=contact,
            title=title,
            mobile=mobile,
            phone=phone,
            email=email,
            region=region,
            industry=industry,
            size=size,
            source=source,
            owner=employees.get(who) if who else None,
        )
        created += 1
        if company == DISQUALIFIED[0]:
            services.lead_update(
                actor=actor,
                lead=lead,
                status="disqualified",
                disqualified_reason=DISQUALIFIED[1],
            )
        if lead.owner is None:
            continue
        for index, (kind, content, outcome) in enumerate(FOLLOW_UPS.get(company, [])):
            _follow_up(lead, kind, content, outcome, days_ago=10 - 3 * index)
        lead = services.lead_rescore(lead=lead)
        if company in QUALIFIED:
            lead = services.lead_update(actor=lead.owner, lead=lead, status="qualified")
        if company == CONVERTED:
            services.lead_convert(
                actor=lead.owner,
                lead=lead,
                allow_duplicate=True,
                opportunity={
                    "name": "秦川建设项目管理系统",
                    "amount": Decimal("168000.00"),
                    "expected_close_date": timezone.localdate() + datetime.timedelta(days=45),
                },
            )
    return created
