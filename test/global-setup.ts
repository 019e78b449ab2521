/**
 * Starts one dynalite server on a free loopback port for the whole run; each test file creates
 * its own table in it (see test/support/dynamodb.ts).
 */
import type { TestProject } from 'vitest/node';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../shared/adapters/embedded-dynamodb.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynaliteEndpoint: string;
  }
}

let dynalite: EmbeddedDynamoDb | undefined;

export async function setup(project: TestProject): Promise<void> {
  dynalite = await startEmbeddedDynamoDb();
  project.provide('dynaliteEndpoint', dynalite.endpoint);
}

export async function teardown(): Promise<void> {
  await dynalite?.close();
}
