"""The Chinese typo detector (T001's engine), with the real model built from jieba and pypinyin data."""

from __future__ import annotations

import json
import marshal
import os
import time
from pathlib import Path

import pytest

from sftlint.analysis.text import cache as cache_mod
from sftlint.analysis.text import typo as typo_module
from sftlint.analysis.text.typo import TypoDetector
from sftlint.analysis.text.typo_data import CURATED
from sftlint.analysis.text.typo_store import Store, write_store

FIXTURES = Path(__file__).parent / "fixtures" / "text"


@pytest.fixture(scope="module")
def detector() -> TypoDetector:
    return TypoDetector()


def _pairs(detector: TypoDetector, text: str) -> list[tuple[str, str, str]]:
    return [(text[t.start : t.end], t.right, t.after) for t in detector.detect(text)]


# -- what must be caught ----------------------------------------------------

CUSTOMER_SERVICE_TYPOS = [
    ("您好，您的优惠卷已经发放到账户，请注意查收。", "卷", "券", "优惠券"),
    ("我以经申请退款了，怎么还没到账？", "以", "已", "已经"),
    ("请您先申情退款，我们审核后会原路退回。", "情", "请", "申请"),
    ("请输入手机收到的验正码，五分钟内有效。", "正", "证", "验证"),
    ("请先按装最新版本的应用，再重新登录。", "按", "安", "安装"),
    ("既使没有收到货，您也可以申请退款。", "既", "即", "即使"),
    ("这个代金卷满一百元才能使用。", "卷", "券", "代金券"),
    ("非常报歉给您带来不便。", "报", "抱", "抱歉"),
    ("请核对您的收获地址是否正确，稍侯为您发货。", "获", "货", "收货地址"),
    ("这个商品现在有货，您可以放心购卖。", "卖", "买", "购买"),
    ("我门已经为您安排发货，请耐心等待。", "门", "们", "我们"),
    ("这家店我在也不来了，客服太慢。", "在", "再", "再也不"),
    ("这张优惠劵满100元可用。", "劵", "券", "优惠券"),
    ("您的快递员已经把包裹送到驿站了，请尽快去取，不要迫不急待地拆开检查。", "急", "及", "迫不及待"),
    ("为了尽快处理您的退款，请您配和我们完成身份验证。", "和", "合", "配合"),
]


@pytest.mark.parametrize(("text", "wrong", "right", "word"), CUSTOMER_SERVICE_TYPOS)
def test_customer_service_typos_are_found_with_exact_span(detector, text, wrong, right, word):
    found = detector.detect(text)
    assert len(found) == (2 if "稍侯" in text else 1), found  # nothing else is flagged
    t = found[0]
    assert text[t.start : t.end] == wrong == t.wrong
    assert t.right == right
    assert t.after == word


def test_several_typos_in_one_text_and_offsets_across_lines(detector):
    text = "您好！\n我以经申情了退款。\n请输入验正码。"
    got = [(text[t.start : t.end], t.right) for t in detector.detect(text)]
    assert got == [("以", "已"), ("情", "请"), ("正", "证")]


def test_model_finds_homophone_typos_outside_the_curated_list(detector):
    # 票亮 is not in the curated list: the homophone index proposes 漂亮
    assert "票亮" not in CURATED and "购卖" not in CURATED
    assert _pairs(detector, "这件衣服很票亮，我很喜欢。") == [("票", "漂", "很漂亮")]


# -- what must be left alone -----------------------------------------------


def _clean_turns() -> list[str]:
    turns = []
    for line in (FIXTURES / "clean_cs.jsonl").read_text(encoding="utf-8").splitlines():
        turns.extend(m["content"] for m in json.loads(line)["messages"])
    return turns


def test_clean_customer_service_dialogues_get_no_typo(detector):
    turns = _clean_turns()
    assert len(turns) >= 40
    flagged = {t: _pairs(detector, t) for t in turns if detector.detect(t)}
    assert flagged == {}


@pytest.mark.parametrize(
    "text",
    [
        "想必竟然有人这么说。",  # 必竟 straddles 想必|竟然
        "他在工作崇拜偶像。",  # 作崇 straddles 工作|崇拜
        "我们以经济建设为中心。",  # 以经 straddles 以|经济
        "可以经过这条路。",  # 以经 straddles 可以|经过
        "检验正确后再发货。",  # 验正 straddles 检验|正确
        "经验正是我们需要的。",  # 验正 straddles 经验|正是
        "现在也不晚，您可以重新下单。",  # 在也不 straddles 现在|也不
        "客服正在加上备注，请稍等。",  # 在加上 straddles 正在|加上
        "请到我门口的快递柜取件。",  # 我门 straddles 我|门口
        "这次开发获得了成功。",  # 发获 straddles 开发|获得
        "面包油炸一下更香。",  # 包油 straddles 面包|油
        "合理分配和使用预算，颜色搭配和谐。",  # 配和 straddles 分配|和, 搭配|和谐
    ],
)
def test_curated_forms_straddling_a_word_boundary_are_legal(detector, text):
    assert detector.detect(text) == ()


