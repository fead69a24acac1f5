"""Brief §8.1 (structure), §8.6 (devices) and §8.7 (traceability, follow-up, procedures, SME, GMP)."""
from __future__ import annotations

import datetime as _dt

from atmp_desktop.core.constants import (AA_REQUEST_LEAD_DAYS, NB_REPLY_MONTHS, SME_CERTIFICATION_DAYS,
                                         TRACEABILITY_RETENTION_YEARS)
from atmp_desktop.core.rules.base import (CERT, CT, DOSSIER, MAA, MAA_CT, Ctx, is_gmo, is_gtmp, matches, pointed_to,
                                          procedures, rule, third_country)


# ------------------------------------------------------------------------------------------- §8.1
# CTD-01, CTD-02, CTD-05 and CTD-06 concern the exported files; they are checked by export/export_check.py
# (validate --export, the export dialog) and only declared here.
@rule("CTD-01", "error", "documents are exported (validate --export, export dialog)",
      "every coded heading of the files is in the CTD heading table with its canonical title; eCTD leaves sit at "
      "their Appendix 4 folder and stem, names a-z/0-9/'-' of at most 64 characters, paths at most 180",
      "ICH M4Q(R1); ICH eCTD v3.2.2 Appendix 4; EU M1 eCTD specification v3.0.4", "K", on="export")
def ctd_01(c: Ctx):
    return ()


@rule("CTD-02", "error", "documents are exported (validate --export, export dialog)",
      "headings follow the CTD order, none without its parent (or its eCTD folder), one level below it, and every "
      "heading the definitions print for this product is in some file", "ICH M4Q(R1); ICH eCTD v3.2.2", "K",
      on="export")
def ctd_02(c: Ctx):
    return ()


@rule("CTD-05", "warning", "documents are exported (validate --export, export dialog)",
      "no heading uses the ICH M4Q(R2) draft numbering (2.3.1-2.3.6, ‘Quality Overview’)",
      "ICH M4Q(R2) Step 2 draft (May 2025): not yet in force", "V", on="export")
def ctd_05(c: Ctx):
    return ()


@rule("CTD-06", "info", "a marketing authorisation is pursued and documents are exported",
      "a checklist of the Module 1 parts the dossier still needs from elsewhere (1.0, 1.2, 1.3.1, 1.4, 1.5.x, 1.7, "
      "1.8.1, 1.8.2, 1.10)", "EU M1 eCTD specification v3.0.4", "K", step="applicant", pursued=MAA, on="export")
def ctd_06(c: Ctx):
    return ()


@rule("CTD-03", "warning", "no drug-substance stability data is given",
      "sections that do not apply (e.g. 3.2.S.6/3.2.S.7 when the drug substance is not stored) are kept with a "
      "‘not applicable’ justification", "Dir. 2001/83/EC Annex I Part IV §1 (justify deviations)", "V",
      step="quality", pursued=DOSSIER)
def ctd_03(c: Ctx):
    if any(r.get("material") == "DS" for r in c.rows("quality.stability_studies")):
        return
    if c.get("manufacturing.ds_isolated") is False or c.get("manufacturing.ds_stored") is False:
        return  # the answers say the substance is not kept: 3.2.S.6/3.2.S.7 carry the justification
    yield ("3.2.S.7", "There is no active-substance stability data: if the active substance is not stored, answer "
                      f"no in {c.label('manufacturing.ds_stored')} so that 3.2.S.6 and 3.2.S.7 keep a "
                      "‘not applicable’ justification; otherwise add active-substance (DS) rows to "
                      f"{c.label('quality.stability_studies')}.", "manufacturing.ds_stored")


@rule("CTD-04", "warning", "the drug substance is made at more than one site",
      "one 3.2.S block per active substance and manufacturer, each title carrying the name",
      "ICH M4Q(R1) 3.2.S", "V", step="manufacturing", pursued=DOSSIER)
def ctd_04(c: Ctx):
    sites = {str(r.get("site")).strip().lower() for r in c.rows("manufacturing.process_steps")
             if r.get("stage") == "DS" and r.get("site")}
    if len(sites) > 1:
        yield ("3.2.S", f"The drug substance steps run at {len(sites)} sites: check whether each manufacturer needs its "
                        "own 3.2.S block (titles carry substance and manufacturer) or explain the split in "
                        f"{c.label('manufacturing.batch_definition')}.", "manufacturing.process_steps")


