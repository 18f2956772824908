"""Reading raw mail: Chinese encodings, HTML bodies, threading headers, attachments,
and what counts as malformed."""

import base64

import pytest

from guanxi.service.mail import parsing


def _raw(headers, body=b"", sep=b"\r\n"):
    return sep.join(h.encode() if isinstance(h, str) else h for h in headers) + sep + sep + body


def test_gb2312_declared_text_with_gbk_only_characters_is_read_as_gb18030():
    """Clients declare GB2312 and send characters only GBK/GB18030 have (镕 here)."""
    text = "朱镕基路的设备坏了"
    body = base64.b64encode(text.encode("gb18030"))
    raw = _raw(
        [
            "From: a@b.example",
            "Subject: =?gb2312?B?" + base64.b64encode("镕".encode("gb18030")).decode() + "?=",
            'Content-Type: text/plain; charset="gb2312"',
            "Content-Transfer-Encoding: base64",
        ],
        body,
    )
    parsed = parsing.parse(raw)
    assert parsed.body_text == text
    assert parsed.subject == "镕"


def test_quoted_printable_utf8_and_undeclared_8bit_subject():
    raw = _raw(
        [
            "From: =?utf-8?Q?=E5=BC=A0=E4=B8=89?= <Zhang@B.example>",
            "Subject: 报修".encode("gbk"),
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
        ],
        b"=E4=BD=A0=E5=A5=BD",
    )
    parsed = parsing.parse(raw)
    assert parsed.from_address == "zhang@b.example" and parsed.from_name == "张三"
    assert parsed.subject == "报修" and parsed.body_text == "你好"


def test_html_only_body_becomes_text_without_scripts():
    markup = "<html><head><style>p{}</style></head><body><p>第一行<br>第二行</p>"
    markup += "<script>alert(1)</script><div>&lt;尾&gt;</div></body></html>"
    raw = _raw(["From: a@b.example", "Content-Type: text/html; charset=utf-8"], markup.encode())
    text = parsing.parse(raw).body_text
    assert "第一行" in text and "<尾>" in text and "alert" not in text and "p{}" not in text


def test_threading_headers_are_read():
    raw = _raw(
        [
            "From: a@b.example",
            "Message-ID: <m2@b.example>",
            "In-Reply-To: <m1@alpha.example>",
            "References: <m0@b.example> <m1@alpha.example>",
        ],
        b"x",
    )
    parsed = parsing.parse(raw)
    assert parsed.message_id == "<m2@b.example>"
    assert parsed.in_reply_to == "<m1@alpha.example>"
    assert parsed.references == ["<m0@b.example>", "<m1@alpha.example>"]


@pytest.mark.parametrize(
    "raw",
    [b"", b"   \r\n", b"no headers here", b"Subject: x\r\n\r\nno sender", b"\x00\xff\xfe"],
    ids=["empty", "blank", "no-headers", "no-from", "binary"],
)
def test_malformed_mail_raises_malformed(raw):
    with pytest.raises(parsing.MalformedMail):
        parsing.parse(raw)


def test_a_mail_without_message_id_gets_a_stable_digest():
    header = b"From: a@b.example\r\nDate: Mon, 1 Jan 2026 10:00:00 +0800\r\nSubject: x\r\n\r\n"
    assert parsing.headers_digest(header) == parsing.headers_digest(header)
    assert parsing.headers_digest(header) != parsing.headers_digest(header.replace(b"x", b"y"))