@pytest.mark.parametrize(
    ("text", "wrong", "right"),
    [
        ("您因该先联系快递员确认物流信息。", "因", "应"),
        ("这种情况因该是系统延迟导致的。", "因", "应"),
        ("一般来说因该很快就能处理好。", "因", "应"),  # 很快 is an adverb
        ("如有问题请在次联系我们的客服。", "在", "再"),
        ("感谢您的耐心，欢迎在次光临本店。", "在", "再"),
        ("如果忘记了密码，您可以从新设置密码。", "从", "重"),
        ("请卸载后从新安装应用程序。", "从", "重"),
    ],
)
def test_guarded_forms_are_found_before_the_words_that_make_them_slips(detector, text, wrong, right):
    got = [(text[t.start : t.end], t.right, t.source) for t in detector.detect(text)]
    assert got == [(wrong, right, "list")]


@pytest.mark.parametrize(
    "text",
    [
        "因该公司未按时发货，订单已取消。",  # 因 + 该公司: no listed word follows
        "因该先生未到场，会议改期。",  # 先 is part of 先生
        "原因该是网络不稳定。",  # 原因 + 该是
        "不得因该要件欠缺而驳回起诉。",  # 要 begins 要件: 该要件 is this element
        "请在次联系人处签字。",  # 联系 begins 联系人
        "他在次年获得了专利授权。",  # 在 + 次年
        "您可以在此联系我们的客服。",  # 在此, not 在次
        "我们从新闻报道中得知了此事。",  # 从 + 新闻
        "请从新安装的应用中打开文件。",  # 从 + 新安装的应用: what is new
        "您可以从新设置中选择语言。",  # from the new settings
        "自从新开始营业以来，客流不断。",  # 自从 + 新开始
    ],
)
def test_guarded_forms_are_left_alone_elsewhere(detector, text):
    assert [t for t in detector.detect(text) if t.source == "list"] == []


@pytest.mark.parametrize(
    "text",
    [
        "张伟和李娜明天来店里取货。",  # names
        "请联系王晓东经理确认发货时间。",
        "这件T恤是纯棉的，可以机洗。",  # next to Latin letters
        "麻烦您提供一下手机号吗？",  # 吗 stands alone by grammar
        "这款手机支持5G网络和NFC功能。",
        "微信和支付宝都可以付款，也支持花呗分期。",  # words younger than jieba's dictionary
        "主播在直播间抽奖，点赞满一万就包邮。",
    ],
)
def test_names_products_and_modern_words_are_left_alone(detector, text):
    assert detector.detect(text) == ()


def test_whitelist_silences_a_product_name(detector):
    text = "我们的新品是票亮洗衣液，欢迎选购。"
    assert [t.right for t in detector.detect(text)] == ["漂"]  # looks like 漂亮 to the model
    quiet = detector.with_whitelist(["票亮洗衣液"])
    assert quiet.detect(text) == ()
    # the whitelist view shares the model; the original is unchanged
    assert quiet.freq is detector.freq
    assert detector.detect(text)


def test_text_without_chinese_is_not_analysed(detector):
    calls = []
    original = detector._detect
    detector._detect = lambda line, *rest: calls.append(line) or original(line, *rest)  # type: ignore[method-assign]
    try:
        assert detector.detect("Your order #123 ships tomorrow.\n\nThanks!") == ()
    finally:
        del detector._detect
    assert calls == []


def test_repeated_lines_are_analysed_once(detector):
    kb = "处理方法是：先确认用户是否收到了优惠卷。"
    calls: list[str] = []
    original = detector._detect
    detector._detect = lambda line, *rest: calls.append(line) or original(line, *rest)  # type: ignore[method-assign]
    try:
        results = [detector.detect(f"问题{i}：为什么用不了？\n{kb}") for i in range(50)]
    finally:
        del detector._detect
    assert calls.count(kb) <= 1  # the knowledge-base line: analysed at most once
    for i, r in enumerate(results):
        prefix = f"问题{i}：为什么用不了？\n"
        assert [(t.wrong, t.start) for t in r] == [("卷", len(prefix) + kb.index("卷"))]


