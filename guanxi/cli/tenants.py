"""``guanxi create-org``, ``create-admin``, ``set-password`` and ``demo``.

The installation's operator stands outside every org's permissions, so the
operator paths here (an extra admin, a password reset) are the two writes an
org admin cannot do for themselves when they are locked out or gone. They are
audited like any other change, with no employee as the actor.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanxi.cli import CliError, read_password, say, table, warn
from guanxi.core.tenancy import all_orgs
from guanxi.orgs import services as orgs
from guanxi.orgs.models import Organization

DEFAULT_URL = "http://127.0.0.1:8000/"


def register(commands):
    sub = commands.add_parser("create-org", help=_("新建一个组织及其第一位系统管理员。"))
    sub.add_argument("--code", required=True, help=_("组织代码（登录时填写），如 huaxin。"))
    sub.add_argument("--name", required=True, help=_("组织名称，如 华信科技有限公司。"))
    sub.add_argument("--admin", required=True, help=_("管理员用户名。"))
    sub.add_argument("--password", help=_("管理员密码（省略时从终端或标准输入读取）。"))
    sub.add_argument("--admin-name", help=_("管理员姓名（默认同用户名）。"))
    sub.set_defaults(
        handler=cmd_create_org,
        field_options={
            "code": "--code",
            "name": "--name",
            "username": "--admin",
            "password": "--password",
            "admin_name": "--admin-name",
        },
    )

    sub = commands.add_parser(
        "create-admin", help=_("为已有组织增加一名系统管理员（如原管理员离职或忘记密码）。")
    )
    sub.add_argument("--org", required=True, help=_("组织代码。"))
    sub.add_argument("--username", required=True, help=_("新管理员的用户名。"))
    sub.add_argument("--password", help=_("密码（省略时从终端或标准输入读取）。"))
    sub.add_argument("--name", help=_("姓名（默认同用户名）。"))
    sub.set_defaults(
        handler=cmd_create_admin,
        field_options={"username": "--username", "password": "--password", "name": "--name"},
    )

    sub = commands.add_parser("set-password", help=_("重置员工的登录密码并解除锁定。"))
    sub.add_argument("--org", required=True, help=_("组织代码。"))
    sub.add_argument("--username", required=True, help=_("用户名。"))
    sub.add_argument("--password", help=_("新密码（省略时从终端或标准输入读取）。"))
    sub.set_defaults(handler=cmd_set_password, field_options={"password": "--password"})

    sub = commands.add_parser(
        "demo", help=_("创建（或补全）演示组织 demo 及演示数据，并列出登录账号。")
    )
    sub.add_argument("--password", help=_("演示账号的密码（默认 Guanxi@2026）。"))
    sub.set_defaults(handler=cmd_demo, field_options={"password": "--password"})


def _org(code):
    org = Organization.objects.filter(code=(code or "").strip().lower()).first()
    if org is None:
        raise CliError(_("找不到组织代码为 %(code)s 的组织。") % {"code": code})
    if not org.is_active:
        warn(_("组织 %(code)s 已停用，其员工目前不能登录。") % {"code": org.code})
    return org


# ---- create-org ----------------------------------------------------------------------------


def cmd_create_org(args):
    password = read_password(args.password)
    with all_orgs():
        org, admin = orgs.org_create(
            code=args.code,
            name=args.name,
            admin_username=args.admin,
            admin_password=password,
            admin_name=args.admin_name,
        )
    say(
        _("已创建组织 %(name)s（代码 %(code)s），管理员 %(username)s。")
        % {"name": org.name, "code": org.code, "username": admin.user.username}
    )


# ---- create-admin --------------------------------------------------------------------------


def cmd_create_admin(args):
    org = _org(args.org)
    password = read_password(args.password)
    try:
        employee = orgs.operator_admin_add(
            org=org, username=args.username, password=password, name=args.name
        )
    except ValidationError as exc:
        if "name" in getattr(exc, "error_dict", {}) and not args.name:
            exc.error_dict["username"] = exc.error_dict.pop("name")
        raise
    say(
        _("已在组织 %(code)s 中添加系统管理员 %(username)s。")
        % {"code": org.code, "username": employee.user.username}
    )


# ---- set-password --------------------------------------------------------------------------


def cmd_set_password(args):
    org = _org(args.org)
    password = read_password(args.password)
    user = orgs.operator_password_reset(org=org, username=args.username, password=password)
    say(
        _("已重置 %(code)s / %(username)s 的密码，并解除了登录锁定。")
        % {"code": org.code, "username": user.username}
    )
    if not user.is_active:
        warn(_("该员工已离职（账户已停用），仍不能登录；如需恢复请由管理员在员工管理中恢复在职。"))


# ---- demo ----------------------------------------------------------------------------------


def cmd_demo(args):
    from guanxi import demo
    from guanxi.cli.server import migrate_if_needed

    password = args.password if args.password is not None else demo.DEMO_PASSWORD
    migrate_if_needed()
    result = demo.demo_seed(password=password)
    if result.created_org:
        say(
            _("已创建演示组织 %(name)s（代码 %(code)s）。")
            % {"name": result.org.name, "code": result.org.code}
        )
    else:
        say(
            _("演示组织 %(name)s（代码 %(code)s）已存在，已补全缺少的数据。")
            % {"name": result.org.name, "code": result.org.code}
        )
    say(
        _("新建部门 %(departments)d 个，新建员工 %(employees)d 名。")
        % {"departments": result.created_departments, "employees": result.created_employees}
    )
    if result.products_skipped:
        warn(_("产品目录模块尚未提供演示数据，已跳过产品。"))
    elif isinstance(result.products, dict) and "products" in result.products:
        say(_("新建产品 %(products)d 个。") % {"products": result.products["products"]})
    if result.customers:
        say(_("新建客户 %(customers)d 个（每个 2 名联系人）。") % {"customers": result.customers})
    say()
    say(_("在浏览器中打开 %(url)s（先运行 guanxi serve），用下列账号登录：") % {"url": DEFAULT_URL})
    say()
    say(
        table(
            [_("组织代码"), _("用户名"), _("姓名"), _("角色"), _("部门"), _("密码")],
            [
                [
                    result.org.code,
                    login.username,
                    login.name,
                    login.role,
                    login.department,
                    result.password,
                ]
                for login in result.logins
            ],
        )
    )
