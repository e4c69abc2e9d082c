"""Rebuild the held-out folder that ``python bench/precision.py --heldout DIR`` scores.

The held-out files are public data nobody on the team wrote; they are not in the repository.
``bench/verdicts/heldout_files.jsonl`` names each one: its repository, commit and path, how it was
cut or assembled, its record count and its sha256.  Given git mirrors of those repositories (the
git directories the ``fetch`` tool returns, ``/work/.mirror/<owner>+<name>/repo``), this script
writes every file again and checks each sha256.  It never reaches the network.

    python bench/gather_heldout.py --mirrors /work/.mirror --out /work/heldout
    python bench/gather_heldout.py --git-dir owner/name=PATH ... --out DIR

Exit status: 0 every file written with its sha256; 1 a mirror or commit missing, or a mismatch.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

MANIFEST = Path(__file__).parent / "verdicts" / "heldout_files.jsonl"


class Missing(Exception):
    """A mirror, commit or path the manifest needs is not here."""


class Mirrors:
    def __init__(self, folders: list[Path], explicit: dict[str, Path]) -> None:
        self.folders = folders
        self.explicit = explicit

    def git_dir(self, repo: str) -> Path:
        if repo in self.explicit:
            return self.explicit[repo]
        flat = repo.replace("/", "+")
        for folder in self.folders:
            for cand in (folder / flat / "repo", folder / flat, folder / f"{flat}.git"):
                if (cand / "HEAD").is_file() or (cand / ".git").exists():
                    return cand
        raise Missing(
            f"no git mirror of {repo} (looked for {flat}/repo under {', '.join(map(str, self.folders)) or 'no folder'})"
        )

    def show(self, repo: str, commit: str, path: str) -> bytes:
        git = self.git_dir(repo)
        r = subprocess.run(["git", "--git-dir", str(git), "show", f"{commit}:{path}"], capture_output=True)
        if r.returncode != 0:
            raise Missing(f"{repo}@{commit}:{path}: {r.stderr.decode(errors='replace').strip()}")
        return r.stdout

    def ls(self, repo: str, commit: str, folder: str) -> list[str]:
        git = self.git_dir(repo)
        r = subprocess.run(
            ["git", "--git-dir", str(git), "ls-tree", "-r", "--name-only", commit, folder],
            capture_output=True,
        )
        if r.returncode != 0:
            raise Missing(f"{repo}@{commit}:{folder}: {r.stderr.decode(errors='replace').strip()}")
        return sorted(r.stdout.decode().splitlines())


def json_array(records: list[Any]) -> bytes:
    return (json.dumps(records, ensure_ascii=False, indent=4) + "\n").encode()


def json_lines(records: list[Any]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


def first_lines(data: bytes, n: int) -> bytes:
    return b"".join(io.BytesIO(data).readlines()[:n])


def assemble(entry: dict[str, Any], m: Mirrors) -> bytes:
    """The bytes of one held-out file, cut or assembled as its manifest entry says."""
    repo, commit, path, cut = entry["repo"], entry["commit"], entry.get("path", ""), entry["cut"]
    kind = cut["kind"]
    if kind == "copy":
        return m.show(repo, commit, path)
    if kind == "first_lines":  # the first N lines, bytes as published
        return first_lines(m.show(repo, commit, path), cut["n"])
    if kind == "gunzip_first_lines":
        return first_lines(gzip.decompress(m.show(repo, commit, path)), cut["n"])
    if kind == "first_records":  # the first N elements of a JSON array, written with indent 4
        return json_array(json.loads(m.show(repo, commit, path))[: cut["n"]])
    if kind == "parquet_first_rows":  # written as JSON Lines, columns unchanged
        import pyarrow.parquet as pq

        table = pq.read_table(io.BytesIO(m.show(repo, commit, path)))
        return json_lines(table.slice(0, cut["n"]).to_pylist())
    if kind == "csv_as_alpaca":  # a CSV's rows as Alpaca records, JSON Lines: two columns renamed
        import csv

        rows = csv.DictReader(io.StringIO(m.show(repo, commit, path).decode("utf-8")))
        return json_lines([{"instruction": r[cut["instruction"]], "output": r[cut["output"]]} for r in rows])
    if kind == "self_instruct_seed":  # instruction and instances[0]'s input/output
        rows = [json.loads(x) for x in m.show(repo, commit, path).decode().splitlines() if x.strip()]
        records = [
            {
                "instruction": r["instruction"],
                "input": r["instances"][0]["input"],
                "output": r["instances"][0]["output"],
            }
            for r in rows
        ]
        return json_lines(records) if cut.get("lines") else json_array(records)
    if kind == "one_record_per_file":  # a folder of one-record .json files, one per line
        out = []
        for folder in cut["folders"]:
            names = [p for p in m.ls(repo, commit, folder) if p.endswith(".json")]
            for p in sorted(names, key=_folder_and_number):
                out.append(json.loads(m.show(repo, commit, p)))
        return json_lines(out)
    if kind == "toyhom_text":  # GB18030 "title,ask\nanswer" blocks, blank lines between
        text = m.show(repo, commit, path).decode("gb18030")
        out = []
        for block in text.split("\n\n\n"):
            if not block.strip():
                continue
            head, _, answer = block.strip("\n").partition("\n")
            title, _, ask = head.partition(",")
            out.append({"department": cut["department"], "title": title, "ask": ask, "answer": answer})
        return json_array(out[: cut["n"]])
    if kind == "toolbench_train_messages":  # each answer's train_messages lists, one record each
        out = []
        for p in m.ls(repo, commit, cut["folder"]):
            if not p.endswith(".json"):
                continue
            gen = json.loads(m.show(repo, commit, p)).get("answer_generation", {})
            for messages in gen.get("train_messages") or []:
                out.append({"messages": messages, "functions": gen["function"]})
        return json_lines(out)
    if kind == "tooltalk_messages":  # conversations as OpenAI messages, sorted by path
        out = []
        for folder in cut["folders"]:
            for p in m.ls(repo, commit, folder):
                if p.endswith(".json"):
                    out.append({"messages": tooltalk_messages(json.loads(m.show(repo, commit, p)))})
        return json_lines(out)
    if kind == "question_answer_messages":  # MT-Bench-style question.jsonl + one model's answers
        questions = [
            json.loads(x) for x in m.show(repo, commit, cut["questions"]).decode().splitlines() if x.strip()
        ]
        answers = [json.loads(x) for x in m.show(repo, commit, path).decode().splitlines() if x.strip()]
        out = []
        for q, a in zip(questions, answers, strict=True):
            reply = a["choices"][0]["turns"][0] if "choices" in a else a["generated_text"]
            out.append(
                {
                    "messages": [
                        {"role": "user", "content": q["turns"][0]},
                        {"role": "assistant", "content": reply},
                    ]
                }
            )
        return json_lines(out)
    if kind == "swe_agent_history":  # each .traj's history (what the model was shown), sorted by path
        out = []
        for p in m.ls(repo, commit, cut["folder"]):
            if p.endswith(".traj"):
                out.append({"messages": json.loads(m.show(repo, commit, p))["history"]})
        return json_lines(out)
    raise SystemExit(f"{entry['name']}: unknown cut kind {kind!r}")


def _folder_and_number(path: str) -> tuple[str, int]:
    """Files sorted by their folder, then by the number their name ends with
    (``calculator_plugin_conversation_2.json`` before ``…_10.json``)."""
    folder, _, name = path.rpartition("/")
    digits = name.rsplit(".", 1)[0].rsplit("_", 1)[-1]
    return folder, int(digits) if digits.isdigit() else 0


def tooltalk_messages(conv: dict[str, Any]) -> list[dict[str, Any]]:
    """A ToolTalk conversation: each API call an assistant turn with one ``tool_calls`` entry and
    its response a ``tool`` turn after it, then the assistant's text."""
    out: list[dict[str, Any]] = []
    for i, turn in enumerate(conv["conversation"]):
        for k, api in enumerate(turn.get("apis") or () if turn["role"] == "assistant" else ()):
            cid = f"call_{i}_{k}"
            req = api["request"]
            args = json.dumps(req["parameters"], ensure_ascii=False)
            call = {"id": cid, "type": "function", "function": {"name": req["api_name"], "arguments": args}}
            result = api["response"] if api.get("exception") is None else {"exception": api["exception"]}
            out.append({"role": "assistant", "content": None, "tool_calls": [call]})
            out.append(
                {"role": "tool", "tool_call_id": cid, "content": json.dumps(result, ensure_ascii=False)}
            )
        out.append({"role": turn["role"], "content": turn["text"]})
    return out


