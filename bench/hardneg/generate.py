"""Build hard-negative portals: ``python -m bench.hardneg.generate --out DIR [--days 30] [--portals 7]``.

Six kinds of templated daily text (stock-market close, fuel price, weather bulletin, exchange rates, lottery
draw, a bridge project's daily follow-up) over ``--days`` days: each day's piece shares most of its characters
with the other days of its kind (template, shared background/disclaimer paragraphs, different numbers, a few
day-specific sentences) and is a different story. Each piece is published by one newspaper portal and reposted
on 2-4 other portals with the repost edits of bench/reposts (【转载】 titles, site suffixes, truncation, ads,
traditional characters, half/full-width forms, other date lines), plus: reposts one or two days later, and a
changed dateline (本报讯 → 据江城日报消息，). Ordinary corpus articles (bench/reposts/pool.py) are reposted the same
way, so recall of real reposts is measured too. The portals and their page templates are bench/reposts'.
``truth.json``: as bench/reposts' (portals → article paths → story, stories → kind, metadata, body), plus
``articles`` (``portal/path`` → story id).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import random
import sys
from pathlib import Path

from bench.reposts import generate as rg
from bench.reposts.pool import CATEGORIES, NEWSPAPERS, CorpusMissing, Story, _name, build_stories

KINDS = ("market", "fuel", "weather", "fx", "lottery", "followup")
ALL_KINDS = (*KINDS, "real")
HOME = {
    "market": "ctcb",
    "fx": "ctcb",
    "lottery": "ctcb",
    "fuel": "jcrb",
    "weather": "jcrb",
    "followup": "jcrb",
}
PAPER = {"jcrb": NEWSPAPERS[0], "ctcb": NEWSPAPERS[1]}
CATEGORY = {"market": 2, "fx": 2, "fuel": 2, "weather": 1, "lottery": 1, "followup": 0}  # index in CATEGORIES
START = dt.datetime(2023, 3, 1)


def md(t: dt.datetime) -> str:
    return f"{t.month}月{t.day}日"


def signed(rng: random.Random, lo: float, hi: float) -> float:
    return round(rng.uniform(lo, hi) * rng.choice((1, 1, -1)), 2)


def updown(x: float, up: str = "涨", down: str = "跌") -> str:
    return f"{up if x >= 0 else down}{abs(x):.2f}%"


# ------------------------------------------------------------------------------------------------- templates

SECTORS = [
    "半导体",
    "券商",
    "银行",
    "保险",
    "白酒",
    "光伏",
    "锂电池",
    "医药",
    "汽车整车",
    "煤炭",
    "有色金属",
    "房地产",
    "军工",
    "传媒",
    "游戏",
    "钢铁",
    "电力",
    "通信设备",
    "软件开发",
    "旅游酒店",
]
COMPANIES = [
    "长江电子",
    "楚天科技",
    "汉江新材",
    "荆楚药业",
    "三峡装备",
    "鄂东重工",
    "江汉精密",
    "东湖光电",
    "襄江汽车",
    "黄鹤软件",
]
MARKET_VIEWS = [
    "短期市场仍以震荡为主，投资者可关注业绩确定性较强的板块。",
    "成交量温和放大，市场情绪有所回暖，但追高需谨慎。",
    "在政策预期支撑下，市场中期向好的格局没有改变。",
    "外围市场波动加大，短线资金趋于谨慎，观望情绪较浓。",
    "增量资金入场迹象明显，结构性机会仍然较多。",
    "指数在关键点位附近反复争夺，后市方向有待成交量进一步确认。",
]
INDEX_DESC = (
    "上证综合指数以上海证券交易所挂牌上市的全部股票为样本，以发行量为权数，以加权平均法计算，基日为1990年12月19日，"
    "基点为100点。深证成份指数从深圳证券交易所挂牌上市的股票中选取规模大、流动性好的500只股票作为样本，综合反映深圳"
    "市场的运行特征。创业板指数选取创业板中市值大、流动性好的100只股票作为样本，反映创业板市场的运行情况。"
)
RISK = (
    "风险提示：本文所载数据和观点仅供参考，不构成任何投资建议。股市有风险，投资需谨慎。投资者应根据自身的风险承受能力"
    "审慎决策，据此操作，风险自担。本报不对因使用本文内容而导致的任何直接或间接损失承担责任。"
)


def market(rng: random.Random, days: list[dt.datetime]) -> list[tuple[dt.datetime, str, list[str]]]:
    sh, sz, cy, turnover = 3230.0, 11500.0, 2330.0, 8600
    out = []
    for t in days:
        a, b, c = signed(rng, 0.05, 1.6), signed(rng, 0.05, 1.9), signed(rng, 0.05, 2.4)
        sh, sz, cy = sh * (1 + a / 100), sz * (1 + b / 100), cy * (1 + c / 100)
        delta = rng.randint(-900, 900)
        turnover = max(5200, turnover + delta)
        trend = "集体收涨" if min(a, b, c) > 0 else ("集体收跌" if max(a, b, c) < 0 else "涨跌不一")
        nb = signed(rng, 3, 90)
        up, down = rng.sample(SECTORS, 3), rng.sample(SECTORS, 2)
        co = rng.sample(COMPANIES, 2)
        pool = [
            f"全市场共有{rng.randint(800, 4200)}只个股上涨，{rng.randint(600, 4000)}只个股下跌，"
            f"{rng.randint(20, 110)}只个股涨停。",
            f"个股方面，{co[0]}{rng.choice(['午后直线拉升', '早盘一字涨停', '尾盘放量上攻'])}，"
            f"收盘涨幅达{rng.uniform(5, 20):.2f}%。",
            f"{up[0]}板块午后异动，{co[1]}等个股涨幅居前。",
            f"分析人士认为，{rng.choice(MARKET_VIEWS)}",
            f"港股方面，恒生指数收盘{updown(signed(rng, 0.1, 2.5))}，报{rng.uniform(19000, 21000):.2f}点。",
            f"融资融券方面，截至前一交易日，两市融资余额为{rng.uniform(15000, 16000):.2f}亿元。",
        ]
        title = f"{md(t)}沪深股市收盘：沪指{updown(a)}报{sh:.2f}点"
        paras = [
            f"本报讯 {md(t)}，沪深两市三大股指{trend}。截至收盘，上证指数报{sh:.2f}点，{updown(a)}；"
            f"深证成指报{sz:.2f}点，{updown(b)}；创业板指报{cy:.2f}点，{updown(c)}。",
            f"两市全天成交额合计{turnover}亿元，较上一交易日{'增加' if delta >= 0 else '减少'}{abs(delta)}亿元；"
            f"北向资金全天净{'买入' if nb >= 0 else '卖出'}{abs(nb):.2f}亿元。",
            f"盘面上，{'、'.join(up)}等板块涨幅居前，{'、'.join(down)}等板块跌幅居前。"
            + "".join(rng.sample(pool, rng.randint(1, 2))),
            INDEX_DESC,
            RISK,
        ]
        out.append((t.replace(hour=15, minute=rng.randint(31, 58)), title, paras))
    return out


FUEL_MECHANISM = (
    "根据现行成品油价格形成机制，国内成品油价格根据国际市场原油价格变化每10个工作日调整一次，调价生效时间为调价发布日"
    "24时。当调价幅度低于每吨50元时，不作调整，纳入下次调价时累加或冲抵。当国际市场原油价格高于每桶130美元时，汽、柴油"
    "最高零售价格原则上不提或少提；低于每桶40美元时，汽、柴油最高零售价格原则上不降低。"
)
FUEL_TIP = (
    "温馨提示：以上价格为湖北省汽、柴油最高零售指导价，各加油站实际销售价格可能略有差异，请以站内公示价格为准。车主可"
    "关注本报客户端“油价”栏目，及时获取最新油价信息。"
)
FUEL_VIEWS = [
    "近期国际原油市场供需偏紧，油价或继续高位运行。",
    "美联储加息预期升温，原油价格上行空间受到压制。",
    "主要产油国减产消息提振市场，原油期货价格连续上涨。",
    "全球经济前景不明，原油需求预期偏弱，油价承压回落。",
]


def fuel(rng: random.Random, days: list[dt.datetime]) -> list[tuple[dt.datetime, str, list[str]]]:
    p92 = 7.86
    out = []
    workday = 0
    window = [d for d in days if d.weekday() < 5][9::10]  # every 10th working day an adjustment
    for t in days:
        if t.weekday() < 5:
            workday = workday % 10 + 1
        nxt = next((d for d in window if d >= t), t + dt.timedelta(days=10))
        rate = signed(rng, 0.2, 4.5)
        per_ton = int(abs(rate) * 60)
        adjust = [
            f"据{rng.choice(['金联创', '隆众资讯', '卓创资讯'])}测算，截至{md(t)}收盘，本轮计价周期第{workday}个"
            f"工作日，参考原油品种平均价格变化率为{rate:.2f}%，对应汽、柴油价格{'上调' if rate > 0 else '下调'}"
            f"{per_ton}元/吨。本轮调价窗口将于{md(nxt)}24时开启。"
        ]
        if t in window:
            delta = rng.choice((-1, 1)) * rng.randint(100, 300)
            adjust.append(
                f"国家发展改革委发布消息，根据近期国际市场油价变化情况，按照现行成品油价格形成机制，自{md(t)}24时起，"
                f"国内汽、柴油价格每吨分别{'提高' if delta > 0 else '降低'}{abs(delta)}元和{abs(delta) - 5}元。"
            )
            p92 = round(p92 + delta / 1350, 2)
        else:
            adjust.append(f"分析人士认为，{rng.choice(FUEL_VIEWS)}")
        title = f"{md(t)}湖北油价：92号汽油{p92:.2f}元/升" + ("（今晚调价）" if t in window else "")
        paras = [
            f"本报讯 {md(t)}，湖北地区成品油最高零售价格如下：92号汽油{p92:.2f}元/升，95号汽油{p92 + 0.53:.2f}元/升，"
            f"98号汽油{p92 + 1.53:.2f}元/升，0号柴油{p92 - 0.41:.2f}元/升。",
            "".join(adjust),
            FUEL_MECHANISM,
            FUEL_TIP,
        ]
        out.append((t.replace(hour=9, minute=rng.randint(0, 59)), title, paras))
    return out


CITIES = ["武汉", "黄石", "宜昌", "襄阳", "十堰", "荆州", "恩施"]
SKIES = ["晴", "多云", "阴", "小雨", "阵雨", "中雨", "多云转晴", "阴转小雨", "小雨转多云", "雷阵雨"]
WEATHER_TIP = (
    "气象部门提醒：近期早晚温差较大，请市民注意适时增减衣物，预防感冒；雨天路面湿滑，出行请注意交通安全。更多天气信息"
    "可拨打气象服务热线12121或关注“湖北气象”微信公众号查询。"
)


def weather(rng: random.Random, days: list[dt.datetime]) -> list[tuple[dt.datetime, str, list[str]]]:
    base = 12.0
    out = []
    for t in days:
        base += rng.uniform(-2.5, 2.8)
        rows, main = [], None
        for city in CITIES:
            lo = round(base + rng.uniform(-3, 2))
            hi = lo + rng.randint(5, 11)
            sky = rng.choice(SKIES)
            main = main or (sky, lo, hi)
            rows.append(f"{city}{sky}，{lo}～{hi}℃")
        wind = f"偏{rng.choice('东南西北')}风{rng.randint(1, 3)}～{rng.randint(3, 5)}级"
        later = t + dt.timedelta(days=1)
        extra = [
            f"另据预报，{md(later)}至{md(later + dt.timedelta(days=1))}，全省以{rng.choice(SKIES)}天气为主，"
            f"气温{rng.choice(['小幅回升', '有所下降', '变化不大'])}。",
            f"受{rng.choice(['冷空气', '暖湿气流', '高空低槽'])}影响，{rng.choice(CITIES)}等地"
            f"{rng.choice(['局地有大雾', '有短时强降水', '夜间有轻度霾', '午后有雷电'])}，请注意防范。",
            f"今天早晨，全省最低气温出现在{rng.choice(CITIES)}，为{round(base) - rng.randint(3, 7)}℃。",
        ]
        title = f"{md(t)}天气预报：武汉{main[0]}，{main[1]}～{main[2]}℃"
        paras = [
            f"本报讯 据湖北省气象台{md(t)}6时发布的天气预报，今天白天到夜间，鄂西北{rng.choice(SKIES)}，"
            f"江汉平原{rng.choice(SKIES)}，鄂东南{rng.choice(SKIES)}；{wind}。",
            "主要城市天气：" + "；".join(rows) + "。",
            "".join(rng.sample(extra, rng.randint(1, 2))),
            WEATHER_TIP,
        ]
        out.append((t.replace(hour=6, minute=rng.randint(10, 50)), title, paras))
    return out


FX_RULE = (
    "人民币对美元汇率中间价的形成方式为：中国外汇交易中心于每日银行间外汇市场开盘前向所有银行间外汇市场做市商询价，并"
    "将全部做市商报价作为人民币对美元汇率中间价的计算样本，去掉最高和最低报价后，将剩余做市商报价加权平均，得到当日"
    "人民币对美元汇率中间价，权重由中国外汇交易中心根据报价方的交易量及报价情况等指标综合确定。"
)
FX_VIEWS = [
    "近期美元指数高位震荡，人民币汇率在合理均衡水平上保持基本稳定。",
    "国内经济持续恢复，为人民币汇率提供了有力支撑。",
    "季节性购汇需求上升，短期内人民币汇率或承受一定压力。",
    "跨境资金流动总体平稳，外汇市场供求基本平衡。",
]


def fx(rng: random.Random, days: list[dt.datetime]) -> list[tuple[dt.datetime, str, list[str]]]:
    usd = 6.9100
    out = []
    for t in days:
        bp = rng.randint(-180, 180)
        usd += bp / 10000
        r = {
            k: v * rng.uniform(0.995, 1.005)
            for k, v in (("eur", 7.35), ("jpy", 5.12), ("hkd", 0.8805), ("gbp", 8.35), ("aud", 4.62))
        }
        r |= {"cad": 5.06 * rng.uniform(0.995, 1.005), "mop": 1.1690 * rng.uniform(0.998, 1.002)}
        title = f"{md(t)}人民币汇率中间价：1美元对人民币{usd:.4f}元"
        paras = [
            f"本报讯 中国外汇交易中心{md(t)}公布，当日人民币对美元汇率中间价报{usd:.4f}元，较前一交易日"
            f"{'调降' if bp > 0 else '调升'}{abs(bp)}个基点。",
            f"当日人民币汇率中间价为：1美元对人民币{usd:.4f}元，1欧元对人民币{r['eur']:.4f}元，100日元对人民币"
            f"{r['jpy']:.4f}元，1港元对人民币{r['hkd']:.5f}元，1英镑对人民币{r['gbp']:.4f}元，1澳大利亚元对人民币"
            f"{r['aud']:.4f}元，1加拿大元对人民币{r['cad']:.4f}元，人民币1元对{r['mop']:.4f}澳门元。",
            f"当日在岸人民币对美元即期汇率16时30分收盘报{usd + rng.uniform(-0.02, 0.02):.4f}。"
            + f"外汇市场人士分析称，{rng.choice(FX_VIEWS)}",
            FX_RULE,
        ]
        out.append((t.replace(hour=9, minute=rng.randint(16, 40)), title, paras))
    return out


LOTTERY_RULE = (
    "福彩3D是以一个3位自然数为投注号码的彩票，投注者从000至999的数字中选择一个3位数进行投注，每日开奖一次。中奖者须在"
    "开奖之日起60个自然日内兑奖，逾期未兑奖视为弃奖，弃奖奖金纳入彩票公益金。"
)
LOTTERY_TIP = "温馨提示：彩票有风险，购彩需理性。请勿借贷购彩，未成年人不得购买彩票及兑奖。开奖结果以中国福利彩票发行管理中心公布的为准。"


def lottery(rng: random.Random, days: list[dt.datetime]) -> list[tuple[dt.datetime, str, list[str]]]:
    out = []
    first = 2023000 + (days[0] - dt.datetime(days[0].year, 1, 1)).days + 1
    for i, t in enumerate(days):
        n = first + i
        num = "".join(str(rng.randint(0, 9)) for _ in range(3))
        sales = rng.randint(52000000, 61000000)
        z1, z3, z6 = rng.randint(4000, 30000), rng.randint(0, 20000), rng.randint(10000, 60000)
        extra = [
            f"本期试机号为{rng.randint(0, 999):03d}，开奖号码和值为{sum(map(int, num))}，跨度为"
            f"{max(map(int, num)) - min(map(int, num))}。",
            f"本期湖北省共中出直选{rng.randint(100, 1500)}注，其中{rng.choice(CITIES)}一位彩民以"
            f"{rng.choice([20, 40, 100, 200])}元单票中得直选奖{rng.randint(5, 50)}注。",
            f"本期湖北省销售{rng.randint(2400000, 3100000)}元，为全省福彩公益事业筹集资金约{rng.randint(60, 90)}万元。",
        ]
        title = f"福彩3D第{n}期开奖公告：开奖号码{num}"
        paras = [
            f"本报讯 中国福利彩票3D游戏第{n}期开奖结果于{md(t)}晚揭晓，本期开奖号码为{num}。",
            f"本期全国销售总额为{sales}元。直选全国中奖{z1}注，单注奖金1040元；组选三全国中奖{z3}注，单注奖金346元；"
            f"组选六全国中奖{z6}注，单注奖金173元。",
            "".join(rng.sample(extra, rng.randint(1, 2))),
            LOTTERY_RULE,
            LOTTERY_TIP,
        ]
        out.append((t.replace(hour=21, minute=rng.randint(30, 55)), title, paras))
    return out


BRIDGE_BACKGROUND = (
    "江城五桥是我市“十四五”重点交通工程，起于汉阳区四新大道，跨越长江后止于武昌区八坦路，全长约7.8公里，其中主桥为"
    "双塔双索面钢箱梁斜拉桥，主跨938米，按双向八车道城市快速路标准建设，设计速度每小时80公里。项目总投资约126亿元，"
    "于2021年9月开工建设，计划2024年底建成通车。大桥建成后，将进一步完善我市过江通道布局，有效缓解既有长江大桥的交通"
    "压力，从汉阳四新片区到武昌南湖片区的车程将由目前的40分钟缩短至10分钟左右，对促进两岸融合发展具有重要意义。"
)
BRIDGE_HEADLINES = [
    "主塔施工再提速",
    "钢箱梁吊装稳步推进",
    "引桥墩柱全面施工",
    "建设者坚守一线",
    "夜间施工保进度",
    "安全生产大检查",
    "新设备进场作业",
    "施工节点如期完成",
]


def followup(rng: random.Random, days: list[dt.datetime]) -> list[tuple[dt.datetime, str, list[str]]]:
    tower, segment, pier, invest = 96, 12, 41, 48.6
    out = []
    for t in days:
        tower += rng.randint(2, 5)
        segment += rng.randint(0, 2)
        pier += rng.randint(0, 3)
        invest = round(invest + rng.uniform(0.2, 0.9), 1)
        pool = [
            f"南岸主塔已浇筑至{tower}米高度，正进行第{tower // 4}节段钢筋绑扎。",
            f"当天上午，第{segment}节钢箱梁顺利完成吊装，单节重约{rng.randint(260, 420)}吨。",
            f"汉阳侧引桥第{pier}号墩柱浇筑完成，引桥下部结构施工已完成{rng.randint(60, 95)}%。",
            f"项目累计完成投资{invest}亿元，占总投资的{invest / 126 * 100:.1f}%。",
            f"目前施工现场有{rng.randint(600, 1400)}名建设者、{rng.randint(20, 60)}台大型设备同时作业。",
            f"受{rng.choice(['连日降雨', '长江水位上涨', '大风天气'])}影响，部分水上作业有所调整，"
            f"施工单位{rng.choice(['采取错峰施工', '增加作业班组', '优化施工组织'])}确保进度。",
        ]
        new = "".join(rng.sample(pool, rng.randint(2, 4)))
        title = f"{md(t)}江城五桥建设进展：{rng.choice(BRIDGE_HEADLINES)}"
        paras = [f"本报讯 {md(t)}，记者从江城五桥建设指挥部获悉，{new}", BRIDGE_BACKGROUND]
        out.append((t.replace(hour=rng.randint(8, 18), minute=rng.randint(0, 59)), title, paras))
    return out


TEMPLATES = {
    "market": market,
    "fuel": fuel,
    "weather": weather,
    "fx": fx,
    "lottery": lottery,
    "followup": followup,
}
TRADING = {"market", "fx"}  # weekdays only


def day_list(n: int, trading: bool) -> list[dt.datetime]:
    out, t = [], START
    while len(out) < n:
        if not trading or t.weekday() < 5:
            out.append(t)
        t += dt.timedelta(days=1)
    return out


# ------------------------------------------------------------------------------------------------- stories


def templated_stories(days: int, rng: random.Random) -> list[Story]:
    stories = []
    used: set[str] = set()
    for kind in KINDS:
        home = HOME[kind]
        reporters = [_name(rng, used) for _ in range(rng.choice((1, 2)))]
        editors = [_name(rng, used)]
        for i, (when, title, paras) in enumerate(TEMPLATES[kind](rng, day_list(days, kind in TRADING))):
            s = Story(f"{kind}-{i + 1:02d}", title, paras, f"template/{kind}", kind=kind)
            s.source, s.reporters, s.editors = PAPER[home], reporters, editors
            s.published, s.category = when, CATEGORIES[CATEGORY[kind]]
            stories.append(s)
    return stories


def real_stories(n: int, days: int, seed: int, rng: random.Random) -> list[Story]:
    """``n`` ordinary articles from bench/reposts' corpus pool, dated inside the window, published by a paper."""
    if n <= 0:
        return []
    pool = [s for s in build_stories("all", seed, None) if s.kind == "article"]
    picked = rng.sample(pool, min(n, len(pool)))
    out = []
    for i, s in enumerate(picked):
        s = dataclasses.replace(s, sid=f"real-{i + 1:02d}", kind="real", day_only=False)
        s.source = PAPER[rng.choice(("jcrb", "ctcb"))]
        s.published = START + dt.timedelta(
            days=rng.randint(0, days - 1), hours=rng.randint(7, 20), minutes=rng.randint(0, 59)
        )
        out.append(s)
    return out


