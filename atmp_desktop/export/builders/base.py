"""What the generic builder and its hooks share: the title-block metadata and value formatting with the
form definitions (choice labels, EU dates, units)."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from atmp_desktop.core.forms import FormSet, default_forms, parse_path
from atmp_desktop.core.project import ProjectSnapshot, field_visible
from atmp_desktop.core.values import format_value, is_empty
from atmp_desktop.export.model import DocMeta

STATUS_LABELS = {"draft": "Draft", "in_review": "In review", "final": "Final"}


@lru_cache(maxsize=1)
def _forms() -> FormSet | None:
    try:
        return default_forms()
    except Exception:  # forms under construction must not stop an export; values then print raw
        return None


def field_of(path: str):
    forms = _forms()
    if forms is None:
        return None
    try:
        return forms.field(parse_path(path).field_path)
    except (KeyError, ValueError):
        return None


def fmt(field, value: Any) -> str:
    if is_empty(value):
        return ""
    if field is not None:
        try:
            return format_value(field, value)
        except Exception:
            pass
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dict) and {"value", "unit"} <= set(value):
        return f"{value['value']} {value['unit']}"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def visible(snap: ProjectSnapshot, path: str) -> bool:
    """False for a field its visibility condition hides (e.g. the AAV serotype of a lentiviral product)."""
    forms = _forms()
    if forms is None:
        return True
    try:
        return field_visible(forms, parse_path(path).field_path, snap)
    except (KeyError, ValueError):
        return True


def same_text(a: str, b: str) -> bool:
    norm = lambda t: " ".join(t.replace("*", " ").split()).casefold()  # noqa: E731
    return norm(a) == norm(b)


def label_of(path: str) -> str:
    f = field_of(path)
    return f.label if f is not None else path.rsplit(".", 1)[-1].replace("_", " ").capitalize()


def doc_meta(snap: ProjectSnapshot, spec) -> DocMeta:
    product = snap.get("product.invented_name") or snap.get("product.inn") or snap.get("product.company_code") \
        or snap.title
    status_raw = snap.get("applicant.dossier_status") or "draft"
    date = str(snap.meta.get("modified") or snap.meta.get("created") or "")[:10]
    return DocMeta(doc_id=spec.id, title=spec.title, product=str(product),
                   applicant=str(snap.get("applicant.company_name") or "[applicant not entered]"),
                   version=str(snap.get("applicant.dossier_version") or "0.1"),
                   status=STATUS_LABELS.get(status_raw, str(status_raw)), date=date,
                   author=str(snap.get("applicant.author_name") or snap.get("applicant.company_name") or ""),
                   subject=f"{spec.title}, {product}", ctd_code=spec.ctd_code, final=status_raw == "final",
                   basis=spec.basis, internal=spec.namespace == "report")