# ------------------------------------------------------------------------------------------- §8.6
DEVICE = "traceability."


@rule("DEV-01", "error", "the product is a combined ATMP",
      "device description, function, compatibility, conformity evidence and notified-body results (or a statement "
      "that none exist)", "Reg. (EC) No 1394/2007 Art. 6 and 9; Dir. 2001/83/EC Annex I Part IV §3.4.2", "K",
      step="traceability", pursued=DOSSIER)
def dev_01(c: Ctx):
    if not c.yes("product.is_combined"):
        return
    for f in ("device_description", "device_function", "device_compatibility", "device_conformity"):
        if not c.filled(DEVICE + f):
            yield (DEVICE + f, f"A combined ATMP needs {c.label(DEVICE + f)}: fill it in.")
    nb = ("notified_body_name", "notified_body_number", "nb_certificate")
    if not any(c.filled(DEVICE + f) for f in nb):
        yield (DEVICE + "nb_certificate",
               f"Give the notified body's name, number and certificate in {c.label(DEVICE + 'nb_certificate')}, "
               "or state that no notified-body assessment is available.")
    elif c.filled(DEVICE + "notified_body_name") and not c.filled(DEVICE + "notified_body_number"):
        yield (DEVICE + "notified_body_number",
               f"Add the notified body's four-digit number in {c.label(DEVICE + 'notified_body_number')}.")


def _no_nb_result(c: Ctx) -> bool:
    cert = c.text(DEVICE + "nb_certificate")
    return not cert or matches(r"^\s*(none|n/?a|not available|no certificate|pending)", cert)


@rule("DEV-02", "info", "the product is a combined ATMP without a notified-body result",
      "EMA will ask a notified body for an opinion unless the CAT waives it",
      "Reg. (EC) No 1394/2007 Art. 9(3)", "V", step="traceability", pursued=MAA)
def dev_02(c: Ctx):
    if c.yes("product.is_combined") and _no_nb_result(c):
        yield (DEVICE + "nb_certificate",
               "Without a notified-body result, the EMA will ask a notified body to assess the device part (reply "
               f"within {NB_REPLY_MONTHS.value} {NB_REPLY_MONTHS.unit}) unless the CAT decides it is not needed; "
               f"plan for this in the timetable, or give the certificate in {c.label(DEVICE + 'nb_certificate')}.")


@rule("DEV-03", "warning", "the product is a combined ATMP",
      "the device part is a component of the composition (3.2.P.1 refers to the device information in 3.2.R) and "
      "the compatibility data of cells and device are located in a section that has content",
      "EU Notice to Applicants, 3.2.R medical device; Dir. 2001/83/EC Annex I Part IV §3.4.2", "K", step="quality",
      pursued=DOSSIER)
def dev_03(c: Ctx):
    if not c.yes("product.is_combined"):
        return
    if not any(r.get("component_type") in ("device_part", "scaffold") for r in c.rows("quality.dp_composition")):
        yield ("quality.dp_composition",
               f"List the device part of the combined ATMP in {c.label('quality.dp_composition')} with the type "
               "‘device part’ (or ‘scaffold’), so 3.2.P.1 names it and refers to 3.2.R for its conformity.")
    yield from pointed_to(c, DEVICE + "device_compatibility_data", "the compatibility data of cells and device")


@rule("DEV-04", "warning", "the product contains a device that is not an integral part (Art. 7)",
      "physical characteristics, performance and compatibility of the device are described",
      "Dir. 2001/83/EC Annex I Part IV §3.4.1", "K", step="traceability", pursued=DOSSIER)
def dev_04(c: Ctx):
    if not c.yes("product.has_device_non_integral"):
        return
    for f in ("device_description", "device_compatibility"):
        if not c.filled(DEVICE + f):
            yield (DEVICE + f, f"The product comes with a device: fill in {c.label(DEVICE + f)} (physical "
                               "characteristics, performance, interaction with the cells).")


