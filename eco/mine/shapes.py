"""Before/after shapes of known performance transformations, judged on parsed Python code.

Each side of a changed function is parsed with :mod:`ast` and reduced to a bag of features
("``.pop(0)`` calls", "membership tests against a list", "loop nesting depth", ...). A
transformation is a feature that goes away together with the feature that replaces it
(``pop(0)`` gone and ``popleft`` or ``deque`` appearing), so a rename or a reformat never fires,
and neither does code that merely mentions ``set`` somewhere. Kinds are catalog ids.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections import Counter
from functools import lru_cache
from typing import Callable

from eco.mine.pyfuncs import parsed_node

CACHE_DECORATORS = {"lru_cache", "cache", "cached_property", "memoize", "memoized", "cached", "cachedmethod"}
RE_FUNCS = {"match", "search", "findall", "finditer", "sub", "subn", "split", "fullmatch", "compile"}
_LOOPS = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def parse_function(code: str) -> ast.AST | None:
    """Parse one function's source (possibly indented, as cut out of a class); None if it fails."""
    try:
        return ast.parse(textwrap.dedent(code))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call):
        return _name(node.func)
    return ""


def _is_self(node: ast.AST) -> bool:
    return type(node) is ast.Name and node.id == "self"


def _is_list_expr(node: ast.AST, list_names: set[str]) -> bool:
    if isinstance(node, (ast.List, ast.ListComp)):
        return True
    if isinstance(node, ast.Call) and _name(node.func) in {"list", "sorted"}:
        return True
    return isinstance(node, ast.Name) and node.id in list_names


_COMPS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_LOOP_STMTS = (ast.For, ast.AsyncFor, ast.While)
_LISTISH = (ast.List, ast.ListComp)
_CONTEXTS = (ast.Load, ast.Store, ast.Del)


