"""A generated law corpus and its long questions, for tests and for ``kb-bot eval``'s law set.

Several invented laws, written in the style of Japanese statutes (第N条 with a caption, paragraphs ２, ３,
items 一 二 三, chapters, 附則, cross references such as 前条第２項 and 第五条第一項), with invented content:
no real statute is copied; the laws, bodies and numbers are made up. Each law regulates two or three
activities (a registration scheme each: application, standards, disqualification, validity, changes,
books, inspection, orders, revocation, closing, public notice), plus general provisions, plans, a
council, subsidies and penalties. Numbers (days, years, amounts) are drawn from a seeded generator, so
the corpus and its questions are the same for the same seed.

The questions follow a legal QA benchmark: a case description (100-300 characters) and then the question,
each keyed on the labels of the articles that answer it (``法名 第N条``); some ask about things no
generated law contains (unanswerable). They use :mod:`kb_bot.evaluation.gold`'s schema, so the harness
treats them like any gold set.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from kb_bot.evaluation.gold import SPLIT_SEED, GoldSet, parse_gold, stratified_split

DEFAULT_SEED = 7
COLLECTION = "notices"
FOLDER = "laws"
_KANJI = "〇一二三四五六七八九"


def _yen(man: int) -> str:
    """An amount in units of 10,000 yen as statutes write it: 五十万円, 百万円, 三百万円."""
    hundreds, rest = divmod(man, 100)
    head = (_KANJI[hundreds] if hundreds > 1 else "") + "百" if hundreds else ""
    return head + (kanji(rest) if rest else "") + "万円"


def kanji(n: int) -> str:
    """1-99 as statute numerals (十二, 四十五)."""
    tens, ones = divmod(n, 10)
    return (("" if tens == 1 else _KANJI[tens]) + "十" if tens else "") + (_KANJI[ones] if ones else "")


def _zen(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))


@dataclass
class Article:
    caption: str
    paragraphs: list[list[str]]
    """Each paragraph: its sentence, then its items (一 …)."""
    number: int = 0
    supplementary: bool = False

    def label(self, law: str) -> str:
        return f"{law} {'附則' if self.supplementary else ''}第{self.number}条"

    def markdown(self) -> str:
        out = [f"### 第{kanji(self.number)}条（{self.caption}）"]
        for i, para in enumerate(self.paragraphs, start=1):
            out.append(para[0] if i == 1 else f"{_zen(i)}　{para[0]}")
            out += [f"{kanji(j)}　{item}" for j, item in enumerate(para[1:], start=1)]
        return "\n".join(out)


@dataclass
class Activity:
    """One regulated activity of a law: who does what, under whose registration."""

    key: str
    doer: str          # 見守り協力事業者
    activity: str      # 見守り協力事業
    grantor: str       # 都道府県知事
    kind: str          # 登録 / 認定 / 指定
    site: str          # 事業所
    extra_item: str    # an application item specific to the activity
    staff: str         # a standard: staff requirement
    articles: dict[str, Article] = field(default_factory=dict)
    numbers: dict[str, int] = field(default_factory=dict)
    """The drawn numbers its articles state (validity years, days to report a change, …)."""


@dataclass
class Law:
    key: str
    title: str
    number: str
    aim: str
    minister: str
    plan: str
    council: str
    activities: list[Activity]
    chapters: list[tuple[str, list[Article]]] = field(default_factory=list)
    supplementary: list[Article] = field(default_factory=list)
    named: dict[str, Article] = field(default_factory=dict)
    numbers: dict[str, int] = field(default_factory=dict)

    @property
    def file(self) -> str:
        return f"{self.key}.md"

    def articles(self) -> list[Article]:
        return [a for _, arts in self.chapters for a in arts] + self.supplementary

    def markdown(self) -> str:
        out = ["※ kb-bot のテスト用に生成した架空の法律です。実在の法令ではありません。", "", f"## {self.title}", "",
               f"（{self.number}）", ""]
        for n, (title, arts) in enumerate(self.chapters, start=1):
            out += [f"第{kanji(n)}章　{title}", ""]
            out += [a.markdown() + "\n" for a in arts]
        out += ["附　則", ""] + [a.markdown() + "\n" for a in self.supplementary]
        return "\n".join(out)


LAWS = [
    ("mimamori", "地域見守り活動推進法", "令和九年法律第百十一号",
     "高齢者、障害者その他の日常生活に見守りを要する者が地域において安心して暮らすことができるよう、地域見守り活動の推進",
     "総務大臣", "地域見守り推進計画", "地域見守り推進審議会",
     [("kyoryoku", "見守り協力事業者", "見守り協力事業", "都道府県知事", "登録", "営業所",
       "見守りの対象とする地域の範囲", "見守り活動に関する研修を修了した者"),
      ("yousei", "見守り推進員養成機関", "見守り推進員養成事業", "総務大臣", "指定", "養成施設",
       "養成課程の科目及び時間数", "養成課程の講師となる者")]),
    ("suiro", "農業用水路保全法", "令和九年法律第百十二号",
     "農業用水路の適切な維持管理及び改修を通じた農業生産の安定と農村の防災",
     "農林水産大臣", "農業用水路保全基本計画", "農業用水路保全審議会",
     [("kanri", "水路管理団体", "水路管理事業", "都道府県知事", "認定", "事務所",
       "管理する水路の延長及び区間", "水路の維持管理に従事する者"),
      ("tenken", "水路点検業者", "水路点検業", "都道府県知事", "登録", "事業所",
       "点検に用いる機械器具の種類", "水路点検技術者"),
      ("shuzen", "水路修繕指定工事業者", "水路修繕工事業", "市町村長", "指定", "営業所",
       "工事の施工体制", "修繕工事の主任者")]),
    ("akiya", "空き家再生促進法", "令和十年法律第十三号",
     "管理の行き届かない空き家の発生の抑制と、空き家の改修及び再利用による良好な住環境の形成",
     "国土交通大臣", "空き家再生推進計画", "空き家再生推進審議会",
     [("saisei", "空き家再生事業者", "空き家再生事業", "都道府県知事", "登録", "事務所",
       "改修後の用途の区分", "建築に関する実務の経験を有する者"),
      ("shindan", "空き家診断機関", "空き家診断事業", "国土交通大臣", "指定", "診断事務所",
       "診断の方法及び報告書の様式", "空き家診断員")]),
    ("bichiku", "災害備蓄物資確保法", "令和十年法律第十四号",
     "大規模な災害に備えた食料、飲料水その他の物資の備蓄の確保と、災害時における迅速な供給",
     "内閣総理大臣", "備蓄物資確保計画", "備蓄物資確保審議会",
     [("kyoryoku", "備蓄協力事業者", "備蓄協力事業", "都道府県知事", "認定", "倉庫",
       "備蓄する物資の品目及び数量", "物資の品質管理に従事する者"),
      ("unso", "緊急物資輸送事業者", "緊急物資輸送事業", "都道府県知事", "登録", "営業所",
       "輸送に用いる車両の台数", "運行の管理を行う者"),
      ("kensa", "備蓄品検査機関", "備蓄品検査事業", "内閣総理大臣", "指定", "検査所",
       "検査の手順及び検査に用いる設備", "検査員")]),
    ("kotsu", "地域移動支援法", "令和十年法律第十五号",
     "公共交通機関の利用が困難な地域における住民の日常生活に必要な移動手段の確保",
     "国土交通大臣", "地域移動確保計画", "地域移動支援審議会",
     [("sogei", "乗合送迎事業者", "乗合送迎事業", "市町村長", "登録", "営業所",
       "送迎を行う区域及び運行の時間帯", "運転に従事する者"),
      ("haisha", "配車管理機関", "配車管理事業", "都道府県知事", "指定", "配車センター",
       "配車の方法及び利用者の受付の方法", "配車業務の責任者")]),
]
"""Per law: key, title, number, aim, minister, plan, council, and its activities (key, doer, activity,
grantor, kind of grant, site, an application item of its own, the staff its standard requires)."""

Paragraph = str | tuple[str, ...]
"""A paragraph: its sentence, or its sentence and its items (一 …)."""


def _article(caption: str, *paragraphs: Paragraph) -> Article:
    return Article(caption, [[p] if isinstance(p, str) else list(p) for p in paragraphs])


class _Builder:
    """Builds one law's articles in order, numbering them and resolving cross references."""

    def __init__(self, spec: tuple, rng: random.Random) -> None:
        key, title, number, aim, minister, plan, council, acts = spec
        self.rng = rng
        self.law = Law(key, title, number, aim, minister, plan, council, [Activity(*a) for a in acts])
        self.n = 0

    def add(self, chapter: list[Article], art: Article, name: str = "") -> Article:
        self.n += 1
        art.number = self.n
        chapter.append(art)
        if name:
            self.law.named[name] = art
        return art

    def ref(self, art: Article, paragraph: int = 0) -> str:
        return f"第{kanji(art.number)}条" + (f"第{kanji(paragraph)}項" if paragraph else "")

    def build(self) -> Law:
        law, r = self.law, self.rng
        doers = "、".join(a.doer for a in law.activities)
        general: list[Article] = []
        self.add(general, _article("目的", (
            f"この法律は、{law.aim}を図るため、基本方針の策定、{doers}に関する制度その他必要な事項を定め、"
            "もって住民の福祉の増進に寄与することを目的とする。")), "purpose")
        self.add(general, _article("定義", (
            "この法律において、次の各号に掲げる用語の意義は、当該各号に定めるところによる。",
            *(f"{a.doer}　第{{{a.key}.grant}}条第一項の{a.kind}を受けて{a.activity}を行う者をいう。"
              for a in law.activities))), "definitions")
        self.add(general, _article("基本理念", (
            f"{law.aim}は、国、地方公共団体、事業者及び住民が相互に連携を図りながら協力することを旨として、"
            "行われなければならない。")))
        self.add(general, _article(
            "国の責務", "国は、前条の基本理念にのっとり、必要な施策を総合的に策定し、及び実施する責務を有する。",
            "国は、地方公共団体が実施する施策を支援するため、情報の提供、技術的な助言その他の必要な措置を講ずるよう"
            "努めなければならない。"))
        self.add(general, _article("地方公共団体の責務", (
            "地方公共団体は、第三条の基本理念にのっとり、国との適切な役割分担を踏まえて、その地域の実情に応じた施策を策定し、"
            "及び実施する責務を有する。")))
        self.add(general, _article("事業者の責務", (
            f"{doers}は、その事業を行うに当たっては、基本理念にのっとり、国及び地方公共団体が実施する施策に協力するよう"
            "努めなければならない。")))
        law.chapters.append(("総則", general))

        plans: list[Article] = []
        self.add(plans, _article(
            "基本方針", f"{law.minister}は、{law.aim}に関する基本的な方針（以下「基本方針」という。）を定めなければならない。",
            ("基本方針においては、次に掲げる事項を定めるものとする。", "施策の推進に関する基本的な方向",
             "施策の目標に関する事項", "関係者の連携及び協力に関する事項", "その他施策の推進に関する重要事項"),
            f"{law.minister}は、基本方針を定め、又はこれを変更したときは、遅滞なく、これを公表しなければならない。"), "basic")
        years = r.choice([3, 5, 6])
        self.add(plans, _article(
            law.plan, f"都道府県は、基本方針に即して、{kanji(years)}年を一期とする{law.plan}を定めるものとする。",
            f"都道府県は、{law.plan}を定めようとするときは、あらかじめ、関係市町村の意見を聴かなければならない。",
            f"前二項の規定は、{law.plan}の変更について準用する。"), "plan")
        self.add(plans, _article("市町村の実施計画", (
            f"市町村は、{law.plan}を勘案して、当該市町村の区域における施策の実施に関する計画を定めるよう"
            "努めなければならない。")))
        law.chapters.append(("基本方針等", plans))

        for a in law.activities:
            self.activity_chapter(a)

        council: list[Article] = []
        members, term = r.choice([10, 15, 20]), r.choice([2, 3])
        self.add(council, _article("設置", (
            f"{law.minister}の諮問に応じ、この法律の施行に関する重要事項を調査審議させるため、{law.council}を置く。")))
        self.add(council, _article(
            "組織等", f"{law.council}は、委員{kanji(members)}人以内で組織する。",
            f"委員は、学識経験のある者のうちから、{law.minister}が任命する。",
            f"委員の任期は、{kanji(term)}年とする。ただし、補欠の委員の任期は、前任者の残任期間とする。"), "council_org")
        law.chapters.append((law.council, council))

        misc: list[Article] = []
        share = r.choice(["二分の一", "三分の一", "三分の二"])
        self.add(misc, _article("国の補助", (
            f"国は、予算の範囲内において、政令で定めるところにより、都道府県が{law.plan}に基づいて行う事業に要する費用の"
            f"{share}以内を補助することができる。")))
        self.add(misc, _article("手数料", (
            "次に掲げる者は、実費を勘案して政令で定める額の手数料を納めなければならない。",
            *(f"{a.doer}の{a.kind}又はその更新を受けようとする者" for a in law.activities))))
        self.add(misc, _article("権限の委任", (
            f"この法律に規定する{law.minister}の権限は、主務省令で定めるところにより、地方支分部局の長に委任することができる。")))
        self.add(misc, _article("主務省令への委任", (
            "この法律に定めるもののほか、この法律の実施のため必要な事項は、主務省令で定める。")))
        law.chapters.append(("雑則", misc))
        self.penalties()
        self.supplementary()
        self.resolve()
        return law

    def activity_chapter(self, a: Activity) -> None:
        r, arts, ref = self.rng, [], self.ref
        valid, change, close, keep, suspend, bar1, bar2, exp = (
            r.choice([3, 5, 6]), r.choice([14, 20, 30]), r.choice([10, 30, 60]), r.choice([2, 3, 5]),
            r.choice([3, 6, 12]), r.choice([2, 3, 5]), r.choice([2, 3, 5]), r.choice([1, 2, 3]))
        a.numbers = {"valid": valid, "change": change, "close": close, "keep": keep, "suspend": suspend,
                     "bar_fine": bar1, "bar_revoked": bar2, "experience": exp}
        grant = self.add(arts, _article(
            a.kind, f"{a.activity}を行おうとする者は、{a.grantor}の{a.kind}を受けなければならない。",
            ((f"前項の{a.kind}を受けようとする者は、主務省令で定めるところにより、次に掲げる事項を記載した申請書を"
              f"{a.grantor}に提出しなければならない。"),
             "氏名又は名称及び住所並びに法人にあっては、その代表者の氏名", f"{a.site}の名称及び所在地", a.extra_item,
             "その他主務省令で定める事項")))
        std = self.add(arts, _article(f"{a.kind}の基準", (
            (f"{a.grantor}は、{ref(grant, 2)}の規定による申請をした者が次の各号のいずれにも適合していると認めるときは、"
             f"その{a.kind}をしなければならない。"),
            f"{a.staff}であって{a.activity}に関し{kanji(exp)}年以上の実務の経験を有するものが{a.site}ごとに置かれていること。",
            f"{a.activity}を適正に行うために必要な設備を有すること。",
            f"{a.activity}を継続して行うに足りる財産的基礎を有すること。")))
        bar = self.add(arts, _article("欠格事由", (
            f"次の各号のいずれかに該当する者は、{ref(grant, 1)}の{a.kind}を受けることができない。",
            ("この法律の規定により罰金の刑に処せられ、その執行を終わり、又は執行を受けることがなくなった日から"
             f"{kanji(bar1)}年を経過しない者"),
            f"第{{{a.key}.revoke}}条第一項の規定により{a.kind}を取り消され、その取消しの日から{kanji(bar2)}年を経過しない者",
            "法人であって、その役員のうちに前二号のいずれかに該当する者があるもの")))
        renew = self.add(arts, _article(
            f"{a.kind}の更新",
            f"{ref(grant, 1)}の{a.kind}は、{kanji(valid)}年ごとにその更新を受けなければ、その期間の経過によって、"
            "その効力を失う。",
            "前項の更新の申請があった場合において、同項の期間の満了の日までにその申請に対する処分がされないときは、"
            f"従前の{a.kind}は、同項の期間の満了後もその処分がされるまでの間は、なおその効力を有する。",
            f"{ref(grant, 2)}及び前二条の規定は、第一項の更新について準用する。"))
        change_art = self.add(arts, _article("変更の届出", (
            f"{a.doer}は、{ref(grant, 2)}各号に掲げる事項に変更があったときは、"
            f"その日から{kanji(change)}日以内に、その旨を{a.grantor}に届け出なければならない。")))
        books = self.add(arts, _article("帳簿の備付け等", (
            f"{a.doer}は、主務省令で定めるところにより、{a.site}ごとに帳簿を備え、"
            f"{a.activity}に関し主務省令で定める事項を記載し、これを{kanji(keep)}年間保存しなければならない。")))
        self.add(arts, _article(
            "標識の掲示", f"{a.doer}は、その{a.site}ごとに、公衆の見やすい場所に、主務省令で定める様式の標識を掲げなければならない。",
            f"{a.doer}以外の者は、前項の標識又はこれに類似する標識を掲げてはならない。"))
        report = self.add(arts, _article(
            "報告及び立入検査",
            f"{a.grantor}は、この法律の施行に必要な限度において、{a.doer}に対し、その業務に関し報告を求め、"
            f"又はその職員に、{a.doer}の{a.site}に立ち入り、帳簿書類その他の物件を検査させ、若しくは関係者に質問させることができる。",
            "前項の規定により立入検査をする職員は、その身分を示す証明書を携帯し、関係者の請求があったときは、"
            "これを提示しなければならない。",
            "第一項の規定による権限は、犯罪の捜査のために与えられたものと解してはならない。"))
        order = self.add(arts, _article("適合命令", (
            f"{a.grantor}は、{a.doer}が{ref(std)}各号のいずれかに適合しなくなったと認めるときは、その{a.doer}に対し、"
            "期限を定めて、これらの規定に適合するため必要な措置をとるべきことを命ずることができる。")))
        revoke = self.add(arts, _article(
            f"{a.kind}の取消し等",
            ((f"{a.grantor}は、{a.doer}が次の各号のいずれかに該当するときは、その{a.kind}を取り消し、"
              f"又は{kanji(suspend)}月以内の期間を定めてその業務の全部若しくは一部の停止を命ずることができる。"),
             f"不正の手段により{ref(grant, 1)}の{a.kind}又は{ref(renew, 1)}の更新を受けたとき。",
             f"{ref(bar)}各号のいずれかに該当するに至ったとき。",
             "前条の規定による命令に違反したとき。",
             f"{ref(change_art)}の規定による届出をせず、又は虚偽の届出をしたとき。"),
            f"{a.grantor}は、前項の規定による処分をしようとするときは、あらかじめ、当該{a.doer}に弁明の機会を"
            "与えなければならない。"))
        closing = self.add(arts, _article(
            "廃止の届出",
            f"{a.doer}は、{a.activity}を廃止したときは、その日から{kanji(close)}日以内に、その旨を{a.grantor}に"
            "届け出なければならない。",
            f"前項の規定による届出があったときは、当該{a.doer}に係る{ref(grant, 1)}の{a.kind}は、その効力を失う。"))
        self.add(arts, _article("公示", (
            f"{a.grantor}は、次に掲げる場合には、その旨を公示しなければならない。",
            f"{ref(grant, 1)}の{a.kind}をしたとき。", f"{ref(closing, 1)}の規定による届出があったとき。",
            f"{ref(revoke, 1)}の規定により{a.kind}を取り消し、又は業務の停止を命じたとき。")))
        a.articles.update(grant=grant, standard=std, bar=bar, renew=renew, change=change_art, books=books,
                          report=report, order=order, revoke=revoke, close=closing)
        self.law.chapters.append((a.doer, arts))

    def penalties(self) -> None:
        law, r, arts, ref = self.law, self.rng, [], self.ref
        years, fine = r.choice([1, 2, 3]), r.choice([100, 200, 300])
        fine2, fine3 = r.choice([30, 50]), r.choice([10, 20])
        acts = law.activities
        self.add(arts, _article("罰則", (
            (f"次の各号のいずれかに該当する者は、{kanji(years)}年以下の拘禁刑若しくは{_yen(fine)}以下の罰金に処し、"
             "又はこれを併科する。"),
            *(f"{ref(a.articles['grant'], 1)}の規定に違反して、{a.kind}を受けないで{a.activity}を行った者" for a in acts),
            "不正の手段によりこの法律の規定による登録、認定又は指定を受けた者")), "penalty_main")
        self.add(arts, _article("罰則", (
            f"次の各号のいずれかに該当する者は、{_yen(fine2)}以下の罰金に処する。",
            *(f"{ref(a.articles['books'])}の規定に違反して、帳簿を備えず、帳簿に記載せず、若しくは虚偽の記載をし、"
              f"又は帳簿を保存しなかった{a.doer}" for a in acts),
            *(f"{ref(a.articles['report'], 1)}の規定による報告をせず、若しくは虚偽の報告をし、"
              f"又は同項の規定による検査を拒み、妨げ、若しくは忌避した{a.doer}" for a in acts))), "penalty_books")
        self.add(arts, _article("両罰規定", (
            "法人の代表者又は法人若しくは人の代理人、使用人その他の従業者が、その法人又は人の業務に関し、"
            "前二条の違反行為をしたときは、行為者を罰するほか、その法人又は人に対しても、各本条の罰金刑を科する。")),
            "penalty_both")
        self.add(arts, _article("過料", (
            f"次の各号のいずれかに該当する者は、{_yen(fine3)}以下の過料に処する。",
            *(f"{ref(a.articles['close'], 1)}の規定による届出をせず、又は虚偽の届出をした者" for a in acts))),
            "penalty_fine")
        law.chapters.append(("罰則", arts))
        law.numbers |= {"prison_years": years, "fine": fine, "fine_books": fine2, "fine_close": fine3}

    def supplementary(self) -> None:
        law, r = self.law, self.rng
        months, grace, review = r.choice([3, 6, 9]), r.choice([6, 12]), r.choice([3, 5])
        first = law.activities[0]
        law.supplementary = [
            _article("施行期日", f"この法律は、公布の日から起算して{kanji(months)}月を超えない範囲内において"
                               "政令で定める日から施行する。"),
            _article("経過措置", f"この法律の施行の際現に{first.activity}を行っている者は、この法律の施行の日から起算して"
                               f"{kanji(grace)}月間は、{self.ref(first.articles['grant'], 1)}の規定にかかわらず、"
                               f"{first.kind}を受けないで、引き続き当該事業を行うことができる。"),
            _article("検討", f"政府は、この法律の施行後{kanji(review)}年を目途として、この法律の施行の状況について検討を加え、"
                           "必要があると認めるときは、その結果に基づいて所要の措置を講ずるものとする。"),
        ]
        for number, art in enumerate(law.supplementary, start=1):
            art.number, art.supplementary = number, True
        law.numbers |= {"start_months": months, "grace_months": grace, "review_years": review}

    def resolve(self) -> None:
        """Fill the forward references ({key.grant}, {key.revoke}) now that every article has its number."""
        refs = {f"{{{a.key}.{name}}}": kanji(a.articles[name].number)
                for a in self.law.activities for name in ("grant", "revoke")}
        for art in self.law.articles():
            for para in art.paragraphs:
                for i, text in enumerate(para):
                    for k, v in refs.items():
                        text = text.replace(k, v)
                    para[i] = text


