"""Picklists (数据字典): the kinds an org can edit, and the defaults a new org gets.

Each entry has a stable English ``code`` (what the API and imports use) and a
label in Chinese and English. Later modules reference entries by kind + code.
"""

from django.utils.translation import gettext_lazy as _

KINDS = {
    "industry": _("行业"),
    "customer_level": _("客户级别"),
    "customer_type": _("客户类型"),
    "customer_status": _("客户状态"),
    "customer_source": _("客户来源"),
    "credit_rating": _("信用等级"),
    "lead_source": _("线索来源"),
    "lost_reason": _("输单原因"),
    "ticket_category": _("工单类别"),
    "activity_type": _("跟进方式"),
    "unit": _("计量单位"),
    "skill": _("技能"),
    "region": _("销售区域"),
}

# kind -> [(code, 中文, English, colour)]
DEFAULTS = {
    "industry": [
        ("manufacturing", "制造业", "Manufacturing", ""),
        ("retail", "批发零售", "Wholesale & retail", ""),
        ("it", "信息技术", "Information technology", ""),
        ("finance", "金融保险", "Finance & insurance", ""),
        ("construction", "建筑房地产", "Construction & real estate", ""),
        ("education", "教育培训", "Education & training", ""),
        ("healthcare", "医疗健康", "Healthcare", ""),
        ("logistics", "交通物流", "Transport & logistics", ""),
        ("energy", "能源化工", "Energy & chemicals", ""),
        ("government", "政府及公共事业", "Government & public sector", ""),
        ("services", "商务服务", "Business services", ""),
        ("other", "其他", "Other", ""),
    ],
    "customer_level": [
        ("key", "重点客户", "Key account", "#d63939"),
        ("normal", "普通客户", "Regular", "#206bc4"),
        ("minor", "一般客户", "Minor", "#6c7a91"),
    ],
    "customer_type": [
        ("company", "企业客户", "Company", ""),
        ("person", "个人客户", "Individual", ""),
        ("distributor", "代理商/经销商", "Distributor", ""),
        ("partner", "合作伙伴", "Partner", ""),
    ],
    "customer_status": [
        ("active", "正常", "Active", "#2fb344"),
        ("suspended", "暂停合作", "Suspended", "#f59f00"),
        ("closed", "已注销", "Closed", "#6c7a91"),
    ],
    "customer_source": [
        ("referral", "客户介绍", "Referral", ""),
        ("website", "官网", "Website", ""),
        ("exhibition", "展会", "Trade show", ""),
        ("cold_call", "电话开发", "Cold call", ""),
        ("advertising", "广告", "Advertising", ""),
        ("social", "社交媒体", "Social media", ""),
        ("other", "其他", "Other", ""),
    ],
    "credit_rating": [
        ("aaa", "AAA 优秀", "AAA excellent", "#2fb344"),
        ("aa", "AA 良好", "AA good", "#74b816"),
        ("a", "A 一般", "A fair", "#f59f00"),
        ("b", "B 较差", "B poor", "#f76707"),
        ("c", "C 很差", "C bad", "#d63939"),
        # the credit check refuses every order of a customer rated "stop" (停止交易)
        ("stop", "停止交易", "Stop trading", "#1d273b"),
    ],
    "lead_source": [
        ("web_form", "网站表单", "Web form", ""),
        ("campaign", "营销活动", "Campaign", ""),
        ("phone", "来电咨询", "Inbound call", ""),
        ("referral", "转介绍", "Referral", ""),
        ("exhibition", "展会", "Trade show", ""),
        ("other", "其他", "Other", ""),
    ],
    "lost_reason": [
        ("price", "价格过高", "Price too high", ""),
        ("competitor", "选择了竞争对手", "Chose a competitor", ""),
        ("no_budget", "没有预算", "No budget", ""),
        ("no_decision", "需求取消或搁置", "No decision", ""),
        ("product_fit", "产品不满足需求", "Product does not fit", ""),
        ("other", "其他", "Other", ""),
    ],
    "ticket_category": [
        ("consultation", "咨询", "Consultation", ""),
        ("complaint", "投诉", "Complaint", "#d63939"),
        ("repair", "维修", "Repair", ""),
        ("installation", "安装", "Installation", ""),
        ("return", "退换货", "Return", ""),
    ],
    "activity_type": [
        ("call", "电话", "Call", ""),
        ("visit", "拜访", "Visit", ""),
        ("meeting", "会议", "Meeting", ""),
        ("email", "邮件", "E-mail", ""),
        ("wechat", "微信", "WeChat", ""),
        ("note", "备注", "Note", ""),
    ],
    "unit": [
        ("pcs", "个", "pcs", ""),
        ("set", "套", "set", ""),
        ("box", "箱", "box", ""),
        ("unit", "台", "unit", ""),
        ("kg", "千克", "kg", ""),
        ("hour", "小时", "hour", ""),
        ("year", "年", "year", ""),
    ],
    "skill": [
        ("installation", "安装调试", "Installation", ""),
        ("repair", "维修", "Repair", ""),
        ("consultation", "售前咨询", "Pre-sales consultation", ""),
        ("complaint", "投诉处理", "Complaint handling", ""),
        ("billing", "账务", "Billing", ""),
    ],
    "region": [
        ("north", "华北", "North China", ""),
        ("east", "华东", "East China", ""),
        ("south", "华南", "South China", ""),
        ("central", "华中", "Central China", ""),
        ("southwest", "西南", "Southwest", ""),
        ("northwest", "西北", "Northwest", ""),
        ("northeast", "东北", "Northeast", ""),
    ],
}
