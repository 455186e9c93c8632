import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Journal } from '../../src/journal/journal';
import { parseCatalog, type Catalog } from '../../src/plan/catalog';
import { startEmbeddedRegistry, type EmbeddedRegistry } from '../../src/sandbox/registry';
import type { MarathonEmulator } from '../../src/sandbox/marathon';
import { request } from '../support/http';
import { pushImage } from '../support/push-image';
import { APP, DATE, changingRequests, runBundle, startMarathon, startWorld, type World } from './run-fixture';

/**
 * Bad input, one table: every row runs the bundled helper as Jenkins does and must end with exactly
 * one line on stderr that says what is wrong, exit 2, the dump folder exactly as it was (names,
 * contents, modes), and no change sent to Marathon. Bad answers from the registry or Marathon come
 * from small loopback servers that answer what the row needs; everything else is real: a
 * docker-registry, the Marathon emulator, a catalog written by `get`.
 *
 * Grow the table: a new kind of bad input is one more row.
 */

type Command = 'get' | 'run' | 'undo';

interface Row {
  what: string;
  command: Command;
  /** The arguments after the command (`-q` is added: progress lines are not the point here). */
  args: () => string[];
  env?: NodeJS.ProcessEnv;
  /** Put what the row needs in place: files in the dump folder, the answers of the fake servers. */
  setup?: () => void;
  /** The one stderr line. */
  line: RegExp;
  /** A secret in the refused value that must not be repeated. */
  secret?: string;
  /** 2 unless the row documents an accepted input (then it must still change nothing). */
  code?: number;
}

let world: World;
let marathon: MarathonEmulator;
let dump: string;
const temp: string[] = [];

/** What a Marathon answer becomes on its way through the proxy, for the current row. */
let mangleAppList: ((body: { apps: Array<Record<string, any>> }) => unknown) | undefined;
let marathonProxy: http.Server;
let marathonUrl: string;

/** How the fake registry answers, for the current row. */
let registryMode: 'html' | 'numbers' | 'huge' | 'big-manifest' = 'html';
let badRegistry: http.Server;
let badRegistryUrl: string;

let foreignRegistry: EmbeddedRegistry;
let foreignCatalog: Catalog;
let journalText: string;
let notPem: string;

const MiB = 1024 * 1024;

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `rollback-bad-${prefix}-`));
  temp.push(dir);
  return dir;
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Marathon as it is, except the app list of GET /v2/apps when a row mangles it. */
function startMarathonProxy(): http.Server {
  return http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(
          (e): e is [string, string] => typeof e[1] === 'string' && e[0] !== 'host',
        ),
      );
      void request(`${marathon.url}${req.url}`, {
        method: req.method,
        headers,
        ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
      }).then(
        (up) => {
          if (mangleAppList && req.method === 'GET' && /^\/v2\/apps(\?|$)/.test(req.url ?? '')) {
            const mangled = mangleAppList(up.json());
            const text = typeof mangled === 'string' ? mangled : JSON.stringify(mangled);
            const type = typeof mangled === 'string' ? 'text/html' : 'application/json';
            res.writeHead(200, { 'Content-Type': type }).end(text);
            return;
          }
          res.writeHead(up.status, up.headers).end(up.body);
        },
        () => res.writeHead(502).end(),
      );
    });
  });
}

/** A registry that answers /v2/ and then whatever the row's mode says. */
function startBadRegistry(): http.Server {
  const server = http.createServer((req, res) => {
    res.on('error', () => {}); // the client hangs up on the huge answers: that is the point
    const url = req.url ?? '';
    if (url === '/v2/') return res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    if (url.startsWith('/v2/shop/api/tags/list')) {
      const json = { 'Content-Type': 'application/json' };
      switch (registryMode) {
        case 'html':
          return res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>Please sign in</html>');
        case 'numbers':
          return res.writeHead(200, json).end('{"name":"shop/api","tags":["1.0.0-develop",7,8]}');
        case 'big-manifest':
          return res.writeHead(200, json).end('{"name":"shop/api","tags":["1.0.0-develop"]}');
        case 'huge':
          return streamJson(res, '{"name":"shop/api","tags":[', '"1.0.0-develop",', '"x"]}', 50 * MiB);
      }
    }
    if (url === '/v2/shop/api/manifests/1.0.0-develop' && registryMode === 'big-manifest') {
      return streamJson(
        res,
        '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","annotations":{"x":"',
        'a'.repeat(64 * 1024),
        '"}}',
        9 * MiB,
      );
    }
    res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"NAME_UNKNOWN"}]}');
  });
  return server;
}

