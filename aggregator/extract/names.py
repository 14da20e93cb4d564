"""Person names in bylines: which tokens of a 记者/通讯员/编辑 value are people.

How much evidence a token needs depends on what vouches for it:

- after a colon label ("记者：", "通讯员:", "责任编辑：", "文/"), every 2–4 character Chinese token separated by spaces,
  、 or commas is a name unless it is a known non-name word ("本报", "报道", "摄影", "综合"); a token that is page
  text ("返回搜狐") ends the list;
- after a label without a colon ("记者 王芳 李强", "（记者 王芳）"), the first token is the name the label points at,
  and the ones after it must start with a common surname, since a sentence may follow ("记者 王芳 今天 来到");
- with no label at all (a bare "（常书香 马丹阳）", a name line under the headline, <meta name=author>), every token
  must start with a common surname.
"""

from __future__ import annotations

import re

from aggregator.extract.vocabulary import CJK, HAN

__all__ = [
    "COMPOUND_SURNAMES",
    "SURNAMES",
    "bare_names",
    "is_likely_name",
    "latin_names",
    "person_name",
    "split_names",
]

# The common single-character surnames: the 百家姓 plus the frequent modern ones it lacks (闫, 覃, 付, 冼 ...).
# _WORDLIKE leaves out the entries that start everyday words far more often than names ("水平", "家长", "有关").
_SINGLE = (
    "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏窦章云苏潘葛奚范彭郎鲁韦昌马苗凤花"
    "方俞任袁柳酆鲍史唐费廉岑薛雷贺倪汤滕殷罗毕郝邬安常乐于时傅皮卞齐康伍余元卜顾孟平黄和穆萧尹姚邵湛汪祁毛禹狄米"
    "贝明臧计伏成戴谈宋茅庞熊纪舒屈项祝董梁杜阮蓝闵席季麻强贾路娄危江童颜郭梅盛林刁钟徐邱骆高夏蔡田樊胡凌霍虞万支"
    "柯昝管卢莫房裘缪干解应宗丁宣贲邓郁单杭洪包诸左石崔吉钮龚程嵇邢滑裴陆荣翁荀羊於惠甄曲封芮羿储靳汲邴糜松井段富"
    "巫乌焦巴弓牧隗谷车侯宓蓬全郗班仰秋仲伊宫宁仇栾暴甘钭厉戎祖武符刘景詹束龙叶幸司韶郜黎蓟薄印宿白怀蒲邰鄂索咸籍"
    "赖卓蔺屠蒙池乔阴胥苍闻莘党翟谭贡劳逄姬申扶堵冉宰郦雍郤璩桑桂濮牛燕冀郏浦尚农温庄晏柴瞿阎慕连茹宦艾容向古易戈"
    "廖庾暨居衡都耿满弘匡国文寇阙东欧殳沃利蔚夔隆师巩厍聂晁勾敖冷訾辛阚那简饶曾毋沙乜鞠丰巢关蒯相查后荆游竺权逯盖"
    "桓公晋楚闫法汝鄢涂钦岳帅缑亢况有琴商佘佴伯赏墨哈谯笪年阳佟"
    # frequent today, rare or absent in the 百家姓
    "覃付冼邝粟谌楼盘位仝区海豆朴练漆卿初门扈普鹿邸辜阿母亓修赫鲜战玉银但尉冶斯檀衣信展智奉植尧闭由揭呼来敬原栗南"
    "兰肖丛官宾牟芦苑苟边迟隋麦"
)
_WORDLIKE = "水家山红通能双别充终步空养须有年爱法微归百广禄益从寿习鱼慎越融经后後东東乾醜"
# fmt: off
COMPOUND_SURNAMES = (
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "慕容", "尉迟", "夏侯", "宇文", "司徒", "公孙", "万俟", "闻人",
    "赫连", "公羊", "澹台", "公冶", "宗政", "濮阳", "淳于", "单于", "太叔", "申屠", "仲孙", "轩辕", "钟离", "长孙", "鲜于",
    "闾丘", "司空", "亓官", "司寇", "端木", "巫马", "公西", "漆雕", "乐正", "壤驷", "公良", "拓跋", "夹谷", "宰父", "谷梁",
    "段干", "百里", "东郭", "南门", "呼延", "羊舌", "微生", "梁丘", "左丘", "东门", "西门", "南宫", "第五",
)
# Traditional forms, for Taiwan/Hong Kong pages and traditional reposts. OpenCC picks one form per character by
# context (钟 becomes 鍾 in a name but 鐘 in a word), so both forms of the ambiguous characters are listed here.
_TRADITIONAL = (
    "陳張劉楊黃趙吳許韓馮鄧蕭葉蔣蘇呂鄭謝羅孫馬盧鍾鐘譚陸賈韋鄒閆龍賀顧龔萬錢嚴溫齊喬龐顏莊聶魯歐關蘭寧紀畢單塗駱藍"
    "遊靳鮑饒繆簡車項連蘆麥婁竇費衛應閔鄔邊師欒榮鞏遲鄺談荊樂儲勞諶藺樓盤滿聞厲區闞權強帥樸蓋練豐國晉門雲來闕烏"
    "況鮮戰銀堯閉範於餘瀋薑穀黨幹鬱華湯傅賴萬葉蕭肖沈姜谷党干庄郁范于余"
)
# fmt: on
# What OpenCC (s2t, s2hk, s2tw) makes of the lists above beyond _TRADITIONAL, alone and as the start of a name (the
# two contexts give the two forms of ambiguous characters), so every traditional repost of a listed surname is
# covered. Written out rather than converted at import, which cost ~0.15 s of every extraction's start-up;
# tests/test_extract_speedups.py converts again and fails when OpenCC's answer changes.
_OPENCC_SINGLE = "厙叢宮嶽懷時欽緱蒼薊衞計諸譙貝貢賁賓賞農郟酈鈄鈕閻陰陽鳳鹹"
# fmt: off
_OPENCC_COMPOUND = (
    "仲孫", "公孫", "南宮", "南門", "司馬", "單于", "壤駟", "夾谷", "尉遲", "巫馬", "東方", "東郭", "東門", "樂正",
    "歐陽", "段幹", "澹臺", "濮陽", "穀梁", "聞人", "西門", "諸葛", "赫連", "軒轅", "鍾離", "長孫", "閭丘", "鮮于",
)
# fmt: on
SURNAMES = set(_SINGLE) | set(_TRADITIONAL) | set(_OPENCC_SINGLE)
SURNAMES -= set(_WORDLIKE)
_COMPOUND = tuple(sorted({*COMPOUND_SURNAMES, *_OPENCC_COMPOUND}))

