"""The cache directory's typo model, aliases and entry-point lists: shared by environments with
the same data, bounded however many versions come and go, never broken by a damaged file.

Everything runs on real files in a temporary cache directory.  The typo model's data files are
small stand-ins for jieba's and pypinyin's (the cache keys them by content, whatever they hold),
and the model built from them is a tiny one of the real layout, so each build is instant.
"""

from __future__ import annotations

import marshal
import os
import time
from pathlib import Path

import pytest
from conftest import fill_empty_slots

from sftlint.analysis.text import cache, typo_model
from sftlint.analysis.text.typo import TypoDetector
from sftlint.analysis.text.typo_store import Store

DAY = 24 * 3600


def tiny_model() -> dict:
    """A model of the real layout with one word, 已经 (what ``build_model`` would make of a
    one-word dictionary)."""
    return {
        "version": typo_model.MODEL_VERSION,
        "prefix2": frozenset({"已经"}),
        "alone": {"已": 0.1, "经": 0.05},
        "freq": {"已经": 51289},
        "total": 51289,
        "index": {"\ue800经": "已"},
        "readings": {"已": "\ue000", "经": "\ue001"},
        "fuzzy": {"已": "\ue800", "经": "\ue801"},
        "char_freq": {"已": 51289, "经": 51289},
        "proper": frozenset(),
        "pos": {"已经": "d"},
        "name_chars": "",
        "persons": frozenset(),
        "syllables": {"\ue000": "yi", "\ue001": "jing"},
    }


def make_env(root: Path, name: str, mtime: float, dictionary: str = "已经 51289 d\n") -> list[str]:
    """An installation's copies of the model's data files, all with modification time ``mtime``."""
    paths = []
    for package, file in typo_model.SOURCES:
        path = root / name / package / file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dictionary if file == "dict.txt" else f"{package} {file} data\n", encoding="utf-8")
        os.utime(path, (mtime, mtime))
        paths.append(str(path))
    return paths


@pytest.fixture
def env(monkeypatch, tmp_path):
    """Point the typo model at a temporary cache and at the installation set by ``use(paths)``;
    ``builds`` counts the model builds."""
    cache_dir = tmp_path / "cache"
    monkeypatch.setenv("SFTLINT_CACHE_DIR", str(cache_dir))
    state = {"paths": [], "builds": 0}

    def build():
        state["builds"] += 1
        return tiny_model()

    monkeypatch.setattr(typo_model, "_source_files", lambda: list(state["paths"]))
    monkeypatch.setattr(typo_model, "build_model", build)
    # the builds counted are this process's: no child builds for it (the tests of the child
    # set this back)
    monkeypatch.setattr(typo_model, "_child_tried", True)

    class Env:
        dir = cache_dir

        @staticmethod
        def use(paths):
            state["paths"] = paths

        @staticmethod
        def builds():
            return state["builds"]

        @staticmethod
        def names(glob="*"):
            return sorted(p.name for p in cache_dir.glob(glob))

    return Env


def open_store():
    model = typo_model.open_model()
    if isinstance(model, Store):
        model.close()
        return "store"
    return "model"


# -- a forked child builds what is not cached ---------------------------------------------------

needs_fork = pytest.mark.skipif(
    "fork" not in __import__("multiprocessing").get_all_start_methods(), reason="the platform does not fork"
)


@pytest.fixture
def as_if_no_other_thread(monkeypatch):
    """The suite's process may run threads that earlier tests left (a ``--jobs`` pool's queue
    manager lives as long as the pool), and with them no child builds (tested below): these
    tests of the child's build see this process as the CLI's, which runs none."""
    import threading

    monkeypatch.setattr(threading, "active_count", lambda: 1)


@needs_fork
def test_a_model_not_cached_is_built_by_a_child_and_read_here_from_the_cache(
    env, tmp_path, monkeypatch, as_if_no_other_thread
):
    monkeypatch.setattr(typo_model, "_child_tried", False)
    env.use(make_env(tmp_path, "a", time.time()))
    assert open_store() == "store"  # as a run with the model cached opens it
    assert env.builds() == 0  # the build was the child's: this process only read the cache
    assert env.names("typo-model-*.marshal") and env.names("typo-store-*.bin")
    assert typo_model.load_model() == tiny_model() and env.builds() == 0


