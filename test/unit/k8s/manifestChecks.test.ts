import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { applyEdits } from '../../../src/core/dockerfile/edits';
import { MANIFEST_CHECKS, checkManifests, type ManifestFinding } from '../../../src/core/k8s/manifestChecks';

/** A Deployment with one container whose body (lines after `- name: web`, 10 spaces deep) is given. */
function deployment(containerBody: string, extra: { replicas?: number; kind?: string; name?: string } = {}): string {
  const replicas = extra.replicas === undefined ? '' : `  replicas: ${extra.replicas}\n`;
  return `apiVersion: apps/v1
kind: ${extra.kind ?? 'Deployment'}
metadata:
  name: ${extra.name ?? 'web'}
spec:
${replicas}  selector:
    matchLabels:
      app: ${extra.name ?? 'web'}
  template:
    metadata:
      labels:
        app: ${extra.name ?? 'web'}
    spec:
      containers:
        - name: web
${containerBody}`;
}

const READY = `          image: registry.example.test/web:1.4.2
          ports:
            - name: http
              containerPort: 8080
          resources:
            requests:
              cpu: 250m
              memory: 256Mi
            limits:
              memory: 256Mi
          readinessProbe:
            httpGet:
              path: /ready
              port: http
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
`;

const BARE = `          image: registry.example.test/web:1.4.2
          ports:
            - containerPort: 8080
`;

function codes(findings: readonly ManifestFinding[]): string[] {
  return findings.map((f) => f.code);
}

function only(findings: readonly ManifestFinding[], code: string): ManifestFinding {
  const matching = findings.filter((f) => f.code === code);
  assert.equal(matching.length, 1, `one ${code} expected, got ${JSON.stringify(codes(findings))}`);
  const [finding] = matching;
  assert.ok(finding);
  return finding;
}

/** Applies a finding's first fix, checks that the result is valid YAML, and returns it. */
function applyFirstFix(text: string, finding: ManifestFinding): string {
  const [fix] = finding.fixes;
  assert.ok(fix, `${finding.code} should offer a fix`);
  const out = applyEdits(text, fix.edits);
  for (const doc of parseAllDocuments(out)) assert.deepEqual(doc.errors.map((e) => e.message), [], out);
  return out;
}

function textAt(text: string, finding: ManifestFinding): string {
  const lines = text.split('\n');
  assert.equal(finding.range.start.line, finding.range.end.line);
  return (lines[finding.range.start.line] ?? '').slice(finding.range.start.col, finding.range.end.col);
}

describe('checkManifests: a container that is ready for production', () => {
  it('has no findings', () => {
    assert.deepEqual(codes(checkManifests(deployment(READY, { replicas: 1 }))), []);
  });

  it('lists every check once, with stable codes in order', () => {
    assert.deepEqual(MANIFEST_CHECKS.map((c) => c.code), ['BK100', 'BK101', 'BK102', 'BK103', 'BK104', 'BK105', 'BK106', 'BK107']);
  });
});

