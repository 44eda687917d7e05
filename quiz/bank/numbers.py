"""The numbers a text states, so that its three languages can be compared: digit runs
(2,500, 2.500 and 2 500 agree), numbers written as words, and months written next to a
number ("25 October" is "25/10")."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\d+")
_MONTHS = {
    "en": "january february march april may june july august september october november december",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
}
_MONTH_NUMBER = {
    name: str(number)
    for names in _MONTHS.values()
    for number, name in enumerate(names.split(), start=1)
}
#: A month named next to a number ("25 October", "May 2021", "1er juillet") counts as
#: its number, as Vietnamese writes it ("tháng 10"); "may" alone is a word.
_DATED_MONTH = re.compile(
    r"(?<=\d )(?:er )?(" + "|".join(_MONTH_NUMBER) + r")\b"
    r"|\b(" + "|".join(_MONTH_NUMBER) + r")(?= \d)",
    re.IGNORECASE,
)


#: Numbers written as words, per language ("one", "un", "une", "một" and "năm" are left
#: out: they are also "a" and "year").
_NUMBER_WORDS = {
    locale: {word: str(number) for number, word in enumerate(names.split()) if word != "_"}
    for locale, names in (
        ("en", "zero _ two three four five six seven eight nine ten eleven twelve thirteen "
         "fourteen fifteen sixteen seventeen eighteen nineteen twenty"),
        ("fr", "zéro _ deux trois quatre cinq six sept huit neuf dix onze douze treize "
         "quatorze quinze seize dix-sept dix-huit dix-neuf vingt"),
        ("vi", "_ _ hai ba bốn _ sáu bảy tám chín mười"),
    )
}  # fmt: skip
_NUMBER_WORDS["en"] |= {"thirty": "30", "forty": "40", "fifty": "50"}
_NUMBER_WORDS["fr"] |= {
    "trente": "30", "quarante": "40", "cinquante": "50", "dizaine": "10", "vingtaine": "20",
    "trentaine": "30", "quarantaine": "40", "cinquantaine": "50", "centaine": "100",
}  # fmt: skip
#: "thứ hai" is "second" and "hai bên" "both sides", not "two".
_NUMBER_WORD = {
    locale: re.compile(
        r"(?<!thứ )\b(" + "|".join(sorted(words, key=len, reverse=True)) + r")\b(?! bên)",
        re.IGNORECASE,
    )
    for locale, words in _NUMBER_WORDS.items()
}


def numbers(text: str, locale: str) -> set[str]:
    """The numbers a text states: digit runs (so 2,500, 2.500 and 2 500 agree), numbers
    written as words, and months written next to a number."""
    text = _DATED_MONTH.sub(lambda m: " " + _MONTH_NUMBER[(m[1] or m[2]).lower()] + " ", text)
    words = _NUMBER_WORDS[locale]
    text = _NUMBER_WORD[locale].sub(lambda m: " " + words[m[1].lower()] + " ", text)
    return set(_DIGITS.findall(text))
