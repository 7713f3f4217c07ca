"""Word lists for the demo data set: places, company names, scopes, standards, reasons.

Plain data, no logic: `portal.services.demo` combines these with a seeded random generator.
Every pair is (Chinese, English).
"""

from typing import Final

# (province, province_en, city, city_en, district, district_en, division code, roads)
# Division codes are the six-digit administrative codes that credit codes carry (GB/T 2260).
PLACES: Final[tuple[tuple[str, str, str, str, str, str, str, tuple[tuple[str, str], ...]],
                    ...]] = (
    ("上海市", "Shanghai", "上海市", "Shanghai", "浦东新区", "Pudong New Area", "310115",
     (("张江路", "Zhangjiang Road"), ("金桥路", "Jinqiao Road"), ("川沙路", "Chuansha Road"),
      ("康桥东路", "Kangqiao East Road"), ("秀浦路", "Xiupu Road"))),
    ("上海市", "Shanghai", "上海市", "Shanghai", "闵行区", "Minhang District", "310112",
     (("莘庄工业区春东路", "Chundong Road, Xinzhuang Industrial Zone"),
      ("江川路", "Jiangchuan Road"), ("紫星路", "Zixing Road"))),
    ("上海市", "Shanghai", "上海市", "Shanghai", "嘉定区", "Jiading District", "310114",
     (("安亭镇墨玉路", "Moyu Road, Anting Town"), ("叶城路", "Yecheng Road"),
      ("南翔镇嘉前路", "Jiaqian Road, Nanxiang Town"))),
    ("上海市", "Shanghai", "上海市", "Shanghai", "松江区", "Songjiang District", "310117",
     (("九亭镇九新公路", "Jiuxin Highway, Jiuting Town"), ("新桥镇民益路", "Minyi Road"),
      ("泗泾镇泗砖公路", "Sizhuan Highway"))),
    ("上海市", "Shanghai", "上海市", "Shanghai", "青浦区", "Qingpu District", "310118",
     (("华新镇新府中路", "Xinfu Middle Road"), ("赵巷镇业辉路", "Yehui Road"),
      ("徐泾镇崧泽大道", "Songze Avenue"))),
    ("上海市", "Shanghai", "上海市", "Shanghai", "宝山区", "Baoshan District", "310113",
     (("罗店镇罗新路", "Luoxin Road"), ("月浦镇月罗路", "Yueluo Road"),
      ("城市工业园区山连路", "Shanlian Road"))),
    ("上海市", "Shanghai", "上海市", "Shanghai", "奉贤区", "Fengxian District", "310120",
     (("南桥镇江海路", "Jianghai Road"), ("青村镇光明路", "Guangming Road"))),
    ("上海市", "Shanghai", "上海市", "Shanghai", "金山区", "Jinshan District", "310116",
     (("金山卫镇秦弯路", "Qinwan Road"), ("亭林镇林慧路", "Linhui Road"))),
    ("上海市", "Shanghai", "上海市", "Shanghai", "徐汇区", "Xuhui District", "310104",
     (("宜山路", "Yishan Road"), ("漕宝路", "Caobao Road"), ("钦州北路", "North Qinzhou Road"))),
    ("上海市", "Shanghai", "上海市", "Shanghai", "杨浦区", "Yangpu District", "310110",
     (("国权北路", "North Guoquan Road"), ("军工路", "Jungong Road"))),
    ("上海市", "Shanghai", "上海市", "Shanghai", "普陀区", "Putuo District", "310107",
     (("真南路", "Zhennan Road"), ("中江路", "Zhongjiang Road"))),
    ("上海市", "Shanghai", "上海市", "Shanghai", "静安区", "Jing'an District", "310106",
     (("江场三路", "Jiangchang No. 3 Road"), ("共和新路", "Gonghexin Road"))),
    ("上海市", "Shanghai", "上海市", "Shanghai", "长宁区", "Changning District", "310105",
     (("临虹路", "Linhong Road"), ("金钟路", "Jinzhong Road"))),
    ("上海市", "Shanghai", "上海市", "Shanghai", "崇明区", "Chongming District", "310151",
     (("城桥镇翠竹路", "Cuizhu Road"), ("陈家镇揽海路", "Lanhai Road"))),
    ("江苏省", "Jiangsu", "苏州市", "Suzhou", "昆山市", "Kunshan", "320583",
     (("玉山镇元丰路", "Yuanfeng Road"), ("花桥镇兆丰路", "Zhaofeng Road"))),
    ("江苏省", "Jiangsu", "苏州市", "Suzhou", "太仓市", "Taicang", "320585",
     (("城厢镇北京东路", "East Beijing Road"), ("浮桥镇港城路", "Gangcheng Road"))),
    ("江苏省", "Jiangsu", "苏州市", "Suzhou", "吴中区", "Wuzhong District", "320506",
     (("木渎镇金枫南路", "South Jinfeng Road"), ("郭巷街道吴淞江大道", "Wusongjiang Avenue"))),
    ("江苏省", "Jiangsu", "无锡市", "Wuxi", "新吴区", "Xinwu District", "320214",
     (("长江路", "Changjiang Road"), ("新华路", "Xinhua Road"))),
    ("江苏省", "Jiangsu", "南通市", "Nantong", "通州区", "Tongzhou District", "320612",
     (("金沙镇新金西路", "Xinjin West Road"), ("兴东街道东方大道", "Dongfang Avenue"))),
    ("江苏省", "Jiangsu", "常州市", "Changzhou", "新北区", "Xinbei District", "320411",
     (("汉江路", "Hanjiang Road"), ("华山中路", "Huashan Middle Road"))),
    ("浙江省", "Zhejiang", "杭州市", "Hangzhou", "滨江区", "Binjiang District", "330108",
     (("江南大道", "Jiangnan Avenue"), ("滨安路", "Bin'an Road"))),
    ("浙江省", "Zhejiang", "宁波市", "Ningbo", "北仑区", "Beilun District", "330206",
     (("新碶街道明州路", "Mingzhou Road"), ("大港工业城黄山西路", "Huangshan West Road"))),
    ("浙江省", "Zhejiang", "嘉兴市", "Jiaxing", "平湖市", "Pinghu", "330482",
     (("经济技术开发区新兴五路", "Xinxing No. 5 Road"), ("当湖街道环城南路", "Huancheng South Road"))),
    ("浙江省", "Zhejiang", "湖州市", "Huzhou", "吴兴区", "Wuxing District", "330502",
     (("八里店镇湖织大道", "Huzhi Avenue"), ("织里镇珍贝路", "Zhenbei Road"))),
    ("安徽省", "Anhui", "合肥市", "Hefei", "蜀山区", "Shushan District", "340104",
     (("创新大道", "Chuangxin Avenue"), ("长江西路", "Changjiang West Road"))),
    ("安徽省", "Anhui", "芜湖市", "Wuhu", "鸠江区", "Jiujiang District", "340207",
     (("电子产业园衡山路", "Hengshan Road"), ("万春东路", "Wanchun East Road"))),
)
# How often each place is drawn (Shanghai first: the body serves mainly Shanghai).
PLACE_WEIGHTS: Final = (14, 8, 8, 7, 6, 6, 5, 4, 3, 3, 3, 3, 2, 1, 4, 2, 2, 2, 2, 1, 2, 2, 2, 1,
                        2, 1)

