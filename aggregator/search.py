"""Full-text search over the stories, Chinese and English.

The index (``search_index``, an FTS5 table with the ``unicode61`` tokenizer) does not hold the stories' text but
a tokenised form of it, made by the triggers on ``stories`` (``m003_search``; since ``m006`` they call the
Python function ``search_text()``, which ``Store`` registers on its connections — tokenising in SQL cost about
50 ms per story), so every write through the store keeps it current without knowing about search:

- each character is first mapped through ``search_charmap``: traditional → simplified (OpenCC ``t2s``, one
  character for one), full-width ASCII → ASCII, the ideographic space → a space;
- a CJK character becomes the bigram of itself and the next character when that one is CJK too, and the
  character alone at the end of a CJK run (``科技创新。`` → ``科技 技创 创新 新``): every CJK character starts
  exactly one token;
- any other text is left to ``unicode61`` (words, case folded, diacritics removed).

A query is tokenised the same way, in Python, into one phrase per whitespace-separated part, and the phrases
are ANDed: ``科技`` → ``"科技"``, ``科技创新`` → ``"科技 技创 创新"``, a single CJK character → the prefix query
``"科" *`` (every occurrence of a character starts a token). Every phrase is a quoted FTS5 string, so nothing
the user types is FTS5 syntax: quotes, ``*``, ``NEAR(``, ``-``, ``:`` and ``^`` are plain punctuation.
Results are the newest ``RANK_WINDOW`` matches ranked by term frequency, a title hit weighing ``TITLE_WEIGHT``
body hits (news search favours recent stories; bm25 would scan every match of a phrase); snippets come from the
stored text, around the first match.

The index is contentless (``content=''``): it keeps no second copy of the text, only the postings; the update
and delete triggers remove a story's old tokens with FTS5's ``'delete'`` command. Texts longer than
``MAX_INDEXED_CHARS`` are indexed up to that length.
"""

from __future__ import annotations

import json
import re
import sqlite3
from functools import lru_cache
from operator import add

import sqlite_utils

from aggregator.extract.vocabulary import CJK_RANGES  # kana, ideographs, Hangul: the one definition
from aggregator.filters import Filters

TITLE_WEIGHT = 5.0
RANK_WINDOW = 1000  # matches ranked per query: the newest ones
CHUNK = 64  # the SQL tokeniser cuts a text into chunks (substr() is linear in the offset), then characters
SEQ_ROWS = 4096
MAX_INDEXED_CHARS = CHUNK * SEQ_ROWS
CACHED_CHARS = 20_000


class SearchError(Exception):
    """The query cannot be searched for; the message says why."""


def is_cjk(ch: str) -> bool:
    if not ch:
        return False
    u = ord(ch)
    return any(lo <= u <= hi for lo, hi in CJK_RANGES)


def _sql_is_cjk(expr: str) -> str:
    u = f"unicode({expr})"
    return "(" + " OR ".join(f"{u} BETWEEN {lo} AND {hi}" for lo, hi in CJK_RANGES) + ")"


def sql_tokens(x: str) -> str:
    """An SQL expression: the index text of the SQL expression ``x`` (NULL for NULL, as the tokeniser above).

    Chunks of CHUNK + 1 characters overlap by one so that each character sees the next; the ``LIMIT -1``
    keeps SQLite from re-cutting a chunk for every character (which would make it quadratic)."""
    c, n = "substr(k.chunk, j.i + 1, 1)", "substr(k.chunk, j.i + 2, 1)"
    return f"""(SELECT group_concat(CASE WHEN {_sql_is_cjk("c")}
                THEN ' ' || c || CASE WHEN {_sql_is_cjk("n")} THEN n ELSE '' END || ' ' ELSE c END, '')
  FROM (SELECT coalesce(m1.n, {c}) AS c, coalesce(m2.n, {n}) AS n
        FROM (SELECT i, substr({x}, i * {CHUNK} + 1, {CHUNK + 1}) AS chunk FROM search_seq
              WHERE i < (length({x}) + {CHUNK - 1}) / {CHUNK} LIMIT -1 OFFSET 0) AS k
        JOIN search_seq AS j ON j.i < min({CHUNK}, length(k.chunk))
        LEFT JOIN search_charmap AS m1 ON m1.c = {c}
        LEFT JOIN search_charmap AS m2 ON m2.c = {n}
        ORDER BY k.i, j.i))"""


