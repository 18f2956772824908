"""Outgoing channels: the group robots' message formats and signing, and the HTTP post.

Formats (as the platforms document them):

* 企业微信 group robot: ``{"msgtype": "markdown", "markdown": {"content": …}}``; the key
  is in the webhook URL; the answer is ``{"errcode": 0, "errmsg": "ok"}``.
* 钉钉 custom robot: ``{"msgtype": "markdown", "markdown": {"title": …, "text": …}}``;
  with 加签, ``timestamp`` (milliseconds) and ``sign`` = base64(HMAC-SHA256(key=secret,
  msg=f"{timestamp}\\n{secret}")) go into the URL's query; answer ``{"errcode": 0}``.
* 飞书 custom robot: ``{"msg_type": "text", "content": {"text": …}}``; with 签名校验,
  ``timestamp`` (seconds) and ``sign`` = base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}",
  msg=b"")) go into the body; answer ``{"code": 0}`` (older: ``StatusCode``).
"""

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request

TIMEOUT = 5  # seconds: a slow endpoint is retried later, never waited on
WECOM_LIMIT = 4000  # 企业微信 markdown content is at most 4096 bytes
TEXT_LIMIT = 3000


class SendError(Exception):
    """The endpoint did not take the message (network, non-2xx, or a platform error)."""


def _clip(text, limit):
    return text if len(text.encode()) <= limit else text.encode()[:limit].decode(errors="ignore")


def robot_payload(platform, *, heading, title, body="", url="", names=()):
    """The JSON body a robot of ``platform`` posts (without the signature, added at send
    time because it carries the time)."""
    who = "、".join(names)
    if platform == "feishu":
        lines = [f"【{heading}】{title}", body, who and f"→ {who}", url]
        text = "\n".join(line for line in lines if line)
        return {"msg_type": "text", "content": {"text": _clip(text, TEXT_LIMIT)}}
    lines = [f"**{heading}** {title}"]
    if body:
        lines.append("> " + body.replace("\n", "\n> "))
    if who:
        lines.append(f"→ {who}")
    if url:
        lines.append(f"[{url}]({url})")
    text = "\n\n".join(lines)
    if platform == "dingtalk":
        return {
            "msgtype": "markdown",
            "markdown": {
                "title": _clip(f"{heading} {title}", 200),
                "text": _clip(text, TEXT_LIMIT),
            },
        }
    return {"msgtype": "markdown", "markdown": {"content": _clip(text, WECOM_LIMIT)}}


def dingtalk_sign(secret, timestamp_ms):
    message = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret, timestamp_s):
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def signed_request(platform, url, payload, secret, *, now=None):
    """``(url, body)`` to post, signed when the robot has a secret."""
    now = time.time() if now is None else now
    body = dict(payload)
    if secret and platform == "dingtalk":
        timestamp = str(int(now * 1000))
        query = urllib.parse.urlencode(
            {"timestamp": timestamp, "sign": dingtalk_sign(secret, timestamp)}
        )
        url = f"{url}{'&' if '?' in url else '?'}{query}"
    elif secret and platform == "feishu":
        timestamp = str(int(now))
        body = {"timestamp": timestamp, "sign": feishu_sign(secret, timestamp), **body}
    return url, body


def platform_error(platform, answer):
    """The platform's error in a 2xx answer (企业微信/钉钉 ``errcode``, 飞书 ``code``), or ''."""
    try:
        data = json.loads(answer or b"{}")
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    if platform == "feishu":
        code = data.get("code", data.get("StatusCode", 0))
        message = data.get("msg", data.get("StatusMessage", ""))
    else:
        code = data.get("errcode", 0)
        message = data.get("errmsg", "")
    if code not in (0, "0", None):
        return f"{code} {message}".strip()
    return ""


def post_json(url, body, *, timeout=None):
    """POST ``body`` as JSON; returns the answer's bytes or raises ``SendError``."""
    timeout = TIMEOUT if timeout is None else timeout
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise SendError("not an http(s) URL")
    data = json.dumps(body, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json; charset=utf-8"}
    request = urllib.request.Request(url, data=data, method="POST", headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.read(65536)
    except urllib.error.HTTPError as exc:
        raise SendError(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SendError(f"{type(reason).__name__}: {reason}"[:500]) from exc


def robot_post(platform, url, payload, secret):
    """Sign and post one robot message; raises ``SendError`` unless the platform took it."""
    url, body = signed_request(platform, url, payload, secret)
    answer = post_json(url, body)
    error = platform_error(platform, answer)
    if error:
        raise SendError(error)
