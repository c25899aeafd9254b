// The schema check can fail: each kind of mistake in a manifest is reported
// (node --test; run by run.sh before the chart is checked).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, writeFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { validateObject, validateStream } from "./schema.mjs";

function deployment() {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "sb", labels: { "app.kubernetes.io/name": "switchboard" } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "sb" } },
      template: {
        metadata: { labels: { app: "sb" } },
        spec: {
          terminationGracePeriodSeconds: 25,
          containers: [
            {
              name: "switchboard",
              image: "switchboard:0.1.0",
              ports: [{ name: "http", containerPort: 8080 }],
              resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: 256 } },
              readinessProbe: { httpGet: { path: "/readyz", port: "http" } },
            },
          ],
        },
      },
    },
  };
}

function serviceMonitor() {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "ServiceMonitor",
    metadata: { name: "sb" },
    spec: { selector: { matchLabels: { app: "sb" } }, endpoints: [{ port: "metrics", interval: "30s" }] },
  };
}

async function problems(obj) {
  return validateObject(obj);
}

function assertReported(found, pattern) {
  assert.ok(found.some((p) => pattern.test(p)), `expected a problem matching ${pattern}, got ${JSON.stringify(found)}`);
}

test("valid manifests pass", async () => {
  assert.deepEqual(await problems(deployment()), []);
  assert.deepEqual(await problems(serviceMonitor()), []);
  assert.deepEqual(await problems({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { "a.yaml": "x: 1" } }), []);
});

test("a misspelled field is reported", async () => {
  const d = deployment();
  d.spec.template.spec.terminationGracePeriodSecond = d.spec.template.spec.terminationGracePeriodSeconds;
  delete d.spec.template.spec.terminationGracePeriodSeconds;
  assert.deepEqual(await problems(d), ["spec.template.spec.terminationGracePeriodSecond: unknown field"]);
});

test("a field at the wrong level is reported", async () => {
  const d = deployment();
  d.spec.template.spec.containers[0].terminationGracePeriodSeconds = 25; // a pod field in the container
  d.spec.template.metadata.replicas = 2; // a Deployment field in the pod template's metadata
  const found = await problems(d);
  assertReported(found, /^spec\.template\.spec\.containers\[0\]\.terminationGracePeriodSeconds: unknown field$/);
  assertReported(found, /^spec\.template\.metadata\.replicas: unknown field$/);
  assert.equal(found.length, 2);
});

test("unknown fields inside CRD objects and deep in lists are reported", async () => {
  const m = serviceMonitor();
  m.spec.endpoints[0].intervall = "30s";
  m.spec.selector.matchLabel = { app: "sb" };
  const found = await problems(m);
  assertReported(found, /^spec\.endpoints\[0\]\.intervall: unknown field$/);
  assertReported(found, /^spec\.selector\.matchLabel: unknown field$/);
});

test("a wrong type is reported", async () => {
  const d = deployment();
  d.spec.replicas = "two";
  d.spec.template.spec.containers[0].ports[0].containerPort = "8080";
  d.spec.template.spec.containers[0].resources.limits.memory = "lots";
  const found = await problems(d);
  assertReported(found, /^spec\.replicas: must be integer/);
  assertReported(found, /^spec\.template\.spec\.containers\[0\]\.ports\[0\]\.containerPort: must be integer/);
  assertReported(found, /^spec\.template\.spec\.containers\[0\]\.resources\.limits\.memory: /);
});

test("a missing required field is reported", async () => {
  const d = deployment();
  delete d.spec.selector;
  delete d.spec.template.spec.containers[0].name;
  const found = await problems(d);
  assertReported(found, /^spec\.selector: required field missing$/);
  assertReported(found, /^spec\.template\.spec\.containers\[0\]\.name: required field missing$/);
  const m = serviceMonitor();
  delete m.spec.endpoints;
  assertReported(await problems(m), /^spec\.endpoints: required field missing$/);
});