def generate_laws(seed: int = DEFAULT_SEED) -> list[Law]:
    rng = random.Random(seed)
    return [_Builder(spec, rng).build() for spec in LAWS]


PEOPLE = ["Aさん", "B社", "C法人", "株式会社D", "E組合", "F氏", "一般社団法人G", "H社"]
PLACES = ["甲市", "乙町", "丙村", "丁市", "戊県北部", "己市中心部"]


CASE_TEMPLATES = [
    (("{who}は、{where}で{activity}を新たに始めようと考え、{site}として使う建物の賃貸借契約も済ませた。しかし、"
      "{law}に基づく手続については何も行っていない。知人からは、届出だけで足りるのではないかと言われている。"
      "{who}が{activity}を始める前に必要な手続は何か。また、申請書にはどのような事項を記載しなければならないか。"),
     ("grant",)),
    (("{who}は、{grantor}の{kind}を受けて{doer}として{activity}を行ってきたが、{kind}を受けた日から{past_validity}年が"
      "経過した。この間、{kind}について何の手続もしていない。{who}は今後も{activity}を続けたいと考えている。"
      "{who}の{kind}は現在も効力を有するか。{law}の規定に照らして説明せよ。"), ("renew",)),
    (("{doer}である{who}は、業務の拡大に伴って{site}を{where}に移転し、あわせて法人の代表者も交代した。{who}の担当者は、"
      "次の更新の申請の際にまとめて申し出れば足りると考えている。この考えは{law}上正しいか。"
      "{who}はいつまでに、誰に対して、何をしなければならないか。"), ("change", "grant")),
    (("{doer}である{who}は、書類の保管場所が不足してきたため、{activity}に関する帳簿を作成から1年で廃棄する運用にしたいと"
      "考えている。{law}は、{doer}の帳簿についてどのような義務を定めているか。この運用は許されるか。"), ("books",)),
    (("{grantor}の職員が、{doer}である{who}の{site}を予告なく訪れ、帳簿書類を見せるよう求めた。{who}の責任者は、"
      "職員が身分を示す書類を持っているのか確認したいと考えている。また、この検査は犯罪の捜査のためではないかと"
      "疑っている。{law}上、この立入検査はどのような根拠と限界をもつか。"), ("report",)),
    (("{who}は{doer}として{kind}を受けていたが、{site}の所在地を変更したのに届出をせず、さらに検査の際に虚偽の報告をした。"
      "{grantor}は処分を検討している。{grantor}はどのような処分をすることができるか。"
      "業務の停止を命ずる場合の期間の上限と、処分の前に必要な手続も答えよ。"), ("revoke",)),
    (("{who}の代表者は、{fined_ago}年前に{law}の規定に違反して罰金の刑に処せられ、その納付を終えた。"
      "{who}は改めて{doer}として{kind}を受けたいと考えている。{who}は{kind}を受けることができるか。"
      "{law}の欠格事由に照らして検討せよ。"), ("bar",)),
    (("{doer}である{who}は、後継者が見つからないため、今月末で{activity}を廃止することにした。{who}は、"
      "廃止した後のことは特に手続は要らないと考えている。{law}上、{who}は廃止後に何をしなければならないか。"
      "その期限と、{kind}の効力はどうなるかも答えよ。"), ("close",)),
    (("{who}は、{activity}の{kind}を申請したが、{site}に置く予定の{staff}の実務経験は{short_experience}年に満たない。"
      "{grantor}の担当者からは、基準に適合しないおそれがあると指摘された。{law}が定める{kind}の基準はどのようなものか。"),
     ("standard",)),
]
"""Per activity: (case and question, the articles that answer it); six of the nine are drawn per activity."""


