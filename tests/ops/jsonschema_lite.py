#!/usr/bin/env python3
"""A tiny JSON Schema (draft 2020-12) validator for the subset that
docs/json-schema/*.json use -- python3's standard library has none.

Supported keywords: type, const, enum, required, properties,
additionalProperties (false or a schema), items, minItems, uniqueItems,
contains, minimum, minLength, pattern, $ref (to "#/..." only), allOf,
if/then/else, not.  Any other keyword in a schema is an error, so the
schemas cannot silently use something this file does not check.

Usage:
  jsonschema_lite.py SCHEMA FILE         FILE holds one JSON document
  jsonschema_lite.py --lines SCHEMA FILE every non-empty line is a document
Exit 0 if every document is valid; 1 with one message per problem.
"""
import json
import re
import sys

KNOWN = {
    "$schema", "$id", "$defs", "title", "description", "type", "const",
    "enum", "required", "properties", "additionalProperties", "items",
    "minItems", "uniqueItems", "contains", "minimum", "minLength", "pattern",
    "$ref", "allOf", "if", "then", "else", "not",
}

TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


class Validator:
    def __init__(self, root):
        self.root = root

    def resolve(self, ref):
        if not ref.startswith("#/"):
            raise ValueError("only local $ref supported: %s" % ref)
        node = self.root
        for part in ref[2:].split("/"):
            node = node[part]
        return node

    def errors(self, schema, value, path="$"):
        """Yields (path, message) for every violation."""
        if schema is True:
            return
        if schema is False:
            yield path, "no value allowed here"
            return
        unknown = set(schema) - KNOWN
        if unknown:
            raise ValueError("unsupported keywords %s" % sorted(unknown))
        if "$ref" in schema:
            yield from self.errors(self.resolve(schema["$ref"]), value, path)
        if "type" in schema:
            types = schema["type"]
            types = [types] if isinstance(types, str) else types
            if not any(TYPES[t](value) for t in types):
                yield path, "expected %s, got %s" % ("/".join(types),
                                                     json.dumps(value)[:60])
                return
        if "const" in schema and value != schema["const"]:
            yield path, "expected %s, got %s" % (json.dumps(schema["const"]),
                                                 json.dumps(value)[:60])
        if "enum" in schema and value not in schema["enum"]:
            yield path, "%s not one of %s" % (json.dumps(value)[:60],
                                              schema["enum"])
        if isinstance(value, dict):
            for k in schema.get("required", []):
                if k not in value:
                    yield path, "missing member '%s'" % k
            props = schema.get("properties", {})
            for k, v in value.items():
                if k in props:
                    yield from self.errors(props[k], v, "%s.%s" % (path, k))
                elif "additionalProperties" in schema:
                    ap = schema["additionalProperties"]
                    if ap is False:
                        yield path, "member '%s' is not in the schema" % k
                    else:
                        yield from self.errors(ap, v, "%s.%s" % (path, k))
        if isinstance(value, list):
            if "minItems" in schema and len(value) < schema["minItems"]:
                yield path, "fewer than %d items" % schema["minItems"]
            if schema.get("uniqueItems"):
                seen = [json.dumps(v, sort_keys=True) for v in value]
                if len(seen) != len(set(seen)):
                    yield path, "items are not unique"
            if "items" in schema:
                for i, v in enumerate(value):
                    yield from self.errors(schema["items"], v,
                                           "%s[%d]" % (path, i))
            if "contains" in schema:
                if not any(not list(self.errors(schema["contains"], v))
                           for v in value):
                    yield path, "no item matches 'contains'"
        if isinstance(value, str):
            if "minLength" in schema and len(value) < schema["minLength"]:
                yield path, "shorter than %d" % schema["minLength"]
            if "pattern" in schema and not re.search(schema["pattern"], value):
                yield path, "%s does not match /%s/" % (json.dumps(value),
                                                        schema["pattern"])
        if TYPES["number"](value) and "minimum" in schema:
            if value < schema["minimum"]:
                yield path, "%s < minimum %s" % (value, schema["minimum"])
        for sub in schema.get("allOf", []):
            yield from self.errors(sub, value, path)
        if "not" in schema and not list(self.errors(schema["not"], value)):
            yield path, "matches a 'not' schema"
        if "if" in schema:
            if not list(self.errors(schema["if"], value)):
                if "then" in schema:
                    yield from self.errors(schema["then"], value, path)
            elif "else" in schema:
                yield from self.errors(schema["else"], value, path)


def main(argv):
    lines = False
    if argv and argv[0] == "--lines":
        lines = True
        argv = argv[1:]
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[0]) as f:
        schema = json.load(f)
    v = Validator(schema)
    with open(argv[1], encoding="utf-8", errors="strict") as f:
        text = f.read()
    docs = []
    if lines:
        for n, line in enumerate(text.split("\n"), 1):
            if line.strip():
                docs.append(("line %d" % n, line))
    else:
        docs.append(("document", text))
    bad = 0
    for where, src in docs:
        try:
            doc = json.loads(src)
        except ValueError as e:
            print("%s: not JSON: %s: %s" % (where, e, src[:80]))
            bad += 1
            continue
        for p, msg in v.errors(schema, doc):
            print("%s: %s: %s" % (where, p, msg))
            bad += 1
    if lines and not docs:
        print("no JSON lines at all")
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
