#!/usr/bin/python3
"""api_contract.py: hold docs/api.yaml and the web UI's strings against the
routes table and the error registry of the program.

usage: api_contract.py ROUTES.json ERRORS.json API.yaml RO.json EN.json

Checks (each failure is one line on stdout; exit 1 when any):
  - every route row is complete (no "incomplete" mark);
  - every row is an operation of api.yaml, and every api.yaml operation
    is a row (docs never describe a route that does not exist);
  - the operation's x-pecete-auth equals the row's auth level;
  - a JSON body's schema in api.yaml has exactly the row's members, with
    the same types and the same required list (nested objects too);
  - the ErrorCode enum of api.yaml equals the registry's codes;
  - every code has err.<code> in both web/i18n files.
"""
import json
import re
import sys

import yaml


def openapi_path(pattern):
    p = re.sub(r":([a-z_]+)", r"{\1}", pattern)
    if p.endswith("/*"):
        p = p[:-1] + "{rest}"
    return p


def resolve(doc, node):
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        cur = doc
        for part in ref[2:].split("/"):
            cur = cur[part]
        node = cur
    return node


def compare_schema(doc, where, want, have, errs):
    have = resolve(doc, have) or {}
    props = {k: resolve(doc, v) for k, v in (have.get("properties") or {}).items()}
    req = set(have.get("required") or [])
    if set(props) != set(want):
        errs.append("%s: members differ: api.yaml %s, table %s" %
                    (where, sorted(props), sorted(want)))
        return
    for name, f in want.items():
        t = props[name].get("type")
        if t != f["type"]:
            errs.append("%s.%s: type %s in api.yaml, %s in the table" %
                        (where, name, t, f["type"]))
        if (name in req) != f["required"]:
            errs.append("%s.%s: required %s in api.yaml, %s in the table" %
                        (where, name, name in req, f["required"]))
        if f["type"] == "object":
            compare_schema(doc, where + "." + name, f.get("fields", {}),
                           props[name], errs)


def main():
    routes = json.load(open(sys.argv[1]))
    errors = json.load(open(sys.argv[2]))
    doc = yaml.safe_load(open(sys.argv[3]))
    i18n = {lang: json.load(open(p)) for lang, p in (("ro", sys.argv[4]),
                                                      ("en", sys.argv[5]))}
    errs = []
    seen = set()
    paths = doc.get("paths") or {}
    for r in routes:
        where = "%s %s" % (r["method"], r["pattern"])
        if "incomplete" in r:
            errs.append("%s: incomplete row: %s" % (where, r["incomplete"]))
        p = openapi_path(r["pattern"])
        op = (paths.get(p) or {}).get(r["method"].lower())
        if op is None:
            errs.append("%s: not in docs/api.yaml (as %s %s)" %
                        (where, r["method"].lower(), p))
            continue
        seen.add((r["method"].lower(), p))
        if op.get("x-pecete-auth") != r["auth"]:
            errs.append("%s: x-pecete-auth is %r, the row says %r" %
                        (where, op.get("x-pecete-auth"), r["auth"]))
        if r["body"] == "json":
            rb = (((op.get("requestBody") or {}).get("content") or {})
                  .get("application/json") or {}).get("schema")
            if r["schema"] and rb is None:
                errs.append("%s: the body's schema is not in api.yaml" %
                            where)
            elif rb is not None:
                compare_schema(doc, where, r["schema"], rb, errs)
    for p, ops in paths.items():
        for m in ops:
            if m in ("get", "post", "put", "patch", "delete") and \
                    (m, p) not in seen:
                errs.append("api.yaml %s %s: no such route" % (m, p))
    codes = [e["code"] for e in errors]
    enum = (((doc.get("components") or {}).get("schemas") or {})
            .get("ErrorCode") or {}).get("enum")
    if enum is None:
        errs.append("api.yaml: components.schemas.ErrorCode.enum missing")
    elif set(enum) != set(codes):
        errs.append("api.yaml ErrorCode: missing %s, unknown %s" %
                    (sorted(set(codes) - set(enum)),
                     sorted(set(enum) - set(codes))))
    for lang, strings in i18n.items():
        missing = [c for c in codes if "err." + c not in strings]
        if missing:
            errs.append("web/i18n/%s.json: no err.%s" %
                        (lang, ", err.".join(missing)))
    for e in errs:
        print(e)
    print("# %d routes, %d codes: %d problems" % (len(routes), len(codes),
                                                    len(errs)))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