def _questions_for(law: Law, rng: random.Random) -> list[dict]:
    """Answerable case questions for one law, each keyed on the article labels that answer it."""
    out: list[dict] = []

    def add(text: str, *arts: Article) -> None:
        out.append({"question": text, "labels": [a.label(law.title) for a in arts], "category": law.key})

    for a in law.activities:
        bar1 = a.numbers["bar_fine"]
        fields = {"who": rng.choice(PEOPLE), "where": rng.choice(PLACES), "law": law.title, "activity": a.activity,
                  "site": a.site, "grantor": a.grantor, "kind": a.kind, "doer": a.doer, "staff": a.staff,
                  "past_validity": a.numbers["valid"] + 1, "fined_ago": bar1 - 1 if bar1 > 1 else 1,
                  "short_experience": max(a.numbers["experience"] - 1, 0)}
        for text, keys in rng.sample(CASE_TEMPLATES, 6):
            add(text.format(**fields), *(a.articles[k] for k in keys))
    first, last, who, where = law.activities[0], law.activities[-1], rng.choice(PEOPLE), rng.choice(PLACES)
    add(f"{who}は、{law.title}の施行の前から{where}で{first.activity}を行っている。法律が施行されたが、{first.kind}の"
        f"申請はまだしていない。{who}は、施行の日から直ちに{first.kind}がなければ事業を続けられないのではないかと"
        f"心配している。{who}はいつまで{first.kind}なしで事業を続けられるか。", law.supplementary[1])
    add(f"{who}は、{last.doer}の{last.kind}を受けないまま、{rng.choice(PLACES)}で{last.activity}を1年にわたって行い、"
        f"報酬を得ていた。このことが発覚した場合、{who}にはどのような罰則が科されうるか。"
        f"{who}が法人の従業者として行ったときに法人が負う責任もあわせて答えよ。",
        law.named["penalty_main"], law.named["penalty_both"])
    add(f"{rng.choice(PLACES)}を含む県では、{law.plan}の策定に着手した。県の担当者は、計画の期間を何年とすべきか、"
        f"策定に当たって市町村の意見を聴く必要があるかを確認したいと考えている。"
        f"{law.title}は、{law.plan}についてどのように定めているか。", law.named["plan"])
    add(f"{law.council}の委員の改選が近づいている。事務局は、委員を何人まで任命できるか、委員の任期は何年か、"
        f"任期の途中で辞任した委員の後任の任期はどうなるかを整理したい。{law.title}の規定に基づいて答えよ。",
        law.named["council_org"])
    return out


