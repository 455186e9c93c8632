import { applyJsonPatch } from '../../src/sandbox/kubernetes/json-patch';
import type { Json, JsonObject } from '../../src/sandbox/kubernetes/json';
import { applyMergePatch } from '../../src/sandbox/kubernetes/merge-patch';
import { PatchNotAppliedError, UndecodablePatchError } from '../../src/sandbox/kubernetes/patch-errors';
import { applyStrategicMergePatch } from '../../src/sandbox/kubernetes/strategic-merge-patch';

/** The three patch engines of the emulator, on plain data. */

/** Test the container's name and image, then replace the image: a patch that notices a concurrent change. */
function imagePatch(current: string): Json {
  return [
    { op: 'test', path: '/spec/template/spec/containers/0/name', value: 'app' },
    { op: 'test', path: '/spec/template/spec/containers/0/image', value: current },
    { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'app:2' },
  ];
}

describe('JSON patch (RFC 6902)', () => {
  // Examples from RFC 6902 Appendix A.
  it.each<[string, JsonObject, Json, JsonObject]>([
    [
      'adds an object member',
      { foo: 'bar' },
      [{ op: 'add', path: '/baz', value: 'qux' }],
      { foo: 'bar', baz: 'qux' },
    ],
    [
      'inserts into an array',
      { foo: ['bar', 'baz'] },
      [{ op: 'add', path: '/foo/1', value: 'qux' }],
      { foo: ['bar', 'qux', 'baz'] },
    ],
    [
      'appends with "-"',
      { foo: ['bar'] },
      [{ op: 'add', path: '/foo/-', value: 'qux' }],
      { foo: ['bar', 'qux'] },
    ],
    [
      'removes an object member',
      { baz: 'qux', foo: 'bar' },
      [{ op: 'remove', path: '/baz' }],
      { foo: 'bar' },
    ],
    [
      'removes an array element',
      { foo: ['bar', 'qux', 'baz'] },
      [{ op: 'remove', path: '/foo/1' }],
      { foo: ['bar', 'baz'] },
    ],
    [
      'replaces a value',
      { baz: 'qux', foo: 'bar' },
      [{ op: 'replace', path: '/baz', value: 'boo' }],
      { baz: 'boo', foo: 'bar' },
    ],
    [
      'moves a value',
      { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
      { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    ],
    [
      'copies a value',
      { a: { b: 1 } },
      [{ op: 'copy', from: '/a', path: '/c' }],
      { a: { b: 1 }, c: { b: 1 } },
    ],
    [
      'unescapes ~1 and ~0 in pointers',
      { 'a/b': 1, 'm~n': 2 },
      [
        { op: 'replace', path: '/a~1b', value: 3 },
        { op: 'remove', path: '/m~0n' },
      ],
      { 'a/b': 3 },
    ],
    [
      'passes a test of an equal value (key order does not matter)',
      { spec: { a: { x: 1, y: 2 } } },
      [{ op: 'test', path: '/spec/a', value: { y: 2, x: 1 } }],
      { spec: { a: { x: 1, y: 2 } } },
    ],
  ])('%s', (_name, doc, patch, expected) => {
    expect(applyJsonPatch(doc, patch)).toEqual(expected);
  });

  it('replaces the image only when the test of the current image passes, as a careful client patches', () => {
    const deployment = { spec: { template: { spec: { containers: [{ name: 'app', image: 'app:1' }] } } } };
    expect(applyJsonPatch(deployment, imagePatch('app:1'))).toEqual({
      spec: { template: { spec: { containers: [{ name: 'app', image: 'app:2' }] } } },
    });
    expect(() => applyJsonPatch(deployment, imagePatch('app:0'))).toThrow(PatchNotAppliedError);
    expect(deployment.spec.template.spec.containers[0]!.image).toBe('app:1');
  });

  it.each<[string, Json]>([
    ['replace of a missing member', [{ op: 'replace', path: '/nope', value: 1 }]],
    ['remove of a missing member', [{ op: 'remove', path: '/nope' }]],
    ['add under a missing parent', [{ op: 'add', path: '/a/b/c', value: 1 }]],
    ['an index past the end', [{ op: 'add', path: '/list/5', value: 1 }]],
    ['an index with a leading zero', [{ op: 'replace', path: '/list/01', value: 1 }]],
    ['a move into its own child', [{ op: 'move', from: '/obj', path: '/obj/inner' }]],
  ])('does not apply %s', (_name, patch) => {
    expect(() => applyJsonPatch({ list: [1], obj: {} }, patch)).toThrow(PatchNotAppliedError);
  });

  it.each<[string, Json]>([
    ['an object instead of a list', { op: 'add' }],
    ['an unknown op', [{ op: 'frobnicate', path: '/a' }]],
    ['an op without value', [{ op: 'replace', path: '/a' }]],
    ['a move without from', [{ op: 'move', path: '/a' }]],
  ])('cannot decode %s', (_name, patch) => {
    expect(() => applyJsonPatch({ a: 1 }, patch)).toThrow(UndecodablePatchError);
  });
});

describe('merge patch (RFC 7386)', () => {
  // The test cases of RFC 7386 Appendix A.
  it.each<[Json, Json, Json]>([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('merges %j with %j into %j', (target, patch, expected) => {
    expect(applyMergePatch(target, patch)).toEqual(expected);
  });

  it('replaces a containers list whole (what makes a merge patch of one image drop the other containers)', () => {
    const target = {
      spec: {
        containers: [
          { name: 'app', image: 'a:1' },
          { name: 'log', image: 'l:1' },
        ],
      },
    };
    expect(applyMergePatch(target, { spec: { containers: [{ name: 'app', image: 'a:2' }] } })).toEqual({
      spec: { containers: [{ name: 'app', image: 'a:2' }] },
    });
  });
});

const podSpec = (spec: JsonObject): JsonObject => ({ spec: { template: { spec } } });

describe('strategic merge patch', () => {
  const current = podSpec({
    initContainers: [{ name: 'migrate', image: 'app:1.0' }],
    containers: [
      {
        name: 'app',
        image: 'app:1.0',
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: '2' },
        ],
        ports: [{ containerPort: 8080, protocol: 'TCP' }],
        args: ['--x', '--y'],
      },
      { name: 'log', image: 'log:1.0' },
    ],
    volumes: [
      { name: 'data', emptyDir: {} },
      { name: 'config', configMap: { name: 'c' } },
    ],
  });

  it('applies the body kubectl set image sends: images of containers and init containers by name', () => {
    const patch = podSpec({
      '$setElementOrder/containers': [{ name: 'app' }, { name: 'log' }],
      '$setElementOrder/initContainers': [{ name: 'migrate' }],
      containers: [{ image: 'app:2.0', name: 'app' }],
      initContainers: [{ image: 'app:2.0', name: 'migrate' }],
    });
    const result = applyStrategicMergePatch(current, patch) as { spec: { template: { spec: JsonObject } } };
    const spec = result.spec.template.spec;
    expect(spec['containers']).toEqual([
      { ...(current['spec'] as any).template.spec.containers[0], image: 'app:2.0' },
      { name: 'log', image: 'log:1.0' },
    ]);
    expect(spec['initContainers']).toEqual([{ name: 'migrate', image: 'app:2.0' }]);
    expect(spec['volumes']).toEqual((current['spec'] as any).template.spec.volumes);
    expect(JSON.stringify(result)).not.toContain('$setElementOrder');
  });

  it('appends a container with an unknown name (the server accepts it: image is optional)', () => {
    const result = applyStrategicMergePatch(current, podSpec({ containers: [{ name: 'typo', image: 'x' }] }));
    expect((result as any).spec.template.spec.containers.map((c: JsonObject) => c['name'])).toEqual([
      'app',
      'log',
      'typo',
    ]);
  });

  it('merges env by name, ports by containerPort, volumes by name; replaces args whole', () => {
    const patch = podSpec({
      containers: [
        {
          name: 'app',
          env: [
            { name: 'B', value: 'two' },
            { name: 'C', value: '3' },
          ],
          ports: [{ containerPort: 9090 }],
          args: ['--z'],
        },
      ],
      volumes: [{ name: 'data', emptyDir: { medium: 'Memory' } }],
    });
    const spec = (applyStrategicMergePatch(current, patch) as any).spec.template.spec;
    expect(spec.containers[0].env).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: 'two' },
      { name: 'C', value: '3' },
    ]);
    expect(spec.containers[0].ports).toEqual([
      { containerPort: 8080, protocol: 'TCP' },
      { containerPort: 9090 },
    ]);
    expect(spec.containers[0].args).toEqual(['--z']);
    expect(spec.volumes[0]).toEqual({ name: 'data', emptyDir: { medium: 'Memory' } });
  });

  it('deletes a list element with $patch: delete and a map key with null', () => {
    const patch = podSpec({
      containers: [
        { name: 'log', $patch: 'delete' },
        { name: 'app', args: null },
      ],
      volumes: [{ name: 'config', $patch: 'delete' }],
    });
    const spec = (applyStrategicMergePatch(current, patch) as any).spec.template.spec;
    expect(spec.containers.map((c: JsonObject) => c['name'])).toEqual(['app']);
    expect(spec.containers[0]).not.toHaveProperty('args');
    expect(spec.volumes).toEqual([{ name: 'data', emptyDir: {} }]);
  });

  it('replaces a whole map with $patch: replace (the body kubectl rollout undo sends for a StatefulSet)', () => {
    const patch = {
      spec: {
        template: {
          $patch: 'replace',
          metadata: { labels: { app: 'db' } },
          spec: { containers: [{ name: 'db', image: 'db:14' }] },
        },
      },
    };
    expect(
      applyStrategicMergePatch({ spec: { replicas: 3, ...(current['spec'] as JsonObject) } }, patch),
    ).toEqual({
      spec: {
        replicas: 3,
        template: {
          metadata: { labels: { app: 'db' } },
          spec: { containers: [{ name: 'db', image: 'db:14' }] },
        },
      },
    });
  });

  it('replaces a whole list with an element {$patch: replace}', () => {
    const patch = podSpec({ containers: [{ $patch: 'replace' }, { name: 'only', image: 'o:1' }] });
    expect((applyStrategicMergePatch(current, patch) as any).spec.template.spec.containers).toEqual([
      { name: 'only', image: 'o:1' },
    ]);
  });

  it('orders a list by $setElementOrder, elements it does not name after the named ones', () => {
    const patch = podSpec({ '$setElementOrder/containers': [{ name: 'log' }, { name: 'app' }] });
    const names = (applyStrategicMergePatch(current, patch) as any).spec.template.spec.containers.map(
      (c: JsonObject) => c['name'],
    );
    expect(names).toEqual(['log', 'app']);
    const partial = podSpec({ '$setElementOrder/containers': [{ name: 'log' }] });
    expect(
      (applyStrategicMergePatch(current, partial) as any).spec.template.spec.containers.map(
        (c: JsonObject) => c['name'],
      ),
    ).toEqual(['log', 'app']);
  });

  it('merges finalizers as a set and removes with $deleteFromPrimitiveList', () => {
    const target = { metadata: { finalizers: ['a', 'b'] } };
    expect(applyStrategicMergePatch(target, { metadata: { finalizers: ['b', 'c'] } })).toEqual({
      metadata: { finalizers: ['a', 'b', 'c'] },
    });
    expect(
      applyStrategicMergePatch(target, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }),
    ).toEqual({ metadata: { finalizers: ['b'] } });
  });

  it('keeps only $retainKeys of a map', () => {
    const target = { volumes: [{ name: 'v', emptyDir: {}, hostPath: { path: '/x' } }] };
    const patch = { volumes: [{ name: 'v', $retainKeys: ['name', 'hostPath'], hostPath: { path: '/y' } }] };
    expect(applyStrategicMergePatch(target, patch)).toEqual({
      volumes: [{ name: 'v', hostPath: { path: '/y' } }],
    });
  });

  it('refuses a merge-keyed list element without its key, and a patch that is not an object', () => {
    expect(() => applyStrategicMergePatch(current, podSpec({ containers: [{ image: 'x' }] }))).toThrow(
      /does not contain declared merge key: name/,
    );
    expect(() => applyStrategicMergePatch(current, [])).toThrow(UndecodablePatchError);
    expect(() => applyStrategicMergePatch(current, { spec: { $patch: 'explode' } })).toThrow(
      UndecodablePatchError,
    );
  });

  it('leaves the original untouched', () => {
    const before = JSON.stringify(current);
    applyStrategicMergePatch(current, podSpec({ containers: [{ name: 'app', image: 'z' }] }));
    expect(JSON.stringify(current)).toBe(before);
  });
});
