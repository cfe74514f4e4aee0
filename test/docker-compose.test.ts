// Keeps docker-compose.yml honest against the code: every setting a service is given is one the
// config schema reads, every required one is given, ports match the defaults, entry points exist,
// and every ${VAR} ops must supply is documented in .env.example. No Docker needed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { configSchema, defaultHttpPorts, serviceNames } from '../libs/common/src/config/config.schema.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const composeText = readFileSync(join(root, 'docker-compose.yml'), 'utf8');

interface ComposeService {
  command?: string | string[];
  environment?: Record<string, unknown> | string[];
  ports?: Array<string | number | { target: number; published?: string | number }>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  volumes?: Array<string | { type?: string; source?: string; target: string }>;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

// Compose resolves `<<` merge keys (YAML 1.1); yaml's 1.2 default does not without `merge`.
const compose = parse(composeText, { merge: true }) as ComposeFile;
const services = compose.services;
const settingNames = new Set(Object.keys(configSchema.shape));

function environmentOf(service: ComposeService): Record<string, string> {
  const environment = service.environment ?? {};
  if (Array.isArray(environment)) {
    return Object.fromEntries(
      environment.map((entry) => {
        const equals = entry.indexOf('=');
        return equals < 0 ? [entry, ''] : [entry.slice(0, equals), entry.slice(equals + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(environment).map(([name, value]) => [name, String(value ?? '')]));
}

function commandOf(service: ComposeService): string[] {
  const command = service.command ?? [];
  return Array.isArray(command) ? command : command.split(/\s+/);
}

/** The TypeScript source a `node dist/….js` command runs, relative to the repository root. */
function entrySourceOf(service: ComposeService): string | undefined {
  const entry = commandOf(service).find((token) => /^dist\/.+\.js$/.test(token));
  return entry?.replace(/^dist\//, '').replace(/\.js$/, '.ts');
}

/** [published, container] port pairs. */
function portsOf(service: ComposeService): Array<[number, number]> {
  return (service.ports ?? []).map((port) => {
    if (typeof port === 'object') return [Number(port.published ?? port.target), Number(port.target)];
    const parts = String(port).replace(/\/(tcp|udp)$/, '').split(':');
    const container = Number(parts[parts.length - 1]);
    const published = parts.length >= 2 ? Number(parts[parts.length - 2]) : container;
    return [published, container];
  });
}

function dependenciesOf(service: ComposeService): Record<string, string | undefined> {
  const dependsOn = service.depends_on ?? [];
  if (Array.isArray(dependsOn)) return Object.fromEntries(dependsOn.map((name) => [name, undefined]));
  return Object.fromEntries(Object.entries(dependsOn).map(([name, value]) => [name, value?.condition]));
}

/** Named volumes (not bind mounts) a service mounts, with their mount targets. */
function namedVolumesOf(service: ComposeService): Array<{ name: string; target: string }> {
  const mounts: Array<{ name: string; target: string }> = [];
  for (const volume of service.volumes ?? []) {
    if (typeof volume === 'object') {
      if ((volume.type ?? 'volume') === 'volume' && volume.source) mounts.push({ name: volume.source, target: volume.target });
      continue;
    }
    const [source, target] = volume.split(':');
    if (target !== undefined && !/^[./~$]/.test(source)) mounts.push({ name: source, target });
  }
  return mounts;
}

/** Whether a setting must be given (no default, not optional). */
function isRequired(name: string): boolean {
  const setting = configSchema.shape[name as keyof typeof configSchema.shape];
  return !setting.safeParse(undefined).success;
}

describe('docker-compose.yml', () => {
  it('defines the infrastructure, the deployer and every service', () => {
    for (const name of ['postgres', 'nats', 'chain', 'deployer', ...serviceNames]) {
      expect(Object.keys(services)).toContain(name);
    }
  });

  describe.each(serviceNames.map((name) => [name]))('%s', (name) => {
    const service = services[name] ?? {};
    const environment = environmentOf(service);

    it('publishes its default port, the same as its container port and HTTP_PORT', () => {
      expect(portsOf(service)).toEqual([[defaultHttpPorts[name], defaultHttpPorts[name]]]);
      expect(Number(environment.HTTP_PORT)).toBe(defaultHttpPorts[name]);
    });

    it('names only settings that config.schema.ts defines', () => {
      const unknown = Object.keys(environment).filter((setting) => !settingNames.has(setting));
      expect(unknown).toEqual([]);
    });

    it('gives every required setting, listening on all interfaces', () => {
      const required = [...settingNames].filter(isRequired);
      if (name === 'registration') required.push('MASTER_KEY', 'OPERATOR_PRIVATE_KEY', 'DEPLOYMENT_RELAYERS');
      if (name === 'settlement') required.push('OPERATOR_PRIVATE_KEY');
      const missing = required.filter((setting) => !environment[setting]);
      expect(missing).toEqual([]);
      expect(environment.HTTP_HOST).toBe('0.0.0.0');
    });

    it(`runs dist/apps/${name}/src/main.js, built from an existing source`, () => {
      const source = entrySourceOf(service);
      expect(source).toBe(`apps/${name}/src/main.ts`);
      expect(existsSync(join(root, source!))).toBe(true);
    });

    it('starts after Postgres is healthy, NATS is up and the deployer has finished', () => {
      const dependencies = dependenciesOf(service);
      expect(dependencies.postgres).toBe('service_healthy');
      expect(dependencies.nats).toBeDefined();
      expect(dependencies.deployer).toBe('service_completed_successfully');
    });

    it('reads the manifest the deployer writes, from the shared volume', () => {
      const deployerEnvironment = environmentOf(services.deployer ?? {});
      expect(environment.DEPLOYMENT_MANIFEST).toBe(deployerEnvironment.DEPLOYMENT_MANIFEST);
      const manifestFolder = environment.DEPLOYMENT_MANIFEST?.replace(/\/[^/]+$/, '');
      const mount = (service: ComposeService) =>
        namedVolumesOf(service).find((volume) => volume.target === manifestFolder)?.name;
      expect(mount(service)).toBeDefined();
      expect(mount(service)).toBe(mount(services.deployer ?? {}));
      expect(environment.CHAIN_RPC_URL).toBe(deployerEnvironment.CHAIN_RPC_URL);
    });
  });

  it('gives each service its own relayer key', () => {
    const keys = serviceNames.map((name) => environmentOf(services[name] ?? {}).RELAYER_PRIVATE_KEY);
    expect(new Set(keys).size).toBe(serviceNames.length);
  });

  it('runs the deployer once, from an existing source', () => {
    const deployer = services.deployer ?? {};
    const source = entrySourceOf(deployer);
    expect(source).toBe('scripts/deploy.ts');
    expect(existsSync(join(root, source!))).toBe(true);
    expect(String((deployer as { restart?: unknown }).restart)).toBe('no');
  });

  it('depends only on services it defines', () => {
    const undefinedTargets = Object.entries(services).flatMap(([name, service]) =>
      Object.keys(dependenciesOf(service))
        .filter((target) => !(target in services))
        .map((target) => `${name} -> ${target}`),
    );
    expect(undefinedTargets).toEqual([]);
  });

  it('declares every named volume it mounts', () => {
    const declared = new Set(Object.keys(compose.volumes ?? {}));
    const undeclared = Object.entries(services).flatMap(([name, service]) =>
      namedVolumesOf(service)
        .filter((volume) => !declared.has(volume.name))
        .map((volume) => `${name}: ${volume.name}`),
    );
    expect(undeclared).toEqual([]);
  });

  it('documents every ${VAR} it substitutes in .env.example', () => {
    const documented = new Set(
      readFileSync(join(root, '.env.example'), 'utf8')
        .split('\n')
        .map((line) => /^\s*([A-Za-z_][A-Za-z0-9_]*)=/.exec(line)?.[1])
        .filter((name): name is string => name !== undefined),
    );
    // `$$` is compose's escaped dollar, not a substitution.
    const substituted = [...composeText.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1]);
    expect(substituted.length).toBeGreaterThan(0);
    expect([...new Set(substituted)].filter((name) => !documented.has(name))).toEqual([]);
  });
});
