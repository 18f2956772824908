"""Demo customers and contacts for the demo org (``guanxi demo``).

Written through the services, owned by the demo org's sales reps; running it
again adds nothing (customers are matched by name).
"""

import random

from guanxi.customers import services
from guanxi.customers.models import Contact, Customer, LifecycleChange
from guanxi.orgs.models import Employee

# name, industry, level, region, address, phone
CUSTOMERS = [
    (
        "上海宏达机电设备有限公司",
        "manufacturing",
        "key",
        "上海市/闵行区",
        "莘庄工业区春东路 88 号",
        "021-64881234",
    ),
    (
        "杭州西湖茶叶有限公司",
        "retail",
        "normal",
        "浙江省/杭州市/西湖区",
        "龙井路 16 号",
        "0571-87654321",
    ),
    ("北京华信科技股份有限公司", "it", "key", "北京市/海淀区", "中关村大街 27 号", "010-62558899"),
    (
        "广州粤海物流有限公司",
        "logistics",
        "normal",
        "广东省/广州市/黄埔区",
        "开发大道 215 号",
        "020-82201188",
    ),
    (
        "南京金陵建筑工程有限公司",
        "construction",
        "normal",
        "江苏省/南京市/建邺区",
        "江东中路 359 号",
        "025-86669901",
    ),
    (
        "苏州园林设计院",
        "services",
        "minor",
        "江苏省/苏州市/姑苏区",
        "人民路 1108 号",
        "0512-65223366",
    ),
    (
        "天津港华贸易有限公司",
        "retail",
        "normal",
        "天津市/滨海新区",
        "新港二号路 9 号",
        "022-25761234",
    ),
    (
        "重庆山城汽车配件有限公司",
        "manufacturing",
        "key",
        "重庆市/渝北区",
        "金开大道 68 号",
        "023-67851234",
    ),
    (
        "深圳前海金融服务有限公司",
        "finance",
        "key",
        "广东省/深圳市/南山区",
        "前海大道 1 号",
        "0755-86001234",
    ),
    (
        "成都天府教育咨询有限公司",
        "education",
        "minor",
        "四川省/成都市/武侯区",
        "天府大道北段 1700 号",
        "028-85123456",
    ),
    (
        "武汉长江医疗器械有限公司",
        "healthcare",
        "normal",
        "湖北省/武汉市/洪山区",
        "光谷大道 77 号",
        "027-87651234",
    ),
    (
        "青岛海润能源科技有限公司",
        "energy",
        "normal",
        "山东省/青岛市/崂山区",
        "海尔路 182 号",
        "0532-88996677",
    ),
    (
        "厦门鹭岛电子商务有限公司",
        "retail",
        "minor",
        "福建省/厦门市/思明区",
        "软件园二期观日路 24 号",
        "0592-5981234",
    ),
    (
        "西安古城文化传媒有限公司",
        "services",
        "minor",
        "陕西省/西安市/雁塔区",
        "科技路 48 号",
        "029-88321234",
    ),
    (
        "宁波东海塑料制品有限公司",
        "manufacturing",
        "normal",
        "浙江省/宁波市/北仑区",
        "新碶街道明州路 99 号",
        "0574-86881234",
    ),
    (
        "合肥科大智能装备有限公司",
        "it",
        "normal",
        "安徽省/合肥市/蜀山区",
        "望江西路 800 号",
        "0551-65561234",
    ),
]
PEOPLE = [
    ("张伟", "male", "总经理"),
    ("王芳", "female", "采购经理"),
    ("李强", "male", "财务总监"),
    ("刘洋", "male", "技术主管"),
    ("陈静", "female", "行政主管"),
    ("单丽", "female", "采购专员"),
    ("曾明", "male", "设备部经理"),
    ("赵敏", "female", "总经理助理"),
]


def seed(actor):
    """Create the demo customers (with two contacts each) that do not exist yet."""
    reps = list(
        Employee.objects.filter(status=Employee.Status.ACTIVE, roles__name="销售代表")
        .select_related("department")
        .order_by("id")
    ) or [actor]
    existing = set(Customer.objects.values_list("name", flat=True))
    rng = random.Random(2026)  # noqa: S311 - demo data, not security
    created = 0
    for index, (name, industry, level, region, address, phone) in enumerate(CUSTOMERS):
        if name in existing:
            continue
        owner = reps[index % len(reps)]
        customer = services.customer_create(
            actor=actor,
            name=name,
            industry=industry,
            level=level,
            type="company",
            status="active",
            source=rng.choice(["referral", "website", "exhibition", "cold_call"]),
            credit_rating=rng.choice(["aaa", "aa", "a"]),
            region=region,
            address=address,
            phone=phone,
            owner=owner,
            tags=rng.sample(["重点跟进", "老客户", "华东", "年度框架", "需回访"], 2),
            lifecycle_stage=rng.choice(
                [Customer.Lifecycle.POTENTIAL, Customer.Lifecycle.NEW, Customer.Lifecycle.REPEAT]
            ),
        )
        for person, gender, title in rng.sample(PEOPLE, 2):
            services.contact_create(
                actor=actor,
                customer=customer,
                name=person,
                gender=gender,
                title=title,
                mobile=f"139{rng.randrange(10**8):08d}",
                owner=owner,
            )
        created += 1
    return {"customers": created}


