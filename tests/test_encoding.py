from aggregator.extract.encoding import decode_html, normalize_charset

TEXT = "朱镕基视察大冶，记者王芳报道。"  # 镕 is in GBK/GB18030 but not in GB2312


def page(charset_meta: str | None, body: str = TEXT) -> str:
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    return f"<html><head>{meta}<title>t</title></head><body><p>{body}</p></body></html>"


def test_utf8_declared():
    data = page("utf-8").encode("utf-8")
    assert TEXT in decode_html(data)
    assert TEXT in decode_html(data, "text/html; charset=UTF-8")


def test_gb2312_declared_decodes_as_gb18030():
    data = page("gb2312").encode("gb18030")
    with_http_equiv = (
        b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body>'
        + TEXT.encode("gbk")
        + b"</body></html>"
    )
    assert TEXT in decode_html(data)
    assert TEXT in decode_html(with_http_equiv)
    assert TEXT in decode_html(TEXT.encode("gbk"), "text/html; charset=GB2312")


def test_gb_aliases_map_to_gb18030():
    for name in ("gb2312", "GBK", "gb_2312-80", "x-gbk", "GB18030", "cp936"):
        assert normalize_charset(name) == "gb18030"
    assert normalize_charset("no-such-charset") is None


def test_no_charset_gbk_bytes():
    assert TEXT in decode_html(page(None).encode("gbk"))


def test_gbk_mislabelled_utf8_in_meta():
    assert TEXT in decode_html(page("utf-8").encode("gbk"))


def test_gbk_mislabelled_utf8_in_header():
    assert TEXT in decode_html(page(None).encode("gbk"), "text/html; charset=utf-8")


def test_utf8_mislabelled_gbk():
    assert TEXT in decode_html(page("gbk").encode("utf-8"))


def test_bom():
    assert decode_html(b"\xef\xbb\xbf" + page("gbk").encode("utf-8")).startswith("<html>")
    utf16 = "\ufeff" + page(None)
    assert TEXT in decode_html(utf16.encode("utf-16-le"))


def test_empty_and_garbage_never_raise():
    assert decode_html(b"") == ""
    assert isinstance(decode_html(bytes(range(256)) * 4), str)
    assert isinstance(decode_html(b"<meta charset='bogus'>\xff\xfe\xfd", "text/html; charset=nonsense"), str)


def test_few_broken_bytes_keep_the_rest():
    data = page("gbk").encode("gbk")
    broken = data.replace("记者".encode("gbk"), b"\x81", 1)
    out = decode_html(broken)
    assert "视察大冶" in out