describe('BK101/BK102: resources', () => {
  it('reports missing requests and memory limit on the container name entry', () => {
    const text = deployment(BARE);
    const findings = checkManifests(text);
    const requests = only(findings, 'BK101');
    const limit = only(findings, 'BK102');
    assert.equal(textAt(text, requests), 'name: web');
    assert.deepEqual(requests.range, limit.range);
    assert.equal(requests.severity, 'warning');
    assert.match(requests.message, /Container "web" has no CPU or memory request/);
    assert.deepEqual(requests.path, ['spec', 'template', 'spec', 'containers', 0, 'name']);
    assert.deepEqual(requests.object, { kind: 'Deployment', name: 'web', namespace: undefined });
  });

  it('counts a limit as the request Kubernetes copies from it', () => {
    const text = deployment(`          image: app:1.0
          resources:
            limits:
              cpu: 500m
              memory: 512Mi
`);
    const found = codes(checkManifests(text));
    assert.ok(!found.includes('BK101'), found.join());
    assert.ok(!found.includes('BK102'), found.join());
  });

  it('names the one request that is missing', () => {
    const text = deployment(`          image: app:1.0
          resources:
            requests:
              cpu: 100m
            limits:
              cpu: 200m
`);
    const findings = checkManifests(text);
    assert.match(only(findings, 'BK101').message, /has no memory request/);
    assert.match(only(findings, 'BK102').message, /no memory limit/);
  });

  it('fills in requests and a memory limit where resources is missing, and both findings go', () => {
    const text = deployment(BARE);
    const finding = only(checkManifests(text), 'BK101');
    const fixed = applyFirstFix(text, finding);
    assert.ok(fixed.includes(`          resources:
            requests:
              cpu: 100m # TODO measure: typical use (kubectl top pod)
              memory: 128Mi # TODO measure: typical use
            limits:
              memory: 128Mi # TODO measure: above the peak; a CPU limit is optional
`), fixed);
    const after = codes(checkManifests(fixed));
    assert.ok(!after.includes('BK101') && !after.includes('BK102'), after.join());
    // The same edit is offered from the memory-limit finding.
    assert.deepEqual(only(checkManifests(text), 'BK102').fixes, finding.fixes);
  });

  it('replaces an empty `resources: {}` and keeps the rest of the line', () => {
    const text = deployment(`          image: app:1.0
          resources: {}  # set by the platform team
          readinessProbe: {httpGet: {path: /, port: 80}}
`);
    const fixed = applyFirstFix(text, only(checkManifests(text), 'BK101'));
    assert.ok(fixed.includes('          resources:\n            requests:\n'), fixed);
    assert.ok(fixed.includes('# set by the platform team'), fixed);
    assert.ok(!codes(checkManifests(fixed)).includes('BK101'));
  });

  it('adds only the missing part to an existing resources block, copying the memory request into the limit', () => {
    const text = deployment(`          image: app:1.0
          resources:
            requests:
              cpu: 250m
              memory: 512Mi
          args: ["serve"]
`);
    const finding = only(checkManifests(text), 'BK102');
    assert.ok(!codes(checkManifests(text)).includes('BK101'));
    const fixed = applyFirstFix(text, finding);
    assert.ok(fixed.includes(`              memory: 512Mi
            limits:
              memory: 512Mi # TODO`), fixed);
    assert.deepEqual(codes(checkManifests(fixed)).filter((c) => c === 'BK102'), []);
  });

  it('offers no fix when the block to extend is written in flow style', () => {
    const text = deployment(`          image: app:1.0
          resources:
            requests: {cpu: 100m}
`);
    const finding = only(checkManifests(text), 'BK101');
    assert.deepEqual(finding.fixes, []);
  });

  it('checks init containers for resources but not for probes', () => {
    const text = deployment(READY).replace('      containers:\n', `      initContainers:
        - name: migrate
          image: app:1.0
      containers:
`);
    const init = checkManifests(text).filter((f) => f.path.includes('initContainers'));
    assert.deepEqual(codes(init), ['BK101', 'BK102']);
    assert.match(init[0]?.message ?? '', /Init container "migrate"/);
  });

  it('treats a native sidecar (init container that always restarts) like a container', () => {
    const text = deployment(READY).replace('      containers:\n', `      initContainers:
        - name: proxy
          image: proxy:2.1
          restartPolicy: Always
          resources:
            requests: {cpu: 50m, memory: 64Mi}
            limits: {memory: 64Mi}
      containers:
`);
    const sidecar = checkManifests(text).filter((f) => f.path.includes('initContainers'));
    assert.deepEqual(codes(sidecar), ['BK103', 'BK104']);
    assert.match(sidecar[0]?.message ?? '', /Sidecar container "proxy"/);
  });
});

