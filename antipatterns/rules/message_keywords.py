"""Built-in mining rule: performance words in the commit message, minus the phrases that only look like them."""

from __future__ import annotations

import re

from eco.mine.phrases import IMPORT_CYCLE, WITHOUT_EXTRA
from eco.mine.rules import CommitView, Rule, RuleHit, is_product_path

# Phrases removed before looking for performance words: they use the words for something else.
NEGATIVE = re.compile(
    r"""
    fast[- ]forward\w*
  | (?:\.|pip[- ]|mypy[- ]|pytest[- ]|ruff[- ]|build[- ]|docker[- ]|ci[- ]|npm[- ]|yarn[- ])?cache[- _]?(?:dir|directory|folder|path|action|files?)\b
  | (?:\.|pip[- ]|mypy[- ]|pytest[- ]|ruff[- ]|build[- ]|docker[- ]|ci[- ]|npm[- ]|yarn[- ]|actions/)cache[- _]?keys?\b | \bcache[- _]?keys?\s+(?:for|in|on|of)\s+(?:the\s+)?(?:ci|github|actions|workflows?|gha|travis|tox)\b
  | \.cache\b | __pycache__ | \bcache(?:s|d)?\s+(?:in|on|for)\s+(?:ci|github|actions|gha|travis|tox|docker|pip|the\s+ci)
  | optimi[sz]e[sd]?\s+(?:imports?|images?|svgs?|pngs?)
  | perf(?:ormance)?[- ](?:tests?|suite|benchmarks?|regression\s+tests?|dashboard|job|ci|scripts?|profil\w*|monitor\w*|metrics|counters?|tracking|tracing)
  | \b(?:monitor|log|warn|detect|report|track|flag|record)\w*\s+(?:about\s+|on\s+)?slow\b
  | (?:add|adds|added|adding|update|updated|fix|fixed)\s+(?:a\s+|the\s+)?(?:perf|performance|speed)\s+(?:tests?|benchmarks?|checks?)
  | (?:speed(?:s|ed)?[- ]?up|faster|slow|quicker)\s+(?:the\s+)?(?:ci|builds?|tests?|test[- ]suite|testing|doctests?|docs|documentation|linting|lint|pre-commit|tox|workflows?|pipelines?|install(?:ation)?|setup|checks?)\b.*
  | (?:ci|builds?|tests?|test[- ]suite|docs|workflows?|linting)\s+(?:is|are|was|were|run|runs)?\s*(?:faster|slow(?:er)?|quicker)
  | slow[- ]?(?:tests?|marker|mark)\b | mark(?:s|ed)?\s+(?:\S+\s+){0,3}(?:as\s+)?slow | @slow | pytest\.mark\.slow
  | \bslow(?:ly)?\s+(?:network|connections?|servers?|clients?|consumers?|readers?|disks?)
  | \brevert(?:s|ed)?\b.*
  | \bcach\w*\s+(?:of\s+)?(?:wheels|pip|dependencies|deps|node_modules|docker\s+layers|virtualenvs?|venvs?)\b
  | \b(?:typo|spelling|grammar)\b
  | \b(?:disabl|enabl|use|using|with|without|requir|install|optional|upgrad|pin|import)\w*\s+(?:the\s+)?bottleneck\b
  | \bbottleneck\s+(?:dtypes?|versions?|package|library|module|backend|by\s+default|is\s+(?:not\s+)?installed|>=|==|<)
  | \b(?:set|dict|list)\s+(?:literals?|comprehensions?|displays?)\b
  | \b(?:run|runs|running|ran)\s+(?:\w+\s+)?(?:with|under)\s+(?:python\s+)?optimi[sz]ations?\b | \bpython\s+-OO?\b
  | \boptimi[sz]ation\.\w+ | \boptimi[sz]ation\s+(?:phase|level|option|setting|problem|objective|target)s?\b
  | \b(?:add|update|improve|fix|clarify)\w*\s+(?:a\s+|the\s+)?(?:comments?|docs?|docstrings?|notes?|documentation)\s+(?:about|on|for|of)\b.*
  | (?:no|without)\s+(?:a\s+)?(?:measurable\s+|noticeable\s+|significant\s+|visible\s+|real\s+)?(?:performance|perf|speed)\s+(?:impact|change|difference|penalty|improvements?|gains?|benefits?)
  | (?:performance|perf)\s+(?:impact|change|difference|penalty)\s+(?:is\s+)?(?:none|negligible)
  | (?:cache|caching)\s+(?:invalidation|bug|corruption|poisoning|stale)
  | (?:clear|flush|purge|reset|invalidate)s?\s+(?:the\s+)?cache
  | \b(?:remov|drop|disabl|delet)\w*\s+(?:the\s+|an?\s+)?(?:\S+\s+){0,3}?(?:cach(?:e|es|ing)|memoi[sz]\w*)\b
  | \b(?:in|on|from|inside|within|through|via|than|instead\s+of)\s+(?:the\s+|a\s+|its\s+)?(?:[\w.`()'-]+\s+){0,2}?fast[- ]?paths?\b
  | \bslow(?:ly)?\s+(?:growing\s+)?(?:memory\s+)?leaks?\b
  | \b[\w-]*(?:perf|speed|fast|slow|bench)[\w-]*\.(?:py|sh|js|rs|c|toml|ya?ml|json|txt)\b
  | \bfaster\s+than\s+(?:\S+\s+){0,3}?(?:can|could)\b
  | \b(?:link|interface|nic|network|port|fan|cpu|clock|line|connection|wire|baud|ethernet)\s+speeds?\b | \bspeed\s+(?:overflow|field|value|attribute)s?\b
  | \bspeeds?\s+(?:of|for)\s+(?:the\s+)?(?:network\s+)?(?:interfaces?|links?|nics?|ports?|fans?|disks?|drives?)\b(?:\s+faster\s+than\b)? | \b(?:interfaces?|links?|nics?|disks?|drives?)\s+faster\s+than\b
  | \b(?:stop|don'?t|do\s+not|no\s+longer|never)\s+optimi[sz]\w*
  | \b(?:drop|remov|disabl)\w*\s+(?:\S+\s+){0,4}?optimi[sz]ations?\b | \b[\w.]*optimi[sz]e\(\)
  | \b(?:tests?|test[- ]suite|ci|builds?|docs)\s+(?:\w+\s+)?more\s+efficient\w* | \b(?:improv|better|clearer|nicer)\w*\s+(?:\S+\s+){0,2}?error\s+messag\w*.*
  | ^(?:benchmarks?|bench)\s*:.*
  | \bfix\w*\s+(?:\S+\s+){0,3}?optimi[sz]ations?\b
  | \bslow\s+(?:\S+\s+){0,2}?tests?\b
  | \b(?:improve|update|fix|clarify|expand|add|rewrite|tweak|polish|document)\w*\s+(?:\S+\s+){0,3}?(?:docstrings?|docs|documentation|comments?|type\s+hints|annotations|error\s+messages?|typing)\s*(?:\(\#\d+\))?\s*$
    """,
    re.I | re.X,
)