UNANSWERABLE = [
    ("{law}第九十九条に定める特例措置の対象となる事業者の要件は何か。{who}は、この特例によって{kind}の更新を"
     "免除されると聞いたが、そのための申請の方法と期限を知りたい。"),
    ("{who}は、{place}で酒類の小売業を営むための免許を申請しようとしている。販売場の設置場所や経営の基礎について、"
     "どのような要件を満たす必要があるか。免許の申請から付与までの標準的な処理期間も答えよ。"),
    ("{who}は、{place}の市道に看板を設置するため、道路の占用の許可を受けたいと考えている。"
     "占用料の額はどのように定められ、許可の期間は最長で何年か。"),
    "{who}が所有する建物について、固定資産税の評価額に不服がある。審査の申出はどこに対して、いつまでに行う必要があるか。",
    "{who}は、{place}で民泊を始めようとしている。住宅宿泊事業の届出の際に必要な書類と、年間の営業日数の上限を答えよ。",
    "{law}附則第九条による経過措置の期間が延長されたと聞いた。{who}は延長後の期限までに何をすればよいか。",
    "{who}の従業員が業務中に負傷した。労働者災害補償保険の休業補償給付は、休業の何日目から支給されるか。",
    "{who}は、{place}の農地を駐車場に転用したいと考えている。農地の転用の許可を受けるための要件と、許可権者は誰かを答えよ。",
    "{who}は、{law}に基づく{kind}の手数料が減免される場合があると聞いた。減免の対象となる事業者の要件と、減免の割合を答えよ。",
    "{who}は、{place}で産業廃棄物の収集運搬業を始めたい。許可の有効期間と、更新の際に必要な講習の内容を答えよ。",
    ("{who}が経営する飲食店で食中毒が発生した。営業停止の処分を受けた場合、"
     "その期間中の従業員の休業手当はどのように計算されるか。"),
    "{who}は、{law}の規定に基づく優良事業者の表彰制度に応募したい。表彰の基準と推薦の手続はどうなっているか。",
]