describe('BK103/BK104: probes', () => {
  it('reports both probes missing, readiness as a warning and liveness as info', () => {
    const findings = checkManifests(deployment(BARE));
    assert.equal(only(findings, 'BK103').severity, 'warning');
    assert.equal(only(findings, 'BK104').severity, 'info');
  });

  it('inserts an httpGet readiness probe on the first container port and the finding goes', () => {
    const text = deployment(BARE);
    const fixed = applyFirstFix(text, only(checkManifests(text), 'BK103'));
    assert.ok(fixed.includes(`            - containerPort: 8080
          # TODO an endpoint that answers 200 only once the app can serve requests
          readinessProbe:
            httpGet:
              path: /healthz
              port: 8080
            periodSeconds: 10
`), fixed);
    const after = codes(checkManifests(fixed));
    assert.ok(!after.includes('BK103') && after.includes('BK104'), after.join());
  });

  it('uses the named port when there is one, and a TODO port when there is none', () => {
    const named = deployment(READY.replace(/ {10}livenessProbe:[\s\S]*$/, ''));
    const fixedNamed = applyFirstFix(named, only(checkManifests(named), 'BK104'));
    assert.match(fixedNamed, /livenessProbe:\n {12}httpGet:\n {14}path: \/healthz\n {14}port: http\n/);
    const portless = deployment('          image: app:1.0\n');
    const fixedPortless = applyFirstFix(portless, only(checkManifests(portless), 'BK104'));
    assert.match(fixedPortless, /port: 8080 # TODO the port the app listens on/);
    assert.ok(!codes(checkManifests(fixedPortless)).includes('BK104'));
  });

  it('does not ask Jobs, CronJobs or run-once Pods for probes', () => {
    const job = `apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: app:1.0
`;
    assert.deepEqual(codes(checkManifests(job)), ['BK101', 'BK102']);
    const cron = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: report
              image: app:latest
`;
    const cronFindings = checkManifests(cron);
    assert.deepEqual(codes(cronFindings), ['BK101', 'BK102', 'BK105']);
    assert.deepEqual(cronFindings[0]?.path, ['spec', 'jobTemplate', 'spec', 'template', 'spec', 'containers', 0, 'name']);
    const pod = (policy: string): string => `apiVersion: v1
kind: Pod
metadata:
  name: once
spec:
${policy}  containers:
    - name: main
      image: app:1.0
`;
    assert.deepEqual(codes(checkManifests(pod('  restartPolicy: Never\n'))), ['BK101', 'BK102']);
    assert.deepEqual(codes(checkManifests(pod(''))), ['BK101', 'BK102', 'BK103', 'BK104']);
  });

  it('checks DaemonSets, StatefulSets, ReplicaSets and ReplicationControllers like Deployments', () => {
    for (const kind of ['DaemonSet', 'StatefulSet', 'ReplicaSet', 'ReplicationController']) {
      assert.deepEqual(codes(checkManifests(deployment(BARE, { kind }))), ['BK101', 'BK102', 'BK103', 'BK104'], kind);
    }
  });

  it('counts an empty probe as missing', () => {
    const text = deployment(`${BARE}          readinessProbe: {}\n`);
    const finding = only(checkManifests(text), 'BK103');
    const fixed = applyFirstFix(text, finding);
    assert.ok(!codes(checkManifests(fixed)).includes('BK103'), fixed);
  });
});

describe('BK105: image tags', () => {
  const withImage = (image: string): ManifestFinding[] => checkManifests(deployment(READY.replace('registry.example.test/web:1.4.2', image)));

  it('reports an untagged image and the latest tag, on the image value', () => {
    const text = deployment(READY.replace('registry.example.test/web:1.4.2', 'nginx'));
    const untagged = only(checkManifests(text), 'BK105');
    assert.equal(textAt(text, untagged), 'nginx');
    assert.match(untagged.message, /has no tag, which means latest/);
    assert.deepEqual(untagged.path, ['spec', 'template', 'spec', 'containers', 0, 'image']);
    assert.match(only(withImage('nginx:latest'), 'BK105').message, /uses the latest tag/);
    assert.match(only(withImage('"localhost:5000/team/app"'), 'BK105').message, /no tag/);
    assert.equal(only(withImage('ghcr.io/acme/app:latest'), 'BK105').severity, 'warning');
  });

  it('accepts version tags and digests, and a registry port is not a tag', () => {
    assert.deepEqual(codes(withImage('nginx:1.27.3')), []);
    assert.deepEqual(codes(withImage('localhost:5000/team/app:2.0')), []);
    assert.deepEqual(codes(withImage(`nginx@sha256:${'a'.repeat(64)}`)), []);
    assert.deepEqual(codes(withImage(`nginx:latest@sha256:${'b'.repeat(64)}`)), []);
  });
});

describe('BK106/BK107 inside one file', () => {
  const service = (selector: string, namespace = ''): string => `---
apiVersion: v1
kind: Service
metadata:
  name: web
${namespace}spec:
  selector:
${selector}  ports:
    - port: 80
`;

  it('reports a single replica behind a Service on `replicas:` and offers 2', () => {
    const text = deployment(READY, { replicas: 1 }) + service('    app: web\n');
    const finding = only(checkManifests(text), 'BK106');
    assert.equal(textAt(text, finding), 'replicas: 1');
    assert.match(finding.message, /Deployment "web" is behind Service "web" and it runs a single replica/);
    assert.equal(finding.related?.[0]?.message, 'the Service that selects its pods');
    assert.equal(finding.related?.[0]?.range.start.line, text.split('\n').indexOf('kind: Service') + 2);
    const fixed = applyFirstFix(text, finding);
    assert.ok(fixed.includes('  replicas: 2\n'));
    const after = codes(checkManifests(fixed));
    assert.ok(!after.includes('BK106'), after.join());
    assert.ok(after.includes('BK107'), 'two replicas now want a PodDisruptionBudget');
  });

  it('reports an unset replicas (default 1) on the name and inserts replicas first in spec', () => {
    const text = deployment(READY) + service('    app: web\n');
    const finding = only(checkManifests(text), 'BK106');
    assert.equal(textAt(text, finding), 'name: web');
    const fixed = applyFirstFix(text, finding);
    assert.ok(fixed.includes('spec:\n  replicas: 2\n  selector:\n'), fixed);
    assert.ok(!codes(checkManifests(fixed)).includes('BK106'));
  });

  it('needs the Service selector to match the pod labels and the namespace to agree', () => {
    assert.deepEqual(codes(checkManifests(deployment(READY) + service('    app: api\n'))), []);
    assert.deepEqual(codes(checkManifests(deployment(READY) + service('    app: web\n    tier: front\n'))), []);
    assert.deepEqual(codes(checkManifests(deployment(READY) + service(''))), [], 'an empty selector selects nothing');
    const namespaced = deployment(READY).replace('  name: web\n', '  name: web\n  namespace: shop\n');
    assert.deepEqual(codes(checkManifests(namespaced + service('    app: web\n', '  namespace: other\n'))), []);
    assert.deepEqual(codes(checkManifests(namespaced + service('    app: web\n', '  namespace: shop\n'))), ['BK106']);
    // A Service without a namespace goes wherever it is applied: it may meet the Deployment.
    assert.deepEqual(codes(checkManifests(namespaced + service('    app: web\n'))), ['BK106']);
  });

  it('leaves StatefulSets with one replica alone (often a single database on purpose)', () => {
    assert.deepEqual(codes(checkManifests(deployment(READY, { kind: 'StatefulSet' }) + service('    app: web\n'))), []);
  });

  it('reports several replicas without a PodDisruptionBudget and appends one with the same selector', () => {
    const text = deployment(READY, { replicas: 3 });
    const finding = only(checkManifests(text), 'BK107');
    assert.equal(textAt(text, finding), 'replicas: 3');
    assert.match(finding.message, /runs 3 replicas and no PodDisruptionBudget selects its pods/);
    const fixed = applyFirstFix(text, finding);
    assert.ok(fixed.endsWith(`---
# TODO check: how many pods of Deployment "web" may be down at once during drains and upgrades
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      app: web
`), fixed);
    assert.deepEqual(codes(checkManifests(fixed)), []);
  });

  it('appends after a last line without a newline, and copies matchExpressions and the namespace', () => {
    const text = deployment(READY, { replicas: 2 })
      .replace('  name: web\n', '  name: web\n  namespace: shop\n')
      .replace('    matchLabels:\n      app: web\n', '    matchLabels:\n      app: web\n    matchExpressions:\n      - {key: track, operator: NotIn, values: [canary]}\n')
      .trimEnd();
    const fixed = applyFirstFix(text, only(checkManifests(text), 'BK107'));
    assert.match(fixed, /\n {2}namespace: shop\nspec:\n {2}maxUnavailable: 1\n {2}selector:\n {4}matchLabels:\n {6}app: web\n {4}matchExpressions:\n {6}- key: track\n {8}operator: NotIn\n {8}values:\n {10}- canary\n$/);
    assert.deepEqual(codes(checkManifests(fixed)), []);
  });

  it('counts a HorizontalPodAutoscaler as the owner of replicas', () => {
    const hpa = (min: number): string => `---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: web
  minReplicas: ${min}
  maxReplicas: 10
`;
    const base = deployment(READY) + service('    app: web\n');
    const low = only(checkManifests(base + hpa(1)), 'BK106');
    assert.match(low.message, /HorizontalPodAutoscaler "web" has minReplicas 1/);
    assert.deepEqual(low.fixes, [], 'the fix belongs in the autoscaler, not in spec.replicas');
    const high = checkManifests(base + hpa(3));
    assert.deepEqual(codes(high), ['BK107']);
    assert.match(high[0]?.message ?? '', /runs 3 replicas/);
  });
});

describe('documents, Lists and styles', () => {
  it('reads every document of a file and reports positions in the file', () => {
    const text = `# shop manifests\n${deployment(READY, { replicas: 1 })}---\n${deployment(BARE, { name: 'api' })}`;
    const findings = checkManifests(text);
    assert.deepEqual(codes(findings), ['BK101', 'BK102', 'BK103', 'BK104']);
    const [first] = findings;
    assert.ok(first);
    assert.equal(first.object?.name, 'api');
    assert.equal(textAt(text, first), 'name: web');
    assert.equal(first.range.start.line, text.split('\n').lastIndexOf('        - name: web'));
    const fixed = applyFirstFix(text, first);
    assert.deepEqual(codes(checkManifests(fixed)), ['BK103', 'BK104']);
  });

  it('opens a List and kind-specific lists, with paths through items', () => {
    const list = `apiVersion: v1
kind: List
items:
  - apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      template:
        spec:
          containers:
            - name: web
              image: app:1.0
`;
    const findings = checkManifests(list);
    assert.deepEqual(codes(findings), ['BK101', 'BK102', 'BK103', 'BK104']);
    const [first] = findings;
    assert.ok(first);
    assert.deepEqual(first.path, ['items', 0, 'spec', 'template', 'spec', 'containers', 0, 'name']);
    const fixed = applyFirstFix(list, first);
    assert.match(fixed, /\n {14}resources:\n {16}requests:\n/);
    assert.deepEqual(codes(checkManifests(fixed)), ['BK103', 'BK104']);
    assert.deepEqual(codes(checkManifests(list.replace('kind: List', 'kind: DeploymentList'))), ['BK101', 'BK102', 'BK103', 'BK104']);
  });

  it('reports on flow-style containers without offering edits', () => {
    const text = `apiVersion: v1
kind: Pod
metadata: {name: tiny}
spec:
  containers: [{name: app, image: "app:latest"}]
`;
    const findings = checkManifests(text);
    assert.deepEqual(codes(findings), ['BK101', 'BK102', 'BK103', 'BK104', 'BK105']);
    assert.equal(textAt(text, findings[0] as ManifestFinding), 'name: app');
    assert.equal(textAt(text, findings[4] as ManifestFinding), '"app:latest"');
    for (const f of findings) assert.deepEqual(f.fixes, [], f.code);
  });

  it('keeps the indentation of the file: indentless sequences, four spaces, CRLF, a block scalar last', () => {
    const indentless = `apiVersion: apps/v1
kind: Deployment
metadata:
    name: web
spec:
    template:
        spec:
            containers:
            - name: web
              image: app:1.0
              command:
              - /bin/sh
              - -c
              args:
              - |
                exec serve --port 8080
            # the sidecar comes later
`;
    const findings = checkManifests(indentless);
    for (const finding of findings) {
      const fixed = applyFirstFix(indentless, finding);
      const remaining = checkManifests(fixed).filter((f) => f.code === finding.code);
      assert.deepEqual(remaining, [], `${finding.code} fix:\n${fixed}`);
      assert.ok(fixed.includes('                exec serve --port 8080\n'), 'block scalar untouched');
    }
    const crlf = deployment(BARE).replace(/\n/g, '\r\n');
    const crlfFinding = only(checkManifests(crlf), 'BK101');
    assert.equal(crlfFinding.range.start.line, 14);
    const fixedCrlf = applyFirstFix(crlf, crlfFinding);
    assert.ok(!codes(checkManifests(fixedCrlf)).includes('BK101'), fixedCrlf);
  });

  it('applies every fix of a mixed file, each alone, and the finding goes', () => {
    const text = [
      deployment(BARE, { replicas: 1 }),
      `---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n---\n`,
      deployment(BARE, { name: 'worker', replicas: 4 }),
      `---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: debug\nspec:\n  containers:\n  - name: shell\n    image: busybox:1.36\n    resources:\n      limits:\n        cpu: 100m\n`,
    ].join('');
    const findings = checkManifests(text);
    assert.ok(findings.length >= 12, codes(findings).join());
    for (const finding of findings) {
      if (finding.fixes.length === 0) continue;
      const fixed = applyFirstFix(text, finding);
      const again = checkManifests(fixed).filter((f) => f.code === finding.code && JSON.stringify(f.path) === JSON.stringify(finding.path) && f.object?.name === finding.object?.name);
      assert.deepEqual(again, [], `${finding.code} on ${finding.object?.name ?? ''}\n${fixed}`);
    }
  });
});

describe('bad input', () => {
  it('reports a YAML error once, where it is, and still checks the other documents', () => {
    const text = `${deployment(READY, { replicas: 1 })}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: [web\nspec: {}\n---\n${deployment(BARE, { name: 'api' })}`;
    const findings = checkManifests(text);
    const error = only(findings, 'BK100');
    assert.equal(error.severity, 'error');
    assert.match(error.message, /^Not valid YAML: /);
    const serviceLine = text.split('\n').indexOf('kind: Service');
    assert.ok(error.range.start.line > serviceLine && error.range.start.line <= serviceLine + 4, JSON.stringify(error.range));
    assert.ok(codes(findings).includes('BK101'), 'the api Deployment after the broken document is still checked');
  });

  it('skips Helm templates, other kinds and YAML that is not a Kubernetes object', () => {
    const template = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  replicas: {{ .Values.replicas }}\n  {{- if .Values.x }}\n`;
    assert.deepEqual(checkManifests(template), []);
    assert.deepEqual(checkManifests('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: [broken\n'), []);
    assert.deepEqual(checkManifests('name: not-kubernetes\ncontainers:\n  - image: nginx\n'), []);
    assert.deepEqual(checkManifests(''), []);
    assert.deepEqual(checkManifests('# nothing\n---\n---\n'), []);
  });

  it('reads JSON manifests', () => {
    const json = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'j' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }, null, 2);
    assert.deepEqual(codes(checkManifests(json)), ['BK101', 'BK102', 'BK103', 'BK104', 'BK105']);
  });

  it('never throws on broken or odd text', () => {
    const sample = deployment(READY, { replicas: 1 }) + '---\n' + deployment(BARE, { replicas: 3, name: 'api' });
    let seed = 7;
    const random = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    const pieces = ['{', '}', '[', ']', ':', '- ', '"', '\'', '\t', '\n', '  ', '&a ', '*a', '!!str ', '|', '>', '#', '---\n', 'kind: List\n', '{{', 'replicas: x\n', '<<: *a\n', '? ', '\r\n', '\u00e9'];
    for (let round = 0; round < 400; round++) {
      let text = sample;
      for (let k = 0; k < 1 + random(4); k++) {
        const at = random(text.length);
        text = random(3) === 0 ? text.slice(0, at) + text.slice(at + random(20)) : text.slice(0, at) + (pieces[random(pieces.length)] ?? '') + text.slice(at);
      }
      assert.doesNotThrow(() => {
        for (const finding of checkManifests(text)) {
          for (const fix of finding.fixes) applyEdits(text, fix.edits);
        }
      }, text);
    }
  });
});

describe('speed', () => {
  it('checks a 5,000-line file in well under 50 ms', () => {
    const block = (i: number): string => deployment(BARE.replace('web:1.4.2', `web-${i}:1.${i}`), { name: `app-${i}`, replicas: i % 3 })
      + `---\napiVersion: v1\nkind: Service\nmetadata:\n  name: app-${i}\nspec:\n  selector:\n    app: app-${i}\n  ports:\n    - port: 80\n---\n`;
    const build = (variant: number): string => {
      const parts: string[] = [];
      let lines = 0;
      for (let i = 0; lines < 5000; i++) {
        const part = block(i).replace(/name: app-/g, `name: v${variant}-app-`);
        parts.push(part);
        lines += part.split('\n').length - 1;
      }
      return parts.join('');
    };
    checkManifests(build(0)); // warm the JIT
    const times: number[] = [];
    let findings = 0;
    for (let variant = 1; variant <= 5; variant++) {
      const text = build(variant); // new text each time: no cached parse
      assert.ok(text.split('\n').length >= 5000);
      const start = process.cpuUsage();
      findings = checkManifests(text).length;
      const used = process.cpuUsage(start);
      times.push((used.user + used.system) / 1000);
    }
    assert.ok(findings > 500, `findings: ${findings}`);
    const best = Math.min(...times);
    // CPU time, so that other processes on a busy machine do not count.
    assert.ok(best < 50, `fastest of 5 runs: ${best.toFixed(1)} ms CPU (all: ${times.map((t) => t.toFixed(1)).join(', ')})`);
  });
});
