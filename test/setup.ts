// Matchers that assert the exact commands an AWS SDK client mock received.
import 'aws-sdk-client-mock-vitest/extend';
