#!/usr/bin/env python3
"""Validates a catalog.json written by gen-dashboards against the JSON schema beside it (draft 2020-12), with the
`jsonschema` package: the schema itself is checked first, then the document. Prints each violation and exits 1.

    python3 scripts/check_catalog.py DIR/docs/catalog.json
"""
import json
import os
import sys

import jsonschema


def main(path):
    with open(path) as f:
        doc = json.load(f)
    schema_path = os.path.join(os.path.dirname(path), doc.get("$schema", "catalog.schema.json"))
    with open(schema_path) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
    for e in errors:
        print(f"{path}: {'/'.join(map(str, e.path)) or '(root)'}: {e.message}")
    return 1 if errors else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
