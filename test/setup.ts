import fc from 'fast-check';
// Matchers that assert the exact commands an AWS SDK client mock received.
import 'aws-sdk-client-mock-vitest/extend';

// Property tests explore new cases on every developer run; CI replays one fixed set of cases,
// so that a submission is judged on what was run before it, not on a draw (a counterexample
// found locally prints its seed: fix the bug, keep exploring).
if (process.env.CI) fc.configureGlobal({ seed: 20_210_921 });
