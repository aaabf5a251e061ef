"""AIS ship and cargo types (ITU-R M.1371-5, table 53) by name, in English and Chinese, for cards and exports:
an officer reads "cargo ship, hazardous category A", not "71"."""

from __future__ import annotations

# (first code, last code) -> (English, Chinese); the second digit of the 20, 40, 60, 70, 80 and 90 groups says
# the hazard category of what she carries (see HAZARD).
NAMES: dict[tuple[int, int], tuple[str, str]] = {
    (0, 0): ("type not given", "未提供船型"),
    (1, 19): ("reserved type", "保留船型"),
    (20, 29): ("wing-in-ground craft", "地效翼船"),
    (30, 30): ("fishing vessel", "渔船"),
    (31, 31): ("towing vessel", "拖带船"),
    (32, 32): ("towing vessel, tow over 200 m or 25 m wide", "大型拖带船（拖长超200米或宽超25米）"),
    (33, 33): ("dredger or underwater operations", "疏浚或水下作业船"),
    (34, 34): ("diving operations", "潜水作业船"),
    (35, 35): ("military vessel", "军事船舶"),
    (36, 36): ("sailing vessel", "帆船"),
    (37, 37): ("pleasure craft", "游艇"),
    (38, 39): ("reserved type", "保留船型"),
    (40, 49): ("high-speed craft", "高速船"),
    (50, 50): ("pilot vessel", "引航船"),
    (51, 51): ("search and rescue vessel", "搜救船"),
    (52, 52): ("tug", "拖轮"),
    (53, 53): ("port tender", "港作船"),
    (54, 54): ("anti-pollution vessel", "防污染船"),
    (55, 55): ("law enforcement vessel", "执法船"),
    (56, 57): ("local vessel", "地方船舶"),
    (58, 58): ("medical transport", "医疗运输船"),
    (59, 59): ("non-combatant ship", "非战斗船舶"),
    (60, 69): ("passenger ship", "客船"),
    (70, 79): ("cargo ship", "货船"),
    (80, 89): ("tanker", "液货船"),
    (90, 99): ("other type", "其他船型"),
}
HAZARD = {1: ("hazardous category A", "危险品 A 类"), 2: ("hazardous category B", "危险品 B 类"),
          3: ("hazardous category C", "危险品 C 类"), 4: ("hazardous category D", "危险品 D 类")}
HAZARD_GROUPS = (20, 40, 60, 70, 80, 90)


def ship_type_name(code: int | float | None, lang: str = "en") -> str:
    """The type by name with its code, e.g. "cargo ship, hazardous category A (71)" / "货船，危险品 A 类（71）";
    "—" when unknown; a code outside 0-99 named as such."""
    if code is None or code != code:
        return "—"
    n = int(code)
    zh = lang == "zh"
    name = next((names for (lo, hi), names in NAMES.items() if lo <= n <= hi), None)
    if name is None:
        return f"未定义船型（{n}）" if zh else f"undefined type ({n})"
    text = name[1 if zh else 0]
    if n // 10 * 10 in HAZARD_GROUPS and n % 10 in HAZARD:
        text += ("，" if zh else ", ") + HAZARD[n % 10][1 if zh else 0]
    return f"{text}（{n}）" if zh else f"{text} ({n})"
