"""T001 judges only Simplified Chinese: Traditional Chinese and Japanese are left alone.

Records written the way real datasets mix scripts (a Traditional answer about git, a Japanese
biology answer, a Simplified answer quoting a Japanese menu), each with a Simplified twin that
holds a real typo, so every test can fail both ways.
"""

from __future__ import annotations

import os

import sftlint
from sftlint.analysis.text.script import is_foreign, simplified_only, traditional_only


def chat(*turns: str) -> dict:
    return {
        "messages": [
            {"role": "user" if i % 2 == 0 else "assistant", "content": t} for i, t in enumerate(turns)
        ]
    }


def t001(*records: dict) -> list:
    return [d for d in sftlint.lint(list(records), select=["T001"]) if d.code == "T001"]


TRADITIONAL = chat(
    "如何撤銷對 main.cpp 的更改？",
    "首先，您需要從您的 main 分支創建一個新的分支，然後對您的 main.cpp 文件進行所需的更改。"
    "然後，您可以將這些更改提交到您的新分支。最後，使用 git merge 命令將它合併回去。",
)
JAPANESE = chat(
    "細胞外マトリックス是什麼？",
    "BTBD因子は、細胞分裂、細胞周期制御、細胞死、細胞運動などの機能に関与するタンパク質ファミリーです。",
)
JAPANESE_MENU_IN_SIMPLIFIED = chat(
    "帮我把这个菜单翻译成中文：\n洋食・カフェ\nステーキ・オムライス",
    "好的，下面是翻译：\n洋食・カフェ：西餐、咖啡馆\nステーキ・オムライス：牛排、蛋包饭",
)


def test_traditional_and_japanese_records_yield_no_t001():
    assert t001(TRADITIONAL, JAPANESE, JAPANESE_MENU_IN_SIMPLIFIED) == []


def test_the_simplified_twins_with_a_real_typo_are_still_reported():
    simplified = chat(
        "如何撤销对 main.cpp 的更改？",
        "首先，您需要从您的 main 分支创建一个新的分支，然后对 main.cpp 文件进行所需的更改。"
        "然后，您以经可以将这些更改提交到您的新分支。",
    )
    (d,) = t001(simplified)
    assert "以经" in d.message


def test_a_traditional_sentence_inside_a_simplified_answer_is_left_alone_the_rest_is_checked():
    text = "ECM提供了細胞黏附所需的平台。请输入手机收到的验正码。"
    masked = simplified_only(text)
    assert len(masked) == len(text)
    assert masked.startswith(" " * len("ECM提供了細胞黏附所需的平台。"))
    assert masked.endswith("请输入手机收到的验正码。")
    (d,) = t001(chat("细胞外基质是什么？", text))
    assert "验正" in d.message


def test_a_line_that_is_traditional_as_a_whole_is_blanked_even_where_a_sentence_has_no_marker():
    line = "這是一個問題。看著我"  # the second sentence has no Traditional-only character
    assert simplified_only(line).strip() == ""


def test_simplified_text_passes_through_unchanged():
    text = "您好，您的退款已经原路退回，请注意查收。"
    assert simplified_only(text) is text
    assert not is_foreign(text)


def test_shared_characters_are_not_evidence_and_a_name_dot_is_not_kana():
    assert traditional_only("著名的乾隆皇帝干了这件事") == []
    assert traditional_only("然後，簡化字的氣候") == ["後", "簡", "氣"]
    assert not is_foreign("墨西哥总统安德烈斯・曼努埃尔・洛佩斯")
    assert is_foreign("ステーキ・オムライス・パンケーキ")


def test_one_scan_finds_what_the_two_classes_find():
    """A plain Simplified text is told by one scan for a Traditional-only character or kana:
    that class is exactly the two classes together."""
    from sftlint.analysis.text import script

    either = script._not_plain()
    trad = script._classes()[0]
    for cp in range(0x30000):
        if 0xD800 <= cp < 0xE000:
            continue
        c = chr(cp)
        assert (either.search(c) is not None) == (
            trad.search(c) is not None or script.KANA.search(c) is not None
        ), hex(cp)


def test_the_character_classes_come_from_the_cache_as_zhon_gives_them(tmp_path, monkeypatch):
    """The classes are derived from zhon's lists once and kept in the cache directory: a start
    with a cold cache and one with a warm cache read the same classes, and a change to the
    lists' files (a zhon upgrade) derives them again."""
    import shutil

    from sftlint.analysis.text import script

    monkeypatch.setenv("SFTLINT_CACHE_DIR", str(tmp_path / "cache"))
    derived = script._derive_class_chars()
    assert len(derived[0]) > 2000 and len(derived[1]) > 2000
    files = script._cedict_files()
    assert files is not None  # where zhon 2 keeps them: the cache is used

    calls = []

    def counting():
        calls.append(1)
        return derived

    monkeypatch.setattr(script, "_derive_class_chars", counting)
    for _ in range(2):
        script._class_chars.cache_clear()
        assert script._class_chars() == derived
    assert len(calls) == 1  # the second start read the cache
    assert list((tmp_path / "cache").glob("script-classes-*.marshal"))

    # the same lists elsewhere, one of them changed: derived again
    copy = tmp_path / "zhon" / "cedict"
    copy.mkdir(parents=True)
    for f in files:
        shutil.copy(f, copy)
    (copy / "simplified.py").write_text(
        (copy / "simplified.py").read_text("utf-8") + "\n# changed\n", "utf-8"
    )
    monkeypatch.setattr(script, "_cedict_files", lambda: [str(copy / os.path.basename(f)) for f in files])
    script._class_chars.cache_clear()
    assert script._class_chars() == derived
    assert len(calls) == 2
    script._class_chars.cache_clear()


def test_without_zhon_s_files_the_classes_are_derived_each_time(tmp_path, monkeypatch):
    from sftlint.analysis.text import script

    monkeypatch.setenv("SFTLINT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(script, "_cedict_files", lambda: None)
    script._class_chars.cache_clear()
    try:
        assert script._class_chars() == script._derive_class_chars()
        assert not (tmp_path / "cache").exists()
    finally:
        script._class_chars.cache_clear()