# page furniture that happens to start with a surname character
# fmt: off
CHROME_WORDS = {
    "关闭", "打印", "推荐", "收藏", "分享", "评论", "返回", "顶部", "首页", "更多", "字体", "高清", "全文", "原文",
    "上一页", "下一页", "登录", "注册", "搜索", "查看", "相关", "时间", "日期", "来源", "作者", "编辑", "记者", "万家",
    "全国", "国际", "国内", "国家", "地方", "时政", "文化", "文章", "周刊", "平台", "平安", "金融", "华人", "宁夏", "江苏",
    "石家庄", "项目", "关注", "订阅", "点赞", "转发", "举报", "收起", "展开", "阅读", "应急", "安全", "和平",
    "龙头", "史上", "东方", "东西", "南方", "北方", "西方", "东部", "南部", "西部", "北部", "中国", "公司", "明天",
    "明年", "明日", "时候", "时期", "文明", "文艺", "文学", "高新", "高考", "高校", "高速", "高端", "金额", "金牌",
    "方面", "方式", "方案", "方法", "方向", "平均", "平常", "和谐", "安排", "安装", "白天", "常见", "常用", "成功",
    "成为", "成都", "成本", "成绩", "成果", "成立", "向前", "关于", "关键", "通过", "通知", "都是", "都市",
    "相比", "公告", "公众", "公开", "公示", "公安", "公布", "公里", "元旦", "元素", "利用", "利益", "海外", "海南",
    "海洋", "信息", "信用", "展示", "展览", "智能", "智慧", "富强", "原创", "原因", "原来", "来自", "来到", "来源于",
    "连续", "连接", "应该", "应用", "师生", "宣传", "计划", "计算", "支持", "支付", "国务院", "卫生", "卫视",
}
# fmt: on
# words that sit in byline values next to the names and are never names themselves
_NOT_NAMES = {
    "本报",
    "本台",
    "本网",
    "本刊",
    "本站",
    "报道",
    "报导",
    "摄",
    "摄影",
    "摄像",
    "摄影报道",
    "综合报道",
    "综合",
    "整理",
    "编译",
    "供图",
    "图片",
    "图文",
    "文字",
    "视频",
    "制图",
    "设计",
    "新闻",
    "实习生",
    "通讯员",
    "记者",
    "编辑",
    "见习",
    "特约",
    "首席",
    "联合",
    "发自",
    "来自",
    "今天",
    "昨天",
    "今日",
    "昨日",
    "近日",
    "日前",
    "上午",
    "下午",
    "晚上",
    "凌晨",
    "中午",
    "早上",
    "校对",
    "审核",
    "审校",
    "责编",
    "主编",
    "编审",
    "监制",
    "出品",
    "策划",
    "统筹",
    "编辑部",
    "网友",
    "匿名",
    "佚名",
    "未知",
    "暂无",
    "转载",
    "原创",
    "投稿",
    "管理员",
    "小编",
    "等人",
    "文图",
    "图文编辑",
    "實習生",
    "通訊員",
    "記者",
    "編輯",
    "報道",
    "攝影",
    "綜合",
    "整理報道",
    "本報",
}  # fmt: skip
# a token that opens with these is page text after the byline ("返回搜狐", "查看更多"): the names end there
_CHROME_START = re.compile(
    r"^(返回|查看|点击|點擊|更多|分享|打印|关闭|關閉|收藏|上一|下一|阅读|閱讀|浏览|瀏覽|发布|發佈)"
)

