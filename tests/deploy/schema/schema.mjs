// Validation of rendered Kubernetes manifests against the OpenAPI schemas
// shipped by the npm kubernetes-models packages (Kubernetes 1.27.1,
// kubernetes-models 4.3.1) and the Prometheus Operator CRDs
// (@kubernetes-models/prometheus-operator 4.0.0: operator v0.57.0).
//
// A document is checked in four steps:
//   1. its apiVersion and kind pick a model class; a pair without a model is
//      an error, never a skip (a typo in kind or apiVersion must fail), and a
//      built-in kind must use a GA apiVersion (the models also ship beta
//      versions that Kubernetes has stopped serving, such as policy/v1beta1);
//   2. the model's validate(): Ajv with the model's schema (types, enums,
//      formats, required fields);
//   3. unknown fields: the schemas do not set additionalProperties: false,
//      so validate() accepts any extra key (a misspelled
//      terminationGracePeriodSecond, a field one level off). The API server
//      drops or, with strict field validation, rejects them, so this walks the
//      object against the same schemas and reports every key that its
//      object schema does not declare;
//   4. YAML is read as Helm and kubectl read it (YAML 1.1 scalars: `yes`,
//      `on` are booleans), and a duplicate key is an error.
//
// The schemas are the ones validate() compiles: Ajv.prototype.addSchema is
// wrapped below to record each schema under its id as the models register
// it (kubernetes-models 4.3.x registers plain JSON schemas; 4.4 and later
// ship precompiled validators without them, so this pins 4.3.1).

import Ajv from "ajv";
import { parseAllDocuments } from "yaml";

const schemas = new Map();
const addSchema = Ajv.prototype.addSchema;
Ajv.prototype.addSchema = function (schema, key, ...rest) {
  if (typeof key === "string" && schema && typeof schema === "object" && !Array.isArray(schema)) {
    schemas.set(key, schema);
  }
  return addSchema.call(this, schema, key, ...rest);
};

// Packages by API group; every other group is looked up in kubernetes-models.
const crdPackages = {
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
};

function splitApiVersion(apiVersion) {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? { group: "", version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

const modelCache = new Map();

// loadModel returns the model class for apiVersion/kind, or a string saying
// why there is none.
export async function loadModel(apiVersion, kind) {
  if (typeof apiVersion !== "string" || !/^([a-z0-9.-]+\/)?v[0-9]+[a-z0-9]*$/.test(apiVersion)) {
    return `apiVersion ${JSON.stringify(apiVersion)} is not of the form [group/]version`;
  }
  if (typeof kind !== "string" || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) {
    return `kind ${JSON.stringify(kind)} is not a kind name`;
  }
  const key = `${apiVersion} ${kind}`;
  if (!modelCache.has(key)) {
    modelCache.set(key, importModel(apiVersion, kind));
  }
  return modelCache.get(key);
}

async function importModel(apiVersion, kind) {
  const { group, version } = splitApiVersion(apiVersion);
  const pkg = crdPackages[group] ?? "kubernetes-models";
  const specifier = `${pkg}/${group ? group + "/" : ""}${version}/${kind}`;
  let mod;
  try {
    mod = await import(specifier);
  } catch (err) {
    if (err.code === "ERR_PACKAGE_PATH_NOT_EXPORTED" || err.code === "ERR_MODULE_NOT_FOUND") {
      return `unknown kind ${kind} in ${apiVersion}: no model ${specifier}`;
    }
    throw err;
  }
  const cls = mod[kind];
  if (typeof cls !== "function" || cls.apiVersion !== apiVersion || cls.kind !== kind) {
    return `unknown kind ${kind} in ${apiVersion}: ${specifier} is not a top-level object`;
  }
  if (!crdPackages[group] && !/^v[0-9]+$/.test(version)) {
    return `${apiVersion} is not a GA API version (Kubernetes stops serving beta and alpha versions): use the v1 API of ${kind}`;
  }
  const idSymbol = Object.getOwnPropertySymbols(cls.prototype).find((s) => s.description === "SCHEMA_ID");
  if (!idSymbol || typeof cls.prototype[idSymbol] !== "string") {
    throw new Error(`${specifier}: no schema id on the model (kubernetes-models internals changed? see schema.mjs)`);
  }
  return { cls, schemaId: cls.prototype[idSymbol] };
}

// "/spec/template/0" -> "spec.template[0]"
function displayPath(parts) {
  let out = "";
  for (const p of parts) {
    if (typeof p === "number") out += `[${p}]`;
    else out += (out ? "." : "") + p;
  }
  return out || "(document)";
}

function ajvPath(instancePath) {
  if (!instancePath) return [];
  return instancePath
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^[0-9]+$/.test(s) ? Number(s) : s));
}

function ajvMessage(err) {
  const where = displayPath(ajvPath(err.instancePath));
  switch (err.keyword) {
    case "required":
      return `${displayPath([...ajvPath(err.instancePath), err.params.missingProperty])}: required field missing`;
    case "enum":
      return `${where}: must be one of ${err.params.allowedValues.map((v) => JSON.stringify(v)).join(", ")}, not ${JSON.stringify(err.data)}`;
    case "type":
      return `${where}: must be ${err.params.type}, not ${JSON.stringify(err.data)}`;
    default:
      return `${where}: ${err.message}${err.data !== undefined && typeof err.data !== "object" ? ` (${JSON.stringify(err.data)})` : ""}`;
  }
}

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

