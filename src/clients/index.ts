// The lazily required SDK bundle (dist/clients.js): the vscode layer loads it on first use,
// so that dockerode is not parsed at activation. Import only types from here elsewhere.
export { DockerEngine, BuildFailedError, DEFAULT_CALL_DEADLINE_MS } from './docker/engine';
export type { BuildRequest, BuildHooks, BuildResult, PushResult, PushHooks, EngineEvent, ImageInspect } from './docker/engine';
export { DockerError, isDockerError } from './docker/errors';
export { resolveEndpoint, dockerConfigDir } from './docker/connection';
export { registryAuthFromConfig, runCredentialHelper } from './docker/credentials';
export { lookupImageSize, DEFAULT_REGISTRY_DEADLINE_MS } from './registry/imageSize';
export type { ImageSizeOptions } from './registry/imageSize';
export { RegistryError, isRegistryError } from './registry/errors';