CJK_NAME = re.compile(rf"^[{HAN}]{{2,4}}$|^[{HAN}]{{1,6}}[·•][{HAN}]{{1,8}}$")
# any alphabet (accents, Cyrillic, Greek): capitalised words, with the usual lower-case particles
LATIN_NAME = re.compile(
    r"^(?=[^\W\d_])[^\W\d_][\w'’.-]*(?: (?:[^\W\d_][\w'’.-]*|van|von|de|der|den|da|di|del|la|le|du|bin|al|y))*$"
)
CJK_CHAR = re.compile(f"[{CJK}]")
_HAN_WORD = re.compile(f"[{HAN}]{{2,4}}")
BYLINE_NOISE = re.compile(
    r"\s+(?:for|für|pour|para|Follow|Twitter|X|Email|E-Mail|The Associated Press|Reuters|AFP|Updated|Published|"
    r"Posted|Staff Writer|Correspondent|Reporter)\b.*$|\s*\([^)]{1,12}\)\s*$",
    re.I,
)
_NAME_SPLIT = re.compile(
    rf"[\s\u3000、，,；;／/|｜]+|(?<=[{HAN}])[和及](?=[{HAN}])|\band\b|&|\d[\d\-:/.年月日时分]*"
)
_JUNK = re.compile(
    r"^(本报|报道|报导|摄|摄影|图|文|等|通讯员|实习生|综合|整理|编译|供图|图片|视频|新闻|本台|本网)$"
)
# two-character names are padded to the width of three-character ones: "赵  培"
_PADDED = re.compile(rf"(?<![{HAN}])([{HAN}])[ \u3000\xa0]{{1,3}}([{HAN}])(?![{HAN}])")
ORGISH = re.compile(r"记者|编辑|通讯员|(报|社|网|台|站|部|局|厅|委|会|院|校|组|中心|公司|集团|频道|统计)$")
_PLACE_REPORT = re.compile(r"(报道|报导|發自|发自|电)$")
_NAME_TRAIL = re.compile(r"(报道|报导|摄影?|供图|整理|编译|发自\S*|综合报道)$")
_VOUCHED = re.compile(r"^\s*[:：/／]")


