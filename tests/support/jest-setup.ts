// The AWS SDK warns once per process that releases from 2027 on need Node 22; the project
// targets Node 20 today, and the warning would otherwise interleave with every test file's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