NOTES = [
    ("call", "电话沟通了年度采购计划，对方预计下月启动招标。"),
    ("visit", "上门拜访，参观了生产线，采购经理对新型号很感兴趣。"),
    ("meeting", "与技术部开会确认了设备参数和交货期。"),
    ("email", "发送了报价单和产品资料，等待对方反馈。"),
    ("note", "客户反映上一批货物包装有破损，已协调物流部门处理。"),
]
POOL_REASON = "长期联系不上，放入公海由其他同事跟进"


def seed_life(actor, *, record_followup, today=None):
    """What makes the demo customers look used: follow-ups (recorded through
    ``record_followup(owner, customer, kind, content, occurred_at, next_on)``, which the
    workspace provides), contacts with birthdays in the coming days, two customers in the
    public pool, the care tasks those birthdays and anniversaries call for, orders on a
    few customers (the events the sales module will send) and the renewals and repeat
    purchases they lead to."""
    import datetime

    from django.utils import timezone

    from guanxi.customers import care, pool

    today = today or timezone.localdate()
    now = timezone.now()
    rng = random.Random(2027)  # noqa: S311 - demo data, not security
    customers = list(
        Customer.objects.filter(name__in=[c[0] for c in CUSTOMERS])
        .select_related("owner")
        .order_by("id")
    )
    for index, customer in enumerate(customers):
        owner = customer.owner or actor
        for step in range(index % 3 + 1):
            kind, content = rng.choice(NOTES)
            when = now - datetime.timedelta(days=rng.randint(1, 40), hours=rng.randint(0, 8))
            plan = today + datetime.timedelta(days=rng.randint(0, 14)) if step == 0 else None
            record_followup(owner, customer, kind, content, when, plan)
    for offset, contact in enumerate(
        Contact.objects.filter(customer__in=customers).order_by("id")[:3]
    ):
        birthday = (today + datetime.timedelta(days=offset + 1)).replace(year=1985)
        services.contact_update(actor=actor, contact=contact, birthday=birthday)
    quiet = [c.pk for c in customers[-2:]]  # the newest two: not those with birthdays
    if quiet:
        pool.pool_release(actor=actor, customer_ids=quiet, reason=POOL_REASON)
    care.care_generate(org=actor.org, today=today)
    _seed_renewals(actor, customers[:-2], today)


RENEWALS = [  # (title, days until due, status, note)
    ("年度技术服务合同续约", 20, "will_renew", "客户口头确认续约，等合同盖章。"),
    ("软件维保合同续约", 45, "undecided", ""),
]


def _seed_renewals(actor, customers, today):
    """First and repeat orders on the first customers, the org's repurchase cycle (90
    days) and the repeat-purchase items the nightly run makes of them, and two contract
    renewals entered by hand."""
    import datetime

    from guanxi.customers import renewals
    from guanxi.orgs.models import OrgSettings

    reason = LifecycleChange.Reason
    for index, customer in enumerate(customers[:4]):
        first = today - datetime.timedelta(days=100 + 15 * index)
        services.lifecycle_event(customer=customer, event=reason.FIRST_ORDER, on=first)
        if index % 2 == 0:
            again = today - datetime.timedelta(days=60 + 10 * index)
            services.lifecycle_event(customer=customer, event=reason.REPEAT_ORDER, on=again)
    OrgSettings.objects.filter(org_id=actor.org_id, repurchase_cycle_days=0).update(
        repurchase_cycle_days=90
    )
    renewals.renewals_generate(org=actor.org_id, today=today)
    for customer, (title, days, status, note) in zip(customers[4:], RENEWALS, strict=False):
        item = renewals.renewal_create(
            actor=actor,
            customer=customer,
            kind=renewals.Kind.RENEWAL,
            due_on=today + datetime.timedelta(days=days),
            title=title,
        )
        if status != item.status or note:
            renewals.renewal_update(
                actor=actor, item=item, version=item.version, status=status, note=note
            )
