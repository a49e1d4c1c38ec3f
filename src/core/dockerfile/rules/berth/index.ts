import type { Rule } from '../types';
import { BT102 } from './archives';
import { BT202 } from './baseImage';
import { BT101 } from './cleanup';
import { BT106, BT203 } from './context';
import { BT105 } from './indexUpdate';
import { BT104 } from './node';
import { BT103 } from './ownership';
import { BT201 } from './toolchain';
import { BT204 } from './unusedStages';

/** Berth's own size and multi-stage rules (BT1xx layers, BT2xx stages and base images). */
export const berthRules: readonly Rule[] = [BT101, BT102, BT103, BT104, BT105, BT106, BT201, BT202, BT203, BT204];