def test_a_clause_repeated_in_other_lines_is_analysed_once_with_its_neighbours_in_the_key(monkeypatch):
    # The model's analysis is cached per run of Chinese characters: a clause that recurs in
    # different lines (a knowledge-base sentence, boilerplate) costs once, and what the
    # analysis reads outside the run (a Latin letter, a digit or a name dot beside it) is
    # part of the key, so 票亮洗衣液 beside "A" stays a product name.
    det = TypoDetector()
    calls: list[str] = []
    original = det._analyse_run
    monkeypatch.setattr(det, "_analyse_run", lambda run, flags: calls.append(run) or original(run, flags))
    lines = [f"第{i}次：我们的新品是票亮洗衣液，欢迎选购" for i in range(20)]
    results = [det.detect(line) for line in lines]
    assert calls.count("我们的新品是票亮洗衣液") == 1
    for line, found in zip(lines, results, strict=True):
        assert [(t.start, t.wrong, t.right) for t in found] == [(line.index("票"), "票", "漂")]
    assert det.detect("票亮洗衣液") and det.detect("A票亮洗衣液") == ()
    assert det.detect("票亮洗衣液") == TypoDetector().detect("票亮洗衣液")
    assert det.detect("第1次·票亮洗衣液") == TypoDetector().detect("第1次·票亮洗衣液")


def test_curated_list_only_without_model():
    det = TypoDetector(use_model=False)
    assert [t.right for t in det.detect("再接再励，迫不急待")] == ["厉", "及"]


# -- the prepared-model cache ----------------------------------------------


def test_cache_dir_honours_env_and_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("SFTLINT_CACHE_DIR", str(tmp_path / "explicit"))
    assert cache_mod.cache_dir() == tmp_path / "explicit"
    monkeypatch.delenv("SFTLINT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_mod.cache_dir() == tmp_path / "xdg" / "sftlint"


def test_load_or_build_builds_once_writes_atomically_and_replaces_old_versions(monkeypatch, tmp_path):
    monkeypatch.setenv("SFTLINT_CACHE_DIR", str(tmp_path))
    builds = []

    def build():
        builds.append(1)
        return {"words": {"已经": 51289}, "n": len(builds)}

    # other versions: the KEEP_OTHERS most recently used stay, however old; the rest go, however
    # recently they were used (a bound on the directory: fresh CI environments used to keep
    # every version of the last 14 days, gigabytes)
    assert cache_mod.KEEP_OTHERS == 4
    for age, key in ((50, "oldest"), (40, "older"), (30, "old"), (0.5, "hour"), (0.2, "minutes")):
        stale = tmp_path / f"thing-{key}.marshal"
        cache_mod.store(stale, {"stale": True})
        os.utime(stale, (time.time() - age * 3600, time.time() - age * 3600))
    first = cache_mod.load_or_build("thing", "k1", build)
    second = cache_mod.load_or_build("thing", "k1", build)
    assert first == second == {"words": {"已经": 51289}, "n": 1}
    assert len(builds) == 1
    names = sorted(p.name for p in tmp_path.iterdir())  # no temp files, the least recently used gone
    assert names == [
        "thing-hour.marshal",
        "thing-k1.marshal",
        "thing-minutes.marshal",
        "thing-old.marshal",
        "thing-older.marshal",
    ]
    # using a version marks it recent: "older" is loaded, so the next build drops "old" instead
    assert cache_mod.load_or_build("thing", "older", build) == {"stale": True}
    cache_mod.load_or_build("thing", "k2", build)
    assert "thing-old.marshal" not in {p.name for p in tmp_path.iterdir()}
    assert "thing-older.marshal" in {p.name for p in tmp_path.iterdir()}
    # however many versions come, the directory holds the current one and KEEP_OTHERS more
    for k in range(20):
        cache_mod.load_or_build("thing", f"env{k}", build)
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {f"thing-env{k}.marshal" for k in range(15, 20)}
    # a corrupt file is rebuilt, not an error
    (tmp_path / "thing-env19.marshal").write_bytes(b"\x00garbage")
    assert cache_mod.load_or_build("thing", "env19", build)["n"] == len(builds)


def test_cache_key_changes_with_versions():
    assert cache_mod.cache_key("m", 1, "jieba 0.42.1") != cache_mod.cache_key("m", 1, "jieba 0.42.2")


def test_real_model_is_cached_on_disk(detector):
    from sftlint.analysis.text.typo_model import model_key, store_path

    path = cache_mod.cache_path("typo-model", model_key())
    assert path.is_file()
    model = marshal.loads(cache_mod.read_digested(path))
    assert model["freq"]["已经"] > 10000
    # the homophone index maps <yi>+经 to 已 (已经)
    assert any("已" in v for k, v in model["index"].items() if len(k) == 2 and k[1] == "经")
    # the memory-mapped form holds the same facts, one block per prefix or character
    store = Store(store_path())
    words, _index, _, _classes, _people = store.block("已经")
    assert words["已经"] == model["freq"]["已经"]
    # word classes for the 的/地/得 patterns: 觉得 is a verb, nouns are not kept
    assert store.block("觉得")[3]["觉得"] == "v" and "朋友" not in store.block("朋友")[3]
    assert store.block("说")[5] == model["pos"]["说"] == "v"
    assert store.block("已")[1] == model["char_freq"]["已"]
    assert store.block("经已") is None or "经已" not in store.block("经已")[0]


# -- the memory-mapped store and the on-demand path ------------------------


def test_store_round_trip_and_misses(tmp_path):
    blocks = {
        "已经": ({"已经": 51289, "已经是": 20}, {}, ()),
        "\ue801经": ({}, {"\ue801经": "已以"}, ()),
        "已": (3000, 90000, "a", "b", 0.1),
    }
    blocks.update({f"词{chr(0x4E00 + i)}": ({f"词{chr(0x4E00 + i)}": i}, {}, ()) for i in range(300)})
    path = tmp_path / "s.bin"
    write_store(path, {"total": 7}, blocks)
    store = Store(path)
    assert store.meta() == {"total": 7}
    assert store.count == len(blocks)
    for key, value in blocks.items():
        assert store.block(key) == value, key
    assert store.block("经已") is None and store.block("x") is None and store.block("ab") is None
    assert store.reads == len(blocks)  # misses are not reads
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize("content", [b"", b"SFTTYPO\x01" + b"\x00" * 40, b"not a store at all" * 10])
def test_a_damaged_store_is_refused_not_misread(tmp_path, content):
    path = tmp_path / "bad.bin"
    path.write_bytes(content)
    with pytest.raises(ValueError):
        Store(path)


@pytest.mark.slow
def test_a_damaged_store_file_is_rewritten_from_the_cached_model(monkeypatch, tmp_path, detector):
    from sftlint.analysis.text import typo_model

    key = typo_model.model_key()
    real = cache_mod.cache_path("typo-model", key)
    assert real.is_file()  # written when the module's detector was built
    monkeypatch.setenv("SFTLINT_CACHE_DIR", str(tmp_path))
    (tmp_path / real.name).write_bytes(real.read_bytes())
    typo_model.store_path(key).write_bytes(b"garbage")

    def no_build():
        raise AssertionError("the whole model is cached: no rebuild from jieba expected")

    monkeypatch.setattr(typo_model, "build_model", no_build)
    model = typo_model.open_model()  # the store is damaged: the whole model serves this run
    assert isinstance(model, dict) and model["freq"]["已经"] > 10000
    again = typo_model.open_model()  # ... and the store was rewritten for the next one
    assert isinstance(again, Store) and again.block("已经")[0]["已经"] == model["freq"]["已经"]
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".alias", ".bin", ".marshal"]