# a capturing split: CJK runs at the odd indexes, the text between them at the even ones
_CJK_RUNS = re.compile("([" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in CJK_RANGES) + "]+)")


def index_text(text: str | None, table: dict[int, str]) -> str | None:
    """What the index holds for ``text`` (``table``: ``str.translate`` form of the charmap): the same tokens as
    ``sql_tokens`` computes in SQL, made in Python. The store's writer runs it for every new story, so each
    run's bigrams are made by ``map`` in C rather than a Python call per run or per character."""
    if text is None:
        return None
    parts = _CJK_RUNS.split(text[:MAX_INDEXED_CHARS].translate(table))
    parts[1::2] = [" " + "  ".join([*map(add, run, run[1:]), run[-1]]) + " " for run in parts[1::2]]
    return "".join(parts)


def register(conn: sqlite3.Connection) -> None:
    """Give a connection the ``search_text()`` function that the index triggers call (``Store`` does this)."""
    table: dict[int, str] | None = None

    def tokens(text):
        nonlocal table
        if table is None:
            table = {ord(c): n for c, n in _charmap_from(conn).items()}
        return index_text(text, table)

    # the update trigger tokenises a story's old and new text, which are mostly the same (a copy joining a
    # story changes its names or title, rarely its body), and a story changes again soon after it was made;
    # only texts of a news article's length are kept, so the cache stays a few MB whatever the pages hold
    cached = lru_cache(maxsize=32)(tokens)

    def search_text(text):
        return cached(text) if text is None or len(text) <= CACHED_CHARS else tokens(text)

    def search_names(source, reporters, correspondents, editors):
        nonlocal table
        if table is None:
            table = {ord(c): n for c, n in _charmap_from(conn).items()}
        return " ".join(names_of(source, reporters, correspondents, editors)).translate(table)

    conn.create_function("search_text", 1, search_text, deterministic=True)
    conn.create_function("search_names", 4, search_names, deterministic=True)


# the story's names (m009): its original source and bylines, each name one token (unicode61 keeps a run of CJK
# letters whole), so that a name matches whole: `郑莉莉` finds her stories, `科技` does not find every story of
# 武汉科技报
NAME_COLUMNS = ("source", "reporters", "correspondents", "editors")


def names_of(source, *lists) -> list[str]:
    """A story's names from its columns (the bylines are JSON arrays)."""
    names = [source] if source else []
    for value in lists:
        try:
            names += [n for n in json.loads(value or "[]") if isinstance(n, str)]
        except (TypeError, ValueError):
            continue
    return [n for n in names if n.strip()]


def names_sql(row: str) -> str:
    return f"search_names({', '.join(f'{row}.{c}' for c in NAME_COLUMNS)})"


def _indexed(row: str, tokens, names: bool) -> dict[str, str]:
    """The index's columns and the SQL of their index text, for the ``stories`` row ``row`` (new, old)."""
    cols = {"title": tokens(f"{row}.title"), "body": tokens(f"{row}.body")}
    if names:
        cols["names"] = names_sql(row)
    return cols


def create_triggers(
    conn: sqlite3.Connection, tokens=sql_tokens, names: bool = False, skip_empty: bool = False
) -> None:
    """The triggers that keep ``search_index`` current; ``tokens`` renders the index text of a column;
    ``names``: the index has the names column (since m009); ``skip_empty`` (since m011): a row whose indexed
    columns are all NULL is not in the index (the row ``storygroups.new_story`` inserts before the story's
    fields are known: indexing it cost an empty insert and a 'delete' of the same row in the same transaction,
    and FTS5 writes its pending terms out whenever a row id does not grow)."""
    for name in ("insert", "update", "delete"):
        conn.execute(f"DROP TRIGGER IF EXISTS search_stories_{name}")
    new, old = _indexed("new", tokens, names), _indexed("old", tokens, names)
    cols = ", ".join(new)
    watched = ["id", "title", "body", *(NAME_COLUMNS if names else ())]

    def indexed(row: str) -> str:
        return f"coalesce({', '.join(f'{row}.{c}' for c in watched[1:])}) IS NOT NULL" if skip_empty else "1"

    insert = (
        f"INSERT INTO search_index (rowid, {cols}) "
        f"SELECT new.id, {', '.join(new.values())} WHERE {indexed('new')};"
    )
    delete = (
        f"INSERT INTO search_index (search_index, rowid, {cols}) "
        f"SELECT 'delete', old.id, {', '.join(old.values())} WHERE {indexed('old')};"
    )
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in watched)
    conn.execute(f"CREATE TRIGGER search_stories_insert AFTER INSERT ON stories BEGIN {insert} END")
    conn.execute(
        f"CREATE TRIGGER search_stories_update AFTER UPDATE OF {', '.join(watched)} ON stories "
        f"WHEN {changed} BEGIN {delete} {insert} END"
    )
    conn.execute(f"CREATE TRIGGER search_stories_delete AFTER DELETE ON stories BEGIN {delete} END")


