"""Demo data of the knowledge base: the categories 常见问题 / 安装指南 / 故障排除, a dozen
articles and FAQ an after-sales team really keeps (air conditioners, printers, invoices,
installation), a few of them with earlier versions, and the decision tree 设备无法开机
ending in solutions that point at articles. Called by the project's demo seed inside
the demo org's scope (after the catalogue); a second run adds nothing. Returns how many
articles were made."""

from guanxi.catalog.models import Product
from guanxi.knowledge import services
from guanxi.knowledge.models import Article, DecisionTree

CATEGORIES = ("常见问题", "安装指南", "故障排除")

ARTICLES = [
    (
        "故障排除",
        "article",
        "空调不制冷的排查步骤",
        ["空调", "制冷"],
        """\
空调开机后吹的是自然风、不制冷时，按下面的顺序排查，大多数情况无需上门。

## 1. 检查设置
- 遥控器模式是否为**制冷**（雪花图标），而不是送风或除湿；
- 设定温度是否低于室温 2℃ 以上。

## 2. 检查滤网
滤网积灰会让出风量明显变小。取下滤网用清水冲洗，阴干后装回。建议每两周清洗一次。

## 3. 检查室外机
- 室外机是否运转（风扇是否转动）；
- 散热片是否被杂物、油污堵住；
- 周围 50 厘米内不要堆放物品。

## 4. 仍不制冷
可能是缺少制冷剂或压缩机故障，请登记报修，安排工程师上门检测。""",
    ),
    (
        "故障排除",
        "article",
        "打印机卡纸处理",
        ["打印机", "卡纸"],
        """\
1. 关闭打印机电源，等待 **定影器冷却 10 分钟**，避免烫伤。
2. 打开前盖，取出硒鼓，沿出纸方向**缓慢**拉出卡住的纸张，不要反向拉扯。
3. 检查后盖和纸盒，确认没有残留的碎纸。
4. 装回硒鼓，合上前盖，开机打印测试页。

频繁卡纸时：
- 纸张是否受潮、卷曲，换一包干燥的纸；
- 纸盒导板是否贴紧纸张；
- 搓纸轮是否磨损（打印量超过 5 万页建议更换）。""",
    ),
    (
        "常见问题",
        "faq",
        "如何申请开具增值税专用发票？",
        ["发票", "财务"],
        """\
请在订单完成后 30 天内，通过客户经理或客服热线提交开票申请，并提供：

- 单位名称、纳税人识别号；
- 地址、电话；
- 开户行及账号。

专用发票开具后 5 个工作日内寄出，电子发票发送到登记的邮箱。""",
    ),
    (
        "常见问题",
        "faq",
        "保修期从什么时候开始计算？",
        ["保修"],
        """\
保修期自**安装验收日期**起计算；没有安装记录的产品，自发货签收日期起计算。\
保修期内非人为损坏的故障免费维修，人为损坏按收费标准维修。""",
    ),
    (
        "常见问题",
        "faq",
        "报修后多久有工程师上门？",
        ["报修", "上门"],
        """\
市区一般在 **24 小时内**上门，郊县 48 小时内。紧急故障（整条产线停机）请拨打服务热线\
选择"紧急报修"，我们会优先安排。""",
    ),
    (
        "安装指南",
        "article",
        "柜式空调安装前的准备",
        ["空调", "安装"],
        """\
## 场地要求
- 室内机位置距离墙面不少于 10 厘米，出风口前方 2 米内无遮挡；
- 室外机安装位置能承受机组重量的 4 倍，并便于检修。

## 电源要求
- 单独的 16A/25A 电源回路，带漏电保护；
- 电压波动不超过 ±10%。

安装前请客户确认打孔位置，避开墙内水管和电线。""",
    ),
    (
        "安装指南",
        "article",
        "网络打印机的安装与驱动配置",
        ["打印机", "安装", "驱动"],
        """\
1. 接通电源和网线，在打印机面板上打印**网络配置页**，记下 IP 地址。
2. 建议在路由器中为打印机绑定固定 IP。
3. 在电脑上添加打印机，选择"使用 TCP/IP 地址添加"，输入 IP。
4. 安装官网下载的驱动，打印测试页确认。""",
    ),
    (
        "故障排除",
        "article",
        "设备无法开机的检查方法",
        ["开机", "电源"],
        """\
- 确认插座有电（换一个电器试试）；
- 检查电源线两端是否插紧、有无破损；
- 电源适配器指示灯是否亮；
- 长按电源键 10 秒强制重启。

以上都正常仍无法开机，请登记报修，说明故障出现前的情况。""",
    ),
    (
        "故障排除",
        "article",
        "显示器无信号的处理",
        ["显示器", "开机"],
        """\
1. 检查显示器电源指示灯；
2. 重新插拔视频线（HDMI/DP），换一根线测试；
3. 在显示器菜单中选择正确的输入源；
4. 主机上有独立显卡时，视频线应接在显卡接口上。""",
    ),
    (
        "常见问题",
        "faq",
        "如何查询服务工单的处理进度？",
        ["工单"],
        """\
登录客户门户，在"服务请求"中可以看到每个工单的状态和处理记录；也可以致电客服热线，\
提供工单编号查询。""",
    ),
    (
        "故障排除",
        "article",
        "空调漏水的原因与处理",
        ["空调", "漏水"],
        """\
- **排水管堵塞或弯折**：疏通并理顺排水管；
- **室内机安装不水平**：调整挂板，使排水一侧略低；
- **滤网太脏**导致蒸发器结霜，化霜后滴水：清洗滤网。""",
    ),
]

