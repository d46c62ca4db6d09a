"""Realistic complaint bodies with unique personal data, so leak scans can look for each value."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from tests.support.leaks import remember

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严欧莫孔向常汤康易乔赖文"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞晓雯婷宇浩然欣怡梓涵子轩思远嘉俊志国建新海燕春梅"

# a resolution with every field the rules demand of one
RESOLVED = {
    "type": "resolved",
    "actor": "h1",
    "decision": "退还年费",
    "remedy": "退款480元",
    "root_cause": "营销话术不规范",
    "remediation": "修订信用卡营销话术",
}


@dataclass(frozen=True)
class Person:
    """A fictitious complainant."""

    ref: str
    name: str
    phone: str
    id_number: str


def person(rng: random.Random) -> Person:
    """A fictitious person with a unique-looking name, mobile and 18-character ID number."""
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(2))
    phone = rng.choice(["138", "139", "150", "186", "177"]) + f"{rng.randrange(10**8):08d}"
    id_number = f"{rng.randrange(110000, 660000)}19{rng.randrange(50, 99)}{rng.randrange(1, 13):02d}"
    id_number += f"{rng.randrange(1, 29):02d}{rng.randrange(1000):03d}{rng.choice('0123456789X')}"
    remember(name, "代" + name[1:])  # the run's leak scan looks for both (tests/support/leaks.py)
    return Person(ref=f"CUST-{rng.randrange(10**8):08d}", name=name, phone=phone, id_number=id_number)


def complaint(
    rng: random.Random, *, channel: str = "hotline", ref: str | None = None, who: Person | None = None
) -> dict[str, Any]:
    """A complaint body that mentions the person's name, phone and ID number inside its text too."""
    p = who or person(rng)
    agent_phone = "1" + rng.choice("3589") + f"{rng.randrange(10**9):09d}"
    content = (
        f"本人{p.name}（身份证号{p.id_number}），2025年在贵行办理信用卡，近期被收取年费480元，"
        f"办卡时客户经理承诺终身免年费。请联系我{p.phone}，或联系代理人{agent_phone}。骗子银行！"
    )
    return {
        "channel": channel,
        "channel_ref": ref or f"REF-{rng.randrange(10**12):012d}",
        "customer": {"ref": p.ref, "name": p.name, "phone": p.phone, "id_number": p.id_number, "age": 67},
        "product": {"line": "banking", "type": "信用卡", "policy_or_account": f"6222{rng.randrange(10**12):012d}"},
        "category": "息费",
        "content": content,
        "demands": f"退还年费，{p.name}要求书面道歉",
        "amount_in_dispute": 480,
        "representative": {"kind": "family", "name": "代" + p.name[1:], "phone": agent_phone},
    }


def personal_values(body: dict[str, Any]) -> list[str]:
    """Every personal value of a body that must never leave intake in clear."""
    c, r = body["customer"], body.get("representative") or {}
    return [v for v in (c.get("name"), c.get("phone"), c.get("id_number"), r.get("name"), r.get("phone")) if v]
