"""The form loader refuses malformed definitions with a message naming file, field and problem."""
import pytest

from atmp_desktop.core.conditions import ConditionError, parse_condition
from atmp_desktop.core.forms import FormError, load_forms, parse_path

GOOD = """
id: demo
title: Demo
order: 1
fields:
  - {id: name, label: Name, type: text, required: true}
  - {id: kind, label: Kind, type: choice, choices: [a, b]}
  - id: rows
    label: Rows
    type: table
    columns: [{id: x, label: X, type: integer}]
  - {id: extra, label: Extra, type: text, visible_when: {field: demo.kind, equals: a}}
"""


def write(tmp_path, text, name="01-demo.yaml"):
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_good_form_loads(tmp_path):
    forms = load_forms(write(tmp_path, GOOD))
    assert [f.id for f in forms.step("demo").fields] == ["name", "kind", "rows", "extra"]
    assert forms.field("demo.rows").column("x").type == "integer"
    assert forms.field("demo.extra").visible_when.evaluate({"demo.kind": "a"}.get)


@pytest.mark.parametrize("bad, expected", [
    (GOOD.replace("type: text, required", "type: txt, required"), "field 'name': 'type' must be one of"),
    (GOOD.replace("choices: [a, b]", "choices: []"), "field 'kind': 'choices' must be a non-empty list"),
    (GOOD.replace("equals: a}", "equals: a, in: [b]}"), "field 'extra': 'visible_when'"),
    (GOOD.replace("demo.kind, equals", "demo.nope, equals"), "refers to 'demo.nope'"),
    (GOOD.replace("label: Name,", "label: Name, colour: red,"), "unknown key(s) colour"),
    (GOOD.replace("id: kind", "id: name"), "field 'name': the id is used twice"),
    (GOOD.replace("order: 1", "order: first"), "'order' must be an integer"),
    ("id: demo\ntitle: [unclosed", "not valid YAML"),
    (GOOD.replace("type: text, required: true}", "type: text, examples: {car_t: x}}"),
     "'examples': unknown kind(s) of product car_t"),
    (GOOD.replace("type: text, required: true}", "type: text, placeholders: {cell: ''}}"),
     "'placeholders': every entry must be a non-empty text"),
    (GOOD.replace("choices: [a, b]", "choices: [{value: a, label: Yes}, b]"), "YAML reads yes/no/on/off"),
    (GOOD.replace("order: 1", "order: 1\nrequired_for: [maa, mia]"), "step 'demo': 'required_for': unknown "
                                                                      "procedure(s) mia"),
    (GOOD.replace("required: true}", "required: true, required_for: maa}"), "field 'name': 'required_for' must "
                                                                          "be a list of procedures"),
])
def test_malformed_forms_name_file_field_and_problem(tmp_path, bad, expected):
    with pytest.raises(FormError) as err:
        load_forms(write(tmp_path, bad))
    assert "01-demo.yaml" in str(err.value)
    assert expected in str(err.value)


def test_examples_and_placeholders_per_kind_of_product(tmp_path):
    text = GOOD.replace("type: text, required: true}",
                        "type: text, placeholder: a name, placeholders: {in_vivo_gene: vec-1}, "
                        "examples: {cell: MSC-1, in_vivo_gene: AAV-1}}")
    field = load_forms(write(tmp_path, text)).field("demo.name")
    assert field.placeholder_for("in_vivo_gene") == "vec-1" and field.placeholder_for("cell") == "a name"
    assert field.example_for("cell") == "MSC-1" and field.example_for(None) == ""


def test_conditions_never_eval_strings():
    with pytest.raises(ConditionError):
        parse_condition({"field": "a.b", "equals": 1, "python": "__import__('os')"})
    cond = parse_condition({"any": [{"field": "p.x", "in": [1, 2]}, {"not": {"field": "p.y", "is_set": True}}]})
    assert cond.evaluate({"p.x": 3, "p.y": None}.get) is True
    assert cond.evaluate({"p.x": 3, "p.y": "v"}.get) is False
    assert cond.fields() == {"p.x", "p.y"}


def test_paths():
    p = parse_path("manufacturing.sites[2].name")
    assert (p.step, p.field, p.index, p.column) == ("manufacturing", "sites", 2, "name")
    with pytest.raises(KeyError):
        parse_path("no dots")


def test_conditions_read_as_plain_language_with_choice_labels(tmp_path):
    forms = load_forms(write(tmp_path, GOOD.replace("choices: [a, b]",
                                                    "choices: [{value: a, label: Autologous}, b]")))
    cond = parse_condition({"all": [{"field": "demo.kind", "equals": "a"},
                                    {"not": {"field": "demo.flag", "equals": True}}]})
    text = cond.describe(forms.label, forms.value_label)
    assert text == "Kind is Autologous and demo.flag is no"


def test_required_for_is_inherited_from_the_step_and_replaced_by_the_field(tmp_path):
    text = GOOD.replace("order: 1", "order: 1\nrequired_for: [maa, ct]").replace(
        "type: integer}]", "type: integer, required: true}]").replace(
        "equals: a}}", "equals: a}, required: true, required_for: [classification]}")
    forms = load_forms(write(tmp_path, text))
    name, rows, extra = forms.field("demo.name"), forms.field("demo.rows"), forms.field("demo.extra")
    assert name.required_for == {"maa", "ct"} and rows.column("x").required_for == {"maa", "ct"}
    assert name.required_in(frozenset({"ct"})) and not name.required_in(frozenset({"classification"}))
    assert extra.required_in(frozenset({"classification"})) and not extra.required_in(frozenset({"maa"}))
    assert not forms.field("demo.kind").required_in(frozenset({"maa"}))  # never required stays so
    plain = load_forms(write(tmp_path, GOOD)).field("demo.name")
    assert plain.required_for is None and plain.required_in(frozenset({"classification"}))