@needs_fork
def test_a_child_that_fails_leaves_the_build_here(env, tmp_path, monkeypatch, as_if_no_other_thread):
    monkeypatch.setattr(typo_model, "_child_tried", False)
    env.use(make_env(tmp_path, "a", time.time()))
    parent = os.getpid()
    built_here = typo_model.build_model

    def build_only_here():
        if os.getpid() != parent:
            raise MemoryError("the child's build failed")
        return built_here()

    monkeypatch.setattr(typo_model, "build_model", build_only_here)
    assert typo_model.load_model() == tiny_model()
    assert env.builds() == 1 and env.names("typo-model-*.marshal")


def test_a_cache_folder_that_cannot_be_made_builds_here_without_a_child(env, tmp_path, monkeypatch):
    monkeypatch.setattr(typo_model, "_child_tried", False)
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv("SFTLINT_CACHE_DIR", str(tmp_path / "a-file" / "cache"))
    env.use(make_env(tmp_path, "a", time.time()))
    forks = []
    monkeypatch.setattr("sftlint.run.forked.fork_with_pipe", lambda *a: forks.append(a))
    assert open_store() == "model" and env.builds() == 1 and not forks


# -- environments share one model -------------------------------------------------------------


def test_environments_with_the_same_data_share_one_model(env, tmp_path):
    a = make_env(tmp_path, "venv-a", time.time() - 3 * DAY)
    b = make_env(tmp_path, "ci-run-17/.venv", time.time() - 60)  # another path, another mtime
    env.use(a)
    assert open_store() == "model" and env.builds() == 1  # the first run builds
    assert open_store() == "store" and env.builds() == 1
    key_a = typo_model.model_key()
    env.use(b)
    assert typo_model.model_key() == key_a  # same data: same key, found through a new alias
    assert open_store() == "store" and env.builds() == 1
    assert env.names("typo-model-*") == [f"typo-model-{key_a}.marshal"]
    assert env.names("typo-store-*") == [f"typo-store-{key_a}.bin"]
    assert len(env.names("typo-data-*.alias")) == 2  # one per installation, a few bytes each
    # different data (an upgraded jieba) is another model
    c = make_env(tmp_path, "venv-c", time.time(), dictionary="已经 51289 d\n曾经 9000 d\n")
    env.use(c)
    assert typo_model.model_key() != key_a
    assert open_store() == "model" and env.builds() == 2
    # the installations alternate without rebuilding
    for paths in (a, c, b, a, c):
        env.use(paths)
        assert open_store() == "store"
    assert env.builds() == 2
    assert not env.names("*.tmp")  # every write was atomic: nothing half-written is left


def test_a_changed_file_at_the_same_path_is_new_data(env, tmp_path):
    a = make_env(tmp_path, "venv", time.time() - DAY)
    env.use(a)
    before = typo_model.model_key()
    Path(a[0]).write_text("曾经 9000 d\n", encoding="utf-8")  # an upgrade in place: new size and mtime
    assert typo_model.model_key() != before


def test_missing_data_files_give_a_key_without_an_alias(env, tmp_path):
    env.use([None] * len(typo_model.SOURCES))  # jieba not installed
    assert typo_model.model_key() == typo_model.model_key()
    assert not env.names("*.alias")


# -- the bound ---------------------------------------------------------------------------------


def _age(path: Path, days: float) -> None:
    t = time.time() - days * DAY
    os.utime(path, (t, t))


def _fake_version(directory: Path, key: str, days: float) -> None:
    for name in (f"typo-model-{key}.marshal", f"typo-store-{key}.bin"):
        (directory / name).write_bytes(b"x" * 100)
        _age(directory / name, days)


