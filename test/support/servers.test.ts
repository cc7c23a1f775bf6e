/**
 * The servers the suite runs on really work: the shared dev server (with this product's custom
 * search attributes) and the time-skipping test server from .tools/.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../../src/workflows/search-attributes';
import { connectDevServer, createTimeSkippingEnv } from './temporal';

/** temporal.api.enums.v1.IndexedValueType */
const INDEXED_VALUE_TYPE = { Keyword: 2, Datetime: 6 } as const;

describe('shared dev server', () => {
  let dev: Awaited<ReturnType<typeof connectDevServer>>;
  beforeAll(async () => {
    dev = await connectDevServer();
  });
  afterAll(async () => {
    await dev?.connection.close();
  });

  it('answers on the provided address', async () => {
    expect(inject('temporalAddress')).toMatch(/^127\.0\.0\.1:\d+$/);
    const info = await dev.connection.workflowService.getSystemInfo({});
    expect(info.serverVersion).toBeTruthy();
  });

  it('has the custom search attributes registered with their types', async () => {
    const { customAttributes } = await dev.connection.operatorService.listSearchAttributes({ namespace: 'default' });
    const expected = Object.fromEntries(
      SEARCH_ATTRIBUTE_REGISTRATIONS.map((sa) => [sa.name, INDEXED_VALUE_TYPE[sa.cliType]]),
    );
    expect(Object.keys(expected)).toContain('RemediationProgram');
    expect(customAttributes).toMatchObject(expected);
  });
});

describe('time-skipping test server', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('skips 30 days without waiting 30 days', async () => {
    expect(env.supportsTimeSkipping).toBe(true);
    const days30 = 30 * 24 * 3600 * 1000;
    const wallStart = Date.now();
    const before = await env.currentTimeMs();
    await env.sleep('30 days');
    const after = await env.currentTimeMs();
    expect(after - before).toBeGreaterThanOrEqual(days30);
    expect(after - before).toBeLessThan(days30 + 60_000);
    expect(Date.now() - wallStart).toBeLessThan(30_000);
  });
});
