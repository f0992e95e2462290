// Every tool's schemas as a client gets them from tools/list: each inputSchema and outputSchema
// compiles under ajv's strict mode (unknown keywords, keywords that do not fit the declared
// type, required fields that are not properties, union types, unknown formats are all errors),
// every property at every depth declares one JSON type, and a value of the wrong type sent to
// any field is refused without the error quoting it.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import Ajv from 'ajv';

import { connectHttp } from './helpers.mjs';

const TYPES = new Set(['string', 'integer', 'number', 'boolean', 'object', 'array', 'null']);

async function listAllTools(client) {
  const tools = [];
  let cursor;
  do {
    const page = await client.listTools(cursor ? { cursor } : {});
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor);
  return tools;
}

// Paths of the schemas nested in `schema` (properties, items, additionalProperties) that
// declare no single JSON type.
function untyped(schema, path = '') {
  const bad = [];
  if (typeof schema.type !== 'string' || !TYPES.has(schema.type)) bad.push(path || '(top)');
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    bad.push(...untyped(property, path ? `${path}.${name}` : name));
  }
  if (schema.items) bad.push(...untyped(schema.items, `${path}[]`));
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    bad.push(...untyped(schema.additionalProperties, `${path}.*`));
  }
  return bad;
}

// A value of the schema's type (for the required fields around the one under test).
function valueOf(schema) {
  if (schema.enum) return schema.enum[0];
  switch (schema.type) {
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return false;
    case 'object':
      return {};
    case 'array':
      return [];
    default:
      return 'x';
  }
}

// Values that look like secrets, each of a type other than `type`.
function wrongValues(type) {
  const all = {
    string: 'hunter2-Secret-Text',
    integer: 987654321123,
    boolean: true,
    object: { PASSWORD: 'hunter2-in-object' },
  };
  return Object.entries(all)
    .filter(([t]) => t !== type && !(type === 'number' && t === 'integer'))
    .map(([, v]) => v);
}

test('every tool schema compiles under ajv strict mode and types every property', async () => {
  const { client, close } = await connectHttp();
  try {
    const tools = await listAllTools(client);
    assert.ok(tools.length >= 15, `only ${tools.length} tools`);
    const problems = [];
    for (const tool of tools) {
      for (const [which, schema] of [['inputSchema', tool.inputSchema], ['outputSchema', tool.outputSchema]]) {
        if (!schema) {
          if (which === 'inputSchema') problems.push(`${tool.name}: no inputSchema`);
          continue;
        }
        // A fresh instance per schema: strict mode, every error collected.
        const ajv = new Ajv({ strict: true, allErrors: true });
        try {
          ajv.compile(schema);
        } catch (e) {
          problems.push(`${tool.name} ${which}: ajv strict: ${e.message}`);
        }
        for (const path of untyped(schema)) problems.push(`${tool.name} ${which}: ${path} declares no JSON type`);
      }
    }
    assert.deepEqual(problems, []);
    const setEnv = tools.find((t) => t.name === 'set_env');
    assert.equal(setEnv.inputSchema.properties.variables.type, 'object');
    assert.equal(setEnv.inputSchema.properties.variables.additionalProperties.type, 'string');
    assert.equal(setEnv.inputSchema.properties.dotenv.type, 'string');
  } finally {
    await close();
  }
});

test('a value of the wrong type is refused, the error names the field and never quotes the value', async () => {
  const { client, close } = await connectHttp();
  try {
    const tools = await listAllTools(client);
    let checked = 0;
    for (const tool of tools) {
      const properties = tool.inputSchema.properties ?? {};
      const required = tool.inputSchema.required ?? [];
      for (const [field, schema] of Object.entries(properties)) {
        for (const wrong of wrongValues(schema.type)) {
          const args = {};
          for (const name of required) args[name] = valueOf(properties[name]);
          args[field] = wrong;
          const ajv = new Ajv({ strict: true });
          assert.equal(ajv.validate(tool.inputSchema, args), false, `${tool.name}.${field}: the schema accepts it`);
          const result = await client.callTool({ name: tool.name, arguments: args });
          const text = result.content?.[0]?.text ?? '';
          assert.equal(result.isError, true, `${tool.name}.${field}=${JSON.stringify(wrong)} was accepted`);
          assert.match(text, new RegExp(`\\b${field}\\b`), `${tool.name}: the error does not name ${field}: ${text}`);
          for (const secret of ['hunter2', '987654321123']) {
            assert.ok(!text.includes(secret), `${tool.name}.${field}: the error quotes the value: ${text}`);
          }
          checked += 1;
        }
      }
    }
    assert.ok(checked > 100, `only ${checked} cases`);
  } finally {
    await close();
  }
});
