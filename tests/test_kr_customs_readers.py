"""The Korea Customs reader (a stream over the items) against the simplest correct reading, a whole-tree
walk, on every form a well-formed answer can take: KCS's own, whitespace between tags, references, CDATA,
comments, elements and namespaces inside fields, fields missing, repeated or reordered; and malformed
answers refused with what is wrong."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial

import pandas as pd
import pytest
from lxml import etree

from extractors import get_publisher
from extractors.base import Payload
from extractors.errors import ParseError

FIELDS = ("year", "hsCd", "statCd", "statKor", "expDlr", "expWgt", "impDlr", "impWgt")  # what parse keeps
ITEMS = 3_000  # 0.8 MiB: more than any real single-month answer
MIDDLE = 1_100  # an item neither first nor last


def _parse(content: bytes) -> pd.DataFrame:
    return get_publisher("kr_customs").parse(Payload("kr_customs", content, "file:///inline", "xml"))


def _item(fields: dict[str, str]) -> str:
    return "<item>" + "".join(f"<{k}>{v}</{k}>" for k, v in fields.items()) + "</item>"


def _answer(body: str, *, root: str = "", head: str = "", encoding: str = "UTF-8") -> bytes:
    return (
        f'<?xml version="1.0" encoding="{encoding}" standalone="yes"?><response{root}><header>'
        f"<resultCode>00</resultCode><resultMsg>정상서비스.</resultMsg><hsCode>not an item field</hsCode>"
        f"{head}</header><body><items>{body}</items><numOfRows>1</numOfRows></body></response>"
    ).encode(encoding)


def _fields(i: int, items: int, name: str, country: str | None) -> dict[str, str]:
    """Item i of `items`, its fields in the order KCS writes them (statCd left out if `country` is
    None): the grand total half-way, a name of 300 KB (longer than a batch) a third of the way."""
    fields = {
        "balPayments": str(i),
        "expDlr": str(1000 + i),
        "expWgt": str(i % 97),
        "hsCd": f"{854200 + i % 40}",
        "impDlr": str(2000 + i),
        "impWgt": str(i % 89),
        "statCd": country,
        "statKor": name + ("긴 이름 " * 30_000 if i == items // 3 else ""),
        "year": "총계" if i == items // 2 else f"2026.{i % 6 + 1:02d}",
    }
    return {key: value for key, value in fields.items() if value is not None}


def _kcs_plain(items: int, edit: Callable[[int, dict[str, str]], str | None] | None = None) -> bytes:
    """An nitemtrade answer in the form KCS writes (no whitespace between tags, every item the same
    fields in the same order), with names that start and end with a space and hold runs of spaces,
    `>` and quotes, a grand total in the middle, an item of 300 KB, and statCd empty but on the last
    item. `edit(i, fields)` may write item i otherwise."""
    written = []
    for i in range(items):
        fields = _fields(i, items, f' #{i}#  집적회로 > "부분품"   {i % 13} ', "CN" if i == items - 1 else "")
        written.append((edit(i, fields) if edit else None) or _item(fields))
    return _answer("".join(written))


def _kcs_loose(
    items: int, *, root: str = "", head: str = "", first_item: str = "", encoding: str = "UTF-8"
) -> bytes:
    """A well-formed answer not in KCS's exact form: names holding tabs and newlines, newlines around
    the items, statCd only on the last item. `root` goes into the root's start tag, `head` into the
    header, `first_item` into the first item's name, all as written."""
    written = []
    for i in range(items):
        fields = _fields(i, items, f"  집적회로\t부분품 \n {i % 13}  ", "CN" if i == items - 1 else None)
        if i == 0:
            fields["statKor"] += first_item
        written.append(_item(fields))
    return _answer("\n" + "".join(written) + "\n", root=root, head=head, encoding=encoding)


def _in_middle(change: Callable[[dict[str, str]], str]) -> Callable[[int, dict[str, str]], str | None]:
    return lambda i, fields: change(fields) if i == MIDDLE else None


def _everywhere(change: Callable[[dict[str, str]], str]) -> Callable[[int, dict[str, str]], str | None]:
    return lambda i, fields: change(fields)


# Well-formed answers not in the form KCS writes, each a trap for a reader of that form only.
NOT_KCS_FORM: dict[str, Callable[[int, dict[str, str]], str | None]] = {
    "entity": _in_middle(lambda f: _item(f | {"statKor": "R&amp;D"})),
    "character-reference": _in_middle(lambda f: _item(f | {"statKor": "&#54620;&#44397;"})),
    "tab-in-a-name": _in_middle(lambda f: _item(f | {"statKor": "집적\t회로"})),
    "attribute": _in_middle(lambda f: _item(f).replace("<statKor>", '<statKor lang="ko">')),
    "self-closing-extra-field": _in_middle(lambda f: _item(f).replace("</year>", "</year><note/>")),
    "missing-field": _in_middle(lambda f: _item({k: v for k, v in f.items() if k != "expWgt"})),
    "other-order": _in_middle(lambda f: _item(dict(reversed(f.items())))),
    "space-between-items": _in_middle(lambda f: _item(f) + " "),
    "comment-in-a-name": _in_middle(lambda f: _item(f | {"statKor": "집적<!-- x -->회로"})),
    "cdata-in-a-name": _in_middle(lambda f: _item(f | {"statKor": "<![CDATA[a <b> & c]]>"})),
    "element-in-a-name": _everywhere(lambda f: _item(f | {"statKor": f"<b>{f['statKor']}</b>"})),
    "field-twice": _everywhere(lambda f: _item(f).replace("</year>", "</year><year>1999.01</year>")),
    "namespaced-field": _everywhere(
        lambda f: _item(f).replace("</year>", '</year><x:b xmlns:x="urn:x">1</x:b>')
    ),
}