# ------------------------------------------------------------------------------------------------- placement

DATELINES = ("据{paper}消息，", "【{paper}】", "{paper}讯 ", "（{paper}）")


class HardnegBuilder(rg.Builder):
    """bench/reposts' portals and page templates, with this benchmark's placement and two more repost edits."""

    def __init__(self, stories: list[Story], seed: int, portals: list[str]):
        self.names = portals
        self.repost_names = [p for p in portals if p in rg.REPOST_PORTALS]
        super().__init__(stories, seed)

    def plan(self, stories: list[Story]) -> dict[str, list[rg.Copy]]:
        by_portal: dict[str, list[rg.Copy]] = {p: [] for p in rg.PORTALS}
        rng = self.rng
        for s in stories:
            home = next(p for p, paper in PAPER.items() if paper == s.source)
            k = rng.randint(2, min(4, len(self.repost_names)))
            reposts = sorted(rng.sample(self.repost_names, k), key=rg.PORTALS.index)
            for c in [rg.Copy(s, home, full=True), *(rg.Copy(s, p) for p in reposts)]:
                by_portal[c.portal].append(c)
        for portal, copies in by_portal.items():
            copies.sort(key=lambda c: c.story.published)
            if portal in rg.REPOST_PORTALS:
                for c in copies:
                    c.t = rg._transforms(c, portal, rng)
                    self._edits(c)
        return by_portal

    def _edits(self, c: rg.Copy) -> None:
        """Reposted a day or two later (30 %); the dateline 本报讯 rewritten with the paper's name (35 %)."""
        rng, s = self.rng, c.story
        if rng.random() < 0.3:
            c.t["delay_minutes"] = rng.randint(18 * 60, 52 * 60)
        if rng.random() < 0.35 and s.paragraphs[0].startswith("本报讯"):
            line = rng.choice(DATELINES).format(paper=s.source)
            first = line + s.paragraphs[0].removeprefix("本报讯").lstrip()
            c.story = dataclasses.replace(s, paragraphs=[first, *s.paragraphs[1:]])
            c.t["dateline"] = line.strip()

    def build(self) -> dict[str, rg.Portal]:
        return {name: p for name, p in super().build().items() if name in self.names}