# Company-name syllables (Chinese, pinyin): a 字号 is one of each.
BRAND_FIRST: Final = (
    ("华", "Hua"), ("宏", "Hong"), ("新", "Xin"), ("瑞", "Rui"), ("嘉", "Jia"), ("恒", "Heng"),
    ("永", "Yong"), ("金", "Jin"), ("鑫", "Xin"), ("东", "Dong"), ("中", "Zhong"), ("天", "Tian"),
    ("盛", "Sheng"), ("博", "Bo"), ("德", "De"), ("安", "An"), ("立", "Li"), ("信", "Xin"),
    ("荣", "Rong"), ("泰", "Tai"), ("海", "Hai"), ("明", "Ming"), ("汇", "Hui"), ("浦", "Pu"),
    ("申", "Shen"), ("远", "Yuan"), ("卓", "Zhuo"), ("晨", "Chen"), ("振", "Zhen"), ("宝", "Bao"),
)
BRAND_SECOND: Final = (
    ("虹", "hong"), ("达", "da"), ("通", "tong"), ("泰", "tai"), ("利", "li"), ("丰", "feng"),
    ("源", "yuan"), ("成", "cheng"), ("润", "run"), ("晟", "sheng"), ("茂", "mao"),
    ("创", "chuang"), ("锦", "jin"), ("航", "hang"), ("宇", "yu"), ("星", "xing"), ("昌", "chang"),
    ("峰", "feng"), ("祥", "xiang"), ("益", "yi"), ("翔", "xiang"), ("康", "kang"), ("力", "li"),
    ("捷", "jie"), ("森", "sen"), ("凯", "kai"), ("佳", "jia"), ("升", "sheng"), ("菱", "ling"),
    ("腾", "teng"),
)