def features(tree: ast.AST) -> Counter[str]:
    """Count the shape features of one parsed function, in one pass over its nodes.

    Loop depth follows evaluation: a loop's parts run once per item, a comprehension's first
    iterable once. Which names hold lists or strings is only known after the whole tree has been
    seen, so the few checks that depend on it are noted on the way and settled at the end.
    """
    feats: Counter[str] = Counter()
    list_names: set[str] = set()
    str_names: set[str] = set()
    bytes_names: set[str] = set()
    in_name: list[tuple[str, bool]] = []  # membership tests against a bare name: (name, in a loop)
    aug: list[tuple[str, bool, bool]] = []  # `x += v` in a loop: (target, v is a string, v is a list)
    concat: list[tuple[str, str]] = []  # `x = y + ...` in a loop: (target, left operand)
    self_stored: set[str] = set()  # attributes of self the function assigns ...
    self_tested: set[str] = set()  # ... and tests for None or presence: a hand-written memo
    bound: set[str] = set()  # names bound outside loops to an attribute (`append = out.append`) ...
    called: set[str] = set()  # ... and names called inside loops: a method lookup hoisted
    Name, Attribute, Call, Constant = ast.Name, ast.Attribute, ast.Call, ast.Constant
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    pop, push = stack.pop, stack.append
    while stack:
        node, depth = pop()
        t = type(node)
        in_loop = depth > 0
        if t is Call:
            func = node.func
            fname = _name(func)
            is_attr = type(func) is Attribute
            owner = _name(func.value) if is_attr else ""
            args = node.args
            first = args[0] if args else None
            if in_loop:
                if is_attr:
                    feats["attr_call_in_loop"] += 1
                elif type(func) is Name:
                    called.add(func.id)
            if fname in {"hasattr", "getattr"} and len(args) >= 2 and _is_self(args[0]) and type(args[1]) is Constant:
                self_tested.add(str(args[1].value))
            if fname in {"set", "frozenset"}:
                feats["set_ctor"] += 1
                if in_loop and args:  # an empty set() in a loop is a per-item accumulator, not invariant work
                    feats["set_built_in_loop"] += 1
            elif fname in {"dict", "defaultdict", "OrderedDict"} or fname == "setdefault":
                feats["dict_ctor"] += 1
            elif fname == "pop" and isinstance(first, Constant) and first.value == 0:
                feats["pop0"] += 1
            elif fname == "insert" and isinstance(first, Constant) and first.value == 0:
                feats["insert0"] += 1
            elif fname in {"popleft", "appendleft", "deque"}:
                feats["deque"] += 1
            elif fname in {"min", "max"}:
                feats["minmax"] += 1
            elif fname in {"nlargest", "nsmallest", "heappush", "heappop", "heapify"} or owner == "heapq":
                feats["heapq"] += 1
            elif fname == "join" and is_attr:
                feats["join"] += 1
            elif fname in {"StringIO", "getvalue"}:
                feats["join"] += 1
            elif fname == "count" and is_attr and in_loop:
                feats["count_in_loop"] += 1
            elif fname == "Counter":
                feats["counter"] += 1
            elif fname == "index" and is_attr and in_loop:
                feats["index_in_loop"] += 1
            elif fname == "deepcopy":
                feats["deepcopy"] += 1
            elif fname in {"any", "all"} and first is not None:
                feats["anyall_list" if isinstance(first, ast.ListComp) else "anyall_gen"] += 1
            elif fname == "sum" and first is not None:
                feats["sum_list" if isinstance(first, ast.ListComp) else "sum_other"] += 1
            elif fname in {"copy", "list"} and in_loop and (fname == "list" or not args):
                feats["copy_in_loop"] += 1
            elif fname in {"cache", "lru_cache"}:
                feats["cache_decorator"] += 1
            elif fname == "bytearray":
                feats["bytearray_ctor"] += 1
            if owner == "re" and fname in RE_FUNCS:
                feats["re_call"] += 1
                if in_loop and first is not None and isinstance(first, (Constant, ast.JoinedStr, Name)):
                    feats["re_in_loop"] += 1
            if (fname == "sort" and is_attr) or fname == "sorted":
                feats["sort_call"] += 1
                if in_loop:
                    feats["sort_in_loop"] += 1
        elif t is ast.Compare:
            left = node.left
            if type(left) is Attribute and _is_self(left.value) and any(type(c) is Constant and c.value is None for c in node.comparators):
                self_tested.add(left.attr)
            for op, right in zip(node.ops, node.comparators):
                if isinstance(op, (ast.In, ast.NotIn)):
                    feats["membership"] += 1
                    if in_loop:
                        feats["membership_in_loop"] += 1
                    if isinstance(right, _LISTISH) or (isinstance(right, Call) and _name(right.func) in {"list", "sorted"}):
                        feats["in_list"] += 1
                        if in_loop:
                            feats["in_list_in_loop"] += 1
                    elif isinstance(right, Name):
                        in_name.append((right.id, in_loop))
                    if isinstance(right, Call) and _name(right.func) == "keys" and isinstance(right.func, Attribute):
                        feats["in_keys"] += 1
                    if isinstance(right, Call) and _name(right.func) in {"set", "frozenset"} and in_loop:
                        feats["set_built_in_loop"] += 1
        elif t is ast.Assign or (t is ast.AnnAssign and node.value is not None):
            # `data: bytes = b""` is the same accumulator as `data = b""`
            targets, value = (node.targets, node.value) if t is ast.Assign else ([node.target], node.value)
            for target in targets:
                if type(target) is Attribute and _is_self(target.value):
                    self_stored.add(target.attr)
            if not in_loop and len(targets) == 1 and type(targets[0]) is Name and type(value) is Attribute:
                bound.add(targets[0].id)
            if len(targets) == 1 and isinstance(targets[0], Name):
                if isinstance(value, _LISTISH) or (isinstance(value, Call) and _name(value.func) == "list"):
                    list_names.add(targets[0].id)
                if isinstance(value, (Constant, ast.JoinedStr)) and isinstance(getattr(value, "value", ""), str):
                    str_names.add(targets[0].id)
                if type(value) is Constant and type(value.value) is bytes and not value.value:
                    bytes_names.add(targets[0].id)
            if len(targets) == 1 and type(value) is Constant and type(value.value) is bytes and not value.value:
                feats["bytes_init"] += 1  # an empty bytes accumulator (a name or an attribute such as self.buf)
            if in_loop and isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
                if isinstance(value.right, _LISTISH) or isinstance(value.left, _LISTISH):
                    feats["list_augadd_in_loop"] += 1
                else:
                    concat.append((_name(targets[0]), _name(value.left)))
        elif t is ast.AugAssign:
            if isinstance(node.op, ast.Add) and in_loop:
                value = node.value
                aug.append((_name(node.target),
                            isinstance(value, ast.JoinedStr) or (isinstance(value, Constant) and isinstance(value.value, str)),
                            isinstance(value, _LISTISH)))
        elif t is ast.Subscript:
            if isinstance(node.value, Call) and _name(node.value.func) == "sorted":
                if isinstance(node.slice, ast.Slice):
                    feats["sorted_slice"] += 1
                else:
                    feats["sorted_index"] += 1
            if isinstance(node.slice, ast.Slice) and in_loop:
                s = node.slice
                if s.lower is None and s.upper is None and s.step is None and isinstance(node.ctx, ast.Load):
                    feats["copy_in_loop"] += 1
        elif t in _LOOP_STMTS:
            if depth + 1 > feats["max_loop_depth"]:
                feats["max_loop_depth"] = depth + 1
        elif t is ast.FunctionDef or t is ast.AsyncFunctionDef:
            for deco in node.decorator_list:
                if _name(deco) in CACHE_DECORATORS:
                    feats["cache_decorator"] += 1
        elif t is ast.Set:
            feats["set_ctor"] += 1
        elif t is ast.Dict:
            feats["dict_ctor"] += 1
        if t in _COMPS:
            if t is ast.SetComp:
                feats["set_ctor"] += 1
            elif t is ast.DictComp:
                feats["dict_ctor"] += 1
            # The first iterable of a comprehension is evaluated once; everything else once per item.
            gen0 = node.generators[0]
            push((gen0.iter, depth))
            push((gen0.target, depth + 1))
            for cond in gen0.ifs:
                push((cond, depth + 1))
            for child in ast.iter_child_nodes(node):
                if child is not gen0:
                    push((child, depth + 1))
            continue
        child_depth = depth + 1 if t in _LOOP_STMTS else depth
        for field in node._fields:
            value = getattr(node, field, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST) and not isinstance(item, _CONTEXTS):
                        push((item, child_depth))
            elif isinstance(value, ast.AST) and not isinstance(value, _CONTEXTS):
                push((value, child_depth))
    for name, looped in in_name:
        if name in list_names:
            feats["in_list"] += 1
            if looped:
                feats["in_list_in_loop"] += 1
    for target, strlike, listlike in aug:
        if target in str_names or strlike:
            feats["str_augadd_in_loop"] += 1
        elif listlike or target in list_names:
            feats["list_augadd_in_loop"] += 1
        elif target in bytes_names:
            feats["bytes_augadd_in_loop"] += 1
    for target, left in concat:
        if target in str_names and left == target:
            feats["str_augadd_in_loop"] += 1
    if self_stored & self_tested:
        feats["self_memo"] = len(self_stored & self_tested)
    if bound & called:
        feats["hoisted_method"] = len(bound & called)
    return feats