OLD_VERSION = {
    "打印机卡纸处理": "关闭电源，打开前盖，取出卡住的纸张，合上前盖后开机。",
}


def _tree(admin, articles):
    if DecisionTree.with_deleted.filter(name="设备无法开机").exists():
        return
    tree = services.tree_create(
        actor=admin,
        name="设备无法开机",
        description="客户报修“开不了机”时，按提示逐步询问，找到原因和处理办法。",
        first_question="电源指示灯亮吗？",
    )
    root = tree.nodes.get()
    off = services.node_create(
        actor=admin, tree=tree, parent=root, answer="不亮", kind="question",
        text="换一个插座或用其他电器试过，插座有电吗？",
    )  # fmt: skip
    services.node_create(
        actor=admin, tree=tree, parent=off, answer="有电", kind="solution",
        text="电源线或适配器故障：检查并更换电源线/适配器。",
        article=articles.get("设备无法开机的检查方法"),
    )  # fmt: skip
    services.node_create(
        actor=admin, tree=tree, parent=off, answer="没电", kind="solution",
        text="插座无电：请客户检查空气开关或更换插座后再试。",
    )  # fmt: skip
    on = services.node_create(
        actor=admin, tree=tree, parent=root, answer="亮", kind="question",
        text="屏幕有显示吗？",
    )  # fmt: skip
    services.node_create(
        actor=admin, tree=tree, parent=on, answer="没有", kind="solution",
        text="显示无信号：按步骤检查视频线和输入源。",
        article=articles.get("显示器无信号的处理"),
    )  # fmt: skip
    services.node_create(
        actor=admin, tree=tree, parent=on, answer="有，但卡在启动画面", kind="solution",
        text="系统启动故障：登记报修，安排工程师远程协助或上门。",
    )  # fmt: skip
    services.tree_publish(actor=admin, tree=tree)


def seed(admin):
    if Article.with_deleted.exists():
        return 0
    categories = {}
    for name in CATEGORIES:
        categories[name] = services.category_create(actor=admin, name=name)
    aircon = Product.objects.filter(name__contains="空调").first()
    printer = Product.objects.filter(name__contains="打印机").first()
    made = {}
    for category, kind, title, tags, body in ARTICLES:
        products = []
        if aircon is not None and "空调" in tags:
            products.append(aircon.pk)
        if printer is not None and "打印机" in tags:
            products.append(printer.pk)
        first = OLD_VERSION.get(title, body)
        article = services.article_create(
            actor=admin,
            title=title,
            body=first,
            kind=kind,
            category=categories[category],
            visibility="public" if kind == "faq" else "internal",
            tags=tags,
            products=products,
            publish=True,
        )
        if first != body:
            article = services.article_update(actor=admin, article=article, body=body)
        made[title] = article
    services.article_create(
        actor=admin,
        title="新款扫描仪常见问题（整理中）",
        body="- 扫描仪无法被电脑识别\n- 扫描件有条纹",
        category=categories["常见问题"],
        tags=["扫描仪"],
    )
    _tree(admin, made)
    return len(made) + 1
