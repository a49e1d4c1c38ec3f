// Kubeconfig files: which ones (setting, KUBECONFIG, ~/.kube/config), read from disk, merged
// with kubectl's rules by core, and turned into a client-node KubeConfig for one context.
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { mergeKubeconfigs, splitKubeconfigPaths } from '../../core/kube/kubeconfig';
import type { KubeconfigSource } from '../../core/kube/types';
import type { ConnectOptions, LoadOptions, LoadedKubeconfig } from './api';
import { KubeConnectionImpl } from './connection';
import { kubeError } from './errors';

/** A kubeconfig bigger than this is not read (a mistake, or not a kubeconfig). */
const MAX_KUBECONFIG_BYTES = 16 * 1024 * 1024;

function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/') || path.startsWith('~\\')) return join(home, path.slice(2));
  return path;
}

/** The kubeconfig paths in order: the setting, else KUBECONFIG, else ~/.kube/config. */
export function kubeconfigPaths(options: LoadOptions, platform: NodeJS.Platform = process.platform): string[] {
  const delimiter = platform === 'win32' ? ';' : ':';
  const defaultPath = join(options.home, '.kube', 'config');
  const setting = options.kubeconfigSetting?.trim();
  const listed = setting
    ? splitKubeconfigPaths(setting, delimiter, defaultPath).map((p) => expandHome(p, options.home))
    : splitKubeconfigPaths(options.env.KUBECONFIG, delimiter, defaultPath);
  const seen = new Set<string>();
  const paths: string[] = [];
  for (const p of listed) {
    const absolute = isAbsolute(p) ? p : resolve(p);
    if (seen.has(absolute)) continue;
    seen.add(absolute);
    paths.push(absolute);
  }
  return paths;
}

function describeReadError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a folder';
  if (code === 'ELOOP') return 'too many symbolic links';
  return error instanceof Error ? error.message : String(error);
}

/** Reads one file: missing files have neither text nor readError (kubectl skips them). */
export async function readKubeconfigSource(path: string): Promise<KubeconfigSource> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) return { path, readError: 'it is a folder' };
    if (info.size > MAX_KUBECONFIG_BYTES) return { path, readError: `it is larger than ${MAX_KUBECONFIG_BYTES / 1024 / 1024} MiB` };
    return { path, text: await readFile(path, 'utf8') };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { path };
    return { path, readError: describeReadError(error) };
  }
}

export async function readKubeconfigSources(options: LoadOptions): Promise<KubeconfigSource[]> {
  return Promise.all(kubeconfigPaths(options).map(readKubeconfigSource));
}

export async function loadKubeconfig(options: LoadOptions): Promise<LoadedKubeconfig> {
  const sources = await readKubeconfigSources(options);
  const merged = mergeKubeconfigs(sources);
  return {
    merged,
    sources,
    connect(contextName: string, connectOptions: ConnectOptions) {
      const context = merged.contexts.find((c) => c.name === contextName);
      if (!context) throw kubeError('KUBE_CONFIG', `The kubeconfig has no context named "${contextName}"`, 'Refresh the Clusters view: the kubeconfig may have changed.');
      const cluster = merged.clusters.find((c) => c.name === context.cluster);
      if (!cluster) throw kubeError('KUBE_CONFIG', `Context "${contextName}" names cluster "${context.cluster}", which no kubeconfig file defines`, `Add the cluster to ${context.sourcePath}, or fix the context.`);
      if (!cluster.server) throw kubeError('KUBE_CONFIG', `Cluster "${cluster.name}" has no server URL`, `Set clusters[].cluster.server in ${context.sourcePath}.`);
      let user = context.user ? merged.users.find((u) => u.name === context.user) : { name: '' };
      if (!user) throw kubeError('KUBE_CONFIG', `Context "${contextName}" names user "${context.user}", which no kubeconfig file defines`, `Add the user to ${context.sourcePath}, or fix the context.`);
      if (user.authProviderName && !user.exec && !user.token && !user.tokenFile && !user.clientCertificate && !user.clientCertificateData) {
        throw kubeError('KUBE_CONFIG', `User "${user.name}" uses the "${user.authProviderName}" auth-provider, which Berth does not support`, 'Use the exec credential plugin your provider ships instead (for example gke-gcloud-auth-plugin or kubelogin), as kubectl 1.26+ requires.');
      }
      user = { ...user };
      return new KubeConnectionImpl(context, cluster, user, { ...connectOptions, env: options.env });
    },
  };
}