def dataset_info(entries: list[dict[str, Any]]) -> bytes:
    info = {
        e["name"].rsplit(".", 1)[0]: {"file_name": e["name"], "columns": e["columns"]}
        for e in entries
        if e.get("columns")
    }
    return (json.dumps(info, ensure_ascii=False, indent=2) + "\n").encode()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--mirrors", type=Path, action="append", default=[], help="a folder of git mirrors (owner+name/repo)"
    )
    ap.add_argument(
        "--git-dir", action="append", default=[], metavar="OWNER/NAME=PATH", help="one repository's git dir"
    )
    ap.add_argument("--out", type=Path, required=True, help="the held-out folder to write")
    ap.add_argument("--manifest", type=Path, default=MANIFEST)
    ap.add_argument("--only", action="append", default=[], help="only this file name (repeatable)")
    args = ap.parse_args(argv)
    explicit = dict(x.split("=", 1) for x in args.git_dir)
    m = Mirrors(args.mirrors, {k: Path(v) for k, v in explicit.items()})
    entries = [json.loads(x) for x in args.manifest.read_text().splitlines() if x.strip()]
    args.out.mkdir(parents=True, exist_ok=True)
    failed = written = 0
    for e in entries:
        if args.only and e["name"] not in args.only:
            continue
        written += 1
        if e["name"] == "dataset_info.json":
            data = dataset_info(entries)
        else:
            try:
                data = assemble(e, m)
            except Missing as exc:
                print(f"MISSING  {e['name']}: {exc}", file=sys.stderr)
                failed += 1
                continue
        digest = hashlib.sha256(data).hexdigest()
        (args.out / e["name"]).write_bytes(data)
        if e.get("sha256") and digest != e["sha256"]:
            print(f"MISMATCH {e['name']}: sha256 {digest}, manifest {e['sha256']}", file=sys.stderr)
            failed += 1
        else:
            print(f"ok       {e['name']}")
    print(f"{written - failed} of {written} files in {args.out}" + (f"; {failed} failed" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