def _gone(b: Counter[str], a: Counter[str], key: str) -> bool:
    return b[key] > a[key]


def _came(b: Counter[str], a: Counter[str], key: str) -> bool:
    return a[key] > b[key]


# kind -> test on (before features, after features); order matters only for ties in reports.
TRANSFORMS: dict[str, Callable[[Counter[str], Counter[str]], bool]] = {
    "list-pop-front": lambda b, a: _gone(b, a, "pop0") and (_came(b, a, "deque") or a["deque"] > 0),
    "list-insert-front": lambda b, a: _gone(b, a, "insert0") and (a["deque"] > 0 or a["insert0"] == 0),
    # a hand-written memo (`if self._x is None: self._x = ...`) turned into cached_property was already cached
    "missing-cache-pure-function": lambda b, a: _came(b, a, "cache_decorator") and b["self_memo"] == 0,
    "regex-compile-in-loop": lambda b, a: _gone(b, a, "re_in_loop"),
    "string-concat-in-loop": lambda b, a: _gone(b, a, "str_augadd_in_loop") and a["join"] > 0,
    # bytes has no in-place resize: an accumulator becomes a bytearray (or its chunks are joined)
    "bytes-concat-in-loop": lambda b, a: (_gone(b, a, "bytes_init") and _came(b, a, "bytearray_ctor"))
    or (_gone(b, a, "bytes_augadd_in_loop") and (a["bytearray_ctor"] > 0 or a["join"] > 0)),
    "list-concat-in-loop": lambda b, a: _gone(b, a, "list_augadd_in_loop"),
    "sort-for-top-k": lambda b, a: _gone(b, a, "sorted_slice") and _came(b, a, "heapq"),
    "sort-for-min-max": lambda b, a: (_gone(b, a, "sorted_index") or _gone(b, a, "sort_call"))
    and (_came(b, a, "minmax") or _came(b, a, "heapq")),
    "count-in-loop": lambda b, a: _gone(b, a, "count_in_loop") and (a["counter"] > 0 or a["dict_ctor"] > 0),
    "any-all-list-comprehension": lambda b, a: _gone(b, a, "anyall_list") and _came(b, a, "anyall_gen"),
    "sum-list-comprehension": lambda b, a: _gone(b, a, "sum_list") and _came(b, a, "sum_other"),
    "dict-keys-membership": lambda b, a: _gone(b, a, "in_keys") and a["membership"] >= b["membership"] - b["in_keys"],
    "loop-invariant-set-construction": lambda b, a: _gone(b, a, "set_built_in_loop") and a["set_ctor"] > 0,
    "list-membership-in-loop": lambda b, a: a["membership"] > 0
    and (
        (_gone(b, a, "in_list") and (_came(b, a, "set_ctor") or _came(b, a, "dict_ctor") or a["set_ctor"] > 0))
        or (b["membership_in_loop"] > 0 and b["set_built_in_loop"] == 0 and _came(b, a, "set_ctor")
            and a["membership"] <= b["membership"])  # a new membership test against a new set is new code
    ),
    "list-index-in-loop": lambda b, a: _gone(b, a, "index_in_loop") and (a["dict_ctor"] > 0 or a["index_in_loop"] == 0),
    "nested-loop-join": lambda b, a: b["max_loop_depth"] >= 2 and a["max_loop_depth"] < b["max_loop_depth"]
    and (_came(b, a, "dict_ctor") or _came(b, a, "set_ctor")),
    "deepcopy-readonly": lambda b, a: _gone(b, a, "deepcopy") and a["deepcopy"] == 0,
    "needless-list-copy": lambda b, a: _gone(b, a, "copy_in_loop"),
    "loop-invariant-sort": lambda b, a: _gone(b, a, "sort_in_loop") and a["sort_call"] > 0,
    # `out.append(x)` in a loop becomes `append = out.append` before it and `append(x)` inside
    "attribute-lookup-in-tight-loop": lambda b, a: _came(b, a, "hoisted_method") and _gone(b, a, "attr_call_in_loop"),
}

