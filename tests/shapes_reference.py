"""The shape-feature extractor as it was before the single-pass rewrite: the oracle that
tests/test_mine_shapes_fast.py compares the fast one against, node for node, on real code."""

from __future__ import annotations

import ast
from collections import Counter

CACHE_DECORATORS = {"lru_cache", "cache", "cached_property", "memoize", "memoized", "cached", "cachedmethod"}
RE_FUNCS = {"match", "search", "findall", "finditer", "sub", "subn", "split", "fullmatch", "compile"}
_LOOPS = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call):
        return _name(node.func)
    return ""


def _is_list_expr(node: ast.AST, list_names: set[str]) -> bool:
    if isinstance(node, (ast.List, ast.ListComp)):
        return True
    if isinstance(node, ast.Call) and _name(node.func) in {"list", "sorted"}:
        return True
    return isinstance(node, ast.Name) and node.id in list_names


def _is_self(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id == "self"


def _as_assign(node: ast.AST) -> ast.AST:
    """An annotated assignment with a value (`x: bytes = b""`) as the plain assignment it also is."""
    if isinstance(node, ast.AnnAssign) and node.value is not None:
        return ast.Assign(targets=[node.target], value=node.value)
    return node


def features(tree: ast.AST) -> Counter[str]:
    """Count the shape features of one parsed function."""
    feats: Counter[str] = Counter()
    list_names: set[str] = set()
    str_names: set[str] = set()
    bytes_names: set[str] = set()
    stored: set[str] = set()
    tested: set[str] = set()
    for node in map(_as_assign, ast.walk(tree)):
        if isinstance(node, ast.Assign):
            stored.update(t.attr for t in node.targets if isinstance(t, ast.Attribute) and _is_self(t.value))
        if (isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute) and _is_self(node.left.value)
                and any(isinstance(c, ast.Constant) and c.value is None for c in node.comparators)):
            tested.add(node.left.attr)
        if (isinstance(node, ast.Call) and _name(node.func) in {"hasattr", "getattr"} and len(node.args) >= 2
                and _is_self(node.args[0]) and isinstance(node.args[1], ast.Constant)):
            tested.add(str(node.args[1].value))
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if isinstance(node.value, (ast.List, ast.ListComp)) or (
                isinstance(node.value, ast.Call) and _name(node.value.func) == "list"
            ):
                list_names.add(node.targets[0].id)
            if isinstance(node.value, (ast.Constant, ast.JoinedStr)) and isinstance(getattr(node.value, "value", ""), str):
                str_names.add(node.targets[0].id)
            if isinstance(node.value, ast.Constant) and node.value.value == b"" and isinstance(node.value.value, bytes):
                bytes_names.add(node.targets[0].id)

    bound: set[str] = set()
    called: set[str] = set()

    def visit(node: ast.AST, depth: int) -> None:
        in_loop = depth > 0
        a = _as_assign(node)
        if isinstance(node, ast.Call) and in_loop:
            if isinstance(node.func, ast.Attribute):
                feats["attr_call_in_loop"] += 1
            elif isinstance(node.func, ast.Name):
                called.add(node.func.id)
        if (isinstance(a, ast.Assign) and not in_loop and len(a.targets) == 1 and isinstance(a.targets[0], ast.Name)
                and isinstance(a.value, ast.Attribute)):
            bound.add(a.targets[0].id)
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            feats["max_loop_depth"] = max(feats["max_loop_depth"], depth + 1)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for deco in node.decorator_list:
                if _name(deco) in CACHE_DECORATORS:
                    feats["cache_decorator"] += 1
        if isinstance(node, ast.Compare):
            for op, right in zip(node.ops, node.comparators):
                if isinstance(op, (ast.In, ast.NotIn)):
                    feats["membership"] += 1
                    if in_loop:
                        feats["membership_in_loop"] += 1
                    if _is_list_expr(right, list_names):
                        feats["in_list"] += 1
                        if in_loop:
                            feats["in_list_in_loop"] += 1
                    if isinstance(right, ast.Call) and _name(right.func) == "keys" and isinstance(right.func, ast.Attribute):
                        feats["in_keys"] += 1
                    if isinstance(right, ast.Call) and _name(right.func) in {"set", "frozenset"} and in_loop:
                        feats["set_built_in_loop"] += 1
        if (isinstance(a, ast.Assign) and len(a.targets) == 1 and isinstance(a.value, ast.Constant)
                and isinstance(a.value.value, bytes) and a.value.value == b""):
            feats["bytes_init"] += 1
        if isinstance(node, (ast.Set, ast.SetComp)):
            feats["set_ctor"] += 1
        if isinstance(node, (ast.Dict, ast.DictComp)):
            feats["dict_ctor"] += 1
        if isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add) and in_loop:
            target = _name(node.target)
            if target in str_names or isinstance(node.value, (ast.JoinedStr,)) or (
                isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
            ):
                feats["str_augadd_in_loop"] += 1
            elif isinstance(node.value, (ast.List, ast.ListComp)) or target in list_names:
                feats["list_augadd_in_loop"] += 1
            elif target in bytes_names:
                feats["bytes_augadd_in_loop"] += 1
        if isinstance(a, ast.Assign) and in_loop and isinstance(a.value, ast.BinOp) and isinstance(a.value.op, ast.Add):
            if isinstance(a.value.right, (ast.List, ast.ListComp)) or isinstance(a.value.left, (ast.List, ast.ListComp)):
                feats["list_augadd_in_loop"] += 1
            elif _name(a.targets[0]) in str_names and _name(a.value.left) == _name(a.targets[0]):
                feats["str_augadd_in_loop"] += 1
        if isinstance(node, ast.Subscript):
            if isinstance(node.value, ast.Call) and _name(node.value.func) == "sorted":
                if isinstance(node.slice, ast.Slice):
                    feats["sorted_slice"] += 1
                else:
                    feats["sorted_index"] += 1
        if isinstance(node, ast.Call):
            fname = _name(node.func)
            owner = _name(node.func.value) if isinstance(node.func, ast.Attribute) else ""
            first = node.args[0] if node.args else None
            if fname in {"set", "frozenset"}:
                feats["set_ctor"] += 1
                if in_loop and node.args:  # an empty set() in a loop is a per-item accumulator, not invariant work
                    feats["set_built_in_loop"] += 1
            elif fname in {"dict", "defaultdict", "OrderedDict"} or fname == "setdefault":
                feats["dict_ctor"] += 1
            elif fname == "pop" and isinstance(first, ast.Constant) and first.value == 0:
                feats["pop0"] += 1
            elif fname == "insert" and isinstance(first, ast.Constant) and first.value == 0:
                feats["insert0"] += 1
            elif fname in {"popleft", "appendleft", "deque"}:
                feats["deque"] += 1
            elif fname in {"min", "max"}:
                feats["minmax"] += 1
            elif fname in {"nlargest", "nsmallest", "heappush", "heappop", "heapify"} or owner == "heapq":
                feats["heapq"] += 1
            elif fname == "join" and isinstance(node.func, ast.Attribute):
                feats["join"] += 1
            elif fname in {"StringIO", "getvalue"}:
                feats["join"] += 1
            elif fname == "count" and isinstance(node.func, ast.Attribute) and in_loop:
                feats["count_in_loop"] += 1
            elif fname == "Counter":
                feats["counter"] += 1
            elif fname == "index" and isinstance(node.func, ast.Attribute) and in_loop:
                feats["index_in_loop"] += 1
            elif fname == "deepcopy":
                feats["deepcopy"] += 1
            elif fname in {"any", "all"} and first is not None:
                feats["anyall_list" if isinstance(first, ast.ListComp) else "anyall_gen"] += 1
            elif fname == "sum" and first is not None:
                feats["sum_list" if isinstance(first, ast.ListComp) else "sum_other"] += 1
            elif fname in {"copy", "list"} and in_loop and (fname == "list" or not node.args):
                feats["copy_in_loop"] += 1
            elif fname in {"cache", "lru_cache"}:
                feats["cache_decorator"] += 1
            elif fname == "bytearray":
                feats["bytearray_ctor"] += 1
            if owner == "re" and fname in RE_FUNCS:
                feats["re_call"] += 1
                if in_loop and first is not None and isinstance(first, (ast.Constant, ast.JoinedStr, ast.Name)):
                    feats["re_in_loop"] += 1
            if (fname == "sort" and isinstance(node.func, ast.Attribute)) or fname == "sorted":
                feats["sort_call"] += 1
                if in_loop:
                    feats["sort_in_loop"] += 1
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice) and in_loop:
            s = node.slice
            if s.lower is None and s.upper is None and s.step is None and isinstance(node.ctx, ast.Load):
                feats["copy_in_loop"] += 1
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)) and node.generators:
            # The first iterable of a comprehension is evaluated once; everything else once per item.
            visit(node.generators[0].iter, depth)
            for child in ast.iter_child_nodes(node):
                if child is not node.generators[0]:
                    visit(child, depth + 1)
            visit(node.generators[0].target, depth + 1)
            for cond in node.generators[0].ifs:
                visit(cond, depth + 1)
            return
        child_depth = depth + 1 if isinstance(node, _LOOPS) else depth
        for child in ast.iter_child_nodes(node):
            visit(child, child_depth)

    visit(tree, 0)
    if stored & tested:
        feats["self_memo"] = len(stored & tested)
    if bound & called:
        feats["hoisted_method"] = len(bound & called)
    return feats
