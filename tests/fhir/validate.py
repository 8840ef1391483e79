"""Validates FHIR resources Linkwork wrote against the FHIR models of the
`fhir.resources` package (R4B, the R4 maintenance release: the resources
Linkwork writes are the same in both), failing on anything that does not
parse or breaks an invariant the models check.

    python3 tests/fhir/validate.py FILE.json [...]
"""

import json
import sys

from fhir.resources.R4B import get_fhir_model_class


def validate(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    resource = get_fhir_model_class(data["resourceType"]).model_validate(data)
    kind = resource.__resource_type__
    if kind == "Bundle" and resource.type == "document":
        first = resource.entry[0].resource
        if first.__resource_type__ != "Composition":
            raise ValueError("a document Bundle starts with its Composition")
        urls = {e.fullUrl for e in resource.entry}
        for section in first.section:
            for ref in section.entry or []:
                if ref.reference not in urls:
                    raise ValueError(f"section {section.title!r} refers to {ref.reference}, not in the Bundle")
    if kind == "Bundle" and resource.type == "searchset":
        # Each entry as its own resource type, so nothing is checked only
        # as a generic Resource.
        for entry in data.get("entry", []):
            inner = entry["resource"]
            get_fhir_model_class(inner["resourceType"]).model_validate(inner)
        kind = f"searchset of {len(data.get('entry', []))}"
    return f"{path}: valid {kind}"


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    for path in sys.argv[1:]:
        print(validate(path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