# Answers a reader cutting the bytes at items would get wrong: rows that are not items, an item end inside
# a comment or CDATA, a namespace prefix declared outside the items, bytes in another encoding than UTF-8.
NOT_CUTTABLE = {
    "comment-before-items": {"head": "<!-- <items><item><year>2026.01</year><expDlr>9</expDlr></item> -->"},
    "pi-before-items": {"head": "<?note <items><item><year>2026.01</year></item></items> ?>"},
    "namespace-in-scope": {"root": ' xmlns:x="urn:x"', "first_item": "<x:b>in bold</x:b>"},
    "cdata-in-an-item": {"first_item": "<![CDATA[" + "x" * 300_000 + " a </item> in a name ]]>"},
    "comment-in-items": {"first_item": "<!--" + "x" * 300_000 + " </item> -->"},
    "euc-kr": {"encoding": "EUC-KR"},
}

CASES: dict[str, Callable[[], bytes]] = {
    "kcs-form": lambda: _kcs_plain(ITEMS),
    "loose": lambda: _kcs_loose(ITEMS),
    **{name: partial(_kcs_plain, ITEMS, edit) for name, edit in NOT_KCS_FORM.items()},
    **{name: partial(_kcs_loose, ITEMS, **form) for name, form in NOT_CUTTABLE.items()},
}


@pytest.mark.parametrize("case", list(CASES))
def test_korea_answer_matches_a_plain_tree_walk(case: str) -> None:
    content = CASES[case]()
    raw = _parse(content)
    tree = etree.fromstring(content)
    expected = [
        {
            name: " ".join(str(item.xpath(f"string({name})")).split()) for name in FIELDS
        }  # XPath's string value
        for item in tree.iterfind("body/items/item")
    ]
    assert len(raw) == len(expected) == ITEMS
    assert raw[list(FIELDS)].to_dict("records") == expected
    assert set(raw["endpoint"]) == {"nitemtrade"}  # <hsCode> in the header does not make it itemtrade
    assert raw["statCd"].iloc[-1] == "CN" and (raw["statCd"].iloc[:-1] == "").all()  # only the last has it
    out = get_publisher("kr_customs").normalize(raw)
    assert len(out) == 2 * (ITEMS - 1)  # export and import per item, the grand total dropped


def _small(header: str = "", items: str = "", encoding: str = "UTF-8") -> bytes:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?><response><header><resultCode>00</resultCode>'
        f"{header}</header><body><items>{items}</items></body></response>"
    ).encode(encoding)


FAKE_ITEMS = (
    "<items><item><year>2026.01</year><hsCd>854232</hsCd><expDlr>9</expDlr><impDlr>9</impDlr></item></items>"
)


@pytest.mark.parametrize(
    ("content", "names"),
    [
        (_small(f"<!-- {FAKE_ITEMS} -->"), []),
        (_small(f"<?note {FAKE_ITEMS} ?>"), []),
        (_small(f"<old>{FAKE_ITEMS}</old>"), []),  # an items element, but not body/items
        (
            _small(
                items=FAKE_ITEMS[7:-8].replace("<year>", "<statKor>Ã©</statKor><year>"), encoding="ISO-8859-1"
            ),
            ["Ã©"],
        ),
    ],
    ids=["items-in-a-comment", "items-in-a-pi", "items-outside-body", "latin-1"],
)
def test_korea_only_body_items_are_items_in_any_encoding(content: bytes, names: list[str]) -> None:
    """Traps for a reader that cuts the bytes at the first `<items>`: items in a comment, a processing
    instruction or another element are not the answer's (it has none), and a Latin-1 name whose bytes
    happen to be valid UTF-8 ("Ã©" is C3 A9, which UTF-8 reads as "é") keeps its declared encoding."""
    raw = _parse(content)
    assert raw["statKor"].tolist() == names


def _break(content: bytes, old: bytes, new: bytes) -> bytes:
    """`old` replaced by `new` once, half-way through the answer."""
    at = content.index(old, len(content) // 2)
    return content[:at] + new + content[at + len(old) :]


MALFORMED: dict[str, Callable[[], bytes]] = {
    "truncated": lambda: _kcs_plain(ITEMS)[: 2**19],
    "closing-tag-mismatch": lambda: _break(_kcs_plain(ITEMS), b"</expDlr>", b"</expDIr>"),
    "opening-tag-mismatch": lambda: _break(_kcs_plain(ITEMS), b"<expDlr>", b"<expDIr>"),
    "control-character": lambda: _break(_kcs_plain(ITEMS), " 집적회로".encode(), " 집적\x01회로".encode()),
    "cdata-end-in-text": lambda: _break(_kcs_plain(ITEMS), " 집적회로".encode(), " 집적]]>회로".encode()),
    "not-a-character": lambda: _break(_kcs_plain(ITEMS), " 집적회로".encode(), " 집적\uffff회로".encode()),
    "not-utf-8": lambda: _break(_kcs_plain(ITEMS), " 집적회로".encode(), b" \xff\xfe"),
    "space-in-every-tag": lambda: _kcs_plain(
        ITEMS, _everywhere(lambda f: _item(f).replace("statKor>", "statKor x>"))
    ),
    "loose-bad-tag": lambda: _break(_kcs_loose(ITEMS), b"</expDlr>", b"</expDIr>"),
}


@pytest.mark.parametrize("broken", list(MALFORMED))
def test_korea_malformed_answer_is_refused_and_leaves_no_thread(broken: str) -> None:
    """The reader says what is wrong, and no worker thread is left behind."""
    content = MALFORMED[broken]()
    before = threading.active_count()
    with pytest.raises(ParseError, match="not well-formed"):
        _parse(content)
    assert threading.active_count() == before
