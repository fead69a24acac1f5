"""The documented JSON Schema matches the forms, and the shipped samples satisfy it."""
import json

import jsonschema
import pytest

from atmp_desktop.core.json_schema import project_schema, schema_text
from atmp_desktop.core.paths import app_root, samples_dir


def test_committed_schema_is_current(forms):
    committed = (app_root() / "docs" / "project-format.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(forms), "run: python -m atmp_desktop.core.json_schema"


@pytest.mark.parametrize("path", sorted(samples_dir().glob("*.json")), ids=lambda p: p.stem)
def test_samples_satisfy_the_schema(forms, path):
    jsonschema.validate(json.loads(path.read_text(encoding="utf-8")), project_schema(forms))


def test_schema_rejects_a_wrong_type(forms):
    doc = {"format": "atmp-dossier-project", "format_version": 1, "data": {"product": {"is_combined": "yes"}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, project_schema(forms))
