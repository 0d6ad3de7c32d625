import {
  isLocalEndpoint,
  resolveEndpoint,
  resolveRegion,
} from '../../src/management/resolve-endpoint';

const source = { domainName: 'abc123.execute-api.eu-west-1.amazonaws.com', stage: 'prod' };

describe('resolveEndpoint', () => {
  it('defaults to https://{domainName}/{stage}', () => {
    expect(resolveEndpoint(source, undefined, {})).toBe(
      'https://abc123.execute-api.eu-west-1.amazonaws.com/prod',
    );
  });

  it('prefers the bootstrap option, then LIFT_WS_MANAGEMENT_ENDPOINT', () => {
    const env = { LIFT_WS_MANAGEMENT_ENDPOINT: 'http://127.0.0.1:3001/local' };
    expect(resolveEndpoint(source, 'https://ws.example.com/v1', env)).toBe(
      'https://ws.example.com/v1',
    );
    expect(resolveEndpoint(source, undefined, env)).toBe('http://127.0.0.1:3001/local');
    expect(resolveEndpoint(source, '  ', env)).toBe('http://127.0.0.1:3001/local');
    expect(resolveEndpoint(source, undefined, { LIFT_WS_MANAGEMENT_ENDPOINT: '' })).toBe(
      'https://abc123.execute-api.eu-west-1.amazonaws.com/prod',
    );
  });

  it('strips trailing slashes, which would double the slash in the SDK path', () => {
    expect(resolveEndpoint(source, 'https://ws.example.com/prod//', {})).toBe(
      'https://ws.example.com/prod',
    );
    expect(resolveEndpoint({ domainName: 'ws.example.com', stage: '' }, undefined, {})).toBe(
      'https://ws.example.com',
    );
  });

  it('behind a custom domain, derives the execute-api endpoint from the apiId and the Lambda region', () => {
    const custom = { domainName: 'chat.example.com', stage: 'prod', apiId: 'abc123' };
    expect(resolveEndpoint(custom, undefined, { AWS_REGION: 'eu-west-1' })).toBe(
      'https://abc123.execute-api.eu-west-1.amazonaws.com/prod',
    );
    expect(resolveEndpoint(custom, undefined, { AWS_REGION: 'cn-north-1' })).toBe(
      'https://abc123.execute-api.cn-north-1.amazonaws.com.cn/prod',
    );
    // The explicit option and the environment variable still win.
    expect(resolveEndpoint(custom, 'https://ws.example.com/v1', { AWS_REGION: 'eu-west-1' })).toBe(
      'https://ws.example.com/v1',
    );
    expect(
      resolveEndpoint(custom, undefined, {
        AWS_REGION: 'eu-west-1',
        LIFT_WS_MANAGEMENT_ENDPOINT: 'http://127.0.0.1:3001/local',
      }),
    ).toBe('http://127.0.0.1:3001/local');
    // Without a region or an apiId there is nothing to derive from.
    expect(resolveEndpoint(custom, undefined, {})).toBe('https://chat.example.com/prod');
    expect(
      resolveEndpoint({ domainName: 'chat.example.com', stage: 'prod' }, undefined, {
        AWS_REGION: 'eu-west-1',
      }),
    ).toBe('https://chat.example.com/prod');
    // A local gateway's domain is used as it is.
    expect(
      resolveEndpoint(
        { domainName: 'localhost:3001', stage: 'local', apiId: 'abc123' },
        undefined,
        {
          AWS_REGION: 'eu-west-1',
        },
      ),
    ).toBe('https://localhost:3001/local');
  });

  it('keeps an execute-api domain as it is, whatever the Lambda region', () => {
    const aws = {
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      stage: 'prod',
      apiId: 'abc123',
    };
    expect(resolveEndpoint(aws, undefined, { AWS_REGION: 'eu-west-1' })).toBe(
      'https://abc123.execute-api.us-east-1.amazonaws.com/prod',
    );
  });

  it('reads process.env by default', () => {
    const saved = process.env.LIFT_WS_MANAGEMENT_ENDPOINT;
    process.env.LIFT_WS_MANAGEMENT_ENDPOINT = 'http://localhost:9/x/';
    try {
      expect(resolveEndpoint(source)).toBe('http://localhost:9/x');
    } finally {
      if (saved === undefined) delete process.env.LIFT_WS_MANAGEMENT_ENDPOINT;
      else process.env.LIFT_WS_MANAGEMENT_ENDPOINT = saved;
    }
  });
});

describe('resolveRegion', () => {
  const aws = 'https://abc123.execute-api.ap-southeast-2.amazonaws.com/prod';

  it('prefers AWS_REGION, then AWS_DEFAULT_REGION, for a host that names no region', () => {
    const custom = 'https://ws.example.com/prod';
    expect(
      resolveRegion(custom, { AWS_REGION: 'eu-central-1', AWS_DEFAULT_REGION: 'us-west-2' }),
    ).toBe('eu-central-1');
    expect(resolveRegion(custom, { AWS_DEFAULT_REGION: 'us-west-2' })).toBe('us-west-2');
  });

  it('a Lambda in eu-west-1 posting to a us-east-1 execute-api endpoint signs for us-east-1', () => {
    expect(
      resolveRegion('https://abc123.execute-api.us-east-1.amazonaws.com/prod', {
        AWS_REGION: 'eu-west-1',
      }),
    ).toBe('us-east-1');
  });

  it('parses the region of an execute-api host (also in China)', () => {
    expect(resolveRegion(aws, {})).toBe('ap-southeast-2');
    expect(resolveRegion('https://x1.execute-api.cn-north-1.amazonaws.com.cn/dev', {})).toBe(
      'cn-north-1',
    );
  });

  it('falls back to us-east-1 (custom domains, local endpoints, nonsense)', () => {
    expect(resolveRegion('https://ws.example.com/prod', {})).toBe('us-east-1');
    expect(resolveRegion('http://127.0.0.1:3001/local', {})).toBe('us-east-1');
    expect(resolveRegion('not a url', {})).toBe('us-east-1');
  });
});

describe('isLocalEndpoint', () => {
  it.each([
    ['http://127.0.0.1:3001/local', true],
    ['http://localhost:3001', true],
    ['http://api.localhost:3001', true],
    ['http://[::1]:3001/x', true],
    ['https://abc.execute-api.us-east-1.amazonaws.com/prod', false],
    ['https://localhost.example.com', false],
    ['nonsense', false],
  ])('%s → %s', (endpoint, expected) => {
    expect(isLocalEndpoint(endpoint)).toBe(expected);
  });
});