function resolve(schema) {
  const seen = new Set();
  while (schema && typeof schema.$ref === "string") {
    const id = schema.$ref.replace(/#$/, "");
    if (seen.has(id)) break;
    seen.add(id);
    const target = schemas.get(id);
    if (!target) throw new Error(`schema ${id} was not registered by the models`);
    schema = target;
  }
  return schema;
}

// flatten merges allOf into one schema; $refs are resolved.
function flatten(schema) {
  schema = resolve(schema);
  if (!schema || !Array.isArray(schema.allOf)) return schema;
  const out = { ...schema, properties: { ...(schema.properties || {}) } };
  delete out.allOf;
  for (const sub of schema.allOf.map(flatten)) {
    Object.assign(out.properties, sub.properties || {});
    for (const k of ["type", "items", "additionalProperties", "oneOf", "anyOf"]) {
      if (out[k] === undefined && sub[k] !== undefined) out[k] = sub[k];
    }
  }
  return out;
}

function fits(schema, value) {
  if (schema.type === "null") return value === null;
  if (Array.isArray(value)) return schema.type === "array" || schema.items !== undefined;
  if (isObject(value)) {
    return schema.type === "object" || schema.properties !== undefined || schema.additionalProperties !== undefined ||
      Array.isArray(schema.oneOf) || Array.isArray(schema.anyOf) || Array.isArray(schema.allOf);
  }
  return false;
}

// unknownFields appends "path: unknown field" for every key of value that
// its schema does not declare.
export function unknownFields(value, schema, path = [], out = []) {
  if (value === null || typeof value !== "object" || !schema) return out;
  schema = flatten(schema);
  const branches = schema.oneOf || schema.anyOf;
  if (Array.isArray(branches)) {
    const candidates = branches.map(flatten).filter((b) => b && fits(b, value));
    if (candidates.length === 1) return unknownFields(value, candidates[0], path, out);
    if (candidates.length > 1) {
      // The branch the value fits best: the fewest unknown fields.
      let best = null;
      for (const c of candidates) {
        const found = unknownFields(value, c, path, []);
        if (best === null || found.length < best.length) best = found;
      }
      out.push(...best);
      return out;
    }
    if (!schema.properties && !schema.items && !schema.additionalProperties) return out;
  }
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((item, i) => unknownFields(item, schema.items, [...path, i], out));
    return out;
  }
  const props = schema.properties;
  const extra = schema.additionalProperties;
  for (const [key, child] of Object.entries(value)) {
    if (props && Object.hasOwn(props, key)) {
      unknownFields(child, props[key], [...path, key], out);
    } else if (isObject(extra)) {
      unknownFields(child, extra, [...path, key], out);
    } else if (props && extra !== true) {
      out.push(`${displayPath([...path, key])}: unknown field`);
    }
    // No properties and no additionalProperties: a free-form object
    // (RawExtension, a CRD's embedded object): anything goes.
  }
  return out;
}

// validateObject returns the problems of one parsed manifest.
export async function validateObject(obj) {
  if (!isObject(obj)) return ["the document is not a mapping"];
  const model = await loadModel(obj.apiVersion, obj.kind);
  if (typeof model === "string") return [model];
  const problems = [];
  try {
    new model.cls(obj).validate();
  } catch (err) {
    if (!Array.isArray(err.errors)) throw err;
    problems.push(...err.errors.map(ajvMessage));
  }
  problems.push(...unknownFields(obj, { $ref: model.schemaId }));
  return [...new Set(problems)];
}

// parseStream reads a YAML stream as Helm and kubectl do (YAML 1.1); each
// non-empty document is returned with its "# Source:" line and parse errors.
export function parseStream(text) {
  const out = [];
  for (const doc of parseAllDocuments(text, { version: "1.1", uniqueKeys: true, prettyErrors: true })) {
    const comments = `${doc.commentBefore ?? ""}\n${doc.contents?.commentBefore ?? ""}`;
    const source = /Source: (\S+)/.exec(comments)?.[1] ?? "";
    const errors = [...doc.errors, ...doc.warnings].map((e) => e.message.split("\n")[0]);
    const obj = errors.length ? undefined : doc.toJS({ maxAliasCount: 100 });
    if (obj == null && errors.length === 0) continue; // blank or comments only: Helm drops it too
    out.push({ source, errors, obj });
  }
  return out;
}

// validateStream validates every document of a YAML stream.
export async function validateStream(text) {
  const results = [];
  for (const doc of parseStream(text)) {
    const problems = doc.errors.length ? doc.errors.map((e) => `YAML: ${e}`) : await validateObject(doc.obj);
    const o = isObject(doc.obj) ? doc.obj : {};
    const name = `${o.kind ?? "?"}/${o.metadata?.name ?? "?"}`;
    results.push({ source: doc.source, name, problems });
  }
  return results;
}