def add_names(conn: sqlite3.Connection) -> None:
    """m009: the index gets a third column, the story's source and bylines, so that ``search 郑莉莉`` finds the
    stories of that reporter. FTS5 cannot add a column: the index is made again and filled from the stories."""
    register(conn)  # the fill and the triggers call search_text()
    for name in ("insert", "update", "delete"):
        conn.execute(f"DROP TRIGGER IF EXISTS search_stories_{name}")
    conn.execute("DROP TABLE search_index")
    conn.execute(
        "CREATE VIRTUAL TABLE search_index USING fts5("
        "title, body, names, content='', tokenize='unicode61 remove_diacritics 2')"
    )
    create_triggers(conn, python_tokens, names=True)
    _fill(conn, python_tokens, names=True)


def skip_empty_rows(conn: sqlite3.Connection) -> None:
    """m011: triggers that leave empty story rows out of the index (see ``create_triggers``), and the entries of
    such rows taken out, with the values the old triggers indexed them with."""
    register(conn)
    create_triggers(conn, python_tokens, names=True, skip_empty=True)
    cols = _indexed("stories", python_tokens, names=True)
    conn.execute(
        f"INSERT INTO search_index (search_index, rowid, {', '.join(cols)}) "
        f"SELECT 'delete', id, {', '.join(cols.values())} FROM stories "
        f"WHERE coalesce(title, body, {', '.join(NAME_COLUMNS)}) IS NULL"
    )


def python_tokens(x: str) -> str:
    return f"search_text({x})"


@lru_cache(maxsize=1)
def charmap() -> dict[str, str]:
    """Traditional → simplified (one character each), full-width ASCII → ASCII, ideographic space → space.

    The migration stores it in ``search_charmap``; queries read it from there, so that a database keeps
    matching its own index whatever OpenCC version is installed later. (Cached: do not modify.)"""
    import opencc

    chars = [chr(u) for lo, hi in CJK_RANGES[:3] + CJK_RANGES[4:5] for u in range(lo, hi + 1)]
    simplified = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    mapping = {}
    if len(simplified) == len(chars):
        mapping = {t: s for t, s in zip(chars, simplified, strict=True) if t != s and len(s) == 1}
    mapping.update({chr(u): chr(u - 0xFEE0) for u in range(0xFF01, 0xFF5F)})
    mapping["\u3000"] = " "
    return mapping


def create_index(db: sqlite_utils.Database) -> None:
    """The index tables and triggers, filled from the stories already stored (the migration calls this)."""
    conn = db.conn
    conn.execute("CREATE TABLE search_seq (i INTEGER PRIMARY KEY)")
    conn.executemany("INSERT INTO search_seq (i) VALUES (?)", [(i,) for i in range(SEQ_ROWS)])
    conn.execute("CREATE TABLE search_charmap (c TEXT PRIMARY KEY, n TEXT NOT NULL) WITHOUT ROWID")
    conn.executemany("INSERT INTO search_charmap (c, n) VALUES (?, ?)", sorted(charmap().items()))
    conn.execute(
        "CREATE VIRTUAL TABLE search_index USING fts5("
        "title, body, content='', tokenize='unicode61 remove_diacritics 2')"
    )
    create_triggers(conn)
    _fill(conn)


def _fill(conn: sqlite3.Connection, tokens=sql_tokens, names: bool = False) -> None:
    cols = _indexed("stories", tokens, names)
    conn.execute(
        f"INSERT INTO search_index (rowid, {', '.join(cols)}) SELECT id, {', '.join(cols.values())} FROM stories"
    )


def rebuild(db: sqlite_utils.Database) -> None:
    """Empty the index and fill it again from the stories (repair; never needed in normal use)."""
    with db.conn:
        db.conn.execute("INSERT INTO search_index (search_index) VALUES ('delete-all')")
        register(db.conn)
        _fill(db.conn, python_tokens, names=True)