def test_a_cache_of_many_versions_is_pruned_to_the_bound(env, tmp_path):
    """344 models left by CI runs' fresh environments, all used today: a new one leaves the
    KEEP_OTHERS most recently used beside it, whatever their age."""
    env.dir.mkdir()
    for i in range(40):
        _fake_version(env.dir, f"{i:016x}", days=i / 100)  # 0 is the most recently used
    # one version whose whole form is old but whose store was opened a moment ago: kept whole
    _fake_version(env.dir, "f" * 16, days=30)
    _age(env.dir / f"typo-store-{'f' * 16}.bin", 0)
    stale_tmp = env.dir / "typo-store-0123.bin.abc.tmp"  # a writer killed a day ago
    stale_tmp.write_bytes(b"half")
    _age(stale_tmp, 1)
    live_tmp = env.dir / "typo-model-4567.marshal.def.tmp"  # another process writing right now
    live_tmp.write_bytes(b"half")
    env.use(make_env(tmp_path, "venv", time.time()))
    assert open_store() == "model"
    key = typo_model.model_key()
    kept = {p.name.split("-")[2].split(".")[0] for p in env.dir.glob("typo-[ms]*-*.*") if p.suffix != ".tmp"}
    assert kept == {key, "f" * 16, *(f"{i:016x}" for i in range(cache.KEEP_OTHERS - 1))}
    assert (
        len(env.names("typo-model-*.marshal")) == len(env.names("typo-store-*.bin")) == 1 + cache.KEEP_OTHERS
    )
    assert not stale_tmp.exists() and live_tmp.exists()


def test_the_current_version_is_never_deleted(tmp_path):
    for i in range(10):
        (tmp_path / f"thing-{i:04x}.marshal").write_bytes(b"x")
    current = tmp_path / "thing-beef.marshal"
    current.write_bytes(b"x")
    _age(current, 400)  # the oldest file there
    cache.remove_others(current, "thing-*.marshal", keep=2)
    assert current.exists() and len(list(tmp_path.iterdir())) == 3
    cache.remove_others(current, "thing-*.marshal", keep=0)
    assert [p.name for p in tmp_path.iterdir()] == ["thing-beef.marshal"]


def test_a_few_environments_alternating_never_rebuild(env, tmp_path):
    """As many different models as KEEP_OTHERS + 1 (sftlint or jieba versions in use at once)
    stay side by side; one more than that and the least recently used goes."""
    envs = [
        make_env(tmp_path, f"v{i}", time.time() - i, dictionary=f"已经 {51289 + i} d\n")
        for i in range(cache.KEEP_OTHERS + 1)
    ]
    for _ in range(3):
        for paths in envs:
            env.use(paths)
            open_store()
            time.sleep(0.01)  # distinct modification times: the order of use is the order seen
    assert env.builds() == len(envs)
    env.use(make_env(tmp_path, "one-more", time.time(), dictionary="曾经 1 d\n"))
    open_store()
    env.use(envs[0])  # the least recently used of the others
    assert open_store() == "model" and env.builds() == len(envs) + 2
    assert len(env.names("typo-store-*.bin")) == 1 + cache.KEEP_OTHERS


def test_aliases_and_entry_point_lists_are_bounded(env, tmp_path, monkeypatch):
    from sftlint import plugins

    env.dir.mkdir()
    for i in range(100):
        for kind, suffix in (("typo-data", "alias"), ("entry-points", "marshal")):
            path = env.dir / f"{kind}-{i:016x}.{suffix}"
            path.write_bytes(b"x")
            _age(path, i / 1000)
    env.use(make_env(tmp_path, "venv", time.time()))
    typo_model.model_key()  # a new installation: a new alias
    assert len(env.names("typo-data-*.alias")) == 1 + cache.KEEP_SMALL
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))  # a new sys.path: a new entry-point list
    plugins.discovered_entry_points()
    assert len(env.names("entry-points-*.marshal")) == 1 + cache.KEEP_SMALL
    assert "entry-points-0000000000000000.marshal" in env.names()  # the most recently used stay


# -- damaged files -----------------------------------------------------------------------------

