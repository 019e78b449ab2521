/**
 * What the adapters' SDK clients share besides their defaults: none in a Lambda (its own role and
 * region), a profile and region from the CLI's flags, or a local endpoint (moto, dynalite) in tests.
 */
export interface AwsClientConfig {
  readonly region?: string | undefined;
  /** One endpoint for every service: moto answers them all on one port. */
  readonly endpoint?: string | undefined;
  readonly profile?: string | undefined;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
}

/**
 * The config without its unset keys: spread over a client's defaults (as the SDK's runtime
 * config is), `{ region: undefined }` would hide the default region rather than keep it.
 *
 * @example
 * new SQSClient(clientConfig({ region: flags.awsRegion, profile: flags.profile }));
 */
export function clientConfig(config: AwsClientConfig): AwsClientConfig {
  return Object.fromEntries(Object.entries(config).filter(([, value]) => value !== undefined));
}