# queries


def _charmap_from(conn: sqlite3.Connection) -> dict[str, str]:
    return dict(conn.execute("SELECT c, n FROM search_charmap").fetchall())


_CACHE: dict[int, dict[str, str]] = {}


def normalise(text: str, mapping: dict[str, str]) -> str:
    """The text as the index sees it, character for character (same length, same positions), lower case."""
    out = []
    for ch in text:
        ch = mapping.get(ch, ch)
        low = ch.lower()
        out.append(low if len(low) == 1 else ch)
    return "".join(out)


def _word_chars(ch: str) -> bool:
    return ch.isalnum() or is_cjk(ch)


def _trim(part: str) -> str:
    """A query part without the punctuation around it (``科技"`` is ``科技``); empty if it has no word."""
    start, end = 0, len(part)
    while start < end and not _word_chars(part[start]):
        start += 1
    while end > start and not _word_chars(part[end - 1]):
        end -= 1
    return part[start:end]


def query_phrases(query: str, mapping: dict[str, str]) -> list[str]:
    """The FTS5 MATCH expression's phrases for a user query: one quoted phrase per whitespace-separated part."""
    phrases = []
    for part in query.split():
        text = _trim(normalise(part, mapping))
        if not text:
            continue
        tokens: list[str] = []
        for i, ch in enumerate(text):
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if is_cjk(ch):
                tokens.append(f" {ch}{nxt if is_cjk(nxt) else ''} ")
            else:
                tokens.append(ch)
        prefix = False
        if is_cjk(text[-1]):
            # the part's last CJK run may go on in the text: its closing single character is not a token
            # there, unless the run is that one character, which then starts a token (a prefix query)
            if len(text) > 1 and is_cjk(text[-2]):
                tokens.pop()
            else:
                prefix = True
        string = "".join(tokens).strip().replace('"', '""')
        phrases.append(f'"{string}"' + (" *" if prefix else ""))
    return phrases


def match_expression(query: str, mapping: dict[str, str]) -> str:
    if not query or not query.strip():
        raise SearchError("empty query")
    phrases = query_phrases(query, mapping)
    if not phrases:
        raise SearchError(f"nothing to search for in {query!r}: give at least one word or character")
    names = query_names(query, mapping)
    # each part: in the title or body as a phrase, or a whole name (the names column holds names, not bigrams)
    return " AND ".join(f"({p} OR names : {n})" for p, n in zip(phrases, names, strict=True))


def query_names(query: str, mapping: dict[str, str]) -> list[str]:
    """One quoted FTS5 string per query part, as query_phrases cuts them: the part as a name."""
    out = []
    for part in query.split():
        text = _trim(normalise(part, mapping))
        if text:
            out.append('"' + text.replace('"', '""') + '"')
    return out


def query_terms(query: str, mapping: dict[str, str]) -> list[str]:
    """The normalised runs of word characters of a query, for highlighting."""
    terms = []
    for part in query.split():
        text = normalise(part, mapping)
        for m in re.finditer(r"\w+", text):
            # split CJK from other letters: "5g网络" → 5g, 网络
            terms += _split_runs(m.group())
    return sorted(set(terms), key=len, reverse=True)


def _split_runs(word: str) -> list[str]:
    runs, cur, kind = [], "", None
    for ch in word:
        k = is_cjk(ch)
        if cur and k != kind:
            runs.append(cur)
            cur = ""
        cur += ch
        kind = k
    if cur:
        runs.append(cur)
    return [r for r in runs if r != "_"]


def mapping_for(conn: sqlite3.Connection) -> dict[str, str]:
    key = id(conn)
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = _charmap_from(conn)
    return _CACHE[key]


def search(
    db: sqlite_utils.Database, query: str, filters: Filters | None = None, limit: int | None = 20
) -> list[dict]:
    """Stories matching ``query``, best first: id, title, published, source, copies_count, url, score, and the
    title and a snippet with the matches as (start, end) spans of those strings."""
    mapping = mapping_for(db.conn)
    ids = _newest_matches(db, match_expression(query, mapping), filters)
    rows = _story_rows(db, ids)
    terms = query_terms(query, mapping)
    hits = _ranked(query, ids, rows, terms, mapping)
    if limit:
        hits = hits[:limit]
    results = []
    for sid, score in hits:
        _, title, body, published, first_seen, source, copies, url, *_ = rows[sid]
        results.append(
            {
                "id": sid,
                "title": title,
                "published": published,
                "first_seen": first_seen,
                "source": source,
                "copies_count": copies,
                "url": url,
                "score": round(score, 4),
                "title_matches": find_spans(title or "", terms, mapping),
                **snippet(body or "", terms, mapping),
            }
        )
    return results