def split_names(value: str, strict: bool = False, vouched: bool | None = None) -> list[str]:
    """Names in a byline value: split on spaces, 、, commas, 和; anything that does not look like a name dropped.

    vouched: a colon label precedes the value (default: the value itself starts with ":", "：" or "/"); every
    2–4 character Chinese token then counts unless it is a known non-name word. Otherwise a label without a colon
    vouches for the first name only, and strict (no label at all) means every Chinese name needs a common surname.
    """
    value = value or ""
    if vouched is None:
        vouched = bool(_VOUCHED.match(value))
    value = value.lstrip(" :：/／|｜")
    value = re.split(r"[:：]", value, maxsplit=1)[0]  # a second colon opens an unlabelled field ("单位：…")
    value = _PADDED.sub(lambda m: m.group(1) + m.group(2) if m.group(1) in SURNAMES else m.group(0), value)
    names: list[str] = []
    has_cjk = bool(CJK_CHAR.search(value))
    for part in _NAME_SPLIT.split(value):
        part = part.strip(" .。()（）[]【】<>\"'“”")
        if not part or _PLACE_REPORT.search(part):  # "山东冠县报道" is where, not who
            continue
        if vouched and _CHROME_START.match(part):
            break
        part = _NAME_TRAIL.sub("", part) if len(part) > 4 else part
        if _JUNK.match(part) or part in _NOT_NAMES or ORGISH.search(part) or part in names:
            continue
        if part in CHROME_WORDS:
            if vouched and names:
                break
            continue
        if CJK_NAME.match(part):
            if vouched or (not strict and not names) or is_likely_name(part) or "·" in part:
                names.append(part)
            elif names:  # after the first name, a token without a common surname is usually page text
                break
        # editor codes next to Chinese names ("支全明 SF", "黄忆南 PN043") are not names
        elif (
            LATIN_NAME.match(part)
            and len(part) <= 40
            and not CJK_CHAR.search(part)
            and not (has_cjk and len(part) <= 3 and part.isupper())
        ):
            names.append(part)
    return names


def is_likely_name(token: str) -> bool:
    """A 2–4 character Chinese name starting with a common surname (for names no label vouches for)."""
    if not _HAN_WORD.fullmatch(token) or token in CHROME_WORDS or token in _NOT_NAMES:
        return False
    if token.startswith(_COMPOUND):
        return len(token) >= 3
    return token[0] in SURNAMES and len(token) <= 3


def bare_names(text: str) -> list[str]:
    """Names in a run with no label: every space/、-separated token must look like a person's name."""
    tokens = [t for t in re.split(r"[\s\u3000、]+", text.strip()) if t]
    return tokens if tokens and len(tokens) <= 5 and all(is_likely_name(t) for t in tokens) else []


def latin_names(value: str) -> list[str]:
    """Latin bylines keep their internal spaces ("Jane Doe, John Roe and Ann Poe")."""
    if re.search(r"[\u3040-\u9fff]", value):
        return []
    parts = re.split(r"\s*(?:,|;|\band\b|\bund\b|\bet\b|\bog\b|\by\b|&|\|)\s*", value)
    out = []
    for p in parts:
        p = BYLINE_NOISE.sub("", p.strip()).strip()
        if (
            p
            and LATIN_NAME.match(p)
            and len(p) <= 40
            and p.lower() not in ("by", "von", "par", "por")
            and p not in out
        ):
            out.append(p)
    return out


def person_name(author) -> str | None:
    """One JSON-LD author object as a display name: name, or givenName + familyName."""
    if isinstance(author, str):
        return author.strip() or None
    if not isinstance(author, dict):
        return None
    name = author.get("name")
    if not isinstance(name, str) or not name.strip():
        name = " ".join(str(author.get(k) or "") for k in ("givenName", "familyName")).strip()
    return name.strip() or None
