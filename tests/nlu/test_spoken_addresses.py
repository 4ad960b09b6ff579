"""House numbers said every way people say them become digits, in normalisation and in
the address entity of the real engine; other numbers are left as they were said."""

import pytest

from nlu.normalize import normalize
from nlu.spacy_engine import SpacyEngine

# (what was said, the address as the entity gives it)
SPOKEN_ADDRESSES = [
    ("twelve king street east", "12 king street east"),
    ("nine bayly street east", "9 bayly street east"),
    ("one twenty three simcoe street north", "123 simcoe street north"),
    ("twenty one hundred taunton road west", "2100 taunton road west"),
    ("fourteen oh five thornton road north", "1405 thornton road north"),
    ("sixty olive avenue", "60 olive avenue"),
    ("one oh one harmony road north", "101 harmony road north"),
    ("two thousand and five bloor street east", "2005 bloor street east"),
    ("seventeen seventy six liverpool road", "1776 liverpool road"),
    ("four five six dundas street west", "456 dundas street west"),
    ("forty two king street east", "42 king street east"),
    ("one hundred and five brock street north", "105 brock street north"),
    ("two oh five wilson road south", "205 wilson road south"),
    ("nineteen gibb street", "19 gibb street"),
    ("one mary street", "1 mary street"),
    ("eight hundred rossland road east", "800 rossland road east"),
    ("three thousand garden street", "3000 garden street"),
    ("fifteen twenty ritson road south", "1520 ritson road south"),
    ("two thousand one hundred thickson road north", "2100 thickson road north"),
    ("ninety nine cochrane street", "99 cochrane street"),
    ("seven seventy seven simcoe street south", "777 simcoe street south"),
    ("one two three four finch avenue", "1234 finch avenue"),
    ("thirty reach street", "30 reach street"),
    ("eleven hundred brock road", "1100 brock road"),
    ("twenty henry street", "20 henry street"),
    ("five forty liverpool road", "540 liverpool road"),
    ("one thousand one whites road", "1001 whites road"),
    ("eighteen glenanna road", "18 glenanna road"),
    ("twelve highway two", "12 highway 2"),
    ("three regional road fifty seven", "3 regional road 57"),
    ("six concession road seven", "6 concession road 7"),
    ("four oh one brock sideroad seventeen", "401 brock sideroad 17"),
    ("twelve scugog line eight", "12 scugog line 8"),
    ("thirty three fourth line", "33 4th line"),
]
FRAMES = ["when is garbage day at {}", "i live at {} in oshawa", "{}"]


@pytest.mark.parametrize(("said", "address"), SPOKEN_ADDRESSES)
def test_house_numbers_become_digits_in_normalisation(said: str, address: str) -> None:
    for frame in FRAMES:
        assert normalize(frame.format(said)).text == frame.format(address)


@pytest.mark.parametrize(("said", "address"), SPOKEN_ADDRESSES)
def test_house_numbers_become_digits_in_the_address_entity(
    engine: SpacyEngine, said: str, address: str
) -> None:
    for frame in FRAMES:
        text = frame.format(said)
        found = engine.parse_sync(text).entity("address")
        assert found is not None, (text, engine.parse_sync(text).to_rasa())
        assert found.value == address
        assert text[found.start : found.end] == said  # offsets point at what was said


@pytest.mark.parametrize(
    ("said", "written", "address"),
    [
        ("is highway two closed", "is highway 2 closed", "highway 2"),
        ("pickup on line four", "pickup on line 4", "line 4"),
        ("garbage day on concession seven", "garbage day on concession 7", "concession 7"),
        ("garbage day on sideroad ten", "garbage day on sideroad 10", "sideroad 10"),
        ("i have 3 bags of garbage", "i have 3 bags of garbage", None),
        ("i have three bags of garbage", "i have three bags of garbage", None),
        ("can i put out two extra bags", "can i put out two extra bags", None),
        ("three big potholes on king street", "three big potholes on king street", "king street"),
        ("is king street a one way street", "is king street a one way street", "king street"),
        ("the blue one", "the blue one", None),
        ("i waited in line for twenty minutes", "i waited in line for twenty minutes", None),
        ("we got two trucks going north", "we got two trucks going north", None),
    ],
)
def test_other_numbers_stay_as_they_were_said(
    engine: SpacyEngine, said: str, written: str, address: str | None
) -> None:
    assert normalize(said).text == written
    found = engine.parse_sync(said).entity("address")
    assert (found.value if found else None) == address


@pytest.mark.parametrize(
    ("said", "address"),
    [
        ("when is pickup on bayly east", "bayly east"),
        ("green bin day for twenty two gibb in oshawa", "22 gibb"),
        ("liverpool in pickering", "liverpool"),
        ("nine simcoe north", "9 simcoe north"),
    ],
)
def test_known_streets_are_found_without_their_suffix(
    engine: SpacyEngine, said: str, address: str
) -> None:
    found = engine.parse_sync(said).entity("address")
    assert found is not None and found.value == address


@pytest.mark.parametrize(
    "said",
    ["is the church open on sunday", "king of the road", "the liverpool game", "gibb me a break"],
)
def test_bare_street_names_elsewhere_are_not_addresses(engine: SpacyEngine, said: str) -> None:
    assert engine.parse_sync(said).entity("address") is None