def _newest_matches(db: sqlite_utils.Database, expr: str, filters: Filters | None) -> list[int]:
    # FTS5's bm25() needs each phrase's document count over the whole index, a full scan for a phrase of
    # bigrams (200 ms at a million stories); instead the newest RANK_WINDOW matches are taken — FTS5 walks
    # rowids (story ids, which grow with time) downwards and stops — and ranked here by term frequency, a
    # title match weighing TITLE_WEIGHT body matches (within one query the terms' rarity is the same for all)
    where, params = (filters or Filters()).sql("s")
    newest = "SELECT rowid FROM search_index WHERE search_index MATCH ? ORDER BY rowid DESC"
    if where:
        sql = f"SELECT m.rowid FROM ({newest}) m JOIN stories s ON s.id = m.rowid WHERE {where}"
    else:
        sql, params = f"SELECT m.rowid FROM ({newest}) m", []
    return [r[0] for r in db.conn.execute(f"{sql} LIMIT {RANK_WINDOW}", [expr, *params])]


def _story_rows(db: sqlite_utils.Database, ids: list[int]) -> dict[int, tuple]:
    rows = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        for row in db.conn.execute(
            "SELECT id, title, body, published, first_seen, source, copies_count, url, "
            "reporters, correspondents, editors FROM stories "
            f"WHERE id IN ({', '.join('?' * len(chunk))})",
            chunk,
        ):
            rows[row[0]] = row
    return rows


def _ranked(
    query: str, ids: list[int], rows: dict, terms: list[str], mapping: dict
) -> list[tuple[int, float]]:
    """(id, score) of the stories still there (one may be deleted between the two reads), best first."""
    table = {ord(c): n for c, n in mapping.items()}

    def frequency(text: str | None) -> float:
        text = (text or "").translate(table).lower()
        return sum(text.count(t) for t in terms) / (1 + len(text) / 1000) ** 0.5

    parts = {_trim(normalise(part, mapping)) for part in query.split()}

    def named(row) -> float:
        # a part that is one of the story's names (its reporter, its source) counts as a title match
        names = {normalise(n, mapping) for n in names_of(row[5], *row[8:11])}
        return TITLE_WEIGHT * len(parts & names)

    hits = [
        (sid, TITLE_WEIGHT * frequency(rows[sid][1]) + frequency(rows[sid][2]) + named(rows[sid]))
        for sid in ids
        if sid in rows
    ]
    hits.sort(key=lambda h: (-h[1], -h[0]))
    return hits


def find_spans(text: str, terms: list[str], mapping: dict[str, str]) -> list[tuple[int, int]]:
    """Where the terms occur in ``text`` (positions in the original text: normalise() keeps them)."""
    if not terms or not text:
        return []
    norm = normalise(text, mapping)
    pattern = re.compile("|".join(re.escape(t) for t in terms))
    return [(m.start(), m.end()) for m in pattern.finditer(norm)]


def snippet(body: str, terms: list[str], mapping: dict[str, str], width: int = 90) -> dict:
    """About ``width`` characters of the body around its first match (the start when none), with the spans of
    the matches in it."""
    spans = find_spans(body, terms, mapping)
    start = max(0, spans[0][0] - width // 3) if spans else 0
    end = min(len(body), start + width)
    text = body[start:end]
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(body) else ""
    shift = start - len(prefix)
    inside = [(a - shift, b - shift) for a, b in spans if a >= start and b <= end]
    # line breaks become spaces, one for one, so that the spans stay right
    text = re.sub(r"\s", " ", text)
    return {"snippet": prefix + text + suffix, "matches": inside}


def mark(text: str, spans: list[tuple[int, int]], before: str = "[", after: str = "]") -> str:
    """``text`` with each span wrapped in ``before``/``after`` (brackets, or ANSI bold on a terminal)."""
    out, pos = [], 0
    for a, b in sorted(spans):
        if a < pos:
            continue
        out += [text[pos:a], before, text[a:b], after]
        pos = b
    out.append(text[pos:])
    return "".join(out)
