from pathlib import Path

import pytest

from nlu import TrainingDataError, training_data
from nlu.catalogue import CLOSED_SETS, ENTITIES, INTENTS, RESIDENT_INTENTS
from tests.conftest import DEV_FILE, HELD_OUT_FILE, TRAINING_FILE


def test_inline_annotations_are_stripped_with_their_spans() -> None:
    ex = training_data.parse_example(
        'is it [recycling]{"entity": "waste_stream", "value": "blue_box"} week'
        " at [42 king st](address)",
        "collection_day",
    )
    assert ex.text == "is it recycling week at 42 king st"
    assert [(a.entity, a.value, ex.text[a.start : a.end]) for a in ex.entities] == [
        ("waste_stream", "blue_box", "recycling"),
        ("address", "42 king st", "42 king st"),
    ]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("just a string", "`nlu:` list"),
        ("nlu:\n- intent: x\n  examples: 5\n", "examples"),
        ("nlu:\n- intent: x\n  examples: |\n    no dash here\n", "must start with"),
        ("nlu:\n- foo: x\n", "needs one of"),
        ('nlu:\n- intent: x\n  examples: |\n    - [a]{"value": 1}\n', "'entity'"),
        ("nlu:\n- synonym: x\n  examples: |\n    - y\n", "no intent examples"),
    ],
)
def test_bad_files_are_refused_with_the_reason(tmp_path: Path, document: str, message: str) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(document)
    with pytest.raises(TrainingDataError, match=message):
        training_data.load(path)


def test_unreadable_yaml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.yml"
    path.write_text("nlu: [unclosed")
    with pytest.raises(TrainingDataError, match="not valid YAML"):
        training_data.load(path)


@pytest.fixture(scope="module")
def train_data() -> training_data.TrainingData:
    return training_data.load(TRAINING_FILE)


@pytest.fixture(scope="module", params=[HELD_OUT_FILE, DEV_FILE], ids=["held-out", "dev"])
def test_data(request: pytest.FixtureRequest) -> training_data.TrainingData:
    return training_data.load(request.param)


def test_training_data_covers_the_catalogue(train_data: training_data.TrainingData) -> None:
    assert set(train_data.intents) == set(INTENTS)
    for intent in RESIDENT_INTENTS:
        assert sum(ex.intent == intent for ex in train_data.examples) >= 40, intent


def test_annotations_use_catalogue_names_and_canonical_values(
    train_data: training_data.TrainingData, test_data: training_data.TrainingData
) -> None:
    for data in (train_data, test_data):
        for ex in data.examples:
            for ann in ex.entities:
                assert ann.entity in ENTITIES, ex.text
                if ann.entity in CLOSED_SETS:
                    assert ann.value in CLOSED_SETS[ann.entity], ex.text


def test_examples_are_spoken_style(train_data: training_data.TrainingData) -> None:
    for ex in train_data.examples:
        assert ex.text == ex.text.lower(), ex.text
        assert not set(ex.text) & set(",.?!;:"), ex.text


def test_held_out_file_is_never_seen_in_training(
    train_data: training_data.TrainingData, test_data: training_data.TrainingData
) -> None:
    assert not {ex.text for ex in train_data.examples} & {ex.text for ex in test_data.examples}