# Kinds whose after-code is a cheaper equivalent of the before-code and that have no other common
# reason to be made: when a small commit is nothing but these, its code says "performance fix" even if
# its message says nothing. (A removed deepcopy or copy changes behaviour too often to count alone.)
SELF_EVIDENT = frozenset(TRANSFORMS) - {"deepcopy-readonly", "needless-list-copy"}

# Per kind, what a removed line and an added line of its diff look like: the text-only pre-filter
# that decides whether a commit whose message says nothing deserves reading its code.
# A method bound to a local of its own name (`append = out.append`, `sqrt = math.sqrt`): the one shape whose
# lines carry no shape token (an attribute call is on nearly every line, so it cannot be one). One changed line.
BOUND_METHOD_LINE = r"^[ \t]*_?(\w+)[ \t]*=[ \t]*[\w.]+\.\1[ \t]*$"

DIFF_HINTS: dict[str, tuple[str, str]] = {
    "list-pop-front": (r"\.pop\(0\)", r"popleft|deque"),
    "list-insert-front": (r"\.insert\(0\b", r"appendleft|deque|\.append\(|revers"),
    "missing-cache-pure-function": (r"", r"@\s*(?:\w+\.)?(?:lru_cache|cache|cached_property|memoi[sz]e\w*|cached\w*)\b"),
    "regex-compile-in-loop": (r"\bre\.\w+\(", r"\bre\.compile\(|\.(?:match|search|sub|subn|findall|finditer|split|fullmatch)\("),
    "string-concat-in-loop": (r"\+=|=\s*\w+\s*\+", r"join\(|StringIO|\.write\("),
    "bytes-concat-in-loop": (r"b\"\"|b''|\+=|\bbytes\(\)", r"bytearray\(|join\("),
    "list-concat-in-loop": (r"\+=|=\s*\w+\s*\+\s*\[|\+\s*\[", r"\.append\(|\.extend\(|chain"),
    "sort-for-top-k": (r"sorted\(|\.sort\(", r"nlargest|nsmallest|heap"),
    "sort-for-min-max": (r"sorted\(|\.sort\(", r"\bmin\(|\bmax\(|heap"),
    "count-in-loop": (r"\.count\(", r"Counter|\bdict\(|defaultdict|\.get\(|setdefault|\{"),
    "any-all-list-comprehension": (r"\b(?:any|all)\(\s*\[", r"\b(?:any|all)\("),
    "sum-list-comprehension": (r"\bsum\(\s*\[", r"\bsum\("),
    "dict-keys-membership": (r"\bin\s+\S+\.keys\(\)", r"\bin\b"),
    "loop-invariant-set-construction": (r"\bset\(|frozenset\(|\{", r"\bset\(|frozenset\(|\{"),
    "list-membership-in-loop": (r"\bin\b", r"\bset\(|frozenset\(|\{|\bdict\(|defaultdict"),
    "list-index-in-loop": (r"\.index\(", r"\{|\bdict\(|enumerate"),
    "nested-loop-join": (r"\bfor\b", r"\{|\bdict\(|setdefault|defaultdict|\bset\("),
    "loop-invariant-sort": (r"sorted\(|\.sort\(", r"sorted\(|\.sort\("),
    "attribute-lookup-in-tight-loop": (r"\.\w+\(", "(?m)" + BOUND_METHOD_LINE),
}
_HINTS = [(kind, re.compile(rm.encode()) if rm else None, re.compile(ad.encode())) for kind, (rm, ad) in DIFF_HINTS.items()]


