"""The tokenizer: what a record puts into the index and what a query looks for."""

from guanxi.search import tokens as tk


def _doc(**fields):
    base = {"kind": "customer", "object_id": 1, "title": "北京华为技术有限公司", "module": "m"}
    return tk.Document(**(base | fields))


def _found(doc, query):
    """Would ``query`` find ``doc``: some token group all present, and the final check."""
    text, tokens = tk.document_text(doc)
    have = set(tokens.split())
    parsed = tk.parse(query)
    return any(set(group) <= have for group in parsed.groups) and tk.matches(parsed, text)


def test_two_chinese_characters_inside_a_name():
    doc = _doc(names=["北京华为技术有限公司"])
    assert _found(doc, "华为")
    assert _found(doc, "华为技术有限")
    assert _found(doc, "有限公司")
    assert not _found(doc, "华技")
    assert not _found(doc, "为华")


def test_pinyin_initials_and_full_pinyin_anywhere():
    doc = _doc(names=["北京华为技术有限公司"])
    assert _found(doc, "BJHW")
    assert _found(doc, "hw")
    assert _found(doc, "huawei")
    assert _found(doc, "beijinghuawei")
    assert not _found(doc, "huaxin")


def test_person_names_read_the_surname():
    doc = _doc(title="单丽", names=["单丽"], person=True)
    assert _found(doc, "SL")
    assert _found(doc, "shanli")
    assert not _found(doc, "danli")


def test_phone_digits_four_or_more_anywhere():
    doc = _doc(phones=["0571-87654321", "139 1234 5678"])
    assert _found(doc, "5678")
    assert _found(doc, "87654321")
    assert _found(doc, "0571-8765")
    assert _found(doc, "13912345678")
    assert not _found(doc, "56789")


def test_email_code_and_mixed_text():
    doc = _doc(
        names=["ABC科技2025"],
        codes=["KH-2026-0042"],
        emails=["Zhang.San@Example.com"],
    )
    assert _found(doc, "zhang.san@example")
    assert _found(doc, "example.com")
    assert _found(doc, "kh-2026")
    assert _found(doc, "2026")  # digits inside a code, not only phones
    assert _found(doc, "ABC科技")
    assert _found(doc, "abckj")
    assert not _found(doc, "xyz")


def test_full_width_and_accents_fold():
    doc = _doc(names=["ＡＢＣ Café"])
    assert _found(doc, "abc")
    assert _found(doc, "cafe")


def test_meta_tokens_cannot_be_typed():
    doc = _doc(names=["_o123 _g1"], owner_id=123)
    _text, tokens = tk.document_text(doc)
    assert not any(token.startswith("_") for token in tokens.split())
    # scope tokens are digests: text can never produce them
    _all_text, everything = tk.document_tokens(doc, org_id=1)
    assert tk.meta("o", 123) in everything.split()
    space = tk.space(1, "customer")
    assert all(t.startswith("_") or t.startswith(space) for t in everything.split())


def test_each_org_and_kind_has_its_own_tokens():
    doc = _doc(names=["华为"])
    _text, one = tk.document_tokens(doc, org_id=1)
    _text, two = tk.document_tokens(doc, org_id=2)
    assert not set(one.split()) & set(two.split())
    _text, contact = tk.document_tokens(_doc(kind="contact", names=["华为"]), org_id=1)
    assert tk.space(1, "customer") + "华为" in one.split()
    assert tk.space(1, "contact") + "华为" in contact.split()


def test_exact_keys_and_start():
    doc = _doc(codes=["C001"], phones=["138-0000-1111"], emails=["a@b.cn"])
    _text, tokens = tk.document_tokens(doc, org_id=1)
    have = set(tokens.split())

    def exact(query):
        return tk.exact_key(1, "customer", tk.parse(query).exact)

    def start(query):
        return tk.start_key(1, "customer", tk.parse(query).head)

    assert exact("c001") in have
    assert exact("13800001111") in have
    assert exact("138 0000 1111") in have
    assert exact("A@B.CN") in have
    assert exact("c00") not in have
    assert start("北京华为") in have
    assert start("华为") not in have


def test_only_the_longest_pieces_give_tokens():
    code = tk.parse("KH-2026-0125000")
    assert code.groups == [["0125", "5000"]]
    assert code.pieces == ["kh", "2026", "0125000"]
    assert tk.parse("华为 技术").groups == [["华为", "技术"]]


def test_too_short_or_empty_queries_look_for_nothing():
    assert tk.parse("张").empty
    assert tk.parse("a b").empty
    assert tk.parse("").empty
    assert not tk.parse("张三").empty