LEADS = [
    ("地元の商工会の相談窓口には、事業者からさまざまな法律の相談が寄せられている。"
     "次の相談について、担当者は根拠となる規定を示して回答したいと考えている。"),
    ("市の法務担当課に、庁内の関係部署から照会があった。"
     "照会の内容は次のとおりであり、担当者は関係する法令の規定を確認したうえで回答する必要がある。"),
    ("行政書士事務所に、依頼者から次のような相談があった。"
     "事務所の職員は、相談の前提となっている事実関係を整理したうえで、適用される法令の規定を調べている。"),
]
"""Case openings for the unanswerable questions, so they are as long as the answerable ones."""


def generate_questions(laws: list[Law], seed: int = DEFAULT_SEED) -> list[dict]:
    rng = random.Random(f"questions:{seed}")
    items: list[dict] = []
    for law in laws:
        for n, q in enumerate(_questions_for(law, rng), start=1):
            items.append({"id": f"law-{law.key}-{n:02d}", **q, "answerable": True, "style": "case"})
    for n, template in enumerate(UNANSWERABLE, start=1):
        law = rng.choice(laws)
        text = rng.choice(LEADS) + template.format(law=law.title, who=rng.choice(PEOPLE), place=rng.choice(PLACES),
                                                   kind=law.activities[0].kind)
        items.append({"id": f"law-none-{n:02d}", "question": text, "labels": [], "category": "unanswerable",
                      "answerable": False, "style": "oos" if "{law}" not in template else "false"})
    return items