def test_lazy_and_whole_model_give_the_same_findings(detector):
    whole = TypoDetector(mode="full")
    lazy = TypoDetector(mode="lazy")
    # the later tables too: word classes (的/地/得), name characters, personal names, rare characters
    later = [
        "上次去乐园玩的很开心。",
        "我觉的这款耳机一般。",
        "请您好好得检查一下。",
        "请您核对信息是否正雀。",
    ]
    texts = _clean_turns() + [t for t, *_ in CUSTOMER_SERVICE_TYPOS] + ["这件衣服很票亮，我很喜欢。"]
    texts += later + NAMES + PEOPLE
    assert [whole.detect(t) for t in texts] == [lazy.detect(t) for t in texts]
    assert all(len(lazy.detect(t)) == 1 for t in later)
    assert whole.mode == "full" and whole.blocks_read() == 0
    assert lazy.mode == "lazy" and 0 < lazy.blocks_read() < lazy._lazy.store.count // 20


def test_a_big_input_switches_to_the_whole_model_with_the_same_findings(monkeypatch):
    from sftlint.analysis.text import typo as typo_mod

    monkeypatch.setattr(typo_mod, "SWITCH_BLOCKS", 200)
    auto = TypoDetector()
    assert auto.mode == "lazy"
    texts = _clean_turns() + [t for t, *_ in CUSTOMER_SERVICE_TYPOS]
    found = [auto.detect(t) for t in texts]
    assert auto.mode == "full"  # it read more than 200 blocks, then loaded everything
    whole = TypoDetector(mode="full")
    assert found == [whole.detect(t) for t in texts]
    # a whitelist view made before the switch follows it
    view = TypoDetector().with_whitelist(["票亮洗衣液"])
    monkeypatch.setattr(typo_mod, "SWITCH_BLOCKS", 0)
    assert [t.right for t in view.detect("我以经收到了")] == ["已"]
    assert view.mode == "full"