@rule("DEV-05", "error", "the product is a combined ATMP",
      "clinical studies were done on the combined product as a whole",
      "Dir. 2001/83/EC Annex I Part IV §5.1(g)", "K", step="traceability", pursued=MAA)
def dev_05(c: Ctx):
    if c.yes("product.is_combined") and not c.filled(DEVICE + "combined_clinical_studies"):
        yield (DEVICE + "combined_clinical_studies",
               f"Describe the clinical studies done with the combined product as a whole in "
               f"{c.label(DEVICE + 'combined_clinical_studies')}.")


# ------------------------------------------------------------------------------------------- §8.7
@rule("TRC-01", "error", "always",
      "the traceability system covers product, starting and raw materials, from sourcing to the hospital",
      "Reg. (EC) No 1394/2007 Art. 15; Dir. 2001/83/EC Annex I Part IV §3.1", "K", step="traceability", pursued=DOSSIER)
def trc_01(c: Ctx):
    if not c.filled("traceability.traceability_system"):
        yield ("traceability.traceability_system",
               f"Describe the traceability system in {c.label('traceability.traceability_system')}: the product, its "
               "starting and raw materials and everything in contact with the cells, from sourcing to the hospital.")


@rule("TRC-02", "error", "always", f"traceability data are kept at least {TRACEABILITY_RETENTION_YEARS.value} years "
      "after expiry", "Reg. (EC) No 1394/2007 Art. 15(4); EudraLex Vol. 4 Part IV", "V", step="traceability", pursued=DOSSIER)
def trc_02(c: Ctx):
    years = c.get("traceability.retention_years")
    minimum = TRACEABILITY_RETENTION_YEARS.value
    if not isinstance(years, int) or years < minimum:
        shown = "not stated" if years is None else f"{years} years"
        yield ("traceability.retention_years",
               f"Traceability data must be kept at least {minimum} years after the product's expiry (Art. 15); "
               f"{c.label('traceability.retention_years')} is {shown}.")


@rule("LTF-01", "error", "the product is a gene therapy (including genetically modified cells)",
      "a long-term follow-up plan in 1.8.2 with a justified duration",
      "EMEA/CHMP/GTWP/60436/07; Dir. 2001/83/EC Annex I Part IV §5.1(f)", "V", step="traceability", pursued=MAA_CT)
def ltf_01(c: Ctx):
    if not is_gtmp(c):
        return
    for path in ("traceability.ltfu_plan", "traceability.ltfu_duration_years"):
        if not c.filled(path):
            yield (path, "Gene therapies need long-term follow-up (the RMP in 1.8.2; the protocol for a trial): fill "
                         f"in {c.label(path)}.")


@rule("LTF-02", "warning", "the vector integrates or the genome is edited",
      "the RMP lists insertional oncogenesis / clonal expansion as an important risk (as answered in the form) and "
      "the follow-up plan that monitors it is written", "CAT/190186/2012; EMEA/149995/2008", "V",
      step="traceability", pursued=MAA)
def ltf_02(c: Ctx):
    if not (c.yes("product.is_integrating") or c.yes("product.genome_edited")):
        return
    q = "traceability.rmp_insertional_oncogenesis"
    if c.get(q) not in ("identified", "potential"):
        yield (q, "An integrating vector or genome editing makes insertional oncogenesis / clonal expansion an "
                  f"important risk of the RMP: list it in {c.label('traceability.rmp_important_risks')} and answer "
                  f"{c.label(q)}.")
        return
    for path, what in (("traceability.rmp_important_risks", "the RMP's important risks"),
                       ("traceability.ltfu_plan", "how the follow-up monitors it")):
        if not c.filled(path):
            yield (path, f"Insertional oncogenesis is an important risk: write {what} in {c.label(path)}.")


@rule("PRO-01", "error", "the procedure is a conditional marketing authorisation",
      "a 1.5.5 justification and a plan for the specific obligations", "Reg. (EC) No 507/2006; EU M1 1.5.5", "K",
      step="applicant", pursued=MAA)
def pro_01(c: Ctx):
    if "maa_conditional" in procedures(c) and not c.filled("applicant.conditional_justification"):
        yield ("applicant.conditional_justification",
               f"A conditional MA needs the justification of 1.5.5 and the specific obligations: fill in "
               f"{c.label('applicant.conditional_justification')}.")


