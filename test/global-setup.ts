/**
 * Starts the run's DynamoDB implementations on free loopback ports: dynalite in-process and moto
 * (`moto_server`) as a child process. Each test file creates its own tables; which implementation
 * a project's files use is `WATCHDOG_TEST_DYNAMODB` (see vitest.config.ts, test/support/dynamodb.ts).
 */
import type { TestProject } from 'vitest/node';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../shared/adapters/embedded-dynamodb.ts';
import { startMotoServer, type MotoServer } from './support/moto.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynaliteEndpoint: string;
    motoEndpoint: string;
  }
}

let dynalite: EmbeddedDynamoDb | undefined;
let moto: MotoServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  [dynalite, moto] = await Promise.all([startEmbeddedDynamoDb(), startMotoServer()]);
  project.provide('dynaliteEndpoint', dynalite.endpoint);
  project.provide('motoEndpoint', moto.endpoint);
}

export async function teardown(): Promise<void> {
  await Promise.all([dynalite?.close(), moto?.stop()]);
}