def test_a_long_run_of_few_distinct_prefixes_switches_too(monkeypatch):
    """Blocks are few but analysis goes on: after SWITCH_CHARS characters the whole model pays."""
    from sftlint.analysis.text import typo as typo_mod

    monkeypatch.setattr(typo_mod, "SWITCH_BLOCKS", 10**9)
    monkeypatch.setattr(typo_mod, "SWITCH_CHARS", 300)
    auto = TypoDetector()
    turns = _clean_turns()
    first = [auto.detect(t) for t in turns[:2]]
    assert auto.mode == "lazy" and sum(map(len, turns[:2])) < 300
    rest = [auto.detect(t) for t in turns[2:]]
    assert auto.mode == "full"
    assert first + rest == [TypoDetector(mode="full").detect(t) for t in turns]


def test_line_cache_is_bounded_by_characters():
    from sftlint.analysis.text.typo import _LRU

    cache = _LRU(max_chars=100)
    for i in range(50):
        cache.put(f"第{i}行的文字内容", ())
    assert cache.chars <= 100
    assert cache.get("第49行的文字内容") == ()
    assert cache.get("第0行的文字内容") is None
    cache.put("长" * 60, ())  # longer than an eighth of the budget: not kept
    assert cache.get("长" * 60) is None


# -- less rare characters: exact homophones only, never name characters ---------


@pytest.mark.parametrize(
    ("text", "wrong", "right"),
    [
        ("请您核对收货信息是否正雀。", "雀", "确"),
        ("我们会尽快为您澈销这笔订单。", "澈", "撤"),
        ("平台应当醋进商家提升服务。", "醋", "促"),
    ],
)
def test_less_rare_characters_with_an_exact_homophone_are_found(detector, text, wrong, right):
    assert [(t.wrong, t.right) for t in detector.detect(text)] == [(wrong, right)]
    assert detector.char_freq[wrong] < 3000  # below the common-character bar


NAMES = ["请联系客服鲍玉慧女士处理。", "本店由邢福义老师推荐。", "售后专员巫昌祯会联系您。"]


def test_rare_name_characters_are_never_suspects(detector):
    assert all(detector.detect(t) == () for t in NAMES)
    # what keeps them quiet is the name-character table: without it each would read as a typo
    # (鲍玉 -> 宝玉, 邢福 -> 幸福, 巫昌 -> 武昌)
    bare = TypoDetector(mode="full")
    bare.name_chars = frozenset()
    assert all(len(bare.detect(t)) == 1 for t in NAMES)


def test_rival_readings_of_a_broken_pair_are_not_reported(monkeypatch):
    # 医元: 医 -> 亿 makes 亿元, 元 -> 院 makes 医院; each keeps the other's character and
    # they gain about as much, so the detector cannot tell which character is wrong
    text = "您的情况需要到医元诊疗，明确诊断后再用药。"
    assert TypoDetector(mode="full").detect(text) == ()
    # a clear winner is still reported: 修息 -> 休息 gains far more than 息 -> 习 (修习)
    assert [(t.wrong, t.right) for t in TypoDetector(mode="full").detect("请注意修息。")] == [("修", "休")]
    monkeypatch.setattr(typo_module, "RIVAL_MARGIN", float("-inf"))  # the rule off
    assert [(t.wrong, t.right) for t in TypoDetector(mode="full").detect(text)] == [("医", "亿")]


PEOPLE = ["您好，客服专员王志俊为您服务。", "快递员陆国梁已经联系过您了。", "这单由刘永亮师傅上门安装。"]


def test_a_correction_into_another_persons_name_is_not_reported(detector):
    assert all(detector.detect(t) == () for t in PEOPLE)
    # the personal-name table is what keeps them quiet (王志俊 -> 王志军, 陆国梁 -> 刘国梁 ...)
    bare = TypoDetector(mode="full")
    bare.persons = frozenset()
    assert [len(bare.detect(t)) for t in PEOPLE] == [1, 1, 1]


def test_lengthening_an_intact_word_needs_stronger_evidence(monkeypatch):
    # 怎么 + 养 -> 怎么样 and 北京 + 乘 -> 北京城 only grow a word the text already has, by a
    # character that is a word itself; 国务员 -> 国务院 also grows 国务, but by far more evidence
    legal = ["这本书教孩子怎么养宠物。", "我们到北京乘长途汽车回家。"]
    typo = "请把材料交到国务员办公厅。"
    det = TypoDetector(mode="full")
    assert [det.detect(t) for t in legal] == [(), ()]
    assert [(t.wrong, t.right) for t in det.detect(typo)] == [("员", "院")]
    monkeypatch.setattr(typo_module, "EXTENSION_EXTRA", 0.0)  # the rule off: both are reported
    monkeypatch.setattr(typo_module, "EXTENSION_EXTRA_3", 0.0)
    bare = TypoDetector(mode="full")
    assert [len(bare.detect(t)) for t in legal] == [1, 1]


