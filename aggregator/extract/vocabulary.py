"""The extraction vocabulary: the words, labels, class names and tag sets the extractor recognises, as data.

Kept apart from the code (as trafilatura does with its xpaths and metadata name lists) so that teaching the
extractor a new label or chrome class means adding a token to a tuple here, never touching the scoring or parsing
logic. Grouped by the stage that reads it: scripts and punctuation; page furniture (dom, body, lines: chrome tags
and classes, section and line labels, teaser blocks); title, site name and page type (metadata, pagekind); byline
and source labels (attribution); date labels and meta names (dates). The surnames and other name words of bylines
are in vocabulary_names.py. Everything is generic: no site names, no per-page rules.

Only plain data and ``alternation`` live here, nothing is compiled: the code modules build their regexes from
these tuples, so importing the vocabulary (aggregator.search does, for the CJK ranges) costs next to nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def alternation(*groups: Iterable[str]) -> str:
    """A regex alternation (no surrounding group) matching any token of ``groups``, iterables of literal tokens.

    Tokens are escaped, repeats dropped, and the longest come first, so that of two labels where one starts the
    other ("相关阅读", "相关") the longer one is the match: a regex alternation takes the first branch that fits, not
    the longest. Tokens of equal length keep the order of ``groups``.
    """
    tokens = dict.fromkeys(t for group in groups for t in group)
    return "|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True))


# --- scripts and punctuation

# CJK letters: kana, CJK extension A and unified ideographs, Hangul syllables, compatibility ideographs, planes 2-3.
# aggregator.search tokenises by these (its SQL reads the code points); the extractor counts CJK text by the first
# four (CJK) and reads names and labels in the unified ideographs alone (HAN).
CJK_RANGES = (
    (0x3040, 0x30FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xAC00, 0xD7AF),
    (0xF900, 0xFAFF),
    (0x20000, 0x3FFFF),
)
CJK = "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in CJK_RANGES[:4])  # the inside of a regex [...] class
HAN = "{}-{}".format(*map(chr, CJK_RANGES[2]))

# Sentence punctuation: running text has it, menus and link lists do not.
PUNCTUATION = "，。！？；：、“”「」,.;!?"
# The marks that end a clause (no colon, enumeration comma or quotes): a line holding one is a sentence, not a label
# or a name list.
CLAUSE_PUNCTUATION = "，。！？；,;!?"


# --- page furniture: dom, body, lines

# Never content: dropped with their whole subtree wherever they appear.
DROP_TAGS = frozenset(
    {
        "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas", "video",
        "audio", "map", "select", "option", "button", "input", "textarea", "nav", "footer", "head",
        "title", "meta", "link", "base", "dialog", "menu", "figcaption",
    }
)  # fmt: skip

# Structural elements that usually hold chrome, but that some sites wrap around the content (ASP.NET puts every page
# in a <form>, some themes the article in an <aside>): dropped unless they hold more running text than the rest.
SOFT_DROP_TAGS = frozenset({"form", "header", "aside"})

# Elements that end a paragraph. Everything else (span, a, font, strong, ...) is inline and joins its neighbours.
BLOCK_TAGS = frozenset(
    {
        "p", "div", "section", "article", "main", "body", "html", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul",
        "ol", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "blockquote", "pre",
        "figure", "figcaption", "header", "footer", "center", "form", "address", "hr", "fieldset", "legend",
        "caption", "details", "summary", "nav", "aside", "br",
    }
)  # fmt: skip

# Containers the main content can be; a lone <p> or <li> is a paragraph, not a body.
CANDIDATE_TAGS = frozenset(
    {"div", "section", "article", "main", "body", "td", "table", "tbody", "form", "center", "blockquote", "font"}
)  # fmt: skip

HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Boxes that may hold a summary (standfirst) printed apart from the body, between the headline and the body.
LEAD_BOX_TAGS = frozenset({"div", "section"})

# class/id vocabulary of page chrome. Matched against "class id" lowercased; distinctive words match anywhere,
# short ones only as whole tokens (between separators) so that "header" never hits "ad" and "download" never "nav".
BOILERPLATE_WORDS = (
    "comment", "share", "sharing", "social", "related", "recommend", "breadcrumb", "crumb", "footer", "sidebar",
    "newsletter", "subscribe", "copyright", "advert", "sponsor", "promo", "popup", "modal", "cookie", "consent",
    "login", "signup", "masthead", "navbar", "topbar", "toolbar", "pagination", "pager", "disclaimer", "byline-share",
    "outbrain", "taboola", "trending", "most-read", "mostread", "most-popular", "readmore", "read-more",
    "more-stories", "morestories", "also-like", "you-may", "youmay", "next-article", "prev-article", "author-bio",
    "authorbio", "tag-list", "taglist", "hotnews", "hot-news", "hotlist", "rank", "xgxw", "xgyd", "tuijian",
    "guess", "relevant", "backtop", "back-top", "gotop", "go-top", "qrcode", "erweima", "weixin-code",
    "jiathis", "bdshare", "bshare", "fenxiang", "dianzan", "pinglun", "reply", "print-", "navbox", "navframe", "editsection",
    "caption", "credit", "gallery", "slideshow", "carousel", "player", "privacy", "adblock",
    "paywall", "teaser", "infobox", "noprint", "mw-jump",
    # screen-reader-only text (Bootstrap, WordPress, Drupal, in-house): labels a sighted reader never sees
    "sr-only", "visually-hidden", "visuallyhidden", "screen-reader", "offscreen", "element-invisible",
)  # fmt: skip
BOILERPLATE_TOKENS = (
    "ad", "ads", "adv", "nav", "menu", "tags", "tag", "hot", "foot", "share", "top-bar", "links", "list-links",
    "sns", "bottom", "gg", "banner", "slogan", "logo", "search", "header-nav", "site-header", "site-footer",
    "dl-app", "app-download", "follow", "rec", "more", "sitemap", "friendlink", "flink",
)  # fmt: skip
# class/id words that say "this is the article": a boilerplate word next to one of these (article-share,
# post-footer) still marks chrome, but we never drop an element carrying it when it holds the page's text.
CONTENT_WORDS = (
    "article",
    "content",
    "main",
    "body",
    "post",
    "entry",
    "story",
    "text",
    "detail",
    "zhengwen",
    "neirong",
)
# Long text under these names is still chrome: comment threads and footers can outweigh a short article.
COMMENT_WORDS = ("comment", "reply", "respond", "disqus", "pinglun")
# Cookie and consent panels print pages of legal text: longer than a short article, never one.
NEVER_RESCUE_WORDS = COMMENT_WORDS + (
    "related", "recommend", "footer", "copyright", "sidebar", "cookie", "consent",
)  # fmt: skip

# Labels that open a block of page chrome: the element they start is dropped, and when they appear as a line of
# their own inside the body, everything after them is cut.
SECTION_LABELS = (
    "相关阅读", "相关新闻", "相关文章", "相关链接", "相关报道", "相关推荐", "相关内容", "相关专题", "相关资讯",
    "热门文章", "热门新闻", "热门推荐", "热门阅读", "热点推荐", "热点新闻", "热点文章", "最新文章", "最新新闻",
    "最新资讯", "推荐阅读", "推荐文章", "推荐新闻", "为你推荐", "为您推荐", "猜你喜欢", "猜你感兴趣", "延伸阅读",
    "扩展阅读", "拓展阅读", "精彩推荐", "精彩图片", "精彩阅读", "更多精彩", "更多阅读", "更多新闻", "更多文章",
    "往期回顾", "往期推荐", "版权声明", "免责声明", "特别声明", "上一篇", "下一篇", "上一条", "下一条", "网友评论",
    "我要评论", "发表评论", "评论区", "最新评论", "热门评论", "排行榜", "阅读排行", "点击排行", "热门排行",
    "今日推荐", "编辑推荐", "看了又看", "本文相关", "返回顶部", "打印本页", "关闭窗口",
    "related articles", "related stories", "related news", "related content", "related posts", "related coverage",
    "related", "read more", "more stories", "more from", "you may also like", "you might also like",
    "recommended for you", "recommended stories", "most popular", "most read", "trending now", "latest news",
    "latest stories", "share this", "sign up for", "subscribe to", "comments", "leave a comment",
    "leave a reply", "join the conversation", "sponsored content", "around the web", "our latest", "recent articles",
    "recent posts", "popular", "top stories", "more news", "more on this", "see also", "references",
    "external links", "further reading", "about the author", "weitere themen", "mehr zum thema", "meistgelesen",
    "lesen sie auch", "lest auch", "das könnte sie auch interessieren", "参考文献", "参考资料", "外部链接", "参见",
    "注释", "相关条目", "脚注", "反侵权公告", "版权与免责声明", "侵权声明", "法律声明", "breaking news",
    "must watch", "partner news", "sponsored links", "tell us what you think", "sign up for our",
)  # fmt: skip

# Single lines of chrome that may sit anywhere in the body: dropped, the rest is kept.
LINE_LABELS = (
    "分享到", "分享至", "分享：", "扫码关注", "扫一扫", "扫描二维码", "长按识别", "点击关注", "关注我们", "关键字：", "关键词：",
    "关键字:", "关键词:", "标签：", "标签:", "tags:", "点击右上角", "点击浏览器下方", "正在阅读：", "字号：", "【字体：",
    "字体：", "打印本页", "关闭窗口", "【打印】", "【关闭】", "[打印]", "[关闭]", "当前位置", "您的位置", "你的位置",
    "您现在的位置", "现在位置", "所在位置", "关注公众号", "播报文章", "语音播报", "小字号", "大字号", "中字号",
)  # fmt: skip

# What a bare date/time stamp is made of besides digits and separators: month and day names, clock and zone words,
# "updated", "Lesezeit" (whole words), and the Chinese labels around a stamp. A line with nothing else is dropped.
DATE_STAMP_WORDS = (
    "jan", "january", "feb", "february", "mar", "march", "apr", "april", "may", "jun", "june", "jul", "july", "aug",
    "august", "sep", "sept", "september", "oct", "october", "nov", "november", "dec", "december", "mon", "monday",
    "tue", "tuesday", "wed", "wednesday", "thu", "thursday", "fri", "friday", "sat", "saturday", "sun", "sunday",
    "am", "pm", "a.m", "p.m", "et", "est", "edt", "cst", "cdt", "pst", "pdt", "gmt", "utc", "bst", "cet", "cest", "ist",
    "update", "updated", "published", "posted", "last", "on", "at", "stand", "uhr", "min", "mins", "minute",
    "minutes", "read", "hour", "hours", "ago", "lesezeit", "minuten", "aktualisiert", "veröffentlicht", "um",
    "publicado", "em", "atualizado",
)  # fmt: skip
DATE_STAMP_LABELS = (
    "发布时间",
    "发布于",
    "发布",
    "发表于",
    "发表",
    "更新时间",
    "更新",
    "时间",
    "日期",
    "编辑",
    "于",
)

# Running text that is still a notice or a footer, not article prose: after a copyright/disclaimer line, text like
# this does not count as "the article goes on".
NOTICE_WORDS = (
    "侵权", "版权", "著作权", "转载", "授权", "免责", "本网", "本站", "本平台", "联系删除", "仅代表", "不代表", "icp", "备案",
    "主办", "承办", "技术支持", "联系电话", "联系我们", "邮编", "rights reserved", "copyright", "terms of use",
    "terms of service", "privacy policy", "reproduc", "republish",
)  # fmt: skip

# Whole lines that are page furniture rather than text: ad markers and buttons, alone or in brackets.
JUNK_WORDS = (
    "advert", "advertisement", "anzeige", "sponsored", "sponsored link", "sponsored links", "广告", "推广", "赞助",
    "收藏", "点赞", "评论", "举报", "打印", "关闭", "分享", "转发", "返回", "返回顶部", "顶部", "微信", "微博", "qq空间",
    "朋友圈", "复制链接", "关注", "播报", "纠错", "阅读原文", "查看原文", "展开全文", "阅读全文", "查看更多", "点击查看",
    "收起", "share", "print", "email", "tweet", "comment", "comments",
)  # fmt: skip

# Where self-media platforms say a post was sent from ("发布于：北京市", "来自甘肃", "IP属地：广东").
PROVINCES = (
    "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建", "江西", "山东",
    "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏",
    "宁夏", "新疆", "香港", "澳门", "海外",
)  # fmt: skip

# Containers whose text belongs to other articles (metadata.in_teaser), and the class/id words of teaser blocks:
# whole words, since "hot" is also in "photo" and "list" in "playlist"; the prefixes open a word ("relatedNews").
TEASER_TAGS = frozenset({"li", "ul", "ol", "nav", "aside", "footer", "dl", "dd", "marquee"})
# fmt: off
TEASER_WORDS = frozenset({"hot", "rank", "list", "side", "sidebar", "footer", "aside", "comments", "comment", "more"})
TEASER_PREFIXES = ("related", "recommend", "sidebar", "comment", "tuijian", "xgyd", "remen", "xiangguan", "hotnews")
# fmt: on


# --- title, site name, page type: metadata, pagekind

TITLE_META_NAMES = ("og:title", "twitter:title")
SITE_NAME_META_NAMES = ("og:site_name", "application-name", "apple-mobile-web-app-title", "site_name")
# How a site's name ends ("XX网", "XX日报", "example.com"): the last part of a <title> that reads like one is the site.
SITE_NAME_SUFFIXES = (
    "网", "站", "报", "台", "频道", "新闻", "资讯", "在线", "中心", "门户", "博客", "论坛", "社区", ".com", ".cn", ".net",
    ".org",
)  # fmt: skip
# Headings that open the block after an article (related links, comments): the page lines after the body stop there.
TAIL_STOP_LABELS = (
    "相关", "延伸", "推荐", "热门", "最新", "猜你", "上一篇", "下一篇", "更多", "网友评论", "发表评论", "分享到", "Related",
    "More",
)  # fmt: skip

# schema.org types of one article (CreativeWork > Article and its subtypes used by news and blog CMSs): a page whose
# JSON-LD declares one is judged an article on less text (pagekind)
ARTICLE_TYPES = frozenset(
    {
        "Article", "NewsArticle", "ReportageNews", "AnalysisNewsArticle", "OpinionNewsArticle", "BackgroundNewsArticle",
        "ReviewNewsArticle", "BlogPosting", "LiveBlogPosting", "Report", "TechArticle", "ScholarlyArticle",
        "SatiricalArticle", "SocialMediaPosting", "DiscussionForumPosting",
    }
)  # fmt: skip


# --- bylines and source lines: attribution

# The labels of an attribution field, by the role of its value. Simplified and traditional forms side by side.
SOURCE_LABELS = (
    "稿件来源", "文章来源", "信息来源", "新闻来源", "本文来源于", "本文来源", "来源于", "转载自", "转载于", "转自", "出处",
    "来源", "來源", "来自", "稿源", "文章來源", "轉載自",
)  # fmt: skip
# what a closing "（责任编辑：X）" at the end of the text is labelled with; a byline line knows a few more
EDITOR_LABELS = ("责任编辑", "責任編輯", "编辑", "編輯", "责编", "責編")
EDITOR_ROLE_LABELS = EDITOR_LABELS + ("实习编辑", "值班编辑", "主编")
CORRESPONDENT_LABELS = ("通讯员", "通訊員")
REPORTER_LABELS = (
    "本报记者", "本報記者", "实习记者", "特约记者", "首席记者", "见习记者", "记者", "記者", "撰稿人", "撰稿", "撰文",
    "执笔人", "执笔", "采写", "作者", "实习生", "文",
)  # fmt: skip
# labels that end a value but whose own value is not kept
OTHER_LABELS = (
    "发布时间", "发布日期", "发表时间", "发表日期", "更新时间", "发稿时间", "出版时间", "录入时间", "添加时间", "發佈時間",
    "發表時間", "更新時間", "收集", "整理", "点击", "點擊", "浏览", "瀏覽", "阅读", "字号", "字體", "时间", "時間", "日期",
    "发布", "發佈", "审核", "審核", "校对", "校對", "摄影", "图", "制图", "视频", "监制", "出品", "策划", "统筹", "浏览次数",
    "点击数", "访问量", "出版社",
)  # fmt: skip
# person labels an outlet name may stand before: "长江日报记者", "本报通讯员"
OUTLET_PERSON_LABELS = ("记者", "記者", "通讯员", "通訊員", "实习生")
# "来源：网络" and friends say the origin is unknown
UNKNOWN_SOURCES = frozenset(
    {"网络", "互联网", "本站", "本网", "原创", "本站原创", "本网原创", "未知", "转载", "综合", "网友投稿", "投稿", "佚名"}
)  # fmt: skip
# How the name of an outlet ends ("长江日报", "光明网", "新华社"), printed unlabelled next to a date.
OUTLET_SUFFIXES = ("报", "网", "社", "台", "刊", "杂志", "周刊", "新闻", "客户端", "在线")
OUTLET_SUFFIXES_TRADITIONAL = ("報", "網")
# <meta name=author> values that credit a template or the site rather than a person ("Discuz! Team", "admin")
SITE_AUTHOR_WORDS = ("team", "inc", "ltd", "llc", "gmbh", "corp", "webmaster", "admin", "discuz", "powered")
AUTHOR_META_NAMES = ("author", "article:author", "dc.creator", "byl", "sailthru.author", "parsely-author")


# --- publication dates: dates

# Labels naming the page's own publication time. The bare ones (时间, 日期) only count as the start of a field:
# "成文日期：", "印发日期：", "会议时间：" date a document or an event that the story is about.
DATE_LABELS = (
    "发布时间", "发表时间", "发布日期", "发表日期", "出版日期", "出版时间", "更新时间", "更新日期", "发稿时间", "录入时间",
    "添加时间", "上传时间", "编辑时间", "编輯時間", "發佈時間", "發布時間", "發表時間", "發佈日期", "發表日期", "更新時間",
    "发表于", "发布于", "發表於", "發佈於", "posted", "published", "updated", "date",
)  # fmt: skip
BARE_DATE_LABELS = ("时间", "日期", "時間")
# Fields that may share a line with the page's date in the body ("2023-01-09 08:30 来源：X"): a line with anything
# else around its date is text.
INFO_LINE_FIELDS = (
    "来源", "稿件来源", "文章来源", "信息来源", "新闻来源", "來源", "本文来源于", "转载自", "轉載自", "来自", "稿源", "作者",
    "记者", "記者", "通讯员", "通訊員", "责任编辑", "責任編輯", "编辑", "編輯", "责编", "浏览", "瀏覽", "点击", "點擊",
    "阅读", "閱讀", "字号", "字體", "字体", "发布者", "分享",
)  # fmt: skip
# The metadata fields of an official document quoted in a story: its dates are the document's ("索引号" is matched
# with spaces between its characters too).
DOCUMENT_FIELDS = (
    "成文日期", "印发日期", "发文日期", "发文字号", "发文机关", "施行日期", "生效日期", "实施日期", "签发日期",
)  # fmt: skip
# <meta> names of the publication time, most trusted first.
PUBLISHED_META_NAMES = (
    "article:published_time", "article:published:time", "og:article:published_time", "datepublished",
    "publishdate", "publish_date", "publish-date", "pubdate", "og:release_date", "release_date", "dc.date.issued",
    "dc.date", "dcterms.date", "dcterms.created", "sailthru.date", "parsely-pub-date", "article.published",
    "published_time", "date",
)  # fmt: skip
