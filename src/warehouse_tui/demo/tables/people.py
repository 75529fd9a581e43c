"""The demo's people: the operators who log in, and the names and addresses buyers are drawn from.

Addresses are German, other European, US and Chinese, so labels, audits and carrier choice meet
each script and format; the notes are what buyers and shops write in pack instructions.
"""

from __future__ import annotations

from dataclasses import dataclass

from warehouse_tui.store.models import Role


@dataclass(frozen=True)
class DemoOperator:
    badge: str
    name: str
    role: Role
    language: str
    pin: str


OPERATORS = (
    DemoOperator("OP-9354873004", "Anna Becker", Role.PICKER, "en", "1001"),
    DemoOperator("OP-6662158866", "李娜 Li Na", Role.PICKER, "zh_CN", "1002"),
    DemoOperator("OP-9034534907", "Jonas Wolf", Role.PICKER, "en", "1003"),
    DemoOperator("OP-9151580720", "王伟 Wang Wei", Role.PICKER, "zh_CN", "1004"),
    DemoOperator("OP-4315958734", "Marta Nowak", Role.PACKER, "en", "2005"),
    DemoOperator("OP-2627713451", "张敏 Zhang Min", Role.PACKER, "zh_CN", "2006"),
    DemoOperator("OP-9523108187", "Lukas Braun", Role.PACKER, "en", "2007"),
    DemoOperator("OP-9761772337", "Sofia Romano", Role.SUPERVISOR, "en", "3008"),
    DemoOperator("OP-2925997190", "陈静 Chen Jing", Role.SUPERVISOR, "zh_CN", "3009"),
    DemoOperator("OP-2638545925", "Admin", Role.ADMIN, "en", "9010"),
)


# fmt: off
FIRST_NAMES = (
    "Lena", "Paul", "Mia", "Felix", "Emma", "Leon", "Hannah", "Noah", "Sophie", "Elias",
    "Clara", "Jan", "Lea", "Tim", "Marie", "David", "Laura", "Max", "Julia", "Tom",
)
LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
    "Hoffmann", "Schulz", "Koch", "Richter", "Klein", "Wolf", "Neumann", "Schwarz",
)
CHINESE_NAMES = (
    "王芳", "李强", "张伟", "刘洋", "陈晨", "杨丽", "黄磊", "赵敏", "周杰", "吴静", "徐涛", "孙悦",
)
DE_STREETS = (
    "Hauptstraße", "Bahnhofstraße", "Gartenweg", "Lindenallee", "Schillerstraße",
    "Goethestraße", "Bergstraße", "Am Markt", "Rosenweg", "Friedrichstraße",
)
# fmt: on
DE_CITIES = (
    ("Berlin", 10115),
    ("Hamburg", 20095),
    ("München", 80331),
    ("Köln", 50667),
    ("Frankfurt am Main", 60311),
    ("Leipzig", 4109),
    ("Dresden", 1067),
    ("Stuttgart", 70173),
    ("Düsseldorf", 40213),
    ("Hannover", 30159),
    ("Nürnberg", 90402),
    ("Bremen", 28195),
)
# city, street, postcode, country
EU_ADDRESSES = (
    ("Wien", "Mariahilfer Straße", "1060", "AT"),
    ("Graz", "Herrengasse", "8010", "AT"),
    ("Amsterdam", "Prinsengracht", "1016 GV", "NL"),
    ("Paris", "Rue de Rivoli", "75001", "FR"),
    ("Lyon", "Rue de la République", "69002", "FR"),
    ("Milano", "Via Torino", "20123", "IT"),
    ("Warszawa", "ul. Marszałkowska", "00-626", "PL"),
    ("København", "Strøget", "1160", "DK"),
)
US_ADDRESSES = (
    ("New York", "NY", "Broadway", "10012"),
    ("San Francisco", "CA", "Market Street", "94103"),
    ("Seattle", "WA", "Pine Street", "98101"),
)
# city, region, district + road, postcode
CN_ADDRESSES = (
    ("上海市", "上海", "浦东新区世纪大道", "200120"),
    ("北京市", "北京", "朝阳区建国路", "100022"),
    ("广州市", "广东省", "天河区天河路", "510620"),
    ("深圳市", "广东省", "南山区科技园南路", "518057"),
    ("杭州市", "浙江省", "西湖区文三路", "310012"),
    ("成都市", "四川省", "武侯区人民南路", "610041"),
)


BUYER_TAGS = (("vip", 0.05), ("gift", 0.04), ("fragile", 0.03), ("no-invoice", 0.03))
GIFT_NOTES = (
    "Gift wrap, card: Happy birthday!",
    "Gift wrap, card: Alles Gute zum Geburtstag!",
    "礼品包装，贺卡：生日快乐！",
    "Gift wrap, no prices inside.",
)
PACK_NOTES = (
    "Please add the spare buttons.",
    "Bubble wrap around the glass items, please.",
    "Bitte ohne Werbematerial.",
    "请勿放入发票。",
    "Leave the parcel with the neighbour at no. 12 if absent.",
)