# -- customer-service vocabulary: jieba counts it on news, rarely --------------

DOMAIN_TYPOS = [
    ("请您在收到货后及时签受。", "受", "收"),
    ("这件衣服的尺马偏小，建议拍大一号。", "马", "码"),
    ("您可以申请退宽，我们会尽快处理。", "宽", "款"),
    ("物留信息显示还在途中。", "留", "流"),
    ("您的订单已经付宽成功。", "宽", "款"),
    ("请您联系快第员重新派送。", "第", "递"),
    ("我想唤货，颜色不喜欢。", "唤", "换"),
    ("亲，您稍登，我帮您查一下。", "登", "等"),
    ("您的包裹已经发获了，请注意查收。", "获", "货"),
    ("这款商品包油吗？", "油", "邮"),
]


@pytest.mark.parametrize(("text", "wrong", "right"), DOMAIN_TYPOS)
def test_customer_service_words_are_corrections_worth_making(detector, text, wrong, right):
    assert [(t.wrong, t.right) for t in detector.detect(text)] == [(wrong, right)]


def test_customer_service_words_get_a_common_count():
    from sftlint.analysis.text.typo_data import DOMAIN_WORDS
    from sftlint.analysis.text.typo_model import DOMAIN_FREQ, load_model

    model = load_model()
    # jieba alone counts 退款 25 and 客服 3: too rare for 退宽 to look worth correcting
    assert {"退款", "客服", "尺码", "稍等"} <= set(DOMAIN_WORDS)
    assert all(model["freq"][w] >= DOMAIN_FREQ for w in DOMAIN_WORDS if len(w) >= 2)
    assert model["freq"]["已经"] > DOMAIN_FREQ  # a floor: common words keep their own count


def test_a_rare_reading_does_not_make_an_exact_homophone():
    # 汤 reads tang; its literary reading shang (汤汤) is not what an IME offers for 商
    detector = TypoDetector(mode="full")
    run = "开胃又温暖的汤品"
    props = detector._proposals(run, run.index("汤"))
    assert props["商"][0] is False
    assert detector._proposals("我以经到了", 1)["已"][0] is True
    assert detector.detect("开胃又温暖的汤品，为餐食开个好头。") == ()


@pytest.mark.parametrize(
    "text", ["参观魔法村对角巷。", "除了创世记之外，还有其他文本。", "香蕉外表呈黄色，口感柔软。"]
)
def test_growing_a_word_into_a_three_character_one_needs_strong_evidence(detector, text):
    assert detector.detect(text) == ()


def test_a_broken_three_character_word_with_strong_evidence_is_still_found(detector):
    assert _pairs(detector, "国务园办公厅发布了通知。") == [("园", "院", "国务院")]


def test_a_lone_last_character_beside_intact_words_needs_strong_evidence(monkeypatch):
    legal = "把一个小洋葱切成粒"
    det = TypoDetector(mode="full")
    assert det.detect(legal) == ()
    monkeypatch.setattr(typo_module, "LONE_EDGE_EXTRA", 0.0)  # the rule off: it is reported
    assert len(TypoDetector(mode="full").detect(legal)) == 1


def test_the_suggestion_keeps_the_stranded_character_when_a_known_word_does(detector):
    # 念 is stranded (球菌 is a word); 念 -> 链 (a near sound) would only grow 球菌 into 链球菌,
    # while 球 -> 珠 keeps 念 and makes the word the context supports
    assert _pairs(detector, "白色念球菌是一种真菌，常见于口腔。") == [("球", "珠", "念珠菌")]
    # an exact homophone growing the word stays the suggestion (国务员: 国务院, not 公务员)
    assert _pairs(detector, "请把材料交到国务员办公厅。") == [("员", "院", "国务院")]


# -- issue 15: the text's own words, rarer names, eponyms -------------------

MATRIX_LINE = "因此，您需要对第一个数组的每一行执行10次乘积，得到10个维数为(10 x 10)的子矩阵。"
MATRIX_REPLY = (
    "具体来说，每个子矩阵的维数为(10 x 10)，而原矩阵的维数为(100 x 100)。\n"
    "分块对角矩阵的维数等于各子矩阵维数之和。\n" + MATRIX_LINE
)


