"""Pages and helpers shared by the extraction tests (test_extract*.py): a seed page as the xinxi portal
reposts it, and a small article page whose info line, body and head each test fills in."""

from datetime import datetime

import lxml.html

from aggregator.extract.dates import CHINA_TZ, extract_published

FETCHED = datetime(2023, 1, 10, 12, 0, tzinfo=CHINA_TZ)


SEED_BODY = [
    "科技创新是引领高质量发展的第一动力。近年来，大冶坚持全区域、多层次推进科技创新，探索出了一条资源城市转型发展的创新之路。",
    "1月7日下午，湖北省科技厅召开2023年全省科技工作会议，大冶市科技局党组书记、局长吴文胜发言表示，大冶顺利通过验收。",
    "聚力创新体系建设，构建全区域创新布局。立足武汉都市圈核心区优势，抢抓光谷科创大走廊建设机遇，不断优化县域创新布局。",
    "吴文胜说：“2023年，大冶将突出“双区”科创引领，着力打造全国县域创新高地，为湖北建设构建全国新发展格局先行区贡献力量。”",
]


SEED_ATTRIBUTION = ["来源:武汉科技报", "记者:郑莉莉 张宇驰 任文", "通讯员:朱勇进  冯星星", "编辑:陈丽萍"]


SEED_HTML = f"""<html><head><meta charset="utf-8">
<title>湖北大冶:凝聚科技创新磅礴力量 打造全国县域创新高地_科技_服务粉丝网</title></head><body>
<div class="top">服务粉丝</div><div class="slogan">我们一直在努力</div>
<div class="crumb">当前位置:<a href="/">首页</a> &gt; <a href="/kj/">科技</a> &gt;</div>
<div class="article">
<h1>湖北大冶:凝聚科技创新磅礴力量 打造全国县域创新高地</h1>
<div class="info">日期: 来源:<a href="#">武汉科技报</a>收集编辑:武汉科技报</div>
<div id="content">{"".join(f"<p>{p}</p>" for p in SEED_BODY + SEED_ATTRIBUTION)}</div>
</div>
<div class="related"><h3>相关阅读</h3><ul>
<li><a href="/a1">晋江出台16条措施奖补软件信息服务业</a><span>2023-01-09 10:23</span>
<p>泉州晚报社·泉州通客户端1月9日讯 (泉州晚报记者 王宇静 通讯员 陈振华 文/图)为进一步推进晋江数智转型</p></li>
<li><a href="/a2">新乡市企业上市工作迈出新步伐</a><span>01-08 09:00</span>
<p>1月8日，记者从市金融部门获悉，2022年，我市全年新增上市企业3家。</p></li>
</ul></div>
<div class="hot"><h3>热门文章</h3><ul><li><a href="/b1">春运启幕 绵阳多举措温暖出行路</a> 发布时间：2023年01月07日 09:30</li>
<li>记者：李四 来源：绵阳日报</li></ul></div>
</body></html>"""


def tree_of(html: str):
    return lxml.html.document_fromstring(html)


def published(html: str, main_xpath: str | None = '//*[@id="content"]', fetched=FETCHED) -> str | None:
    tree = tree_of(html)
    main = tree.xpath(main_xpath)[0] if main_xpath else None
    return extract_published(tree, main_node=main, fetched_at=fetched)


def article(info: str = "", body: str = "<p>正文第一段，内容充实。</p>", head: str = "") -> str:
    return (
        f"<html><head><title>标题测试新闻_新闻中心_某某网</title>{head}</head><body>"
        f"<h1>标题测试新闻</h1><div class='info'>{info}</div><div id='content'>{body}</div>"
        "<ul class='list'><li>别的文章 2020-05-05 10:00</li></ul></body></html>"
    )


LONG = "这是一个很长的段落，讲述了一个很长的故事，内容充实而且丰富，读者可以从中了解事情的来龙去脉。" * 2