class Phrases:
    """Alternatives, each with the lower-case fragments that any of its matches contains.

    One big case-insensitive alternation costs ~250 us on a long message: Python's engine tries every
    alternative at every position. Run apart, only the alternatives whose fragments occur in the text
    are tried, and most messages contain none. ``search`` returns what the single alternation would:
    the leftmost match, the earlier alternative on a tie. A part's ``need`` is a tuple of groups: every
    group must have a fragment in the text (an alternative such as "only ... if needed" needs two words).
    """

    def __init__(self, parts: list[tuple[tuple[str, ...] | tuple[tuple[str, ...], ...], str]], flags: int) -> None:
        self.parts: list[tuple[tuple[tuple[str, ...], ...], re.Pattern[str]]] = []
        for need, source in parts:
            groups = need if need and isinstance(need[0], tuple) else (need,)
            self.parts.append((groups, re.compile(source, flags)))  # type: ignore[arg-type]
        # Every fragment of the first group of every part: a text with none of them can match no part.
        self.fragments = frozenset(f for groups, _ in self.parts for f in groups[0])
        self.by_fragment = [(f, tuple(i for i, (groups, _) in enumerate(self.parts) if f in groups[0])) for f in sorted(self.fragments)]
        self._any = re.compile("|".join(re.escape(f) for f in sorted(self.fragments, key=lambda f: (-len(f), f))))

    def mentioned(self, lowered: str) -> bool:
        """Whether the lower-cased text contains any fragment at all (most messages do not)."""
        return self._any.search(lowered) is not None

    def search(self, text: str, lowered: str | None = None) -> re.Match[str] | None:
        low = text.lower() if lowered is None else lowered
        candidates: set[int] = set()
        for fragment, indexes in self.by_fragment:
            if fragment in low:
                candidates.update(indexes)
        best: re.Match[str] | None = None
        for i in sorted(candidates):
            groups, rx = self.parts[i]
            if all(any(f in low for f in group) for group in groups[1:]):
                m = rx.search(text)
                if m is not None and (best is None or m.start() < best.start()):
                    best = m
        return best


_WORK_NOUNS = r"""(?:work|creation|comput\w*|calculat\w*|process\w*|pars\w*|lookups?|calls?|calling|visits?|travers\w*|iterat\w*|pass(?:es)?
    |conver\w*|cop(?:y|ies|ying)|allocat\w*|canonicali[sz]\w*|normali[sz]\w*|validat\w*|construct\w*|instantiat\w*|evaluat\w*|compil\w*|scan\w*
    |sort\w*|quer(?:y|ies)|requests?|reads?|writes?|stats?|syscalls?|i/o|garbage|steps?|load\w*|import\w*|hash\w*|round[- ]trips?)\b"""
_WORK_VERBS = r"""(?:call|comput|calculat|pars|load|read|fetch|build|creat|construct|convert|check|run|walk|visit|travers|scan|sort|hash|format
    |render|evaluat|import|compil|cop|allocat|look|quer|request|open|stat|process|normali[sz]|canonicali[sz]|validat|resolv|instantiat|serializ
    |deserializ|decod|encod)"""