def test_a_pair_the_text_keeps_writing_elsewhere_is_its_own_word(detector):
    # alone, 维数 (dimension, which jieba lacks) reads as a slip for 个位数
    assert [(w, r) for w, r, _ in _pairs(detector, MATRIX_LINE)] == [("维", "位")]
    # a reply that writes 维数 in four other places, unflagged there, uses the word on purpose
    assert detector.detect(MATRIX_REPLY) == ()


def test_a_word_misspelt_the_same_way_throughout_is_still_reported(detector):
    # SIGHAN14: 打喷替 three times in one essay is flagged at each place, so the repeats are no alibi
    text = "妈妈会劝导我不要大声打喷替，打喷替的时候要捂住嘴，下一次打喷替的声音会小声一点。"
    assert [w for w, _, _ in _pairs(detector, text)] == ["替", "替", "替"]


def test_a_correction_into_a_rare_name_is_not_reported(detector):
    # 请龙帮我们 -> 青龙帮 (tagged nr, count 3): reading a gang's name into a request
    assert detector.detect("请龙帮我们找一个苹果。") == ()
    bare = TypoDetector(mode="full")
    bare.persons = frozenset(w for w in bare.persons if len(w) == 3 and w != "青龙帮")
    assert [t.after for t in bare.detect("请龙帮我们找一个苹果。")] == ["青龙帮"]


def test_an_eponym_is_not_a_broken_word(detector):
    # 博氏链球菌 (a streptococcus named after its discoverer) is not 博士
    assert detector.detect("最可能的病原体是口腔链球菌或博氏链球菌。") == ()
    assert detector.detect("革兰氏阳性菌和王氏家族。") == ()
    # the same sentence with a real slip elsewhere is still caught
    assert [w for w, _, _ in _pairs(detector, "最可能的病原体是博氏链球菌，要及时治撩。")] == ["撩"]


def test_a_character_written_again_within_two_places_is_a_frame_or_a_repetition(detector):
    # 越读越 (the more one reads, the more), 操操操 (a shout): chosen twice, not slips
    assert detector.detect("任何人都能一口气读下去，越读越觉得过瘾的好书。") == ()
    assert detector.detect("居然用扩音器大喊，操操操，这种怪事都有！") == ()
    # a real slip in the same frame is still caught
    assert [w for w, _, _ in _pairs(detector, "这本书越读越觉得飞常好看。")] == ["飞"]


# -- medical terms the general dictionary lacks ---------------------------------------------

#: sentences of real medical Q&A (Huatuo-Llama-Med-Chinese's llama_data.json) whose terms the
#: model took for slips: 氨甲环酸 -> 甲磺酸, 特比萘芬 -> 萘酚, 预激综合征 -> 预计, 喉咽 -> 喉炎
MEDICAL_TERMS = [
    "对于血管性血友病的治疗，可以采用氨甲环酸、抗纤溶药物、新鲜冰冻血浆、新鲜血液、冷沉淀物。",
    "可采用伊曲康唑、酮康唑、特比萘芬等抗真菌药物治疗头癣，并使用升华硫软膏等外用药物加速愈合。",
    "一位中年女性出现胸闷、心悸等症状，经过心电图检查被诊断为变异型预激综合征，应该注意哪些并发症？",
    "根据症状推断，患者可能患上了喉咽恶性肿瘤。建议进行常规X线检查、食管镜检查等辅助检查。",
]


def test_medical_terms_are_not_typos(detector, monkeypatch):
    assert [t for text in MEDICAL_TERMS for t in detector.detect(text)] == []
    # without the shipped vocabulary the model flags a character of each term
    from sftlint.analysis.text import domain_terms

    monkeypatch.setattr(domain_terms, "medical_terms", lambda: (frozenset(), 0))
    flagged = [
        (text[t.start - 1 : t.end + 1], t.after)
        for text in MEDICAL_TERMS
        for t in TypoDetector().detect(text)
    ]
    assert len(flagged) == len(MEDICAL_TERMS), flagged


def test_a_slip_in_medical_text_is_still_found(detector):
    """The vocabulary only covers the terms a text writes: a slip beside them is still reported."""
    text = "患者以经服用氨甲环酸三天，出血明显减少。"
    assert _pairs(detector, text) == [("以", "已", "已经")]


#: DISC-MedLLM's CMD answers (web doctors) name the herb 枸杞子 by its tail, 杞子, in diet advice
#: and prescriptions; the model read 杞子 as a slip for 妻子
CLIPPED_TERMS = [
    "宜多吃新鲜的水果和蔬菜，如海藻、香菇、芝麻、核桃、大枣、杞子类食物。忌过多甜食和辛辣食品。",
    "常用药物：山萸肉,桑寄生,杞子,熟地,龟板,鳖甲,当归,山药,菟丝子,续断,益智仁。",
]


