import { format } from 'node:util';
import winston from 'winston';
import {
  bootstrap,
  createLogger,
  OnMessage,
  WebSocketController,
  WebSocketContext,
  type WebSocketEvent,
} from 'lift-ws';
import { lambdaContext, messageEvent } from 'lift-ws/testing';
import { compare, type CandidateResult } from './measure';

/**
 * The cost of default logging (issue 8, goal 2), in its own process with stdout on /dev/null
 * (scripts/bench.js starts it so): every candidate pays the same `write` to process.stdout,
 * which is what a Lambda's log line costs, and the tables go to stderr.
 *
 * Baseline: what a team writes by hand, one `process.stdout.write(JSON.stringify(...))` per
 * line, with the same fields and a timestamp.
 */

// As in Lambda: JSON lines, LOG_LEVEL unset (so info, one access line per event).
process.env.AWS_LAMBDA_FUNCTION_NAME = 'bench';
delete process.env.LOG_LEVEL;
delete process.env.LIFT_WS_LOG_FORMAT;
// The tables would otherwise go to /dev/null with the log lines.
console.log = (...args: unknown[]) => void process.stderr.write(`${format(...args)}\n`);

type Result = { statusCode: number; body?: string };

// eslint-disable-next-line @typescript-eslint/require-await -- a Lambda handler is async: the baseline pays the same promise
async function handWritten(event: WebSocketEvent): Promise<Result> {
  const started = performance.now();
  const body = JSON.parse(event.body ?? '') as { action?: string; text?: string };
  const result = { statusCode: 200, body: JSON.stringify({ length: body.text?.length ?? 0 }) };
  const { connectionId, routeKey, requestId } = event.requestContext;
  process.stdout.write(
    `${JSON.stringify({
      level: 'info',
      message: `${routeKey} ${body.action} ${result.statusCode}`,
      connectionId,
      routeKey,
      action: body.action,
      statusCode: result.statusCode,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      requestId,
      timestamp: new Date().toISOString(),
    })}\n`,
  );
  return result;
}

@WebSocketController()
class ChatController {
  @OnMessage('sendMessage') send(ctx: WebSocketContext) {
    return { length: ctx.body<{ text: string }>().text.length };
  }
}

const lineFields = () => ({
  connectionId: 'QTAwMDAwMDAwMDE=',
  routeKey: '$default',
  action: 'sendMessage',
  statusCode: 200,
  durationMs: 0.12,
  requestId: 'req-0000000001',
});

function handLine(message: string, fields: Record<string, unknown>): void {
  process.stdout.write(
    `${JSON.stringify({ level: 'info', message, ...fields, timestamp: new Date().toISOString() })}\n`,
  );
}

/** winston as lift-ws configured it before: four formats and the Console transport. */
function stockWinston(): winston.Logger {
  return winston.createLogger({
    level: 'info',
    format: winston.format.combine(
      winston.format.errors({ stack: true }),
      winston.format.timestamp(),
      winston.format.json(),
    ),
    transports: [new winston.transports.Console()],
  });
}

async function runLoggingBench(): Promise<void> {
  const message = messageEvent({
    body: { action: 'sendMessage', room: 'lobby', text: 'hello world' },
  });
  const context = lambdaContext();
  const withAccessLine = bootstrap([ChatController], { errorFrames: false });
  const accessLineOff = bootstrap([ChatController], {
    errorFrames: false,
    logger: { level: 'warn' },
  });
  const expected = JSON.stringify(await handWritten(message));
  for (const answer of [await withAccessLine(message, context), await accessLineOff(message)]) {
    if (JSON.stringify(answer) !== expected)
      throw new Error(`candidates disagree: ${JSON.stringify(answer)} vs ${expected}`);
  }

  const logger = createLogger();
  const bindings = {
    connectionId: 'QTAwMDAwMDAwMDE=',
    routeKey: '$default',
    requestId: 'req-0000000001',
    awsRequestId: 'aws-0000000001',
  };
  const child = logger.child(bindings);
  const stock = stockWinston();
  const stockChild = stock.child(bindings);
  const routeMeta = () => ({ room: 'lobby', members: 12 });

  const options = { iterations: 10_000, rounds: 11, warmup: 10_000 };
  const results: Record<string, CandidateResult[]> = {};
  results.event = await compare(
    'message event, default options (JSON lines, LOG_LEVEL unset: one access line per event)',
    [
      { name: 'hand-written handler + JSON line (baseline)', run: () => handWritten(message) },
      { name: 'lift-ws, access line on (default)', run: () => withAccessLine(message, context) },
      { name: 'lift-ws, access line off (level warn)', run: () => accessLineOff(message, context) },
    ],
    options,
  );
  // Plain functions so the loop awaits nothing but a resolved promise, as for the handlers.
  results.line = await compare(
    'one info line with the access line fields',
    [
      {
        name: 'process.stdout.write(JSON.stringify) (baseline)',
        run: () => Promise.resolve(handLine('$default sendMessage 200', lineFields())),
      },
      {
        name: 'createLogger().info (access line)',
        run: () => Promise.resolve(logger.info('$default sendMessage 200', lineFields())),
      },
      {
        name: 'ctx.logger-style child .info',
        run: () => Promise.resolve(child.info('joined', routeMeta())),
      },
    ],
    options,
  );
  // Its own table: the Console transport queues a setImmediate per line, whose backlog would
  // slow whichever candidate ran next.
  results.stock = await compare(
    'before: winston with the Console transport and errors() + timestamp() + json()',
    [
      {
        name: 'process.stdout.write(JSON.stringify) (baseline)',
        run: () => Promise.resolve(handLine('$default sendMessage 200', lineFields())),
      },
      {
        name: 'stock winston .info (access line)',
        run: () => Promise.resolve(stock.info('$default sendMessage 200', lineFields())),
      },
      {
        name: 'stock winston child .info',
        run: () => Promise.resolve(stockChild.info('joined', routeMeta())),
      },
    ],
    options,
  );
  const ratio = (table: CandidateResult[], index: number) =>
    Math.round(table[index].ratio * 100) / 100;
  console.log(
    JSON.stringify({
      'logging.event.accessLine': ratio(results.event, 1),
      'logging.event.accessLineOff': ratio(results.event, 2),
      'logging.line.root': ratio(results.line, 1),
      'logging.line.child': ratio(results.line, 2),
      'logging.line.stockWinston': ratio(results.stock, 1),
      'logging.line.stockWinstonChild': ratio(results.stock, 2),
    }),
  );
}

runLoggingBench().catch((error: unknown) => {
  process.stderr.write(`${String(error instanceof Error ? error.stack : error)}\n`);
  process.exitCode = 1;
});