def hinted_kinds(removed: bytes, added: bytes) -> list[str]:
    """Self-evident kinds whose removed-line and added-line words both appear (text only, no parse)."""
    return [kind for kind, rm, ad in _HINTS if (rm is None or rm.search(removed)) and ad.search(added)]


def same_signature(before: str, after: str) -> bool:
    """Whether both versions take the same parameters and annotations (decorators aside): no API change."""
    tb, ta = parse_function(before), parse_function(after)
    if tb is None or ta is None:
        return False
    fb = next((n for n in ast.walk(tb) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))), None)
    fa = next((n for n in ast.walk(ta) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))), None)
    if fb is None or fa is None:
        return False
    return ast.dump(fb.args) == ast.dump(fa.args) and ast.dump(fb.returns or ast.Pass()) == ast.dump(fa.returns or ast.Pass())


_IMPORT_LINE = re.compile(r"(?:import\s|from\s+\S+\s+import\s)")


def _code_lines(code: str) -> list[str]:
    """A function's lines, stripped, without blank lines and comments: what a change to it is counted in."""
    return [s for s in (ln.strip() for ln in code.splitlines()) if s and not s.startswith("#")]


def only_imports_changed(before: str, after: str) -> bool:
    """Whether every line that differs is an import statement (blank lines and comments aside).

    A function that only gains or loses an import was not made cheaper: the commit deferred a module's
    import to this use site (start-up time) or hoisted it out, and the function's own work is unchanged.
    """
    b, a = Counter(_code_lines(before)), Counter(_code_lines(after))
    differ = list(((b - a) + (a - b)).elements())
    return bool(differ) and all(_IMPORT_LINE.match(line) for line in differ)


def changed_lines(before: str, after: str) -> tuple[int, int]:
    """Lines removed and lines added between two versions of a function (blank lines and comments ignored)."""
    import difflib

    b, a = _code_lines(before), _code_lines(after)
    removed = added = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, b, a, autojunk=False).get_opcodes():
        if tag != "equal":
            removed += i2 - i1
            added += j2 - j1
    return removed, added