_REDO = r"""re-?(?:count|comput|calculat|pars|read|load|render|build|creat|check|visit|sort|scan|evaluat|import|compil|fetch|allocat|hash|format
    |draw|paint|layout|walk|travers|explor|run|process|encod|decod|normali|resolv|instantiat|validat|search|quer|request|wrap)\w*"""

# Performance words: in the subject they settle it; in the body, or in a subject that only hints, they count less.
STRONG = Phrases(
    [
        (("speed",), r"\bspeed(?:s|ed)?[- ]up\b | \bspeedup\b | \b(?:some|various|minor|small|several|more|big|major|\d+)\s+speedups\b | \bspeedups\s+(?:for|of|in|to)\b"),
        (("sped",), r"\bsped[- ]up\b"),
        (("fast",), r"\bfaster\b | \bfast[- ]?paths?\b"),
        (("hoist",), r"\bhoist(?:s|ed|ing)?\b"),
        (("vectori",), r"\bvectori[sz](?:e|es|ed|ing|ation)\b"),
        (("memory",), r"\bmemory\s+(?:usage|consumption|footprint|efficien\w*|use|overhead|pressure)\b"),
        (("memory",), r"\b(?:reduce[sd]?|reducing|lower(?:s|ed)?|less|improve[sd]?|save[sd]?|saving|smaller|decrease[sd]?)\s+(?:\w+\s+)?(?:peak\s+)?memory\b"),
        (("avoid",), r"\bavoid(?:s|ed|ing)?\s+(?:the\s+)?(?:cost|overhead)\b"),
        (("slots",), r"\b(?:add|adds|added|use|uses|using)\s+[`'\"]?(?:__)?slots(?:__)?\b(?!\s*=)"),
        (("perf",), r"\bperformances?\b | \bperf\b"),
        (("quadratic",), r"\bquadratic\b"),
        (("backtrack", "redos"), r"\b(?:catastrophic|runaway|exponential|excessive|super-?linear)\s+(?:regex\s+)?backtracking\b | \bredos\b"
         r" | \bbacktracking\s+(?:hang|blow-?ups?|explosion|slowdown)s?\b"),
        (("o(",), r"\bO\(n\s*(?:\^|\*\*)?\s*2\) | O\(n²\)"),
        (("bottleneck",), r"\bbottlenecks?\b"),
        (("hot",), r"\bhot[- ]?(?:path|loop|spot)s?\b"),
        (("slow",), r"\bslow(?:ness|down)?\b"),
        (("speed",), r"\bspeed\b"),
        (("optimi",), r"\boptimi[sz](?:e|es|ed|ing|ation|ations)\b"),
        (("quick",), r"\bquicker\b"),
        (("exponential",), r"\bexponential\s+(?:\w+\s+){0,2}?(?:time|blow\w*|traversal|growth|complexity|search|recursion|runtime)\b | \bavoid\w*\s+(?:an?\s+)?exponential\b"),
        (("avoid",), r"\bavoid\w*\s+(?:re-?)?" + _WORK_VERBS + r"\w*\s+(?:\S+\s+){0,5}?just\s+(?:for|to)\b"),
        ((("avoid",), ("huge", "large", "big", "giant", "massive", "enormous", "entire", "whole", "full")),
         r"\bavoid\w*\s+(?:re-?)?(?:" + _WORK_VERBS[3:-1] + r"|materiali[sz]|expand|download|loop|iterat)\w*\s+(?:\S+\s+){0,3}?(?:huge|large|big|giant|massive|enormous|entire|whole|full)\b"),
        (("first use", "first access", "first call", "first request", "first render", "first need"),
         r"\b(?:build|creat|comput|import|load|initiali[sz]|construct|instantiat|open|read|fetch|resolv|compil|render|set\s+up|mak)\w*\s+(?:\S+\s+){0,4}?"
         r"(?:on|at|until)\s+first[ ](?:use|access|call|request|render|need)\b"),
        (("startup", "start-up"), r"\bstart-?up\s+(?:path|time|cost|overhead|latency|speed)\b"),
        (("time reduction", "time improvement", "time saving", "time win", "time regression"),
         r"\b(?:import|start-?up|load(?:ing)?)[- ]time[ ](?:reductions?|improvements?|savings?|wins?|regressions?)\b"),
        ((("consolidat", "coalesc", "bundl"), ("request", "fetch", "call", "quer", "round", "read", "write", "syscall")),
         r"\b(?:consolidat|coalesc|bundl)\w*\s+(?:\S+\s+){0,3}?(?:requests|fetch(?:es)?|calls|queries|round[- ]trips|reads|writes|syscalls)\b"),
        ((("reduc",), ("call", "request", "round", "quer", "allocation", "cop", "lookup", "stat")),
         r"\breduc\w*\s+(?:the\s+)?(?:number\s+of\s+)?(?:\S+\s+){0,2}?(?:calls|syscalls|requests|round[- ]trips|queries|allocations|copies|lookups|stats)\b"),
        (("deepcop", "deep cop", "deep-cop"), r"\b(?:avoid|skip|remov|drop|eliminat|no\s+longer|do\s+not|don'?t)\w*\s+(?:an?\s+|the\s+)?(?:\S+\s+)?deep[- ]?cop(?:y|ies|ying)\b"),
        (("materiali",), r"\b(?:avoid|skip|do\s+not|don'?t|no\s+longer|without|never)\w*\s+(?:\S+\s+){0,2}?materiali[sz]\w*"),
        ((("overhead",), ("reduc", "cut", "lower", "remov", "avoid", "eliminat")),
         r"\b(?:reduc|cut|lower|remov|avoid|eliminat)\w*\s+(?:\S+\s+){0,3}?overhead\b | \blower-overhead\b"),
        ((("expensive",), ("remov", "avoid", "skip", "drop", "eliminat")),
         r"\b(?:remov|avoid|skip|drop|eliminat)\w*\s+(?:an?\s+|the\s+)?(?:\S+\s+){0,1}?expensive\b"),
        (("cpu", "busy", "spinning"), r"\b(?:100\s*%|high|excessive)\s+cpu\b | \bbusy[- ]?(?:loop|wait)\w* | \bcpu\s+spin\w* | \b(?:stop(?:s|ped)?|instead\s+of|no\s+longer)\s+spinning\b"),
        (("avoid",), r"\bavoid\w*\s+calling\b"),
        ((("import time", "definition time", "load time"), ("decid", "choos", "select", "pick")),
         r"\b(?:decid|choos|select|pick)\w*\s+(?:\S+\s+){0,4}?(?:at|to)\s+(?:module\s+)?(?:import|definition|load)\s+time\b"),
        (("eager",), r"\b(?:skip|avoid|remov|drop|no\s+longer)\w*\s+(?:the\s+|an?\s+)?eager\w*\s+(?:\S+\s+){0,2}?(?:import|load)\w*"),
        ((("only once", "just once"),), r"\b" + _WORK_VERBS + r"\w*\s+(?:\S+\s+){0,5}?(?:only|just)[ ]once\b"),
        (("zero-copy", "zero copy"), r"\bzero[- ]copy\b"),
        (("gil",), r"\brelease[sd]?\s+(?:of\s+)?the\s+gil\b | \breleasing\s+the\s+gil\b | \bno\s+gil\s+(?:in|for|during|around)\b"),
        (("lookup",), r"\bavoid\w*\s+(?:\S+\s+)?(?:attribute\s+|method\s+|global\s+|name\s+|dict\s+|repeated\s+)?lookups?\b"),
        (("cop",), r"\b(?:don'?t|do\s+not|avoid\w*|no\s+longer|never)\s+(?:creat\w*|mak\w*|tak\w*)\s+(?:a\s+|an\s+)?(?:\w+\s+)?cop(?:y|ies)\b"),
        (("memcpy", "memmove"), r"\b(?:avoid|skip|remov|drop|eliminat|sav)\w*\s+(?:an?\s+|the\s+)?(?:\S+\s+){0,2}?(?:memcpy|memmove)s?\b"),
        (("instead of",), r"\b(?:runs?|ran|called|computed|done|happens|executed|performed|built|parsed|read|loaded|fetched|evaluated|compiled|created"
         r"|allocated|copied|hashed|scanned|sorted)\s+(?:only\s+|about\s+|roughly\s+|just\s+)?once\s+(?:per|every|for\s+each|a)\s+(?:\S+\s+){0,3}?instead\s+of\s+(?:once\s+)?(?:per|every|each|for\s+each|on\s+every)\b"
         r" | \bonce\s+instead\s+of\s+(?:\d+|many|multiple|several|n|twice)\b"),
        (("cache", "memoi", "lazily", "precompute", "pre-compute"), r"^\s*(?:\[[^\]]*\]\s*)?(?!(?:fix|fixes|fixed|bug|bugfix|feat|chore|build|ci|docs?|tests?|refactor|style|revert)\b)(?:[\w./-]{1,40}:\s+)?(?:cache|memoi[sz]e|lazily|precompute|pre-compute)\s+(?![^\s:]*:)[`']?\w"),
        (("lazy", "lazily", "deferred", "delayed", "late"), r"\bimport\w*\s+(?:of\s+)?\S+\s+lazily\b | \blazily\s+import | \b(?:lazy|late)[- ]import | \b(?:deferred|delayed)[- ]imports?\b"),
        (("defer",), r"\bdefer\w*\s+(?:\w+\s+)?(?:imports?|loading)\b"),
        (("wall",), r"\bimport\s+wall[- ]?(?:clock\s+)?time\b"),
        (("accelerat",), r"\baccelerat(?:e|es|ing)\s+(?!(?:the\s+)?(?:tests?|ci|builds?|docs)\b)\w"),
        (("nodelay", "nagle"), r"\btcp_nodelay\b | \bdisabl\w*\s+(?:the\s+)?nagle"),
        (("contention",), r"\b(?:avoid|reduc|remov|eliminat|less|lower|minimi[sz]|prevent)\w*\s+(?:\S+\s+){0,3}?contention\b"),
        (("compiled",), r"\bre-?us\w*\s+(?:the\s+|a\s+)?(?:pre-?)?compiled\s+(?:regex\w*|regexp?s?|regular\s+expressions?|patterns?)"),
        (("once",), r"\b(?:load|comput|pars|build|creat|read|fetch|compil|initiali[sz]|calculat|resolv|evaluat)\w*\s+(?:\S+\s+){0,4}?(?<!than\s)once"
         r"(?:\s*(?:[.;!)]|\(\#\d+\)|$) | \s+(?:instead|rather|using|via|per|at\s+start))"),
        ((("avoid",), ("per ", "/")), r"\bavoid\w*\s+[^.\n]{0,40}?(?:\bper\s+|/)(?:row|item|element|iteration|record|line|character|char|byte|token|node)\b"),
        ((("start", "import", "load"), ("time", "cost", "overhead")), r"\b(?:reduce[sd]?|reducing|improve[sd]?|improving|lower(?:s|ed)?|cut)\s+(?:the\s+)?(?:start-?up|import|load(?:ing)?)\s+(?:time|cost|overhead)"),
        (("redundant", "unnecessary", "unneeded", "needless", "repeated", "double", "duplicate", "superfluous", "wasted", "useless", "extra"),
         r"\b(?:skip|avoid|eliminat|prevent|sav)\w*\s+(?:an?\s+|the\s+|some\s+)?(?:redundant|unnecessary|unneeded|needless|repeated|double|duplicated?|superfluous|wasted|useless|extra)[- ]"
         r"(?:\S+\s+){0,3}?" + _WORK_NOUNS),
        (("o(",), r"\bO\((?:[a-z]|\d+\s*[a-z])[^)\n]{0,15}\)"),
        (("efficiency",), r"\bfor\s+(?:better\s+|more\s+|improved\s+)?efficiency\b"),
        (("more efficient",), r"\bmore[ ]efficient(?:ly)?\b"),
        (("avoid", "instead", "rather"), r"(?:\bavoid\w*|\binstead\s+of|\brather\s+than)\s+" + _REDO),
        (("twice", "repeatedly", "multiple", "more than once", "every time", "over and over"),
         r"\b(?:avoid|skip|don'?t|do\s+not|stop|no\s+longer|never|instead\s+of)\w*\s+(?:re-?)?" + _WORK_VERBS
         + r"\w*\s+(?:\S+\s+){0,5}?(?:twice|repeatedly|multiple\s+times|more\s+than\s+once|every\s+time|over\s+and\s+over)\b"),
        (("unnecessarily",), r"\b(?:load|import|comput|creat|build|pars|read|cop|allocat|call|run|check|fetch|recomput|render|query|request|walk|scan"
         r"|serializ|deserializ|tokeniz|hash|materiali[sz]|encod|decod)\w*\s+(?:\S+\s+){0,4}?unnecessarily\b"),
        (("excessive", "unbounded", "exponential"), r"\b(?:excessive|unbounded|exponential)\s+(?:cpu|memory|ram|time|run\s*time)\b"),
        (("restor", "re-add", "readd", "re-enable", "reenable", "reintroduce", "re-introduce", "bring"),
         r"\b(?:restore|re-?add|re-?enable|reintroduce|re-introduce|bring\s+back)\w*\s+(?:the\s+)?(?:\w+\s+)?(?:cach\w*|memoi\w*|fast[- ]?paths?|optimi[sz]ations?|speedups?|gc\s+freeze)"),
        ((("cache", "caching", "lru", "memo"), ("add",)), r"\badd(?:s|ed|ing)?\s+(?:an?\s+|the\s+)?(?:\w+\s+)?(?:cache|caching|lru|memo(?:ization)?)\s+(?:for|to|of|on|in|around)\b"),
        ((("skip",), ("needed", "necessary", "required", "used")), r"\bskip\w*\b.*\b(?:if|when|unless)\s+(?:not\s+|un)(?:needed|necessary|required|used)\b"),
    ],
    re.I | re.X | re.M,
)
# "cache" in a subject is as often the name of a component (a build cache, an HTTP cache) as a fix that caches.
CACHE_NOUN = re.compile(r"caches?", re.I)
WEAK = Phrases(
    [
        (("cach",), r"\bcach(?:e|es|ed|ing)\b"),
        (("memoi",), r"\bmemoi[sz](?:e|es|ed|ation|ing)\b"),
        (("efficien",), r"\befficien(?:t|tly|cy)\b | \binefficien(?:t|cy)\b"),
        (("avoid",), r"\bavoid(?:s|ed|ing)?\s+(?:re-?)?(?:comput|calculat|pars|compil|scan|iterat|copy|copies|allocat|sort|lookup|quadratic|repeated|redundant|unnecessary|needless|extra)"),
        (("redundant", "repeated", "unnecessary", "needless", "extra"),
         r"\b(?:redundant|repeated|unnecessary|needless|extra)\s+(?:work|computation|calls?|copies|copy|lookups?|parsing|allocations?|iterations?|passes)"),
        (("precompil", "pre-compil"), r"\b(?:precompil|pre-compil)\w*"),
        (("overhead",), r"\boverhead\b"),
        (("expensive",), r"\bexpensive\b"),
        (("cheaper",), r"\bcheaper\b"),
        (("latency",), r"\blatency\b"),
        (("throughput",), r"\bthroughput\b"),
        (("reduc",), r"\breduce[sd]?\s+(?:memory|allocations?|time|calls|copies|work|overhead|cost)"),
        (("o(",), r"\bO\(1\) | \bO\(n\) | \bO\(log"),
        (("constant", "linear"), r"\bconstant[- ]time\b | \blinear[- ]time\b"),
        ((("set", "dict", "deque", "heap", "generator", "join", "counter", "bytearray", "memoryview"), ("use", "using", "switch", "prefer")),
         r"\b(?:use|using|switch\s+to|prefer)\s+(?:a\s+)?`?(?:set|frozenset|dict|deque|heapq?|generator|join|counter|bytearray|memoryview)\b"),
        ((("only", "defer", "lazily"), ("needed", "necessary", "required", "used")),
         r"\b(?:only|defer\w*|lazily)\b.*\b(?:if|when|until)\s+(?:actually\s+|really\s+)?(?:needed|necessary|required|used)\b"),
        (("inline", "local"), r"\b(?:inline|local)\s+imports?\b"),
        (("lru",), r"\blru\b"),
        (("gc",), r"\bgc\b"),
        (("garbage",), r"\bgarbage[- ]collect\w*"),
        (("weak",), r"\bweak[- ]?ref\w*"),
        (("parallel",), r"\bin\s+parallel\b | \bparallel(?:ize|ise|ized|ised|ism)\b"),
        (("without",), r"\bwithout\s+(?:re-?)?(?:running|spawning|calling|creating|building|copying|loading|importing|parsing|allocating|sorting|scanning)\b"),
        (("unless",), r"\b(?:do\s+not|don'?t|never)\s+(?:re-?)?(?:call|comput|build|creat|run|load|pars|import|fetch|read|copy|sort|scan|walk|recomput)\w*\b.*\bunless\b"),
        (("lazy", "lazily"), r"\blazy\b | \blazily\b"),
        (("early",), r"\bearly\s+(?:break|exit|return|termination|stop|out|bail)\w*"),
        (("short",), r"\bshort[- ]?circuit\w*"),
        (("avoid",), r"\bavoid(?:s|ed|ing)?\s+(?:re-?)?(?:build|creat|construct|materiali[sz]|instantiat|walk|visit|travers|evaluat|expand|serializ|deserializ|format|render|recount|import)\w*"),
        ((("creation", "allocation", "spawn"), ("avoid", "prevent", "skip")),
         r"\b(?:avoid|prevent|skip)\w*\s+(?:\S+\s+){0,2}?(?:thread|process|task|object|tuple|list|dict|copy|buffer)s?\s+(?:creation|allocation|spawn\w*)"),
        (("instead of importing", "instead of loading", "instead of spawning", "instead of copying", "instead of downloading",
          "instead of reading", "instead of re-reading", "instead of rereading", "instead of parsing"),
         r"\binstead[ ]of[ ](?:importing|loading|spawning|copying|downloading|re-?reading|parsing)\b"),
        ((("stop", "avoid", "skip", "don't", "dont", "do not", "no longer"), ("every",)),
         r"\b(?:stop|avoid|skip|don'?t|do\s+not|no\s+longer)\w*\s+(?:\S+\s+){0,5}?(?:before|after|for|on|in|per)\s+every\s+\w+"),
    ],
    re.I | re.X,
)
MAX_MESSAGE_CHARS = 4000  # long PR descriptions (checklists, logs) add cost, not evidence: read the first 4,000 characters


