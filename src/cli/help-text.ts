/** `lift-ws --help`. Every flag of `lift-ws dev` is explained here. */
export const HELP_TEXT = `Usage: lift-ws dev <module> [options]
       lift-ws asyncapi <handler>[#export] [--contract <file#export>] [--out <file>] [--jwt]
       lift-ws --version

Serves a Lambda WebSocket handler on a local API Gateway WebSocket API: a real WebSocket
server and the @connections API on one port, with events shaped like AWS's. <module> is a
.ts or .js file (ES module or CommonJS), bundled on load by the project's \`esbuild\`
(npm install --save-dev esbuild), which reads its tsconfig.json (paths, decorators); no build
step.

Options:
  -e, --export <name>            export holding the handler (default: handler)
  -p, --port <port>              port to listen on, 0 for any free port
                                 (default: $PORT, else 3001)
      --host <host>              interface to listen on (default: 127.0.0.1)
      --stage <name>             stage name; clients connect to ws://<host>:<port>/<name>
                                 (default: local)
      --route-responses          two-way routes: send the handler's body back to the client
      --routes <keys>            comma-separated message route keys the API has, e.g.
                                 join,sendMessage,$default (default: $default only, so every
                                 message reaches the handler with routeKey $default)
      --route-selection <expr>   route selection expression (default: $request.body.action)
      --authorizer <module#export>
                                 Lambda REQUEST authorizer run before $connect
                                 (export default: handler)
      --fanout-worker <module#export>
                                 the distributed fan-out worker (createFanoutWorker), run on
                                 a local SQS queue with its DLQ (export default: handler);
                                 bootstrap({ fanout: {} }) in the handler enqueues there
      --static <dir>             serve the files of <dir> over HTTP on the same port
                                 (index.html at /)
  -w, --watch                    rebuild the handler and authorizer when their files change
                                 and swap them in; open connections stay open
asyncapi: writes an AsyncAPI 3.0 document (JSON) of the handler's contract: a receive
operation per action, a send operation per event, payloads as JSON Schema.
      --contract <file#export>   the defineContract() object (export default: contract);
                                 default: one exported by the handler's module
  -o, --out <file>               write there instead of stdout
      --jwt                      JwtAuth guards $connect: add its security scheme

  -h, --help                     show this help
  -v, --version                  print the lift-ws version

The handler's environment gets LIFT_WS_MANAGEMENT_ENDPOINT pointing at the gateway, plus
AWS_REGION and dummy AWS credentials when they are not set, so the AWS SDK client posts to
the local @connections API; with --fanout-worker also LIFT_WS_FANOUT_QUEUE_URL and
AWS_ENDPOINT_URL_SQS (the local queue). With JWT_SECRET set, the banner's wscat line carries a one-hour
development token. Ctrl+C closes every connection (each gets its $disconnect).

Examples:
  lift-ws dev src/handler.ts --route-responses --watch
  lift-ws dev dist/handler.js --export main --port 4000
  lift-ws dev src/handler.ts --fanout-worker src/fanout-worker.ts#handler
  lift-ws asyncapi src/handler.ts --contract src/chat-contract.ts#chatContract --jwt
  npx wscat -c ws://127.0.0.1:3001/local
`;