/** `head` + `repeat`... + `tail`, about `bytes` long, written as the client reads it. */
function streamJson(res: http.ServerResponse, head: string, repeat: string, tail: string, bytes: number) {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  const chunk = repeat.repeat(Math.max(1, Math.floor((256 * 1024) / repeat.length)));
  let sent = head.length;
  res.write(head);
  const more = () => {
    while (sent < bytes && !res.destroyed) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', more);
    }
    if (!res.destroyed) res.end(tail);
  };
  more();
}

/** Every file of a folder with its content and mode: "nothing written" means this is unchanged. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((name) => {
        const file = path.join(dir, name);
        const mode = (statSync(file).mode & 0o777).toString(8);
        return [name, `${mode} ${readFileSync(file, 'utf8')}`];
      }),
  );
}

function writeDump(name: string, content: string): void {
  writeFileSync(path.join(dump, name), content);
}

const catalogWith = (patch: Record<string, unknown>) =>
  JSON.stringify({ ...world.catalog, ...patch }, null, 2);
const journalWith = (patch: Record<string, unknown>) =>
  JSON.stringify({ ...JSON.parse(journalText), ...patch });
const appsWith = (id: string, change: (app: Record<string, any>) => Record<string, any>) => {
  mangleAppList = (body) => ({ apps: body.apps.map((a) => (a.id === id ? change(a) : a)) });
};

/** `get` of the world's registry with `overrides` replacing (not adding to) its flags. */
const getArgs = (overrides: Record<string, string> = {}) =>
  Object.entries({
    '--registry': world.registry.url,
    '--repo': 'shop/api,shop/billing',
    '--env': 'develop',
    '--dump': dump,
    ...overrides,
  })
    .flatMap(([flag, value]) => [flag, value])
    .concat('--no-cache');
const fromBadRegistry = () => [
  '--registry',
  badRegistryUrl,
  '--repo',
  'shop/api',
  '--env',
  'develop',
  '--dump',
  dump,
  '--no-cache',
];
const runArgs = (...extra: string[]) => [
  '--date',
  DATE,
  '--dump',
  dump,
  '--marathon',
  marathonUrl,
  '--group',
  '/ds/dev',
  ...extra,
];
const journalFile = () => path.join(dump, 'rollback-journal.json');

