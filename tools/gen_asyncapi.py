"""Writes the WebSocket requests of docs/asyncapi.yaml and the request table
of docs/protocol.md from the server's request table (server/proto/requests.def).

The table comes from the compiled server: tests/unit/reqtab_dump.c prints it
as JSON (type, kind, need, who, idempotency, fields with type and required).
tools/asyncapi_requests.yaml adds what the table does not hold: each
request's summary, its fields' documented schemas and examples. The rest of
docs/asyncapi.yaml (info, channel bindings, replies, events) is written by
hand and kept as it is.

    /usr/bin/python3 tools/gen_asyncapi.py --dump build/debug/tests/reqtab_dump
        rewrites docs/asyncapi.yaml and docs/protocol.md's generated block;
    ... --check
        writes nothing, exits 1 if either differs from what it would write
        (the ctest test docs.requests_generated).

It refuses, naming the request, a field documented that the table does not
have, a field of the table left undocumented, or a documented type that is
not the table's: the documentation cannot drift from what the server
decodes."""
import argparse
import json
import os
import re
import subprocess
import sys

import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
ASYNCAPI = os.path.join(ROOT, "docs", "asyncapi.yaml")
PROTOCOL = os.path.join(ROOT, "docs", "protocol.md")
SIDE = os.path.join(ROOT, "tools", "asyncapi_requests.yaml")
HEADER = ("# The plenum.v1 protocol, machine-readable. Validated by tests/integration/test_docs.py\n"
          "# with the official AsyncAPI parser; docs/protocol.md is the prose version.\n"
          "# The requests are generated from server/proto/requests.def by tools/gen_asyncapi.py:\n"
          "# edit tools/asyncapi_requests.yaml (or the table), not them.\n")
BEGIN = "<!-- BEGIN requests: generated from server/proto/requests.def by tools/gen_asyncapi.py -->"
END = "<!-- END requests -->"
# The JSON Schema types a table field type may be documented as.
SCHEMA_TYPES = {"string": {"string"}, "integer": {"integer"}, "boolean": {"boolean"},
                "object": {"object"}, "array": {"array"}, "choice": {"string", "object", None}}


class Dumper(yaml.SafeDumper):
    """Writes every value where it is used (no &anchors): readable, and the
    same output whichever objects the input happened to share."""

    def ignore_aliases(self, data):
        return True


def _str(dumper, s):
    # A string of digits ("0912345678") is quoted: PyYAML reads it back as a
    # string, a YAML 1.2 reader (the AsyncAPI parser) would read a number.
    style = "'" if re.fullmatch(r"[-+]?[0-9][0-9_.eE+-]*", s) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", s, style=style)


Dumper.add_representer(str, _str)


def camel(t):
    return "".join(p.capitalize() for p in t.replace(".", "_").split("_"))


def fail(msg):
    sys.exit(f"gen_asyncapi: {msg}")


def message(req, doc):
    """The AsyncAPI message of one request: names, required fields and types
    from the table, the rest from its documentation."""
    t = req["type"]
    fields = doc.get("fields") or {}
    table = [f["name"] for f in req["fields"]]
    for name in fields:
        if name not in table:
            fail(f"{t}: field {name} is documented but the table has no such field")
    props = {"type": {"type": "string", "const": t},
             "id": {"$ref": "#/components/schemas/RequestId"}}
    if req["idem"] == "key":
        props["key"] = {"$ref": "#/components/schemas/IdempotencyKey"}
    required = ["type", "id"]
    for f in req["fields"]:
        sch = fields.get(f["name"])
        if sch is None:
            fail(f"{t}: field {f['name']} of the table is not documented")
        if sch.get("type") not in SCHEMA_TYPES[f["type"]]:
            fail(f"{t}: field {f['name']} is documented as {sch.get('type')}, the table says {f['type']}")
        limit = sch.get("maxLength" if f["type"] == "string" else "maxItems")
        if "max" in f and limit is not None and limit > f["max"]:
            fail(f"{t}: field {f['name']} documents a limit of {limit}, over the table's {f['max']}")
        props[f["name"]] = sch
        if f["required"]:
            required.append(f["name"])
    return {"messageId": t, "name": t, "title": t, "summary": doc["summary"],
            "x-who": req["who"], "x-signed-in": req["need"] != "none",
            "x-retry": {"key": "idempotency key", "ballot": "the ballot itself",
                        "none": "none"}[req["idem"]],
            "payload": {"type": "object", "additionalProperties": False, "required": required,
                        "properties": props},
            "examples": doc["examples"]}


