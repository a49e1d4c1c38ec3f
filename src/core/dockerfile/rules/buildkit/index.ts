import type { Rule } from '../types';
import { copyIgnoredFile } from './context';
import {
  consistentInstructionCasing, duplicateStageName, fromAsCasing, invalidDefinitionDescription, reservedStageName, stageNameCasing,
} from './naming';
import { fromPlatformFlagConstDisallowed, invalidBaseImagePlatform, redundantTargetPlatform } from './platform';
import {
  exposeInvalidFormat, exposeProtoCasing, jsonArgsRecommended, legacyKeyValueFormat, maintainerDeprecated,
  multipleInstructionsDisallowed, noEmptyContinuation, workdirRelativePath,
} from './syntax';
import { invalidDefaultArgInFrom, secretsUsedInArgOrEnv, undefinedArgInFrom, undefinedVar } from './variables';

/**
 * Docker's BuildKit build checks, under their own names: the 21 documented at
 * docs.docker.com/reference/build-checks/ plus InvalidBaseImagePlatform, which
 * BuildKit runs without a documentation page.
 */
export const buildkitRules: readonly Rule[] = [
  stageNameCasing,
  fromAsCasing,
  noEmptyContinuation,
  consistentInstructionCasing,
  duplicateStageName,
  reservedStageName,
  jsonArgsRecommended,
  maintainerDeprecated,
  undefinedArgInFrom,
  workdirRelativePath,
  undefinedVar,
  multipleInstructionsDisallowed,
  legacyKeyValueFormat,
  invalidBaseImagePlatform,
  redundantTargetPlatform,
  secretsUsedInArgOrEnv,
  invalidDefaultArgInFrom,
  fromPlatformFlagConstDisallowed,
  copyIgnoredFile,
  invalidDefinitionDescription,
  exposeProtoCasing,
  exposeInvalidFormat,
];