test("an unknown kind or apiVersion is an error, not a skip", async () => {
  assertReported(await problems({ ...deployment(), kind: "Deploymnet" }), /unknown kind Deploymnet in apps\/v1/);
  assertReported(await problems({ ...deployment(), apiVersion: "apps/v2" }), /unknown kind Deployment in apps\/v2/);
  assertReported(await problems({ ...serviceMonitor(), kind: "ServiceMonitors" }), /unknown kind ServiceMonitors/);
  assertReported(await problems({ ...deployment(), apiVersion: "example.org/v1" }), /unknown kind Deployment in example\.org\/v1/);
  // A kind that is a type of the API but not an object of its own.
  assertReported(await problems({ apiVersion: "v1", kind: "PodSpec", containers: [] }), /not a top-level object/);
  assertReported(await problems({ ...deployment(), kind: "../v1/Pod" }), /is not a kind name/);
  assertReported(await problems({ kind: "Pod" }), /apiVersion undefined/);
});

test("a beta apiVersion that Kubernetes no longer serves is an error", async () => {
  const pdb = { apiVersion: "policy/v1beta1", kind: "PodDisruptionBudget", metadata: { name: "p" }, spec: { maxUnavailable: 1 } };
  assertReported(await problems(pdb), /policy\/v1beta1 is not a GA API version/);
  assert.deepEqual(await problems({ ...pdb, apiVersion: "policy/v1" }), []);
});

test("YAML is read as kubectl reads it, duplicate keys fail", async () => {
  const text = [
    "---",
    "# Source: switchboard/templates/x.yaml",
    "apiVersion: v1",
    "kind: ServiceAccount",
    "metadata: {name: a}",
    "automountServiceAccountToken: no", // YAML 1.1: a boolean
    "---",
    "# Source: switchboard/templates/y.yaml",
    "apiVersion: v1",
    "kind: ServiceAccount",
    "metadata: {name: b}",
    'automountServiceAccountToken: "no"', // a string
    "---",
    "apiVersion: v1",
    "kind: ConfigMap",
    "metadata: {name: c}",
    "metadata: {name: d}",
    "---",
    "# only a comment",
    "",
  ].join("\n");
  const results = await validateStream(text);
  assert.equal(results.length, 3);
  assert.deepEqual(results[0], { source: "switchboard/templates/x.yaml", name: "ServiceAccount/a", problems: [] });
  assertReported(results[1].problems, /^automountServiceAccountToken: must be boolean/);
  assertReported(results[2].problems, /^YAML: .*(duplicate|unique)/i);
});

test("validate.mjs exits non-zero and counts the failures", async () => {
  const dir = await mkdtemp(join(tmpdir(), "schema-test-"));
  try {
    const good = join(dir, "good.yaml");
    const bad = join(dir, "bad.yaml");
    const empty = join(dir, "empty.yaml");
    await writeFile(good, "---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\n");
    await writeFile(bad, "---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a, labelz: {}}\n");
    await writeFile(empty, "---\n# nothing\n");
    const run = (...files) =>
      new Promise((resolve) => {
        execFile(process.execPath, [fileURLToPath(new URL("./validate.mjs", import.meta.url)), ...files], (err, stdout) =>
          resolve({ code: err ? err.code : 0, stdout }),
        );
      });
    const ok = await run(good);
    assert.equal(ok.code, 0, ok.stdout);
    assert.match(ok.stdout, /^chart schema: 1 passed, 0 failed$/m);
    const failing = await run(good, bad);
    assert.equal(failing.code, 1);
    assert.match(failing.stdout, /FAIL: bad\.yaml: ServiceAccount\/a \(no Source line\): metadata\.labelz: unknown field/);
    assert.match(failing.stdout, /^chart schema: 1 passed, 1 failed$/m);
    const none = await run(empty);
    assert.equal(none.code, 1);
    assert.match(none.stdout, /FAIL: .*empty\.yaml: no document/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