CATEGORY: dict[str, str] = {
    "list-membership-in-loop": "container-choice",
    "list-pop-front": "container-choice",
    "list-insert-front": "container-choice",
    "dict-keys-membership": "container-choice",
    "list-index-in-loop": "container-choice",
    "string-concat-in-loop": "string-building",
    "bytes-concat-in-loop": "string-building",
    "list-concat-in-loop": "needless-copy",
    "needless-list-copy": "needless-copy",
    "deepcopy-readonly": "needless-copy",
    "sort-for-min-max": "algorithmic-complexity",
    "sort-for-top-k": "algorithmic-complexity",
    "nested-loop-join": "algorithmic-complexity",
    "count-in-loop": "algorithmic-complexity",
    "any-all-list-comprehension": "algorithmic-complexity",
    "sum-list-comprehension": "needless-copy",
    "regex-compile-in-loop": "regex",
    "missing-cache-pure-function": "caching",
    "loop-invariant-set-construction": "loop-invariant-work",
    "loop-invariant-sort": "loop-invariant-work",
    "attribute-lookup-in-tight-loop": "loop-invariant-work",
}


def category_of(kind: str) -> str:
    return CATEGORY.get(kind, "other")


# Every transformation above adds, removes or moves (to another line or indentation) one of these;
# when none does, no parse is needed (most changed functions in a history are edits of other kinds).
_TOKENS = re.compile(
    r"\bset\(|frozenset|\{|\bdict\(|defaultdict|setdefault|deque|popleft|appendleft|\.pop\(0|\.insert\(0|join\("
    r"|StringIO|getvalue|bytearray|b\"\"|b''|cache|memoi|\bre\.|\.match\(|\.search\(|\.sub\(|sorted\(|\.sort\(|\bmin\(|\bmax\(|heap|nlargest|nsmallest"
    r"|\.count\(|Counter|\.index\(|\bany\(|\ball\(|\bsum\(|\.keys\(\)|deepcopy|\.copy\(|\blist\(|\[:\]|\+=|\+ ?\[|\bfor\b|\bwhile\b|\bin\b|\[\s*-?[01]\s*\]|\[:|\(\s*\[|\]\s*\)"
)


def line_signature(lines: list[str]) -> Counter[tuple[int, tuple[str, ...]]]:
    """Per line: indentation and the shape tokens on it. Hoisting moves tokens between lines, so it shows."""
    sig: Counter[tuple[int, tuple[str, ...]]] = Counter()
    findall = _TOKENS.findall
    for line in lines:
        found = findall(line)  # one C-level scan per line, no Python work per token
        if found:
            sig[(len(line) - len(line.lstrip()), tuple(found))] += 1
    return sig


@lru_cache(maxsize=1024)
def _features_of(code: str) -> Counter[str] | None:
    # A function's after-code is often the before-code of a later change (and a rule and the miner
    # both ask for the same pair): parse each text once; the miner's extractor already parsed most.
    tree = parsed_node(code) or parse_function(code)
    return None if tree is None else features(tree)


_BOUND_METHOD = re.compile(BOUND_METHOD_LINE)


def _moved_shapes(before: str, after: str) -> bool:
    """Whether the shape-token signatures differ; unchanged lines cancel out, so only changed lines are scanned."""
    b, a = Counter(before.splitlines()), Counter(after.splitlines())
    added = list((a - b).elements())
    if line_signature(list((b - a).elements())) != line_signature(added):
        return True
    return any(_BOUND_METHOD.match(line) for line in added)


@lru_cache(maxsize=1024)
def _transforms(before: str, after: str) -> tuple[str, ...]:
    if not _moved_shapes(before, after):
        return ()
    fb, fa = _features_of(before), _features_of(after)
    if fb is None or fa is None:
        return ()
    return tuple(kind for kind, test in TRANSFORMS.items() if test(fb, fa))


def transforms(before: str, after: str) -> list[str]:
    """Catalog kinds of the performance transformations from ``before`` to ``after`` (Python)."""
    return list(_transforms(before, after))
