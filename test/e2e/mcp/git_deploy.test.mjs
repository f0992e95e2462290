// An agent ships code from a local git repository over MCP: deploy {git: file://..., wait} with
// progress (the answer is the final service, as get_service shows it), fetch the URL, then read
// the build log and the runtime log the way an agent debugging its app would (build: true,
// filter, cursor for "only what is new", and one deployment's logs from its id alone).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { call, connectHttp, edgeGet, unique, waitFor } from './helpers.mjs';

const APP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/apps/python');

function gitRepoOf(dir) {
  // inkd deploys file:// repositories only from the directory it allows (INK_TEST_SOURCES).
  const repo = mkdtempSync(path.join(process.env.INK_TEST_SOURCES ?? tmpdir(), 'ink-mcp-git-'));
  cpSync(dir, repo, { recursive: true });
  const git = (...args) => execFileSync('git', args, {
    cwd: repo,
    env: { ...process.env, GIT_AUTHOR_NAME: 'e2e', GIT_AUTHOR_EMAIL: 'e2e@localhost',
      GIT_COMMITTER_NAME: 'e2e', GIT_COMMITTER_EMAIL: 'e2e@localhost' },
  });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'python app');
  return repo;
}

test('agent deploys a local git repository and reads its build and runtime logs', { timeout: 600000 }, async () => {
  const { client, close } = await connectHttp();
  const repo = gitRepoOf(APP);
  const project = unique('mcpgit');
  try {
    await call(client, 'create_project', { name: project });
    const progress = [];
    const deployed = await call(client, 'deploy', { project, service: 'api', git: `file://${repo}`, ref: 'main', wait: 240 }, {
      onprogress: (p) => progress.push(p), timeout: 300000, resetTimeoutOnProgress: true,
    });
    assert.ok(deployed.deployment.id.startsWith('dep_'));
    assert.match(deployed.url, /^http:\/\/api-/);
    assert.equal(deployed.deployment.status, 'active', JSON.stringify(deployed.deployment));
    assert.equal(deployed.finished, true);
    assert.ok(progress.some((p) => /build/.test(p.message)), JSON.stringify(progress));
    // The final service, in get_service's shape: replicas and events included.
    const shown = (await call(client, 'get_service', { project, service: 'api' })).service;
    assert.deepEqual(Object.keys(deployed.service).sort(), Object.keys(shown).sort());
    assert.equal(deployed.service.active_deployment_id, deployed.deployment.id);
    assert.equal(deployed.service.status, 'running', JSON.stringify(deployed.service));
    assert.ok(deployed.service.replicas_observed.some((r) => r.healthy), JSON.stringify(deployed.service));

    const page = await waitFor('the app to answer', async () => {
      const r = await edgeGet(deployed.url, '/');
      return r.status === 200 && r;
    });
    assert.match(page.body, /^Hello from Python 3\./);

    // The build log of the newest source deployment, without naming it; then filtered.
    const build = await call(client, 'get_logs', { project, service: 'api', build: true, tail: 400 });
    assert.equal(build.deployment, deployed.deployment.id);
    assert.equal(build.building, false);
    assert.ok(build.lines.some((l) => /podman build/.test(l)), build.lines.slice(-20).join('\n'));
    assert.match(build.next_cursor, /^b1\./);
    const steps = await call(client, 'get_logs', { project, service: 'api', build: true, filter: 'STEP' });
    assert.ok(steps.lines.length >= 2 && steps.lines.every((l) => l.includes('STEP')), JSON.stringify(steps));
    const after = await call(client, 'get_logs', { project, service: 'api', build: true, cursor: build.next_cursor });
    assert.deepEqual(after.lines, [], 'nothing after the end of a finished build');

    // Runtime: the start line, then only what came after the cursor.
    const started = await waitFor('the start line', async () => {
      const l = await call(client, 'get_logs', { project, service: 'api', filter: 'listening' });
      return l.lines.length === 1 && l;
    });
    assert.match(started.lines[0].text, /python fixture listening on \d+/);
    assert.equal(typeof started.next_cursor, 'string'); // opaque: the store's position
    assert.ok(started.next_cursor.length > 0);
    const marker = `/ink-mcp-marker-${Date.now()}`;
    assert.equal((await edgeGet(deployed.url, marker)).status, 200);
    const fresh = await waitFor('the request line after the cursor', async () => {
      const l = await call(client, 'get_logs', { project, service: 'api', cursor: started.next_cursor });
      return l.lines.some((line) => line.text.includes(marker)) && l;
    });
    assert.ok(fresh.lines.every((line) => !line.text.includes('listening')), JSON.stringify(fresh.lines));
    const none = await call(client, 'get_logs', { project, service: 'api', cursor: fresh.next_cursor, filter: marker });
    assert.deepEqual(none.lines, []);

    // One deployment's logs from its id alone: the build log and its replicas' output, labelled.
    const one = await call(client, 'get_logs', { deployment: deployed.deployment.id, tail: 400 });
    assert.equal(one.deployment, deployed.deployment.id);
    assert.equal(one.project, project);
    assert.equal(one.service, 'api');
    assert.equal(one.status, 'active');
    assert.ok(one.build_log.lines.some((l) => /podman build/.test(l)), JSON.stringify(one.build_log).slice(0, 2000));
    assert.equal(one.build_log.building, false);
    assert.ok(one.runtime_log.lines.some((l) => l.replica === '0' && /python fixture listening/.test(l.text)),
      JSON.stringify(one.runtime_log));
    assert.ok(one.runtime_log.lines.some((l) => l.text.includes(marker)), 'the request line is there too');

    // Mistakes an agent makes get errors that say what to change.
    for (const [args, hint] of [
      [{ since: 'yesterday' }, /"10m"/],
      [{ cursor: build.next_cursor }, /build/],
      [{ build: true, since: '5m' }, /runtime/],
      [{ deployment: deployed.deployment.id, cursor: build.next_cursor }, /build=true/],
      [{ deployment: 'dep_doesnotexist' }, /does not exist/],
    ]) {
      const r = await client.callTool({ name: 'get_logs', arguments: { project, service: 'api', ...args } });
      assert.equal(r.isError, true, JSON.stringify(args));
      assert.match(r.content[0].text, hint);
    }
  } finally {
    await call(client, 'delete_service', { project, service: 'api' }).catch(() => {});
    await call(client, 'delete_project', { project }).catch(() => {});
    await close();
    rmSync(repo, { recursive: true, force: true });
  }
});