# (industry in the name, English, product zh, product en); the scope texts are built from them.
INDUSTRIES: Final = (
    ("电子", "Electronics", "印制电路板", "printed circuit boards"),
    ("电子科技", "Electronic Technology", "电子元器件", "electronic components"),
    ("微电子", "Microelectronics", "集成电路", "integrated circuits"),
    ("精密机械", "Precision Machinery", "精密机械零部件", "precision machine parts"),
    ("汽车零部件", "Auto Parts", "汽车零部件", "automotive parts"),
    ("化工", "Chemical", "水性涂料", "water-based coatings"),
    ("新材料", "New Materials", "高分子复合材料", "polymer composite materials"),
    ("电气", "Electric", "低压成套开关设备", "low-voltage switchgear assemblies"),
    ("包装", "Packaging", "纸质包装制品", "paper packaging products"),
    ("塑料制品", "Plastic Products", "注塑件", "injection-moulded plastic parts"),
    ("环保科技", "Environmental Technology", "污水处理设备", "wastewater treatment equipment"),
    ("阀门", "Valve", "工业阀门", "industrial valves"),
    ("钢结构", "Steel Structure", "钢结构件", "steel structural components"),
    ("纺织", "Textile", "针织服装", "knitted garments"),
    ("食品机械", "Food Machinery", "食品加工机械", "food processing machinery"),
    ("医药包装", "Pharmaceutical Packaging", "药用铝箔", "pharmaceutical aluminium foil"),
    ("智能装备", "Intelligent Equipment", "自动化生产线", "automated production lines"),
    ("光电", "Optoelectronics", "LED照明灯具", "LED luminaires"),
)
# Organisations whose scope is a service rather than a product: (industry, English, scope zh,
# scope en).
SERVICE_INDUSTRIES: Final = (
    ("建设工程", "Construction Engineering", "房屋建筑工程施工",
     "construction of buildings"),
    ("信息技术", "Information Technology", "计算机软件开发及信息系统集成服务",
     "software development and information system integration services"),
    ("物流", "Logistics", "普通货物仓储及道路运输服务",
     "warehousing and road transport of general cargo"),
    ("机电安装", "Electromechanical Installation", "机电设备安装工程施工",
     "installation of electromechanical equipment"),
)
PROPERTY_INDUSTRY: Final = ("物业管理", "Property Management")
PROPERTY_SCOPES: Final = (
    ("住宅小区物业管理服务", "property management services for residential estates"),
    ("商务办公楼宇物业管理服务", "property management services for office buildings"),
    ("产业园区物业管理服务", "property management services for industrial parks"),
)

# (form zh, form en) of a company's name.
FORMS: Final = (("有限公司", "Co., Ltd."), ("有限公司", "Co., Ltd."), ("有限公司", "Co., Ltd."),
                ("股份有限公司", "Co., Ltd."), ("科技有限公司", "Technology Co., Ltd."),
                ("集团有限公司", "Group Co., Ltd."))

# Products certified under product schemes: (product zh, product en, standard, industry in
# the maker's name, English).
VOLUNTARY_PRODUCTS: Final = (
    ("额定电压450/750V及以下聚氯乙烯绝缘电缆", ("PVC-insulated cables of rated voltages up to "
     "and including 450/750 V"), "GB/T 5023.1-2008", "电线电缆", "Wire & Cable"),
    ("工业用钢制闸阀", "Steel gate valves for industrial use", "GB/T 12234-2019", "阀门",
     "Valve"),
    ("弹性体改性沥青防水卷材", "Elastomer-modified bitumen waterproof sheets", "GB 18242-2008",
     "防水材料", "Waterproofing Materials"),
    ("建筑用硬聚氯乙烯排水管材", "Unplasticized PVC drainage pipes for buildings",
     "GB/T 5836.1-2018", "管业", "Pipe"),
)
GREEN_PRODUCTS: Final = (
    ("办公家具（木制、金属）", "Office furniture (wood, metal)", "GB/T 35607-2017", "家具",
     "Furniture"),
    ("建筑内外墙涂料", "Interior and exterior wall coatings", "GB/T 35602-2017", "涂料",
     "Coatings"),
)

# Public reasons of status changes (Chinese, as the register publishes them).
REASON_MISSED_SURVEILLANCE: Final = "未按期接受监督审核"
REASON_RESTORED: Final = "已按要求完成监督审核，恢复认证资格"
REASON_PRODUCT_SUSPENDED: Final = "产品监督抽样检验不合格"
REASON_PRODUCT_RESTORED: Final = "整改验证通过，恢复认证资格"
REASON_SUSPENSION_REQUESTED: Final = "获证组织申请暂停"
REASON_NOT_LIFTED: Final = "暂停期满未能恢复，撤销认证证书"
REASON_NOT_RENEWED: Final = "证书有效期满未申请再认证，注销"
REASONS_WITHDRAWN: Final = (
    "获证组织发生重大质量事故",
    "获证组织违规使用认证证书和认证标志",
    "获证组织提供虚假材料",
    "监督审核发现管理体系存在严重不符合",
)
REASONS_CANCELLED: Final = (
    "获证组织申请注销",
    "获证组织停产",
    "获证组织经营范围变更，不再保持认证",
    "获证组织被合并，申请注销",
)
INTERNAL_NOTE: Final = "演示数据 / demo data"

# Auditors named on audits (the complaints impartiality rule reads them).
AUDITORS: Final = tuple(f"{name}@auditors.demo.example" for name in (
    "zhang.wei", "wang.fang", "li.na", "liu.yang", "chen.jing", "yang.lei", "zhao.min",
    "huang.qiang", "zhou.jie", "wu.xia", "xu.tao", "sun.li", "ma.jun", "zhu.hong", "hu.bin",
    "guo.ping"))
REASON_RENAMED: Final = "获证组织名称变更，换发证书"
REASON_RENEWED: Final = "再认证通过，换发新证书"