@rule("PRO-02", "error", "the procedure is an authorisation under exceptional circumstances",
      "a 1.5.4 justification", "Dir. 2001/83/EC Art. 22; EU M1 1.5.4", "K", step="applicant", pursued=MAA)
def pro_02(c: Ctx):
    if "maa_exceptional" in procedures(c) and not c.filled("applicant.exceptional_justification"):
        yield ("applicant.exceptional_justification",
               f"Exceptional circumstances need the justification of 1.5.4: fill in "
               f"{c.label('applicant.exceptional_justification')}.")


def _date(value) -> _dt.date | None:
    try:
        return _dt.date.fromisoformat(str(value))
    except ValueError:
        return None


@rule("PRO-03", "warning", "accelerated assessment is requested",
      f"the request date is recorded at least {AA_REQUEST_LEAD_DAYS.value} days (2-3 months) before submission",
      "EMA accelerated assessment guidance; ATMP timetables (brief S15)", "V", step="applicant", pursued=MAA)
def pro_03(c: Ctx):
    if "maa_accelerated" not in procedures(c):
        return
    req, sub = _date(c.get("applicant.accelerated_request_date")), _date(c.get("applicant.planned_submission_date"))
    if req is None:
        yield ("applicant.accelerated_request_date",
               f"Record when accelerated assessment is (or was) requested in {c.label('applicant.accelerated_request_date')}; "
               "the request goes in 2-3 months before the submission.")
    elif sub is not None and (sub - req).days < AA_REQUEST_LEAD_DAYS.value:
        yield ("applicant.accelerated_request_date",
               f"The accelerated-assessment request is only {(sub - req).days} days before the planned submission; "
               f"plan it 2-3 months ahead and correct {c.label('applicant.accelerated_request_date')}.")


@rule("PRO-04", "error", "the product has an orphan designation",
      "the orphan designation number and the 1.7 similarity / market-exclusivity documents",
      "Reg. (EC) No 141/2000; EU M1 1.7", "K", step="product", pursued=MAA)
def pro_04(c: Ctx):
    if c.yes("product.orphan_designated") and not c.filled("product.orphan_number"):
        yield ("product.orphan_number",
               f"Give the orphan designation number in {c.label('product.orphan_number')}; Module 1.7 (similarity, "
               "market exclusivity) refers to it.")


@rule("PRO-05", "error", "the dossier is a marketing authorisation application",
      "a PIP decision or waiver reference for 1.10", "Reg. (EC) No 1901/2006 Art. 7", "K", step="applicant", pursued=MAA)
def pro_05(c: Ctx):
    if not c.filled("applicant.pip_reference"):
        yield ("applicant.pip_reference",
               f"A marketing authorisation application needs the PIP decision or waiver number (1.10): fill in "
               f"{c.label('applicant.pip_reference')}.")


@rule("SME-01", "warning", "the applicant holds SME status",
      "the SME number and expiry are recorded and the status is valid at the planned submission",
      "Reg. (EU) 2024/568; EMA SME office (SME status valid at submission)", "V", step="applicant")
def sme_01(c: Ctx):
    if not c.yes("applicant.is_sme"):
        return
    for path in ("applicant.sme_number", "applicant.sme_expiry"):
        if not c.filled(path):
            yield (path, f"Record {c.label(path)}; fee reductions need a valid SME status.")
    exp, sub = _date(c.get("applicant.sme_expiry")), _date(c.get("applicant.planned_submission_date"))
    if exp and sub and exp < sub:
        yield ("applicant.sme_expiry",
               f"The SME status expires on {exp.isoformat()}, before the planned submission on {sub.isoformat()}: "
               f"renew it with the EMA SME office first and update {c.label('applicant.sme_expiry')}.")


@rule("SME-02", "info", "an Art. 18 certification of quality / non-clinical data is planned",
      f"the applicant is an SME established in the EU/EEA; Module 3 is mandatory, Module 4 optional; "
      f"{SME_CERTIFICATION_DAYS.value}-day procedure", "Reg. (EC) No 1394/2007 Art. 18; Reg. (EC) No 668/2009",
      "V", step="applicant", pursued=CERT)
