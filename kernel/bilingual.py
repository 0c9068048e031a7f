"""Give a rendered message in both Vietnamese and English.

Error messages reach the API already rendered in the request's language (DRF turns them into plain
strings when it raises). To answer in both languages we map the rendered text through the gettext
catalogs, including messages with placeholders ("at most {max_length} characters").
"""

import re
from functools import lru_cache

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import trans_real

PLACEHOLDER = re.compile(r"(\{[A-Za-z0-9_]*\}|%\([A-Za-z0-9_]+\)[sdif]|%[sdif])")


class Template:
    """A message with placeholders that can recognise a rendered copy and refill another template."""

    def __init__(self, text):
        parts = PLACEHOLDER.split(text)
        self.literals, self.holes = parts[0::2], parts[1::2]
        pattern = "".join(
            re.escape(literal) + ("(.+?)" if index < len(self.holes) else "")
            for index, literal in enumerate(self.literals)
        )
        self.regex = re.compile(f"^{pattern}$", re.DOTALL)

    def match(self, text):
        found = self.regex.match(text)
        return None if found is None else dict(zip(self._keys(), found.groups(), strict=True))

    def fill(self, values):
        pieces, keys = [self.literals[0]], self._keys()
        for key, literal in zip(keys, self.literals[1:], strict=True):
            if key not in values:
                return None
            pieces += [values[key], literal]
        return "".join(pieces)

    def _keys(self):
        # Named holes pair by name across languages, positional ones (%s) by order.
        keys, position = [], 0
        for hole in self.holes:
            name = re.sub(r"^\{|\}$|^%\(|\)[sdif]$", "", hole) if hole not in ("%s", "%d", "%i", "%f") else ""
            if not name:
                name, position = f"#{position}", position + 1
            keys.append(name)
        return keys


def _catalog_pairs(language):
    for msgid, msgstr in trans_real.translation(language)._catalog.items():
        if isinstance(msgid, str) and msgid and msgstr:
            yield msgid.split("\x04", 1)[-1], msgstr  # drop a gettext context


@lru_cache(maxsize=1)
def _language_pairs():
    """Return (english→vietnamese, vietnamese→english, [(en template, vi template)]).

    Django's and DRF's messages are English with a Vietnamese catalog; the portal's own are
    Vietnamese with an English catalog. Both feed the same tables.
    """
    pairs = list(_catalog_pairs("vi")) + [(en, vi) for vi, en in _catalog_pairs("en")]
    to_vi, to_en, templates = {}, {}, []
    for english, vietnamese in pairs:
        to_vi.setdefault(english, vietnamese)
        to_en.setdefault(vietnamese, english)
        if PLACEHOLDER.search(english):
            templates.append((Template(english), Template(vietnamese)))
    # Most specific first: a bare "%(class_name)s %(instance)s" must not claim every message with a space.
    templates.sort(key=lambda pair: -sum(len(literal) for template in pair for literal in template.literals))
    return to_vi, to_en, templates


def _translate(text, *, to_vietnamese):
    to_vi, to_en, templates = _language_pairs()
    exact = (to_vi if to_vietnamese else to_en).get(text)
    if exact is not None:
        return exact
    for english, vietnamese in templates:
        source, target = (english, vietnamese) if to_vietnamese else (vietnamese, english)
        values = source.match(text)
        if values is not None:
            filled = target.fill(values)
            if filled is not None:
                return filled
    return text


def both_languages(text):
    """Return {"message": Vietnamese, "message_en": English} for a message, lazy or already rendered."""
    if isinstance(text, Promise):
        with translation.override("vi"):
            vietnamese = str(text)
        with translation.override("en"):
            return {"message": vietnamese, "message_en": str(text)}
    text = str(text)
    if (translation.get_language() or "vi").startswith("vi"):
        return {"message": text, "message_en": _translate(text, to_vietnamese=False)}
    return {"message": _translate(text, to_vietnamese=True), "message_en": text}
