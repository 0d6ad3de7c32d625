/**
 * Keeps the AWS SDK's `NodeVersionSupportWarning` ("versions published after the first week of
 * January 2027 will require node >=22") out of local dev output, where it lands between the
 * first lines of every `lift-ws dev` session and says nothing about the user's code.
 *
 * The SDK (`@aws-sdk/core`, emitWarningIfUnsupportedVersion) emits it once per process through
 * `process.emitWarning` when the first client is built, unless
 * AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED is `true`: the SDK's own switch, which
 * silences that warning and nothing else. Only set locally: inside Lambda (where the runtime's
 * Node version is the deployer's choice) the warning stays, and an explicit value of the
 * variable always wins.
 */
export function quietSdkNodeVersionWarning(): void {
  if (process.env.AWS_LAMBDA_FUNCTION_NAME) return;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}
