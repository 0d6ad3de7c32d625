import { existsSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { connectionsTable } from '../../src/connections/connections-table';
import { chatCodeUri, readChatTemplate } from '../support/chat-template';

// samples/chat/template.yaml read as data: what API Gateway, IAM and DynamoDB will be given.

type Json = Record<string, unknown>;

interface Resource {
  Type: string;
  Condition?: string;
  DependsOn?: string | string[];
  Properties: Json;
  Metadata?: {
    BuildMethod?: string;
    BuildProperties?: { EntryPoints?: string[]; Target?: string };
  };
}

interface FunctionProperties {
  Handler: string;
  Timeout?: number;
  Events?: Record<string, { Type: string; Properties: Json }>;
  CodeUri?: string;
  Runtime?: string;
  Policies?: Json[];
  Environment?: { Variables: Json };
}

interface Template {
  Transform: string;
  Parameters: Record<string, Json>;
  Globals: { Function: Omit<FunctionProperties, 'Handler'> };
  Resources: Record<string, Resource>;
  Outputs: Record<string, { Value: unknown }>;
}

const template = readChatTemplate<Template>();

function resourcesOfType(type: string): Array<[string, Resource]> {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

/** The logical id an `integrations/${X}` target or a `${X.Arn}` URI points at. */
function subReference(value: unknown, pattern: RegExp): string | undefined {
  const sub = (value as { 'Fn::Sub'?: unknown } | undefined)?.['Fn::Sub'];
  return typeof sub === 'string' ? pattern.exec(sub)?.[1] : undefined;
}

describe('samples/chat/template.yaml', () => {
  const api = template.Resources.ChatApi;
  const chat = template.Resources.ChatFunction;
  const chatProperties = chat.Properties as unknown as FunctionProperties;

  it('declares a WebSocket API routed on $request.body.action', () => {
    expect(template.Transform).toBe('AWS::Serverless-2016-10-31');
    expect(api.Type).toBe('AWS::ApiGatewayV2::Api');
    expect(api.Properties.ProtocolType).toBe('WEBSOCKET');
    expect(api.Properties.RouteSelectionExpression).toBe('$request.body.action');
  });

  it('sends $connect, $disconnect and $default to the chat function', () => {
    const routes = resourcesOfType('AWS::ApiGatewayV2::Route');
    expect(routes.map(([, route]) => route.Properties.RouteKey as string).sort()).toEqual([
      '$connect',
      '$default',
      '$disconnect',
    ]);
    for (const [, route] of routes) {
      expect(route.Properties.ApiId).toEqual({ Ref: 'ChatApi' });
      const integrationId = subReference(route.Properties.Target, /^integrations\/\$\{(\w+)\}$/);
      const integration = template.Resources[integrationId ?? ''];
      expect(integration?.Type).toBe('AWS::ApiGatewayV2::Integration');
      expect(integration.Properties.IntegrationType).toBe('AWS_PROXY');
      expect(
        subReference(
          integration.Properties.IntegrationUri,
          /functions\/\$\{(\w+)\.Arn\}\/invocations/,
        ),
      ).toBe('ChatFunction');
    }
  });

  it('can put the JWT authorizer on $connect only', () => {
    const connect = resourcesOfType('AWS::ApiGatewayV2::Route').find(
      ([, route]) => route.Properties.RouteKey === '$connect',
    )![1];
    expect(connect.Properties.AuthorizationType).toEqual({
      'Fn::If': ['WithAuthorizer', 'CUSTOM', 'NONE'],
    });
    expect(connect.Properties.AuthorizerId).toEqual({
      'Fn::If': ['WithAuthorizer', { Ref: 'ConnectAuthorizer' }, { Ref: 'AWS::NoValue' }],
    });
    const authorizer = template.Resources.ConnectAuthorizer;
    expect(authorizer.Properties.AuthorizerType).toBe('REQUEST');
    expect(
      subReference(authorizer.Properties.AuthorizerUri, /functions\/\$\{(\w+)\.Arn\}\/invocations/),
    ).toBe('AuthorizerFunction');
    expect(template.Parameters.AuthorizerIdentitySource.AllowedValues).toEqual(
      expect.arrayContaining(['route.request.querystring.Authorization']),
    );
  });

  it('lets the chat function post to the API’s @connections and use the table', () => {
    const policies = chatProperties.Policies ?? [];
    const statements = policies.flatMap((policy) => (policy.Statement as Json[] | undefined) ?? []);
    const manage = statements.find(
      (statement) => statement.Action === 'execute-api:ManageConnections',
    );
    expect(manage?.Effect).toBe('Allow');
    const resource = (manage?.Resource as { 'Fn::Sub': string })['Fn::Sub'];
    expect(resource).toBe(
      'arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${ChatApi}/${StageName}/*/@connections/*',
    );
    expect(policies).toContainEqual({
      DynamoDBCrudPolicy: { TableName: { Ref: 'ConnectionsTable' } },
    });
    expect(chatProperties.Environment?.Variables.CONNECTIONS_TABLE).toEqual({
      Ref: 'ConnectionsTable',
    });
  });

  it('fans large broadcasts out: the queue with its DLQ, the worker on it with partial batch failures and bounded concurrency', () => {
    const queue = template.Resources.FanoutQueue;
    const dlq = template.Resources.FanoutDeadLetterQueue;
    expect(queue.Type).toBe('AWS::SQS::Queue');
    expect(dlq.Type).toBe('AWS::SQS::Queue');
    expect(queue.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': 'FanoutDeadLetterQueue.Arn' },
      maxReceiveCount: 5,
    });

    const worker = template.Resources.FanoutWorkerFunction;
    const workerProperties = worker.Properties as unknown as FunctionProperties;
    expect(workerProperties.Handler).toBe('fanout-worker.handler');
    // A message must stay hidden while the worker may still be running it.
    expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(
      workerProperties.Timeout ?? 0,
    );
    const events = Object.values(workerProperties.Events ?? {});
    expect(events).toEqual([
      {
        Type: 'SQS',
        Properties: expect.objectContaining({
          Queue: { 'Fn::GetAtt': 'FanoutQueue.Arn' },
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          ScalingConfig: { MaximumConcurrency: expect.any(Number) as number },
        }) as Json,
      },
    ]);
    const concurrency = (events[0].Properties.ScalingConfig as { MaximumConcurrency: number })
      .MaximumConcurrency;
    // The least the event source mapping accepts is 2.
    expect(concurrency).toBeGreaterThanOrEqual(2);

    const statementsOf = (fn: FunctionProperties): Json[] =>
      (fn.Policies ?? []).flatMap((policy) => (policy.Statement as Json[] | undefined) ?? []);
    expect(statementsOf(chatProperties)).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': 'FanoutQueue.Arn' },
      }),
    );
    expect(chatProperties.Environment?.Variables.LIFT_WS_FANOUT_QUEUE_URL).toEqual({
      Ref: 'FanoutQueue',
    });
    const manage = statementsOf(workerProperties).find(
      (statement) => statement.Action === 'execute-api:ManageConnections',
    );
    expect(manage?.Effect).toBe('Allow');
    expect((manage?.Resource as { 'Fn::Sub': string })['Fn::Sub']).toBe(
      'arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${ChatApi}/${StageName}/*/@connections/*',
    );
    expect(workerProperties.Environment?.Variables).toEqual({
      CONNECTIONS_TABLE: { Ref: 'ConnectionsTable' },
      LIFT_WS_MANAGEMENT_ENDPOINT: {
        'Fn::Sub': 'https://${ChatApi}.execute-api.${AWS::Region}.amazonaws.com/${StageName}',
      },
    });
  });

  it('lets API Gateway invoke both functions', () => {
    const permissions = resourcesOfType('AWS::Lambda::Permission').map(([, p]) => p.Properties);
    for (const fn of ['ChatFunction', 'AuthorizerFunction']) {
      expect(permissions).toContainEqual(
        expect.objectContaining({
          Action: 'lambda:InvokeFunction',
          FunctionName: { Ref: fn },
          Principal: 'apigateway.amazonaws.com',
        }),
      );
    }
  });

  it('takes the JWT configuration as parameters, handed to the functions as JWT_* variables', () => {
    expect(template.Parameters.JwtSecret.NoEcho).toBe(true);
    const variables = template.Globals.Function.Environment?.Variables;
    expect(variables).toMatchObject({
      JWT_SECRET: { Ref: 'JwtSecret' },
      JWT_PUBLIC_KEY: { Ref: 'JwtPublicKey' },
      JWT_ISSUER: { Ref: 'JwtIssuer' },
      JWT_AUDIENCE: { Ref: 'JwtAudience' },
    });
  });

  it('deploys a stage after every route exists', () => {
    const deployment = template.Resources.Deployment;
    expect(deployment.Type).toBe('AWS::ApiGatewayV2::Deployment');
    const routeIds = resourcesOfType('AWS::ApiGatewayV2::Route').map(([id]) => id);
    expect([deployment.DependsOn].flat().sort()).toEqual(routeIds.sort());
    expect(template.Resources.Stage.Properties).toMatchObject({
      ApiId: { Ref: 'ChatApi' },
      StageName: { Ref: 'StageName' },
      DeploymentId: { Ref: 'Deployment' },
    });
  });

  it('outputs the wss:// URL and the @connections callback URL', () => {
    const host = '${ChatApi}.execute-api.${AWS::Region}.amazonaws.com/${StageName}';
    expect(template.Outputs.WebSocketUrl.Value).toEqual({ 'Fn::Sub': `wss://${host}` });
    expect(template.Outputs.CallbackUrl.Value).toEqual({ 'Fn::Sub': `https://${host}` });
  });

  it('declares the connections table DynamoDBConnectionStore expects, with TTL on expiresAt', () => {
    const table = template.Resources.ConnectionsTable;
    expect(table.Type).toBe('AWS::DynamoDB::Table');
    expect(table.Properties.TimeToLiveSpecification).toEqual({
      AttributeName: connectionsTable.ttlAttribute,
      Enabled: true,
    });
    const expected = connectionsTable.createTableInput('any');
    expect(table.Properties.BillingMode).toBe(expected.BillingMode);
    expect(table.Properties.KeySchema).toEqual(expected.KeySchema);
    expect(table.Properties.AttributeDefinitions).toEqual(expected.AttributeDefinitions);
    expect(table.Properties.GlobalSecondaryIndexes).toEqual(expected.GlobalSecondaryIndexes);
  });

  describe.each(resourcesOfType('AWS::Serverless::Function'))('%s', (_id, resource) => {
    const fn = resource.Properties as unknown as FunctionProperties;
    it('runs on Node 22, built by esbuild for Node 22', () => {
      // Node 20 reached end of life in April 2026; the SDK's 2027 releases need Node 22.
      expect(fn.Runtime ?? template.Globals.Function.Runtime).toBe('nodejs22.x');
      expect(resource.Metadata?.BuildMethod).toBe('esbuild');
      expect(resource.Metadata?.BuildProperties?.Target).toBe('node22');
    });

    it('has a Handler that names an exported function of its entry point', () => {
      const codeUri = chatCodeUri(fn.CodeUri, template.Globals.Function.CodeUri);
      const entryPoints = resource.Metadata?.BuildProperties?.EntryPoints ?? [];
      expect(entryPoints).toHaveLength(1);
      const entry = resolve(codeUri, entryPoints[0]);
      expect(existsSync(entry)).toBe(true);
      expect(existsSync(resolve(codeUri, 'package.json'))).toBe(true);

      const [file, exportName] = fn.Handler.split('.');
      // esbuild writes `<entry name>.js` at the root of the function's artifact.
      expect(basename(entry, extname(entry))).toBe(file);
      const saved = process.env.JWT_SECRET;
      process.env.JWT_SECRET = 'template-test-secret-of-at-least-32-bytes';
      try {
        jest.isolateModules(() => {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const exported = (require(entry) as Record<string, unknown>)[exportName];
          expect(typeof exported).toBe('function');
        });
      } finally {
        if (saved === undefined) delete process.env.JWT_SECRET;
        else process.env.JWT_SECRET = saved;
      }
    });
  });
});