DAMAGE = [b"", b"\x00", b"zz" * 16 + b"\n", b"0123456789abcdef\n", b"\xff\xfe garbage", b"a" * 40]


@pytest.mark.parametrize("content", DAMAGE)
def test_a_damaged_alias_is_made_again(env, tmp_path, content):
    env.use(make_env(tmp_path, "venv", time.time()))
    key = typo_model.model_key()
    (alias,) = env.dir.glob("typo-data-*.alias")
    good = alias.read_bytes()
    alias.write_bytes(content)
    assert typo_model.model_key() == key  # hashed again, the same content key
    assert alias.read_bytes() == good


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00garbage", marshal.dumps([1, 2, 3]), marshal.dumps({"version": -1, "freq": {}}), b"{" * 1000],
)
def test_a_damaged_model_is_rebuilt(env, tmp_path, content):
    env.use(make_env(tmp_path, "venv", time.time()))
    assert typo_model.load_model()["freq"] == {"已经": 51289} and env.builds() == 1
    cache.cache_path("typo-model", typo_model.model_key()).write_bytes(content)
    assert typo_model.load_model()["freq"] == {"已经": 51289} and env.builds() == 2
    assert typo_model.load_model()["freq"] == {"已经": 51289} and env.builds() == 2  # and stored again


@pytest.mark.parametrize("cut", [1, 100, 4096])
def test_a_truncated_store_is_refused_and_rewritten(env, tmp_path, cut):
    env.use(make_env(tmp_path, "venv", time.time()))
    open_store()
    path = typo_model.store_path()
    data = path.read_bytes()
    path.write_bytes(data[: max(len(data) - cut, 0)])
    with pytest.raises(ValueError):
        Store(path)
    assert open_store() == "model" and env.builds() == 1  # the whole form serves, no rebuild
    assert open_store() == "store" and path.read_bytes() == data


def test_a_detector_over_damaged_cache_files_works(env, tmp_path):
    env.use(make_env(tmp_path, "venv", time.time()))
    open_store()
    for path in env.dir.iterdir():
        path.write_bytes(b"\x00damaged")
    detector = TypoDetector()  # alias hashed again, store and model refused, the model rebuilt
    assert detector.mode == "full" and env.builds() == 2
    assert [t.right for t in detector.detect("我以经申请退款了，已经到账。")] == ["已"]
    assert TypoDetector().detect("已经到账。") == () and env.builds() == 2


@pytest.mark.parametrize("content", [b"\x00garbage", marshal.dumps(7), marshal.dumps(((1, 2),)), b""])
def test_a_damaged_entry_point_list_is_scanned_again(monkeypatch, tmp_path, content):
    from sftlint import plugins

    monkeypatch.setenv("SFTLINT_CACHE_DIR", str(tmp_path))
    real = plugins.discovered_entry_points()
    (path,) = tmp_path.glob("entry-points-*.marshal")
    path.write_bytes(content)
    assert plugins.discovered_entry_points() == real
    registry = plugins.build_registry()
    assert registry.errors == [] and "T001" in registry.rules


def test_a_bit_flipped_in_the_whole_model_is_a_rebuild_not_another_word(env, tmp_path):
    """A flipped bit inside a string still unmarshals (已经 as 已绎): the CRC-32 refuses it."""
    env.use(make_env(tmp_path, "venv", time.time()))
    assert typo_model.load_model() == tiny_model() and env.builds() == 1
    path = cache.cache_path("typo-model", typo_model.model_key())
    data = bytearray(path.read_bytes())
    data[data.index("已经".encode()) + 5] ^= 1
    path.write_bytes(data)
    assert typo_model.load_model() == tiny_model() and env.builds() == 2


def _built_store(env, tmp_path) -> tuple[Path, Store, bytearray]:
    """A typo store built and opened once in a fresh environment, and its bytes to damage."""
    env.use(make_env(tmp_path, "venv", time.time()))
    open_store()
    assert open_store() == "store"
    path = typo_model.store_path()
    return path, Store(path), bytearray(path.read_bytes())


