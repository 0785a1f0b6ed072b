"""The single-pass shape-feature extractor counts exactly what the old two-pass visitor counted."""

from __future__ import annotations

import ast
from pathlib import Path

from eco.mine.shapes import features
from shapes_reference import features as reference_features

ROOT = Path(__file__).resolve().parent.parent


def _functions(paths: list[Path]) -> list[ast.AST]:
    out = []
    for path in paths:
        try:
            tree = ast.parse(path.read_bytes())
        except SyntaxError:
            continue
        out += [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    return out


TRICKY = '''
def f(items, seen):
    acc = ""
    names = []
    for x in items:
        acc += x
        names = names + [x]
        if x in names and x in seen.keys() and x not in set(seen):
            q = acc + "!"
        out = [y for y in sorted(items)[:3] if y in names for z in items[1:] if re.match("a", z)]
        total = sum([v for v in items]) + any([v for v in items])
        items.pop(0); items.insert(0, x); d = {k: v for k, v in seen.items()}; s = {a for a in items}
        r = items[:]; items.sort(); idx = items.index(x); c = items.count(x)
    while acc:
        for y in names:
            acc = acc + y
    return max(items), sorted(items)[0], heapq.nlargest(2, items), "".join(names), copy.deepcopy(seen)

@lru_cache(maxsize=None)
def g(n):
    return [m for m in range(n) if m in {1, 2}]

def h(stream, parts):
    data: bytes = b""
    text: str = ""
    seen: list = []
    hint: int
    for p in parts:
        data += stream.read(4)
        text += p
        if p in seen:
            text: str = text + p

def k(rows, seen):
    add = seen.add
    get = rows.get
    for r in rows:
        add(r)
        seen.discard(r)
    return [get(r) for r in seen]


class Config:
    @property
    def spec(self):
        if self._spec is None:
            self._spec = build(self.raw)
        if not hasattr(self, "_names"):
            self._names = [n for n in self.raw]
        self.other = 1
        return self._spec
'''


def test_fast_features_equal_reference_on_real_code() -> None:
    paths = sorted((ROOT / "eco").rglob("*.py")) + sorted((ROOT / "sample_repo").rglob("*.py")) + sorted((ROOT / "antipatterns").rglob("*.py"))
    fns = _functions(paths) + [n for n in ast.walk(ast.parse(TRICKY)) if isinstance(n, ast.FunctionDef)]
    assert len(fns) > 300
    nonzero = 0
    for fn in fns:
        fast, ref = features(fn), reference_features(fn)
        assert dict(fast) == dict(ref), (getattr(fn, "name", "?"), fast, ref)
        nonzero += bool(ref)
    assert nonzero > 100  # the comparison covers functions that actually have shapes


def test_tricky_function_has_the_expected_shapes() -> None:
    tree = ast.parse(TRICKY)
    f = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "f")
    feats = features(f)
    for key in ("str_augadd_in_loop", "list_augadd_in_loop", "in_list_in_loop", "in_keys", "set_built_in_loop",
                "sorted_slice", "re_in_loop", "sum_list", "anyall_list", "pop0", "insert0", "copy_in_loop",
                "sort_in_loop", "index_in_loop", "count_in_loop", "minmax", "heapq", "join", "deepcopy", "sorted_index"):
        assert feats[key] > 0, key
    assert feats["max_loop_depth"] == 2
    g = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "g")
    # the decorator and its call both count (as they always have): what matters is that it came
    assert features(g)["cache_decorator"] >= 1 and dict(features(g)) == dict(reference_features(g))
