"""bench/precision.py: findings are matched to hand-judged verdicts and precision is counted."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bench():
    spec = importlib.util.spec_from_file_location("precision_bench", ROOT / "bench" / "precision.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["precision_bench"] = module
    spec.loader.exec_module(module)
    return module


def _dataset(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    (data / "wild").mkdir(parents=True)
    rows = [
        {"messages": [{"role": "user", "content": "你好"}, {"role": "assistant", "content": ""}]},
        {"messages": [{"role": "user", "content": "在吗"}, {"role": "assistant", "content": " "}]},
        {"messages": [{"role": "user", "content": "谢谢"}, {"role": "assistant", "content": "不客气。"}]},
    ]
    (data / "wild" / "chat.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    (data / "csc").mkdir()
    (data / "csc" / "not_a_dataset.jsonl").write_text("{}\n")
    return data


def test_verdicts_give_precision_and_stale_ones_are_counted_apart(tmp_path, capsys):
    bench = _bench()
    data = _dataset(tmp_path)
    verdicts = tmp_path / "verdicts"
    verdicts.mkdir()
    lines = [
        {
            "file": "wild/chat.jsonl",
            "code": "S003",
            "line": 1,
            "pointer": "/messages/1/content",
            "span": None,
            "verdict": "right",
            "why": "empty reply",
        },
        {
            "file": "wild/chat.jsonl",
            "code": "S003",
            "line": 2,
            "pointer": "/messages/1/content",
            "span": None,
            "verdict": "wrong",
            "why": "judged wrong for the test",
        },
        {
            "file": "wild/chat.jsonl",
            "code": "S003",
            "line": 3,
            "pointer": "/messages/1/content",
            "span": None,
            "verdict": "right",
            "why": "no such finding: stale",
        },
    ]
    (verdicts / "structure.jsonl").write_text("".join(json.dumps(v) + "\n" for v in lines))
    assert bench.main(["--data", str(data), "--verdicts", str(verdicts), "--select", "S003", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["files"] == 1 and out["records"] == 3  # csc/ is not an SFT dataset
    (row,) = out["rules"]
    assert (row["code"], row["findings"], row["judged"], row["right"], row["unjudged"]) == (
        "S003",
        2,
        2,
        1,
        0,
    )
    assert row["precision"] == 0.5
    assert out["stale"] == 1


def test_unjudged_findings_are_listed_as_templates(tmp_path, capsys):
    bench = _bench()
    data = _dataset(tmp_path)
    empty = tmp_path / "none"
    empty.mkdir()
    bench.main(
        [
            "--data",
            str(data),
            "--verdicts",
            str(empty),
            "--select",
            "S003",
            "--unjudged",
            "S003",
            "--template",
        ]
    )
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["line"], r["pointer"], r["verdict"]) for r in rows] == [
        (1, "/messages/1/content", "?"),
        (2, "/messages/1/content", "?"),
    ]


def test_a_missing_data_folder_measures_nothing(tmp_path, capsys):
    bench = _bench()
    assert bench.main(["--data", str(tmp_path / "absent")]) == 0
    assert "nothing to measure" in capsys.readouterr().err


def test_the_held_out_manifest_beside_the_verdicts_is_not_read_as_verdicts():
    """bench/verdicts/heldout_files.jsonl lists the held-out files (source, cut, sha256) for
    bench/gather_heldout.py: the verdicts of the real folder load without it."""
    bench = _bench()
    folder = ROOT / "bench" / "verdicts"
    assert (folder / "heldout_files.jsonl").is_file()
    verdicts = bench.load_verdicts(folder)
    assert verdicts and not any(v["_where"].startswith("heldout_files.jsonl") for v in verdicts)
    manifest = [
        json.loads(x) for x in (folder / "heldout_files.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    judged = {v["file"].split("/", 1)[1] for v in verdicts if v["file"].startswith("heldout/")}
    assert judged and judged <= {e["name"] for e in manifest}  # every judged held-out file can be rebuilt