@dataclass
class LawCorpus:
    folder: Path
    """The collection folder (manifest.toml + one Markdown file per law), ready for ``kb-bot ingest``."""
    laws: list[Law]
    gold: GoldSet
    seed: int


def write_law_corpus(root: Path, seed: int = DEFAULT_SEED) -> LawCorpus:
    """Write the laws under ``root/laws`` and return them with their question set (split fixed by seed)."""
    laws = generate_laws(seed)
    folder = root / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    manifest = [f'# Generated by kb_bot.evaluation.lawgen (seed {seed}): invented laws, not real statutes.',
                f'collection = "{COLLECTION}"', "sample = true", ""]
    for law in laws:
        (folder / law.file).write_text(law.markdown(), encoding="utf-8")
        manifest += ["[[document]]", f'file = "{law.file}"', 'kind = "law"', f'title = "{law.title}"',
                     'issuer = "国会（架空）"', f'number = "{law.number}"', 'status = "in_force"', ""]
    (folder / "manifest.toml").write_text("\n".join(manifest), encoding="utf-8")
    return LawCorpus(folder, laws, law_gold(laws, seed), seed)


def law_gold(laws: list[Law], seed: int = DEFAULT_SEED) -> GoldSet:
    items = generate_questions(laws, seed)
    unsplit = parse_gold("\n".join(json.dumps(i, ensure_ascii=False) for i in items), f"<lawgen seed={seed}>")
    split = stratified_split(((i.id, i.category) for i in unsplit.items), SPLIT_SEED)
    text = "\n".join(json.dumps(i | {"split": split[i["id"]]}, ensure_ascii=False) for i in items)
    return parse_gold(text, f"<法令セット lawgen seed={seed}>")
