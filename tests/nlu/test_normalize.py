import pytest

from nlu.normalize import normalize, words_to_digits


@pytest.mark.parametrize(
    ("spoken", "written"),
    [
        ("one twenty three simcoe street north", "123 simcoe street north"),
        ("two zero two four one five", "202415"),
        ("request number 2 0 2 4", "request number 2024"),
        ("twenty twenty four", "2024"),
        ("one hundred and five king street", "105 king street"),
        ("forty two king street east", "42 king street east"),
        ("two oh five", "205"),
        ("Where does a Pizza-Box go?", "where does a pizza box go"),
        ("the blue one", "the blue one"),  # a lone number word is not a number
        ("oh no", "oh no"),
        ("white bee", "whitby"),
        ("ux bridge", "uxbridge"),
        ("scoo gog", "scugog"),
        ("i can’t", "i can't"),
        ("twelve king street", "12 king street"),  # a lone number before a street
        ("nine bayly east", "9 bayly east"),
        ("sixty olive avenue in whitby", "60 olive avenue in whitby"),
        ("highway two", "highway 2"),  # a lone number after a numbered road
        ("line four", "line 4"),
        ("the fourth line", "the 4th line"),
        ("seventh concession road", "7th concession road"),
        ("three bags", "three bags"),
        ("one more thing", "one more thing"),
        ("one way street", "one way street"),
    ],
)
def test_spoken_forms_become_one_written_form(spoken: str, written: str) -> None:
    assert normalize(spoken).text == written


def test_groups_concatenate_and_scales_add() -> None:
    assert words_to_digits(["nineteen", "ninety", "nine"]) == "1999"
    assert words_to_digits(["two", "thousand", "twenty", "four"]) == "2024"
    assert words_to_digits(["two", "thousand", "one", "hundred"]) == "2100"
    assert words_to_digits(["twenty", "one", "hundred"]) == "2100"
    assert words_to_digits(["two", "thousand", "and", "five"]) == "2005"
    assert words_to_digits(["one", "hundred", "thousand"]) == "100000"


def test_spans_point_back_into_what_was_said() -> None:
    norm = normalize("One twenty three Simcoe Street")
    start, end = norm.original_span(0, 3)  # "123"
    assert norm.original[start:end] == "One twenty three"
    start, end = norm.original_span(4, len(norm.text))
    assert norm.original[start:end] == "Simcoe Street"


@pytest.mark.parametrize("text", ["", "   ", "😀😀", "\x00\x01\x02", "!!!???"])
def test_nothing_to_read_gives_no_tokens(text: str) -> None:
    assert normalize(text).tokens == ()


def test_other_scripts_are_kept_as_words() -> None:
    assert normalize("日本語 текст").text == "日本語 текст"
