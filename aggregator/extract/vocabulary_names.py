"""The name vocabulary of bylines (names.py reads it): surnames, and the words next to names that are not names.

Apart from vocabulary.py because it is long, and data only like it: names.py builds its sets from these.
"""

from __future__ import annotations

# The common single-character surnames: the 百家姓 plus the frequent modern ones it lacks (闫, 覃, 付, 冼 ...).
# WORDLIKE_SURNAMES are the entries that start everyday words far more often than names ("水平", "家长", "有关"):
# names.SURNAMES leaves them out.
SINGLE_SURNAMES = (
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
WORDLIKE_SURNAMES = "水家山红通能双别充终步空养须有年爱法微归百广禄益从寿习鱼慎越融经后後东東乾醜"
# fmt: off
COMPOUND_SURNAMES = (
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "慕容", "尉迟", "夏侯", "宇文", "司徒", "公孙", "万俟", "闻人",
    "赫连", "公羊", "澹台", "公冶", "宗政", "濮阳", "淳于", "单于", "太叔", "申屠", "仲孙", "轩辕", "钟离", "长孙", "鲜于",
    "闾丘", "司空", "亓官", "司寇", "端木", "巫马", "公西", "漆雕", "乐正", "壤驷", "公良", "拓跋", "夹谷", "宰父", "谷梁",
    "段干", "百里", "东郭", "南门", "呼延", "羊舌", "微生", "梁丘", "左丘", "东门", "西门", "南宫", "第五",
)
# Traditional forms, for Taiwan/Hong Kong pages and traditional reposts. OpenCC picks one form per character by
# context (钟 becomes 鍾 in a name but 鐘 in a word), so both forms of the ambiguous characters are listed here.
TRADITIONAL_SURNAMES = (
    "陳張劉楊黃趙吳許韓馮鄧蕭葉蔣蘇呂鄭謝羅孫馬盧鍾鐘譚陸賈韋鄒閆龍賀顧龔萬錢嚴溫齊喬龐顏莊聶魯歐關蘭寧紀畢單塗駱藍"
    "遊靳鮑饒繆簡車項連蘆麥婁竇費衛應閔鄔邊師欒榮鞏遲鄺談荊樂儲勞諶藺樓盤滿聞厲區闞權強帥樸蓋練豐國晉門雲來闕烏"
    "況鮮戰銀堯閉範於餘瀋薑穀黨幹鬱華湯傅賴萬葉蕭肖沈姜谷党干庄郁范于余"
)
# fmt: on
# What OpenCC (s2t, s2hk, s2tw) makes of the lists above beyond TRADITIONAL_SURNAMES, alone and as the start of a
# name (the two contexts give the two forms of ambiguous characters), so every traditional repost of a listed
# surname is covered. Written out rather than converted at import, which cost ~0.15 s of every extraction's start-up;
# tests/test_extract_speedups.py converts again and fails when OpenCC's answer changes.
OPENCC_SINGLE_SURNAMES = "厙叢宮嶽懷時欽緱蒼薊衞計諸譙貝貢賁賓賞農郟酈鈄鈕閻陰陽鳳鹹"
# fmt: off
OPENCC_COMPOUND_SURNAMES = (
    "仲孫", "公孫", "南宮", "南門", "司馬", "單于", "壤駟", "夾谷", "尉遲", "巫馬", "東方", "東郭", "東門", "樂正",
    "歐陽", "段幹", "澹臺", "濮陽", "穀梁", "聞人", "西門", "諸葛", "赫連", "軒轅", "鍾離", "長孫", "閭丘", "鮮于",
)
# fmt: on

# page furniture that happens to start with a surname character
# fmt: off
CHROME_WORDS = frozenset({
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
})
# fmt: on
# words that sit in byline values next to the names and are never names themselves (图/文/等 as whole tokens only)
# fmt: off
NOT_NAMES = frozenset({
    "图", "文", "等", "本报", "本台", "本网", "本刊", "本站", "报道", "报导", "摄", "摄影", "摄像", "摄影报道", "综合报道", "综合",
    "整理", "编译", "供图", "图片", "图文", "文字", "视频", "制图", "设计", "新闻", "实习生", "通讯员", "记者", "编辑", "见习",
    "特约", "首席", "联合", "发自", "来自", "今天", "昨天", "今日", "昨日", "近日", "日前", "上午", "下午", "晚上", "凌晨", "中午",
    "早上", "校对", "审核", "审校", "责编", "主编", "编审", "监制", "出品", "策划", "统筹", "编辑部", "网友", "匿名", "佚名", "未知",
    "暂无", "转载", "原创", "投稿", "管理员", "小编", "等人", "文图", "图文编辑", "實習生", "通訊員", "記者", "編輯", "報道", "攝影",
    "綜合", "整理報道", "本報",
})
# fmt: on

# A token that opens with these is page text after the byline ("返回搜狐", "查看更多"): the names end there.
CHROME_STARTS = (
    "返回", "查看", "点击", "點擊", "更多", "分享", "打印", "关闭", "關閉", "收藏", "上一", "下一", "阅读", "閱讀", "浏览",
    "瀏覽", "发布", "發佈",
)  # fmt: skip
# A token with a role word in it, or ending like an organisation, names no person: "新华社", "市教育局", "武汉大学".
ROLE_WORDS_IN_NAMES = ("记者", "编辑", "通讯员")
ORG_SUFFIXES = (
    "报", "社", "网", "台", "站", "部", "局", "厅", "委", "会", "院", "校", "组", "中心", "公司", "集团", "频道", "统计",
)  # fmt: skip
# A token ending like this says where the story was reported from, not who reported it ("山东冠县报道").
REPORTED_FROM = ("报道", "报导", "發自", "发自", "电")
# What follows the name in a Latin-script byline ("Jane Doe for Reuters", "John Roe Updated 5 May"): cut from there.
BYLINE_NOISE_WORDS = (
    "for", "für", "pour", "para", "Follow", "Twitter", "X", "Email", "E-Mail", "The Associated Press", "Reuters", "AFP",
    "Updated", "Published", "Posted", "Staff Writer", "Correspondent", "Reporter",
)  # fmt: skip