def test_a_medical_term_clipped_to_its_tail_is_not_a_typo(detector, monkeypatch):
    assert [t for text in CLIPPED_TERMS for t in detector.detect(text)] == []
    # without the shipped vocabulary the model takes 杞 for a slip of 妻 in both
    from sftlint.analysis.text import domain_terms

    monkeypatch.setattr(domain_terms, "medical_terms", lambda: (frozenset(), 0))
    flagged = [(t.before, t.after) for text in CLIPPED_TERMS for t in TypoDetector().detect(text)]
    assert flagged == [("杞子", "妻子")] * 2


def test_a_slip_beside_a_clipped_term_is_still_found(detector):
    """Only the clipped term's own window is vouched for: a slip elsewhere in the prescription is
    still reported, and so is a window that is no tail of a term."""
    text = "常用药物：山萸肉,桑寄生,杞子,熟地。患者以经服用三天，症状明显减轻。"
    assert _pairs(detector, text) == [("以", "已", "已经")]
    assert domain_clips("杞子") and not domain_clips("以经") and not domain_clips("杞")


def domain_clips(window: str) -> bool:
    from sftlint.analysis.text.domain_terms import clips_medical_term

    return clips_medical_term(window)


def test_a_unit_counted_between_numerals_is_not_a_slip_in_a_number(detector):
    """lawyer-llama's zixun_gpt4 (held-out round 12): a client counts flats by their layout,
    两套二室一厅; the model read 二室一 as a slip for the number 二十一.  A correction that only
    makes a bare number of the characters around it is not reported: the character between the
    numerals is a unit being counted."""
    text = (
        "我们结婚十九年了有两个女儿城中村改造分三套房。一套三室两厅，两套二室一厅还有公婆他能给抚养费多少？"
    )
    assert detector.detect(text) == ()
    assert detector.detect("我想租一套二室一厅的房子，月租三千以内。") == ()


def test_a_slip_inside_a_number_with_its_unit_is_still_found(detector):
    """The correction there makes a number with its unit (二十一岁), not a bare number: reported."""
    assert _pairs(detector, "我儿子今年二食一岁了，还没有找到工作，该怎么办？") == [("食", "十", "二十一岁")]


def test_a_correction_into_a_rare_character_needs_strong_evidence(detector):
    """Held-out DocQA (chatglm_finetuning's d2q, eight records) lists 音哑 among symptoms, and a
    Zhen Huan dialogue writes 饮哑药 (drinks a muting potion): the model read both as slips for
    喑哑, whose 喑 is too rare ever to be a suspect itself.  Text keeps the everyday character for
    the rare one on purpose; such a correction needs the bar of a word grown to three characters."""
    assert detector.detect("对急性气管炎的患者出现的咽喉干、痒、痛，音哑，痰稠，便秘。") == ()
    assert detector.detect("他被迫饮哑药，从此再也说不出话") == ()


def test_a_slip_into_a_rare_character_with_strong_evidence_is_still_found(detector):
    """A slip for a rare character (癜, 髋, 嚏) whose word the context leaves no doubt about."""
    assert _pairs(detector, "患者右侧宽关节疼痛一个月") == [("宽", "髋", "髋关节")]
    assert _pairs(detector, "我家宝宝今年两岁了，最近总是打喷替") == [("替", "嚏", "打喷嚏")]


def test_a_correction_that_only_doubles_its_neighbour_is_not_reported(detector):
    """ruozhiba: 那个洞是哪个缺德娃挖的 (which wicked kid dug it); the model read 挖 as a slip
    for 娃, making 娃娃.  An IME gives the doubled word for the syllable typed twice; 娃 then 挖
    are two picks, each a word of its own."""
    assert detector.detect("一只熊从20米深的洞掉下去用2秒钟，请问，那个洞是哪个缺德娃挖的？") == ()
    # and a slip beside a doubled word is still found
    assert _pairs(detector, "我女儿的娃娃衣服很票亮") == [("票", "漂", "很漂亮")]


def test_a_verb_before_a_measure_word_is_not_a_slip_for_a_number(detector):
    """HammerBench: 麻烦帮我给电话…的收件人寄个快递 (send a parcel); the model read 寄 as a slip for
    几, making 几个.  A verb takes a measure of its object in speech (寄个快递, 洗个澡): 寄个 is
    the verb and its measure, not a broken number."""
    assert detector.detect("麻烦帮我给电话13912345678的收件人寄个快递") == ()
    # a noun where the number belongs is still a slip, beside the verb's measure too
    assert _pairs(detector, "我想寄个快递到北京，请问最近鸡个月运费涨了吗") == [("鸡", "几", "近几个月")]