# Where projects keep release notes: towncrier-style fragment folders and the changelog files themselves.
CHANGELOG_PATH = re.compile(
    r"(?:^|/)(?:CHANGES?|CHANGELOG|NEWS|HISTORY|RELEASE[-_]?NOTES|RELEASE|WHATSNEW)(?:\.[^/]*)?$"
    r"|(?:^|/)(?:changes|changelog|changelog\.d|changes\.d|news|newsfragments|whatsnew|release[-_]?notes)/",
    re.I,
)
_PRODUCT_CODE = re.compile(r"\.(?:py|pyx|pxd|pyi|c|h|cc|cpp|hpp|rs|go|java|js|ts)$")
# Imports deferred to break a cycle are deferred for correctness, not start-up time.
_IMPORT_CYCLE = IMPORT_CYCLE
# A subject that names its goal ("lazy import X for gevent compatibility") explains its speed words by that goal.
_OTHER_GOAL = re.compile(
    r"\b(?:for|to\s+(?:fix|keep|restore|ensure))\s+(?:\S+\s+){0,2}?(?:compatibility|compat|correctness|security|thread[- ]safety|monkey[- ]?patch\w*)\b"
    r"|\bworks?\s+without\s+(?:the\s+)?[\w.-]+\s+(?:extras?|installed|dependenc\w*)\b|" + WITHOUT_EXTRA, re.I
)
_REVERT = re.compile(r"\brevert", re.I)
# Hardening against hostile input names the attack ("excessive memory", "catastrophic backtracking") in its note.
_SECURITY = re.compile(r"\bharden\w*|\bsecurity\b|\bcve-\d+|\bvulnerab\w*", re.I)
# A note filed as a bug fix, or the note of a commit whose subject says it fixes something, uses some speed words
# (fast path, vectorized, optimized, performance) to say where the bug was ("the fast path now checks ...") as
# often as to say what got faster, unless the note also says "improve performance", "performance regression",
# "optimize X"; "faster", "catastrophic backtracking" and the like always say what got faster.
_BUGFIX_NOTE = re.compile(r"(?:^|/|\.)(?:bug|bugs|bugfix|bugfixes|fix|fixes|fixed)(?:\.|/)", re.I)
# Words that can say where the bug was, or what the fix stops doing ("Avoid calling @property during discovery").
_WHERE = re.compile(r"fast[- ]?paths?|vectori|optimi|zero[- ]copy|\bonce\s+(?:per|every|for|a)\b|^perf(?:ormance)?s?$|^avoid\w*\s+calling$", re.I)
_PURPOSE = re.compile(
    r"\b(?:improv\w*|better|boost\w*|increas\w*|enhanc\w*)\s+(?:\S+\s+){0,4}?(?:performance|perf|speed|efficiency)\b"
    r"|\b(?:performance|speed)\s+(?:improvements?|regressions?|boost|gains?|issues?|problems?|fix(?:es)?)\b|\boptimi[sz]e[sd]?\s+(?!the\s+fast)\w",
    re.I,
)
_FIX_NOTE = re.compile(r"\s*(?:[-*+]\s+)?(?:\[[^\]]*\]\s*)?fix(?:es|ed)?\b", re.I)
_FIX_SUBJECT = re.compile(r"^\s*(?:\[[^\]]*\]\s*)?(?:fix(?:\([^)]*\))?!?:|fix(?:es|ed)?\b|bug\s*fix)", re.I)
_RELEASE = re.compile(r"\b(?:release[sd]?|releasing|bump\w*|version|prepare|changelog|towncrier)\b|\bmerge\s+(?:\S+\s+){0,3}?branch\b", re.I)
# A subject that opens with "Support ..." or "Add support for ..." names a feature ("Support lazy imports" syntax,
# "Support query optimization with Dask arrays"): its speed words describe the feature, not a fix.
_SUPPORT_SUBJECT = re.compile(r"^\s*(?:\[[^\]]*\]\s*|[\w/ ().-]{0,30}:\s*)?(?:add(?:s|ed)?\s+(?:\w+\s+)?support|support(?:s|ed)?)\b", re.I)
# A subject that announces new support explains a note's speed words ("lazy imports" syntax) as a feature.
_NEW_SUPPORT = re.compile(r"\b(?:add(?:s|ed|ing)?\s+(?:\w+\s+)?support|support\s+(?:for|of)|new\s+feature)\b", re.I)
# A body that states speed as the change's purpose ("Hopefully these help performance", "leads to a noticeable
# performance improvement") settles a subject that names only the mechanism ("Remove usage of LocalStacks").
_BODY_PURPOSE = re.compile(
    r"\b(?:help|improv|boost|increas|enhanc)\w*\s+(?:the\s+)?(?:overall\s+)?(?:performance|perf|speed)\b(?!(?:[- ]up)?\s+(?:\S+\s+)?(?:tests?|test\s+suite|suite|benchmarks?|ci|builds?|docs)\b)"
    r"|\b(?:noticeable|significant|measurable|considerable|substantial|big|huge|large|major|nice|massive|dramatic)\s+(?:performance|perf|speed)\s+"
    r"(?:improvements?|gains?|boosts?|wins?|increases?)\b",
    re.I,
)
# ... unless the subject announces something new, whose own speed the body then describes ("ENH: adding X").
_NEW_THING = re.compile(r"^\s*(?:\[[^\]]*\]\s*)?(?:ENH:|feat\b|(?:[\w./-]{1,40}:\s+)?(?:add|adds|added|adding|implement\w*|introduc\w*|new)\b)|\bsupport\b", re.I)
_FILE_HEADER = re.compile(rb"^diff --git a/.*? b/(.*)$", re.M)
_ADDED = re.compile(rb"^\+(?!\+\+ )(.*)$", re.M)
_REMOVED = re.compile(rb"^-(?!-- )(.*)$", re.M)
MAX_ENTRY_LINES = 12  # more added lines than a fragment or two is a release's compiled notes, not this change's


