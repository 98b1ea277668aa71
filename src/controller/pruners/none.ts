/** `none`: every candidate trains the whole recipe. Never decides, so a worker never touches the board for it. */
import { z } from 'zod';
import type { Pruner } from './pruner.js';

export const noneOptionsSchema = z.strictObject({});

export class NoPruner implements Pruner {
  readonly name = 'none';

  needs(): null {
    return null;
  }

  decide(): 'continue' {
    return 'continue';
  }
}
