/**
 * The failure converter of every client and worker: messages and stack traces move into the failure's
 * encoded attributes, which the payload codec encrypts, so a refusal that quotes a reason or an email
 * address never reaches the server in clear. The SDK loads it by path (`failureConverterPath`), in the
 * workflow sandbox too: this module imports nothing but @temporalio/common. It is written in the
 * JavaScript subset of TypeScript (no type syntax) because the SDK `require()`s it, and an in-process
 * worker in the test suite runs without tsx: Node (>= 20.19) then loads it as an ES module.
 */
import { DefaultFailureConverter } from '@temporalio/common';

/** The named export the SDK looks for. */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