def changelog_entry(commit: CommitView) -> str:
    """The release-note text this commit adds about itself, or "" when there is none.

    Projects that keep a changelog write each change's user-visible effect there, often more plainly
    than in the commit message ("Improved performance of URL.joinpath"). Only a small entry added
    together with product code counts: a release commit that compiles the notes says nothing about itself.
    """
    paths = commit.paths
    if not any(CHANGELOG_PATH.search(p) for p in paths):
        return ""
    if not any(_PRODUCT_CODE.search(p) and is_product_path(p) and not CHANGELOG_PATH.search(p) for p in paths):
        return ""
    if _RELEASE.search(commit.subject) or _REVERT.search(commit.subject):
        return ""
    diff = commit.diff_bytes
    heads = list(_FILE_HEADER.finditer(diff))
    lines: list[str] = []
    for i, head in enumerate(heads):
        if not CHANGELOG_PATH.search(head.group(1).decode("utf-8", "replace")):
            continue
        block = diff[head.end() : heads[i + 1].start() if i + 1 < len(heads) else len(diff)]
        if any(t.strip() for t in _REMOVED.findall(block)):
            return ""  # rewording or moving notes (a typo fix, a release heading) is not a new entry
        lines += [t.decode("utf-8", "replace") for t in _ADDED.findall(block) if t.strip()]
    if not lines or len(lines) > MAX_ENTRY_LINES:
        return ""
    return NEGATIVE.sub(" ", "\n".join(lines))


