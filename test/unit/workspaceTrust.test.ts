// Restricted Mode (issue 19): package.json declares capabilities.untrustedWorkspaces, so VS Code keeps OptiVolt
// enabled in an untrusted workspace and ignores the workspace's value of each restrictedConfigurations setting
// (workspace.getConfiguration then returns the user's value or the default). Reading power runs no workspace code;
// what a repository's .vscode/settings.json must not choose is listed here, each with the reason.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');

/** The settings whose workspace value VS Code must ignore in Restricted Mode, and why. */
const RESTRICTED: Readonly<Record<string, string>> = {
  'optivolt.testEnergy.command':
    "a shell command Measure Test Energy runs: in Restricted Mode only the user's value counts (and the command refuses to run there anyway), like every command-like setting",
  'optivolt.prometheus.url':
    'polled from start-up for power, and sent the PromQL typed in the editor: a workspace value would make OptiVolt call a host the repository picks (and show its numbers as measurements)',
  'optivolt.prometheus.caFile':
    'a CA trusted for https to the engine (which gets the Prometheus token): a workspace value would let the repository vouch for a host impersonating it',
  'optivolt.prometheus.headers':
    "sent with the user's Prometheus token on every request: a workspace value would pick the tenant (X-Scope-OrgID) the token reads, or a header the engine's proxy trusts",
  'optivolt.grafana.url':
    "OptiVolt's loopback proxy adds the user's Grafana token to requests to this URL: a workspace value would send the token to the repository's host",
  'optivolt.power.powercapRoot':
    'a folder read at start-up: a workspace value would make OptiVolt read files the repository picks and show them as RAPL measurements',
  'optivolt.stack.images':
    'the images Start Monitoring runs (Scaphandre privileged): a workspace value would run containers the repository picks',
  'optivolt.stack.scaphandrePrivileged':
    'root-equivalent privileges for a container: a workspace must not turn them back on against the user',
  'optivolt.stack.bind':
    'the host address the stack publishes on (Grafana allows anonymous viewers): a workspace value such as 0.0.0.0 would expose it to the network',
};

/** A new setting whose name says it points at a URL, a path, an executable, an image or an exposure must be decided on. */
const SENSITIVE_WORDS =
  /^(url|root|path|dir|folder|file|command|executable|binary|image|bind|host|privileged|token|password|ca|headers?)s?$/i;
/** Whole words of a key ("stack.powercapRoot" -> stack, powercap, root), so "profile" is not read as "file". */
const looksSensitive = (key: string): boolean => key.split(/\.|(?=[A-Z])/).some((word) => SENSITIVE_WORDS.test(word));

interface Manifest {
  capabilities?: { untrustedWorkspaces?: { supported?: unknown; description?: unknown; restrictedConfigurations?: unknown } };
  contributes: { configuration: { properties: Record<string, { format?: string }> } };
}

describe('Restricted Mode (capabilities.untrustedWorkspaces)', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Manifest;
  const trust = manifest.capabilities?.untrustedWorkspaces;
  const properties = manifest.contributes.configuration.properties;

  it('is supported in a limited way, with a description of what changes', () => {
    // "limited" is the only value VS Code reads restrictedConfigurations with; true would also be wrong, since the
    // settings below must not come from the workspace; false would disable the status bar in every new clone.
    assert.equal(trust?.supported, 'limited');
    assert.equal(typeof trust?.description, 'string');
    assert.match(String(trust?.description), /user settings/);
    assert.match(String(trust?.description), /debug sessions or tasks/);
  });

  it('restricts exactly the settings that choose hosts, files, images, privileges or exposure', () => {
    assert.ok(Array.isArray(trust?.restrictedConfigurations), 'restrictedConfigurations is a list');
    assert.deepEqual([...(trust!.restrictedConfigurations as string[])].sort(), Object.keys(RESTRICTED).sort());
    for (const key of Object.keys(RESTRICTED)) assert.ok(properties[key], `${key} is a declared setting`);
  });

  it('leaves no URL-, path- or image-like setting unrestricted', () => {
    const unrestricted = Object.entries(properties)
      .filter(([key, schema]) => !(key in RESTRICTED) && (schema.format === 'uri' || looksSensitive(key.replace(/^optivolt\./, ''))))
      .map(([key]) => key);
    assert.deepEqual(unrestricted, []);
  });
});
