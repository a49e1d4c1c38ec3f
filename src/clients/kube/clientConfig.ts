// The client-node KubeConfig Berth hands its TLS and credential handling to: one context,
// its cluster, and a user whose credentials are already resolved.
import { KubeConfig } from '@kubernetes/client-node';
import type { Cluster as ClientCluster, User as ClientUser } from '@kubernetes/client-node';
import type { KubeCluster } from '../../core/kube/types';

/** A client-node cluster entry; plain http:// servers need no TLS settings (client-node insists on skip-verify). */
export function clientCluster(cluster: KubeCluster): ClientCluster {
  const plainHttp = cluster.server.toLowerCase().startsWith('http:');
  return {
    name: cluster.name,
    server: cluster.server,
    skipTLSVerify: plainHttp || cluster.insecureSkipTlsVerify === true,
    ...(cluster.certificateAuthority ? { caFile: cluster.certificateAuthority } : {}),
    ...(cluster.certificateAuthorityData ? { caData: cluster.certificateAuthorityData } : {}),
    ...(cluster.tlsServerName ? { tlsServerName: cluster.tlsServerName } : {}),
    ...(cluster.proxyUrl ? { proxyUrl: cluster.proxyUrl } : {}),
  };
}

/**
 * A client-node KubeConfig holding exactly one context, its cluster and a user whose
 * credentials are already resolved (no exec, no auth-provider: client-node never runs anything).
 */
export function singleContextKubeConfig(cluster: KubeCluster, user: ClientUser, contextName: string, namespace?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [clientCluster(cluster)],
    users: [user],
    contexts: [{ name: contextName, cluster: cluster.name, user: user.name, ...(namespace ? { namespace } : {}) }],
    currentContext: contextName,
  });
  return kc;
}
