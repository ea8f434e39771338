"""Pure functions over loaded definitions (plain dicts, exactly as stored in a version).

* :mod:`~yiwang.catalogue.domain.versions`: the content hash that decides whether a loaded file
  is a new version;
* :mod:`~yiwang.catalogue.domain.form_data`: a form's fields, and conditions: evaluating a CEL
  condition against a person's form data;
* :mod:`~yiwang.catalogue.domain.formats`: the formats a field may declare (checked as people
  type them) and answers in their canonical form;
* :mod:`~yiwang.catalogue.domain.required_rules`: fields required only when another answer is
  given (the form's ``dependentRequired`` and ``if``/``then`` rules, standard JSON Schema), and
  the rules gathered for others to apply (:func:`form_rules`);
* :mod:`~yiwang.catalogue.domain.process`: which stage waits for which, in what order stages
  run, the longest chain; and what applies to one application: the steps and materials whose
  conditions hold;
* :mod:`~yiwang.catalogue.domain.bundles`: the merged form and material list of a 一件事
  (:func:`merge_bundle`), with what each service requires and when each material is needed.

Nothing here reads the database, so the application side can call these with the versions it
keeps for a case. Import from here, not from the submodules.
"""

from __future__ import annotations

from yiwang.catalogue.domain.bundles import (
    BundleForm,
    BundleService,
    Conflict,
    MaterialUse,
    MergeConflictError,
    MergedField,
    MergedMaterial,
    MergedPage,
    ServiceRules,
    field_difference,
    merge_bundle,
)
from yiwang.catalogue.domain.form_data import (
    condition_applies,
    condition_holds,
    form_fields,
    json_pointer,
    sample_form_data,
    typed_form_data,
)
from yiwang.catalogue.domain.formats import (
    form_format_checker,
    normalise_answer,
    normalise_bank_account,
)
from yiwang.catalogue.domain.process import (
    MaterialNeed,
    find_cycle,
    longest_chain,
    materials_needed,
    stage_days,
    stage_layers,
    stage_predecessors,
    stages,
    steps_applying,
)
from yiwang.catalogue.domain.required_rules import (
    FormRules,
    conditionally_required,
    form_rules,
    if_fields,
    rule_fields,
    sometimes_required,
)
from yiwang.catalogue.domain.versions import Definition, canonical_json, content_hash

__all__ = [
    "BundleForm",
    "BundleService",
    "Conflict",
    "Definition",
    "FormRules",
    "MaterialNeed",
    "MaterialUse",
    "MergeConflictError",
    "MergedField",
    "MergedMaterial",
    "MergedPage",
    "ServiceRules",
    "canonical_json",
    "condition_applies",
    "condition_holds",
    "conditionally_required",
    "content_hash",
    "field_difference",
    "find_cycle",
    "form_fields",
    "form_format_checker",
    "form_rules",
    "if_fields",
    "json_pointer",
    "longest_chain",
    "materials_needed",
    "merge_bundle",
    "normalise_answer",
    "normalise_bank_account",
    "rule_fields",
    "sample_form_data",
    "sometimes_required",
    "stage_days",
    "stage_layers",
    "stage_predecessors",
    "stages",
    "steps_applying",
    "typed_form_data",
]