class MessageKeywords(Rule):
    """Performance words in the subject (strong) or body (weaker), or in the changelog entry the commit adds."""

    name = "message-keywords"
    max_score = 1.0

    def score(self, commit: CommitView) -> RuleHit | None:
        entry = changelog_entry(commit)
        note: RuleHit | None = None
        if entry:
            m = STRONG.search(entry)
            if m and not (_NEW_SUPPORT.search(commit.subject) or _SUPPORT_SUBJECT.search(commit.subject)):
                said = m.group(0).strip()
                as_fix = (_FIX_SUBJECT.search(commit.subject) or _FIX_NOTE.match(entry)
                          or any(_BUGFIX_NOTE.search(p) for p in commit.paths if CHANGELOG_PATH.search(p)))
                if _SECURITY.search(commit.subject):
                    note = RuleHit(0.5, f"its changelog entry says {said!r}, but the change hardens against an attack")
                elif not (as_fix and _WHERE.search(said) and not _PURPOSE.search(entry)):
                    return RuleHit(1.0, f"its changelog entry says {said!r}")
                else:
                    note = RuleHit(0.5, f"its changelog entry says {said!r}, but it is filed as a bug fix")
        hit = self._message(commit)
        if note is not None and (hit is None or hit.score < note.score):
            return note
        return hit

    @staticmethod
    def _message(commit: CommitView) -> RuleHit | None:
        message = commit.message
        if len(message) > MAX_MESSAGE_CHARS:
            message = message[:MAX_MESSAGE_CHARS]
        lowered = message.lower()
        if not (STRONG.mentioned(lowered) or WEAK.mentioned(lowered)):
            return None
        if STRONG.search(message, lowered) is None and WEAK.search(message, lowered) is None:
            return None  # most commits: no need to strip look-alike phrases first
        subject = NEGATIVE.sub(" ", commit.subject)
        body = commit.body[:MAX_MESSAGE_CHARS]
        body = NEGATIVE.sub(" ", "\n".join(ln for ln in body.splitlines() if not ln.lstrip().startswith(("Signed-off-by", "Co-authored-by", "(cherry picked"))))
        m = STRONG.search(subject)
        if m and _SUPPORT_SUBJECT.search(commit.subject):
            return RuleHit(0.5, f"subject says {m.group(0).strip()!r}, but it announces support for something")
        if m and _IMPORT_CYCLE.search(commit.subject):
            return RuleHit(0.5, f"subject says {m.group(0).strip()!r}, but to break an import cycle")
        if m and _OTHER_GOAL.search(commit.subject):
            return RuleHit(0.5, f"subject says {m.group(0).strip()!r}, but names another goal")
        if m:
            return RuleHit(1.0, f"subject says {m.group(0).strip()!r}")
        weak = WEAK.search(subject)
        strong_body = STRONG.search(body)
        purpose = _BODY_PURPOSE.search(body) if strong_body else None
        if purpose and not (_FIX_SUBJECT.search(commit.subject) or _NEW_THING.search(commit.subject)):
            return RuleHit(1.0, f"body gives speed as the purpose: {purpose.group(0).strip()!r}")
        if weak and strong_body and not CACHE_NOUN.fullmatch(weak.group(0)):
            # Two signals that agree: a subject that hints (cache, avoid recomputing, lazy) and a body that says speed.
            return RuleHit(1.0, f"subject says {weak.group(0).strip()!r} and body says {strong_body.group(0).strip()!r}")
        if weak:
            return RuleHit(0.5, f"subject says {weak.group(0).strip()!r}")
        if strong_body:
            return RuleHit(0.5, f"body says {strong_body.group(0).strip()!r}")
        m = WEAK.search(body)
        if m:
            return RuleHit(0.25, f"body says {m.group(0).strip()!r}")
        return None
