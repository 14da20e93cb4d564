from aggregator.dedup import canonical_url, fingerprint, normalize_text

ORIGINAL = "科技创新是引领高质量发展的第一动力。近年来，大冶坚持全区域、多层次推进科技创新，“全国科技创新百强县市”第50位。"


def test_forms_that_reposts_change_do_not_change_the_fingerprint():
    variants = [
        ORIGINAL.replace("，", ",").replace("。", ".").replace("“", '"').replace("”", '"'),  # half-width
        "科技創新是引領高質量發展的第一動力。近年來，大冶堅持全區域、多層次推進科技創新，“全國科技創新百強縣市”第50位。",
        ORIGINAL.replace("。", "。\n\n  "),  # other paragraph breaks and whitespace
        ORIGINAL.replace("50", "５０"),  # full-width digits
    ]
    for text in variants:
        assert fingerprint(text).body_hash == fingerprint(ORIGINAL).body_hash, text


def test_different_text_differs_and_empty_has_no_fingerprint():
    assert fingerprint(ORIGINAL).body_hash != fingerprint(ORIGINAL.replace("大冶", "黄石")).body_hash
    assert fingerprint(" \n，。") is None


def test_normalize_keeps_latin_words_lowercased():
    assert normalize_text("Hello, World! 2023") == "helloworld2023"


def test_canonical_url_ignores_fragment_and_query_order():
    assert canonical_url("http://A.test/x.html?b=2&a=1#top") == canonical_url("http://a.test/x.html?a=1&b=2")