# ------------------------------------------------------------------------------------------------- output


def build(days: int = 30, seed: int = 1, portals: int = 7, real: int = 24) -> tuple[dict, list[Story], list]:
    if not 4 <= portals <= len(rg.PORTALS):
        raise ValueError(
            f"--portals must be 4..{len(rg.PORTALS)} (two newspapers and at least two reposters)"
        )
    if days < 2:
        raise ValueError("--days must be at least 2")
    rng = random.Random(seed * 104729 + days)
    stories = templated_stories(days, rng) + real_stories(real, days, seed, rng)
    names = rg.PORTALS[:portals]
    return HardnegBuilder(stories, seed, names).build(), stories, names


def write(out: Path, days: int = 30, seed: int = 1, portals: int = 7, real: int = 24) -> dict:
    """Write ``out/portals/<name>/...`` and ``out/truth.json``; returns the truth."""
    built, stories, names = build(days, seed, portals, real)
    rg.write_files(out / "portals", built)
    data = rg.truth(built, stories, "hardneg", seed, None)
    data |= {"days": days, "portal_order": names, "kinds": list(ALL_KINDS)}
    data["articles"] = {
        f"{name}{path}": a["story"] for name, p in built.items() for path, a in p.articles.items()
    }
    (out / "truth.json").write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return data


def summary(data: dict) -> str:
    kinds: dict[str, int] = {}
    for s in data["stories"].values():
        kinds[s["kind"]] = kinds.get(s["kind"], 0) + 1
    arts = sum(len(p["articles"]) for p in data["portals"].values())
    non = sum(len(p["non_articles"]) for p in data["portals"].values())
    per = ", ".join(f"{n} {len(p['articles'])}" for n, p in data["portals"].items())
    return (
        f"{data['days']} days, {len(data['stories'])} stories ({', '.join(f'{k} {v}' for k, v in kinds.items())}), "
        f"{arts} article pages ({per}), {non} non-article pages"
    )


def add_args(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--days", type=int, default=30, help="pieces per templated kind (default 30)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument(
        "--portals", type=int, default=7, help="portals, 4-7: two newspapers + reposters (default 7)"
    )
    ap.add_argument("--real", type=int, default=24, help="ordinary corpus articles reposted too (default 24)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.hardneg.generate", description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, type=Path, help="output directory")
    add_args(ap)
    args = ap.parse_args(argv)
    try:
        data = write(args.out, args.days, args.seed, args.portals, args.real)
    except (CorpusMissing, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}: {summary(data)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
