"""English names of Chinese places the register stores in Chinese (a table, not a translator).

Every province-level division of China, and the prefecture-level cities of the Yangtze River
Delta and the other large cities certificate holders are found in. A place not in the table is
shown in Chinese (marked `lang="zh-CN"`); add it here rather than translating on the fly.
"""

from typing import Final

PROVINCES: Final[dict[str, str]] = {
    "北京市": "Beijing", "天津市": "Tianjin", "河北省": "Hebei", "山西省": "Shanxi",
    "内蒙古自治区": "Inner Mongolia", "辽宁省": "Liaoning", "吉林省": "Jilin",
    "黑龙江省": "Heilongjiang", "上海市": "Shanghai", "江苏省": "Jiangsu", "浙江省": "Zhejiang",
    "安徽省": "Anhui", "福建省": "Fujian", "江西省": "Jiangxi", "山东省": "Shandong",
    "河南省": "Henan", "湖北省": "Hubei", "湖南省": "Hunan", "广东省": "Guangdong",
    "广西壮族自治区": "Guangxi", "海南省": "Hainan", "重庆市": "Chongqing", "四川省": "Sichuan",
    "贵州省": "Guizhou", "云南省": "Yunnan", "西藏自治区": "Xizang (Tibet)", "陕西省": "Shaanxi",
    "甘肃省": "Gansu", "青海省": "Qinghai", "宁夏回族自治区": "Ningxia",
    "新疆维吾尔自治区": "Xinjiang", "台湾省": "Taiwan", "香港特别行政区": "Hong Kong",
    "澳门特别行政区": "Macao",
}

CITIES: Final[dict[str, str]] = {
    # municipalities are their own city
    "北京市": "Beijing", "天津市": "Tianjin", "上海市": "Shanghai", "重庆市": "Chongqing",
    # Jiangsu
    "南京市": "Nanjing", "无锡市": "Wuxi", "徐州市": "Xuzhou", "常州市": "Changzhou",
    "苏州市": "Suzhou", "南通市": "Nantong", "连云港市": "Lianyungang", "淮安市": "Huai'an",
    "盐城市": "Yancheng", "扬州市": "Yangzhou", "镇江市": "Zhenjiang", "泰州市": "Taizhou",
    "宿迁市": "Suqian",
    # Zhejiang
    "杭州市": "Hangzhou", "宁波市": "Ningbo", "温州市": "Wenzhou", "嘉兴市": "Jiaxing",
    "湖州市": "Huzhou", "绍兴市": "Shaoxing", "金华市": "Jinhua", "衢州市": "Quzhou",
    "舟山市": "Zhoushan", "台州市": "Taizhou", "丽水市": "Lishui",
    # Anhui
    "合肥市": "Hefei", "芜湖市": "Wuhu", "蚌埠市": "Bengbu", "马鞍山市": "Ma'anshan",
    "安庆市": "Anqing", "滁州市": "Chuzhou", "宣城市": "Xuancheng",
    # other large cities
    "广州市": "Guangzhou", "深圳市": "Shenzhen", "东莞市": "Dongguan", "佛山市": "Foshan",
    "厦门市": "Xiamen", "福州市": "Fuzhou", "济南市": "Jinan", "青岛市": "Qingdao",
    "武汉市": "Wuhan", "长沙市": "Changsha", "郑州市": "Zhengzhou", "成都市": "Chengdu",
    "西安市": "Xi'an", "沈阳市": "Shenyang", "大连市": "Dalian", "石家庄市": "Shijiazhuang",
    "南昌市": "Nanchang", "昆明市": "Kunming",
}


def province_en(name: str) -> str | None:
    """Return the English name of a province-level division, or None when not in the table."""
    return PROVINCES.get(name.strip())


def city_en(name: str) -> str | None:
    """Return the English name of a city, or None when not in the table."""
    return CITIES.get(name.strip())