def test_a_damaged_block_of_the_store_falls_back_to_the_whole_model(env, tmp_path):
    """A bad block in the memory-mapped store (read only when a text asks for it) made T001
    crash on every record of every run, or changed a word silently; now the detector loads
    the whole model, finds what a sound store finds, and the file is written again."""
    from sftlint.analysis.text.typo_store import _SLOT

    path, store, data = _built_store(env, tmp_path)
    for i in range(1 << store.bits):  # the last byte of every block
        key, length, offset = _SLOT.unpack_from(data, store._table_off + i * _SLOT.size)
        if key:
            data[offset + length - 1] ^= 1
    store.close()
    path.write_bytes(data)
    detector = TypoDetector()
    assert detector.mode == "lazy"
    assert [t.right for t in detector.detect("我以经申请退款了，已经到账。")] == ["已"]
    assert not path.exists() and env.builds() == 1  # removed, the whole form served
    assert open_store() == "model" and open_store() == "store" and env.builds() == 1


def test_a_store_whose_lookup_table_was_overwritten_is_damaged_not_a_hang(env, tmp_path):
    """The lookup table is written at most half full, so a probe always meets an empty slot;
    a table overwritten with nonzero keys (a stray write, a bad sector) made a lookup of an
    absent prefix probe for ever.  Now it is a damaged store, which the detector replaces by
    the whole model as for a damaged block."""
    from sftlint.analysis.text.typo_store import DamagedStore

    path, store, data = _built_store(env, tmp_path)
    fill_empty_slots(store, data)  # every empty slot now holds a key no prefix has
    store.close()
    path.write_bytes(data)
    damaged = Store(path)
    with pytest.raises(DamagedStore):
        damaged.block("龘龘")  # absent: the probe passes every slot
    damaged.close()
    detector = TypoDetector()
    assert [t.right for t in detector.detect("我以经申请退款了，已经到账。")] == ["已"]


def test_a_fifo_in_a_cache_files_place_is_refused_at_once(tmp_path):
    """Opening a FIFO for reading waits for a writer: a cache file that is one made every start
    hang (the regex and code caches are read by every run)."""
    import threading

    fifo = tmp_path / "regex-0123.marshal"
    os.mkfifo(fifo)
    outcome: list[object] = []

    def read() -> None:
        outcome.append(cache.read_digested(fifo))
        try:
            Store(fifo)
        except (OSError, ValueError) as exc:
            outcome.append(type(exc))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(60)
    if reader.is_alive():  # blocked in open(): let it go (a writer's open releases it)
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(60)
    assert outcome[:1] == [None] and len(outcome) == 2, outcome


def test_a_cache_file_others_could_have_written_is_not_trusted(tmp_path):
    """The caches hold compiled code and pickles: a file in a shared cache directory that
    another user owns, or that anyone may write, could run their code.  It reads as absent."""
    path = tmp_path / "code-0123.marshal"
    cache.write_digested(path, b"payload")
    assert cache.read_digested(path) == b"payload"
    path.chmod(0o666)  # writable by anyone
    assert cache.read_digested(path) is None
    with pytest.raises(OSError, match="not trusted"):
        cache.open_regular(path)
    path.chmod(0o664)  # group-writable, as umask 002 leaves every file: trusted
    assert cache.read_digested(path) == b"payload"
    if os.geteuid() == 0:  # only root can give a file away
        os.chown(path, 12345, -1)
        path.chmod(0o644)
        assert cache.read_digested(path) is None


def test_a_process_running_other_threads_builds_here_without_forking(env, tmp_path, monkeypatch):
    import threading

    monkeypatch.setattr(typo_model, "_child_tried", False)
    env.use(make_env(tmp_path, "a", time.time()))
    forks = []
    monkeypatch.setattr("sftlint.run.forked.fork_with_pipe", lambda *a: forks.append(a))
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert typo_model.load_model() == tiny_model()
    finally:
        stop.set()
        other.join()
    assert env.builds() == 1 and not forks