def sme_02(c: Ctx):
    if "sme_certification" not in procedures(c):
        return
    gaps = []
    if not c.yes("applicant.is_sme"):
        gaps.append(f"answer yes in {c.label('applicant.is_sme')} (only SMEs can apply)")
    if not c.yes("applicant.established_in_eea"):
        gaps.append(f"confirm {c.label('applicant.established_in_eea')}")
    if gaps:
        yield ("applicant.is_sme", "Certification under Art. 18 is open to SMEs established in the EU/EEA: "
                                   + "; ".join(gaps) + f". Module 3 data is mandatory; the procedure takes "
                                   f"{SME_CERTIFICATION_DAYS.value} days.")


SITES = "manufacturing.sites"


@rule("GMP-01", "error", "for each manufacturing or testing site",
      "EU/EEA sites: manufacturing/import authorisation number, qualified person and GMP certificate date; "
      "third-country sites: GMP certificate date and an EU importer listed among the sites with its "
      "authorisation and QP",
      "Dir. 2001/83/EC Art. 40-41, 51; Reg. (EU) No 536/2014 Art. 61-62; EudraLex Vol. 4 Part IV", "K",
      step="manufacturing", pursued=MAA_CT)
def gmp_01(c: Ctx):
    rows = c.rows(SITES)
    by_name = {" ".join(str(r.get("name") or "").split()).lower(): r for r in rows if r.get("name")}
    for i, r in enumerate(rows):
        name = r.get("name") or i + 1
        needed = ("gmp_certificate_date",) if third_country(r) else \
            ("authorisation_number", "qualified_person", "gmp_certificate_date")
        for col in needed:
            if not r.get(col):
                yield (f"{SITES}[{i}].{col}",
                       f"Site ‘{name}’: add the {c.column_label(SITES, col).lower()} in {c.label(SITES)}.")
        if not third_country(r):
            continue
        importer = by_name.get(" ".join(str(r.get("importer") or "").split()).lower())
        if importer is None or third_country(importer):
            yield (f"{SITES}[{i}].importer",
                   f"Site ‘{name}’ is outside the EU/EEA: name its EU importer, a site of {c.label(SITES)} in the "
                   "EU/EEA whose authorisation and QP cover the import (if the site is in the EU/EEA, answer yes "
                   "in its ‘In the EU/EEA’ column).")


@rule("GMP-02", "warning", "the product is in clinical development",
      "the Product Specification File core content (specification, process steps, batch definition) is complete",
      "EudraLex Vol. 4 Part IV §6 (Product Specification File)", "K", step="manufacturing", pursued=CT)
def gmp_02(c: Ctx):
    missing = [c.label(p) for p in ("quality.dp_specification", "manufacturing.process_steps",
                                    "manufacturing.batch_definition") if not c.filled(p)]
    if missing:
        yield ("manufacturing.process_steps",
               "The Product Specification File for an investigational ATMP draws on " + ", ".join(missing)
               + "; fill them in.")


@rule("GMP-03", "warning", "the product is a GMO",
      "the GMO containment / risk class (Dir. 2009/41/EC) of each site (3.2.A.1)",
      "EudraLex Vol. 4 Part IV §15; Dir. 2009/41/EC", "V", step="manufacturing", pursued=MAA_CT)
def gmp_03(c: Ctx):
    if not is_gmo(c):
        return
    for i, r in enumerate(c.rows(SITES)):
        if not r.get("containment_class"):
            yield (f"{SITES}[{i}].containment_class",
                   f"Site ‘{r.get('name') or i + 1}’ handles a GMO: give its containment class (Dir. 2009/41/EC) in "
                   f"{c.label(SITES)}.")


@rule("GMP-04", "warning", "the product is reconstituted at the clinical site",
      "the reconstitution steps are described (SmPC / IMPD) and validated",
      "EudraLex Vol. 4 Part IV §16", "V", step="manufacturing", pursued=MAA_CT)
def gmp_04(c: Ctx):
    if c.yes("manufacturing.reconstitution_at_site") and not c.filled("manufacturing.reconstitution_description"):
        yield ("manufacturing.reconstitution_description",
               f"Describe and validate the reconstitution done at the clinical site in "
               f"{c.label('manufacturing.reconstitution_description')}.")