def asyncapi_text(table, side, current):
    msgs = current["components"]["messages"]
    publish = current["channels"]["/ws"]["publish"]["message"]
    old = [r["$ref"].split("/")[-1] for r in publish["oneOf"]]
    new = {camel(r["type"]): message(r, side[r["type"]]) for r in table}
    # The requests where they stood among the messages; new ones after the
    # last; the replies and events written by hand stay as they are.
    out, placed = {}, False
    last = max((i for i, k in enumerate(msgs) if k in old), default=-1)
    for i, (k, v) in enumerate(msgs.items()):
        if k in old:
            if k in new:
                out[k] = new[k]
        else:
            out[k] = v
        if i == last:
            for nk, nv in new.items():
                out.setdefault(nk, nv)
            placed = True
    if not placed:
        out.update(new)
    current["components"]["messages"] = out
    publish["oneOf"] = [{"$ref": f"#/components/messages/{k}"} for k in new]
    return HEADER + yaml.dump(current, Dumper=Dumper, sort_keys=False, allow_unicode=True,
                              width=100)


def protocol_text(table, text):
    if BEGIN not in text or END not in text:
        fail(f"docs/protocol.md has no {BEGIN} ... {END} block")
    rows = ["| request | who may send it | signed in | retried safely by | fields (`?`: optional) |",
            "|---|---|---|---|---|"]
    for r in table:
        fields = ", ".join(f"`{f['name']}`" + ("" if f["required"] else "?") for f in r["fields"])
        retry = {"key": "`key`", "ballot": "the ballot", "none": ""}[r["idem"]]
        rows.append(f"| `{r['type']}` | {r['who']} | {'yes' if r['need'] != 'none' else 'no'} "
                    f"| {retry} | {fields} |")
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    return head + BEGIN + "\n" + "\n".join(rows) + "\n" + END + tail


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dump", required=True, help="the reqtab_dump program (or its JSON output)")
    ap.add_argument("--check", action="store_true", help="compare, write nothing")
    a = ap.parse_args()
    if a.dump.endswith(".json"):
        with open(a.dump, encoding="utf-8") as f:
            table = json.load(f)
    else:
        table = json.loads(subprocess.run([a.dump], check=True, stdout=subprocess.PIPE).stdout)
    with open(SIDE, encoding="utf-8") as f:
        side = yaml.safe_load(f)
    types = [r["type"] for r in table]
    for t in types:
        if t not in side:
            fail(f"{t} is in the table but not documented in tools/asyncapi_requests.yaml")
    for t in side:
        if t not in types:
            fail(f"{t} is documented in tools/asyncapi_requests.yaml but not in the table")
    with open(ASYNCAPI, encoding="utf-8") as f:
        old_yaml = f.read()
    with open(PROTOCOL, encoding="utf-8") as f:
        old_md = f.read()
    new_yaml = asyncapi_text(table, side, yaml.safe_load(old_yaml))
    new_md = protocol_text(table, old_md)
    stale = [p for p, old, new in ((ASYNCAPI, old_yaml, new_yaml), (PROTOCOL, old_md, new_md))
             if old != new]
    if a.check:
        for p in stale:
            print(f"gen_asyncapi: {os.path.relpath(p, ROOT)} is not what the request table "
                  f"generates; run tools/gen_asyncapi.py --dump <reqtab_dump> and commit it",
                  file=sys.stderr)
        return 1 if stale else 0
    for p, text in ((ASYNCAPI, new_yaml), (PROTOCOL, new_md)):
        if p in stale:
            with open(p, "w", encoding="utf-8") as f:
                f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
