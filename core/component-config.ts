/**
 * Ready-made config files for upstream components (`fauxcloud config <component>`,
 * `GET /_fauxcloud/config/<component>`). A cloud describes each file as data in its
 * `connection().components`; core renders it in the file's format and applies the caller's
 * overrides (`set` / `unset`), so no cloud writes INI or YAML text by hand.
 */
import { stringify as yamlStringify } from 'yaml';

export type Scalar = string | number | boolean;

/** One `[name]` section of a gcfg/INI file (`Global`, `ServiceOverride "ec2"`, `VirtualCenter "host"`). */
export interface IniSection {
  name: string;
  keys: Record<string, Scalar>;
}

export type ConfigFile =
  | { name: string; format: 'ini'; sections: IniSection[] }
  | { name: string; format: 'json' | 'yaml'; value: unknown }
  /** `KEY=value` lines (docker --env-file, systemd EnvironmentFile) or `--flag=value` lines. */
  | { name: string; format: 'env' | 'flags'; values: Record<string, string> };

export type ConfigFormat = ConfigFile['format'];

/** One upstream component and the files it reads, pointing at the running fauxcloud. */
export interface ComponentConfig {
  /** The upstream name: `cloud-provider-aws`, `gcp-compute-persistent-disk-csi-driver`, … */
  component: string;
  /** What it is and how the files are passed to it. */
  summary: string;
  files: ConfigFile[];
  notes?: string[];
}

/** One plugin of a kubelet `CredentialProviderConfig` (kubelet.config.k8s.io/v1). */
export interface CredentialProvider {
  name: string;
  matchImages: string[];
  defaultCacheDuration: string;
  args?: string[];
  env: Record<string, string>;
}

/** The file kubelet's `--image-credential-provider-config` names, with one plugin in it. */
export function credentialProviderConfigFile(p: CredentialProvider): ConfigFile {
  const provider = {
    name: p.name,
    matchImages: p.matchImages,
    defaultCacheDuration: p.defaultCacheDuration,
    apiVersion: 'credentialprovider.kubelet.k8s.io/v1',
    ...(p.args ? { args: p.args } : {}),
    env: Object.entries(p.env).map(([name, value]) => ({ name, value })),
  };
  return { name: 'credential-provider-config.yaml', format: 'yaml', value: { apiVersion: 'kubelet.config.k8s.io/v1', kind: 'CredentialProviderConfig', providers: [provider] } };
}

export class ConfigOverrideError extends Error {}

/** The file's text, exactly as the component reads it. */
export function renderConfigFile(file: ConfigFile): string {
  switch (file.format) {
    case 'ini':
      return file.sections
        .map((s) => `[${s.name}]\n${Object.entries(s.keys).map(([k, v]) => `${k} = ${iniValue(v)}\n`).join('')}`)
        .join('\n');
    case 'json':
      return `${JSON.stringify(file.value, null, 2)}\n`;
    case 'yaml':
      return yamlStringify(file.value, { lineWidth: 0 });
    case 'env':
      return Object.entries(file.values).map(([k, v]) => `${k}=${v}\n`).join('');
    case 'flags':
      return Object.entries(file.values).map(([k, v]) => `${k}=${v}\n`).join('');
  }
}

/** gcfg quotes a value holding a comment character, a quote, a backslash or edge blanks. */
function iniValue(v: Scalar): string {
  const s = String(v);
  return /[;#"\\]|^\s|\s$/.test(s) ? `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"` : s;
}

/**
 * Apply `path=value` overrides and `path` removals to a copy of `file`. Paths: `[Section] key`
 * for INI (a new section is appended), `a.b.0.c` for JSON and YAML, the variable or flag name
 * for env and flags. A JSON/YAML value keeps the type of the value it replaces; a new one is a
 * JSON literal (number, boolean, null) when it parses as one, else a string.
 */
export function overrideConfigFile(file: ConfigFile, set: readonly string[], unset: readonly string[]): ConfigFile {
  const pairs = set.map((s) => {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new ConfigOverrideError(`set ${JSON.stringify(s)}: want PATH=VALUE`);
    return [s.slice(0, eq).trim(), s.slice(eq + 1)] as const;
  });
  switch (file.format) {
    case 'ini': {
      const sections = file.sections.map((s) => ({ name: s.name, keys: { ...s.keys } }));
      const locate = (path: string, create: boolean) => {
        const m = /^\[([^\]]+)\]\s*(\S+)$/.exec(path);
        if (!m) throw new ConfigOverrideError(`${JSON.stringify(path)}: an INI path is "[Section] key"`);
        const [, name = '', key = ''] = m;
        let section = sections.find((s) => s.name === name);
        if (!section && create) sections.push((section = { name, keys: {} }));
        return { section, key };
      };
      for (const [path, value] of pairs) {
        const { section, key } = locate(path, true);
        if (section) section.keys[key] = value;
      }
      for (const path of unset) {
        const { section, key } = locate(path, false);
        if (section) delete section.keys[key];
      }
      return { ...file, sections };
    }
    case 'json':
    case 'yaml': {
      const value: unknown = structuredClone(file.value);
      for (const [path, v] of pairs) setPath(value, path, v);
      for (const path of unset) setPath(value, path, undefined);
      return { ...file, value };
    }
    case 'env':
    case 'flags': {
      const values = { ...file.values };
      for (const [k, v] of pairs) values[k] = v;
      for (const k of unset) delete values[k];
      return { ...file, values };
    }
  }
}

function setPath(root: unknown, path: string, raw: string | undefined): void {
  const parts = path.split('.');
  if (parts.some((p) => p === '' || p === '__proto__' || p === 'constructor' || p === 'prototype')) throw new ConfigOverrideError(`${JSON.stringify(path)}: not a path`);
  let node = root;
  for (const [i, part] of parts.entries()) {
    if (typeof node !== 'object' || node === null) throw new ConfigOverrideError(`${JSON.stringify(path)}: ${parts.slice(0, i).join('.') || 'the file'} is not an object or a list`);
    const obj = node as Record<string, unknown>;
    if (i === parts.length - 1) {
      if (raw === undefined) {
        if (Array.isArray(obj)) obj.splice(Number(part), 1);
        else delete obj[part];
      } else obj[part] = typed(obj[part], raw);
      return;
    }
    if (obj[part] === undefined) obj[part] = /^\d+$/.test(parts[i + 1] ?? '') ? [] : {};
    node = obj[part];
  }
}

function typed(old: unknown, raw: string): unknown {
  if (typeof old === 'string') return raw;
  if (typeof old === 'boolean' && (raw === 'true' || raw === 'false')) return raw === 'true';
  if (typeof old === 'number' && raw.trim() !== '' && Number.isFinite(Number(raw))) return Number(raw);
  if (raw === 'true' || raw === 'false' || raw === 'null') return JSON.parse(raw) as unknown;
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  return raw;
}