const rows: Row[] = [
  // ---- get: flags ----
  {
    what: 'a registry URL with credentials',
    command: 'get',
    args: () => getArgs({ '--registry': 'https://ci:s3cr3t-in-url@registry.example.com' }),
    line: /^rollback: --registry must not contain credentials \(put them in REGISTRY_USER and REGISTRY_PASSWORD\)$/,
    secret: 's3cr3t-in-url',
  },
  {
    what: 'a registry URL of another scheme',
    command: 'get',
    args: () => getArgs({ '--registry': 'ftp://registry.example.com' }),
    line: /^rollback: --registry "ftp:\/\/registry\.example\.com" must be an http or https URL/,
  },
  {
    what: 'a registry URL with the /v2 path',
    command: 'get',
    args: () => getArgs({ '--registry': `${world.registry.url}/v2/` }),
    line: /ends in \/v2 \(give the base URL, without \/v2\)$/,
  },
  {
    what: 'an environment with shell metacharacters',
    command: 'get',
    args: () => getArgs({ '--env': 'develop; rm -rf /' }),
    line: /^rollback: --env "develop; rm -rf \/" is not a tag suffix/,
  },
  {
    what: 'an environment with a command substitution',
    command: 'get',
    args: () => getArgs({ '--env': '$(reboot)' }),
    line: /^rollback: --env "\$\(reboot\)" is not a tag suffix/,
  },
  {
    what: 'an environment with a newline',
    command: 'get',
    args: () => getArgs({ '--env': 'develop\nrollback: all good' }),
    line: /^rollback: --env "develop\\nrollback: all good" is not a tag suffix/,
  },
  {
    what: 'an unknown repository',
    command: 'get',
    args: () => getArgs({ '--repo': 'shop/api,shop/nope' }),
    line: /^rollback: repository shop\/nope not found on http:\/\/127\.0\.0\.1:\d+ \(NAME_UNKNOWN/,
  },
  {
    what: 'an empty repository list',
    command: 'get',
    args: () => getArgs({ '--repo': ',' }),
    line: /^rollback: --repo names no repository/,
  },
  {
    what: 'a repository name with odd characters',
    command: 'get',
    args: () => getArgs({ '--repo': 'shop/api;id' }),
    line: /^rollback: --repo "shop\/api;id" is not a repository name/,
  },
  {
    what: 'an unknown time zone',
    command: 'get',
    args: () => getArgs({ '--tz': 'Mars/Olympus_Mons' }),
    line: /^rollback: --tz "Mars\/Olympus_Mons" is not a time zone/,
  },
  {
    what: '--keep 0',
    command: 'get',
    args: () => getArgs({ '--keep': '0' }),
    line: /^rollback: option '--keep <n>' argument '0' is invalid/,
  },
  {
    what: 'a --dump that is a file',
    command: 'get',
    args: () => getArgs({ '--dump': path.join(dump, 'rollback.json') }),
    line: /^rollback: --dump .*rollback\.json is not a folder$/,
  },
  {
    what: 'a --dump below a file',
    command: 'get',
    args: () => getArgs({ '--dump': path.join(dump, 'rollback.json', 'sub') }),
    line: /^rollback: --dump .*: .*rollback\.json is not a folder$/,
  },
  {
    what: 'a tag pattern that is not a regular expression',
    command: 'get',
    args: () => getArgs({ '--tag-pattern': '([0-9]+-{env}' }),
    line: /^rollback: --tag-pattern "\(\[0-9\]\+-\{env\}" is not a valid regular expression/,
  },
  {
    what: 'a --ca-file that holds no certificate',
    command: 'get',
    args: () => getArgs({ '--ca-file': notPem }),
    line: /^rollback: --ca-file .* holds no readable PEM certificate/,
  },
  // ---- get: answers of the registry ----
  {
    what: 'a tag list that is not JSON',
    command: 'get',
    args: fromBadRegistry,
    setup: () => (registryMode = 'html'),
    line: /^rollback: http:\/\/127\.0\.0\.1:\d+ answered the tag list of shop\/api with something that is not JSON \(check --registry/,
  },
  {
    what: 'tags that are not strings',
    command: 'get',
    args: fromBadRegistry,
    setup: () => (registryMode = 'numbers'),
    line: /answered the tag list of shop\/api with a tag that is not a string: "7"/,
  },
  {
    what: 'a 50 MB tag list',
    command: 'get',
    args: fromBadRegistry,
    setup: () => (registryMode = 'huge'),
    line: /^rollback: http:\/\/127\.0\.0\.1:\d+ sent more than 32 MiB while listing the tags of shop\/api, the limit for that answer/,
  },
  {
    what: 'a 9 MB manifest',
    command: 'get',
    args: fromBadRegistry,
    setup: () => (registryMode = 'big-manifest'),
    line: /sent more than 8 MiB while reading shop\/api:1\.0\.0-develop, the limit for that answer/,
  },
  // ---- run: flags ----
  {
    what: 'a date that does not exist',
    command: 'run',
    args: () => ['--date', '2026-02-30', ...runArgs().slice(2)],
    line: /^rollback: --date must be a calendar day YYYY-MM-DD, got "2026-02-30"$/,
  },
  {
    what: 'a date in words',
    command: 'run',
    args: () => ['--date', 'yesterday', ...runArgs().slice(2)],
    line: /got "yesterday"$/,
  },
  {
    what: 'a date with a shell command',
    command: 'run',
    args: () => ['--date', '2026-11-28; rm -rf /', ...runArgs().slice(2)],
    line: /got "2026-11-28; rm -rf \/"$/,
  },
  {
    what: 'a group with odd characters',
    command: 'run',
    args: () => runArgs('--group', '/ds/dev;reboot'),
    line: /^rollback: --group "\/ds\/dev;reboot" is not a Marathon group path/,
  },
  {
    what: 'a Marathon URL with credentials',
    command: 'run',
    args: () => runArgs('--marathon', 'https://ops:s3cr3t-marathon@marathon.example.com'),
    line: /^rollback: --marathon must not contain credentials \(put them in MARATHON_USER and MARATHON_PASSWORD\)$/,
    secret: 's3cr3t-marathon',
  },
  {
    what: 'a DC/OS URL with credentials',
    command: 'run',
    args: () => [
      '--date',
      DATE,
      '--dump',
      dump,
      '--dcos',
      'https://ops:s3cr3t-dcos@dcos.example.com',
      '--group',
      '/ds/dev',
    ],
    line: /^rollback: --dcos must not contain credentials \(put them in DCOS_USER and DCOS_PASSWORD/,
    secret: 's3cr3t-dcos',
  },
  {
    what: 'a Marathon URL of another scheme',
    command: 'run',
    args: () => runArgs('--marathon', 'file:///etc/passwd'),
    line: /^rollback: --marathon "file:\/\/\/etc\/passwd" must be an http or https URL/,
  },
  {
    what: 'a --ca-file that holds no certificate',
    command: 'run',
    args: () => runArgs('--ca-file', notPem),
    line: /^rollback: --ca-file .* holds no readable PEM certificate/,
  },
  // ---- run: rollback.json ----
  {
    what: 'a truncated rollback.json',
    command: 'run',
    args: runArgs,
    setup: () => writeDump('rollback.json', catalogWith({}).slice(0, 300)),
    line: /^rollback: .*rollback\.json is not JSON: .* \(create it with `rollback get`\)$/,
  },
  {
    what: 'a rollback.json of another version',
    command: 'run',
    args: runArgs,
    setup: () => writeDump('rollback.json', catalogWith({ version: 2 })),
    line: /rollback\.json is a rollback catalog of version "2"; this rollback reads version 1/,
  },
  {
    what: 'a rollback.json edited to wrong types',
    command: 'run',
    args: runArgs,
    setup: () => writeDump('rollback.json', catalogWith({ keep: 'ten' })),
    line: /rollback\.json is not a valid rollback catalog: \/keep must be integer/,
  },
  {
    what: 'a rollback.json with an empty repository list',
    command: 'run',
    args: runArgs,
    setup: () => writeDump('rollback.json', catalogWith({ repositories: [] })),
    line: /rollback\.json is not a valid rollback catalog: \/repositories must NOT have fewer than 1 items/,
  },
  {
    what: 'a rollback.json with an unknown time zone',
    command: 'run',
    args: runArgs,
    setup: () => writeDump('rollback.json', catalogWith({ timeZone: 'Europe/Atlantis' })),
    line: /rollback\.json: time zone "Europe\/Atlantis" is not one this Node\.js knows/,
  },
  {
    what: 'a rollback.json from another registry',
    command: 'run',
    args: runArgs,
    setup: () => writeDump('rollback.json', JSON.stringify(foreignCatalog)),
    line: /^rollback: rollback\.json was read from http:\/\/localhost:\d+, but \/ds\/dev\/shop\/api runs 127\.0\.0\.1:\d+\/shop\/api:1\.5\.0-develop, .*a registry and tag it does not know; nothing was changed/,
  },
  // ---- run: answers of Marathon ----
  {
    what: 'an app list that is not JSON',
    command: 'run',
    args: runArgs,
    setup: () => (mangleAppList = () => '<html>502 Bad Gateway</html>'),
    line: /^rollback: Marathon at http:\/\/127\.0\.0\.1:\d+ answered the app list with something that is not Marathon's API \(HTTP 200, text\/html\)/,
  },
  {
    what: "a service's app missing its container",
    command: 'run',
    args: runArgs,
    setup: () =>
      appsWith(APP.api, (a) => Object.fromEntries(Object.entries(a).filter(([k]) => k !== 'container'))),
    line: /^rollback: no app under \/ds\/dev runs an image of shop\/api \(apps with no Docker image: \/ds\/dev\/shop\/api\); nothing was changed/,
  },
  {
    what: 'an app of type DOCKER with no Docker image',
    command: 'run',
    args: runArgs,
    setup: () => appsWith(APP.billing, (a) => ({ ...a, container: { type: 'DOCKER', volumes: [] } })),
    line: /answered the app list with app "\/ds\/dev\/shop\/billing" of container type DOCKER without a Docker image/,
  },
  {
    what: 'an app whose image is not a string',
    command: 'run',
    args: runArgs,
    setup: () =>
      appsWith(APP.billing, (a) => ({ ...a, container: { ...a.container, docker: { image: 42 } } })),
    line: /app "\/ds\/dev\/shop\/billing" whose Docker image is not a string/,
  },
  {
    what: 'an app id with odd characters',
    command: 'run',
    args: runArgs,
    setup: () => appsWith(APP.api, (a) => ({ ...a, id: '/ds/dev/shop/api;reboot' })),
    line: /listed an app under \/ds\/dev whose id Marathon does not allow: "\/ds\/dev\/shop\/api;reboot"; nothing was changed/,
  },
  {
    what: 'an app id with a newline',
    command: 'run',
    args: runArgs,
    setup: () => appsWith(APP.api, (a) => ({ ...a, id: '/ds/dev/shop/api\nrollback: done' })),
    line: /whose id Marathon does not allow: "\/ds\/dev\/shop\/api\\nrollback: done"/,
  },
  // Documented by Marathon's API: an app without a container runs a command. It is no service of
  // the catalog, stays as it is, and the engineer is told (a warning, not a refusal).
  {
    what: 'a command app (no container) beside the services, in a dry run',
    command: 'run',
    args: () => runArgs('--dry-run'),
    setup: () =>
      (mangleAppList = (body) => ({
        apps: [...body.apps, { id: '/ds/dev/cron', cmd: 'run-batch', instances: 1 }],
      })),
    line: /^\d\d:\d\d:\d\d warning: 1 app\(s\) under \/ds\/dev run no Docker image and stay as they are: \/ds\/dev\/cron$/,
    code: 0,
  },
  // ---- undo: the journal ----
  {
    what: 'a truncated journal',
    command: 'undo',
    args: () => ['--journal', journalFile()],
    setup: () => writeDump('rollback-journal.json', journalText.slice(0, 200)),
    line: /^rollback: journal .*rollback-journal\.json is not JSON: /,
  },
  {
    what: 'a journal of another version',
    command: 'undo',
    args: () => ['--journal', journalFile()],
    setup: () => writeDump('rollback-journal.json', journalWith({ version: 7 })),
    line: /rollback-journal\.json is a rollback journal of version 7 \(this rollback reads versions 1 and 2/,
  },
  {
    what: 'a journal edited to wrong types',
    command: 'undo',
    args: () => ['--journal', journalFile()],
    setup: () => writeDump('rollback-journal.json', journalWith({ apps: 'all of them' })),
    line: /rollback-journal\.json is not a valid rollback journal: \/apps must be array/,
  },
  {
    what: 'a journal with an app id that is a path trick',
    command: 'undo',
    args: () => ['--journal', journalFile()],
    setup: () =>
      writeDump(
        'rollback-journal.json',
        journalWith({ apps: [{ ...JSON.parse(journalText).apps[0], id: '/ds/dev/../prod' }] }),
      ),
    line: /rollback-journal\.json is not a valid rollback journal: \/apps\/0\/id must match pattern/,
  },
  {
    what: 'a journal that does not exist',
    command: 'undo',
    args: () => ['--journal', path.join(dump, 'nope.json')],
    line: /^rollback: cannot read journal .*nope\.json: ENOENT/,
  },
  {
    what: 'a valid journal with a Marathon URL with credentials',
    command: 'undo',
    args: () => ['--journal', journalFile(), '--marathon', 'http://u:s3cr3t-undo@127.0.0.1:9'],
    setup: () => writeDump('rollback-journal.json', journalText),
    line: /^rollback: --marathon must not contain credentials/,
    secret: 's3cr3t-undo',
  },
];

describe('bad input: one line, exit 2, nothing written, Marathon untouched (bundled helper)', () => {
  beforeAll(async () => {
    world = await startWorld();
    marathon = await startMarathon(world);
    marathonProxy = startMarathonProxy();
    marathonUrl = await listen(marathonProxy);
    badRegistry = startBadRegistry();
    badRegistryUrl = await listen(badRegistry);

    // A registry of its own, with other releases: its catalog is what a rollback.json made from
    // another registry looks like. `localhost` is another name than the 127.0.0.1 the apps use.
    foreignRegistry = await startEmbeddedRegistry();
    for (const repo of ['shop/api', 'shop/billing', 'shop/frontend'])
      await pushImage(foreignRegistry, repo, '3.0.0-develop', {
        kind: 'schema2',
        created: '2026-11-20T09:00:00Z',
      });
    const dir = tempDir('foreign');
    const get = await runBundle([
      'get',
      '--registry',
      foreignRegistry.url,
      '--repo',
      'shop/api,shop/billing,shop/frontend',
      '--env',
      'develop',
      '--dump',
      dir,
      '--no-cache',
      '-q',
    ]);
    if (get.code !== 0) throw new Error(`get of the foreign registry failed: ${get.stderr}`);
    const made = parseCatalog(readFileSync(path.join(dir, 'rollback.json'), 'utf8'), 'foreign');
    foreignCatalog = { ...made, registry: made.registry.replace('127.0.0.1', 'localhost') };

    // A journal as `run` writes it, for the rows that spoil it.
    const journalDir = tempDir('journal');
    const from = `${world.host}/shop/api:1.5.0-develop`;
    const journal = await Journal.create(path.join(journalDir, 'rollback-journal.json'), {
      catalog: {
        file: 'rollback.json',
        registry: world.registry.url,
        environment: 'develop',
        timeZone: 'UTC',
      },
      date: DATE,
      group: '/ds/dev',
      target: { kind: 'marathon', url: marathon.url },
      onFailure: 'revert',
      status: 'failed',
      apps: [
        {
          id: APP.api,
          repository: 'shop/api',
          fromImage: from,
          toImage: `${world.host}/shop/api:1.4.3-develop`,
          steps: [],
        },
      ],
    });
    journalText = readFileSync(journal.file, 'utf8');
    await Journal.read(journal.file); // valid as it is: every row spoils one thing

    notPem = path.join(tempDir('ca'), 'ca.pem');
    writeFileSync(notPem, '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n');
  }, 60_000);

  afterAll(async () => {
    await Promise.all([
      marathon?.close(),
      world?.stop(),
      foreignRegistry?.stop(),
      new Promise((resolve) => marathonProxy?.close(resolve)),
      new Promise((resolve) => badRegistry?.close(resolve)),
    ]);
    for (const dir of temp) rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    dump = tempDir('dump');
    // The good catalog of an earlier `get`: a refused command must leave it as it is.
    writeDump('rollback.json', JSON.stringify(world.catalog, null, 2));
    mangleAppList = undefined;
    marathon.requests.length = 0;
  });

  it('has a row for every kind of bad input the issue names', () => {
    const names = rows.map((r) => `${r.command}: ${r.what}`);
    expect(new Set(names).size).toBe(names.length);
    // README.md's Reliability section gives this count: change both together.
    expect(rows).toHaveLength(46);
    for (const needed of [
      /date that does not exist/,
      /date in words/,
      /date with a shell command/,
      /environment with shell metacharacters/,
      /unknown repository/,
      /empty repository list/,
      /truncated rollback\.json/,
      /rollback\.json of another version/,
      /rollback\.json edited to wrong types/,
      /rollback\.json from another registry/,
      /tag list that is not JSON/,
      /50 MB tag list/,
      /tags that are not strings/,
      /missing its container/,
      /no Docker image/,
      /app id with odd characters/,
      /truncated journal/,
      /journal of another version/,
      /journal edited to wrong types/,
    ])
      expect(names.filter((n) => needed.test(n))).not.toEqual([]);
  });

  it.each(rows.map((r) => [`${r.command}: ${r.what}`, r] as const))('%s', async (_name, row) => {
    row.setup?.();
    const before = snapshot(dump);
    const result = await runBundle([row.command, ...row.args(), '-q'], row.env ?? {});
    const lines = result.stderr.split('\n').filter((l) => l !== '');
    expect({ code: result.code, lines }).toEqual({
      code: row.code ?? 2,
      lines: [expect.stringMatching(row.line)],
    });
    if (row.secret) expect(result.stderr + result.stdout).not.toContain(row.secret);
    if ((row.code ?? 2) === 2) expect(result.stdout).toBe('');
    expect(snapshot(dump)).toEqual(before);
    expect(changingRequests(marathon)).toEqual([]);
  });
});
