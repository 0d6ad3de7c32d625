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
import { compare, type Candidate } from './measure';

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

/** The same handler as `handWritten`, whose route also writes a line of its own first. */
async function handWrittenRouteLine(
  event: WebSocketEvent,
  context: { awsRequestId: string },
): Promise<Result> {
  const { connectionId, routeKey, requestId } = event.requestContext;
  const body = JSON.parse(event.body ?? '') as { room?: string; text?: string };
  process.stdout.write(
    `${JSON.stringify({
      level: 'info',
      message: 'message sent',
      connectionId,
      routeKey,
      requestId,
      awsRequestId: context.awsRequestId,
      room: body.room,
      length: body.text?.length ?? 0,
      timestamp: new Date().toISOString(),
    })}\n`,
  );
  return handWritten(event);
}

/** A route that logs with `ctx.logger` (a child made for the event, as every route gets it). */
@WebSocketController()
class LoggingChatController {
  @OnMessage('sendMessage') send(ctx: WebSocketContext) {
    const { room, text } = ctx.body<{ room: string; text: string }>();
    ctx.logger.info('message sent', { room, length: text.length });
    return { length: text.length };
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
  const routeLogs = bootstrap([LoggingChatController], { errorFrames: false });
  const expected = JSON.stringify(await handWritten(message));
  if (JSON.stringify(await routeLogs(message, context)) !== expected)
    throw new Error('the logging route answers differently');
  for (const answer of [await withAccessLine(message, context), await accessLineOff(message)]) {
    if (JSON.stringify(answer) !== expected)
      throw new Error(`candidates disagree: ${JSON.stringify(answer)} vs ${expected}`);
  }

  const logger = createLogger();
  // The same line as the baseline's, half of it bound to the child as ctx.logger's fields are.
  const bindings = {
    connectionId: 'QTAwMDAwMDAwMDE=',
    routeKey: '$default',
    requestId: 'req-0000000001',
  };
  const child = logger.child(bindings);
  const stock = stockWinston();
  const stockChild = stock.child(bindings);
  const routeMeta = () => ({ action: 'sendMessage', statusCode: 200, durationMs: 0.12 });

  const handLineRun = () => Promise.resolve(handLine('$default sendMessage 200', lineFields()));
  const tables: Array<{ key: string; title: string; names: string[]; candidates: Candidate[] }> = [
    {
      key: 'event',
      names: ['accessLineOn', 'accessLineOff'],
      title:
        'message event, default options (JSON lines, LOG_LEVEL unset: one access line per event)',
      candidates: [
        { name: 'hand-written handler + JSON line (baseline)', run: () => handWritten(message) },
        { name: 'lift-ws, access line on (default)', run: () => withAccessLine(message, context) },
        {
          name: 'lift-ws, access line off (level warn)',
          run: () => accessLineOff(message, context),
        },
      ],
    },
    {
      key: 'route_line',
      names: ['ctxLogger'],
      title:
        'a route that logs one line with ctx.logger.info, default options (its line + the access line)',
      candidates: [
        {
          name: 'hand-written handler + the same 2 lines (baseline)',
          run: () => handWrittenRouteLine(message, context),
        },
        { name: 'lift-ws, ctx.logger.info in the route', run: () => routeLogs(message, context) },
      ],
    },
    {
      key: 'line',
      names: ['root', 'child'],
      title: 'one info line with the access line fields',
      // Resolved promises, so the loop awaits the same as for the handlers.
      candidates: [
        { name: 'process.stdout.write(JSON.stringify) (baseline)', run: handLineRun },
        {
          name: 'createLogger().info (access line)',
          run: () => Promise.resolve(logger.info('$default sendMessage 200', lineFields())),
        },
        {
          name: 'ctx.logger-style child .info',
          run: () => Promise.resolve(child.info('$default sendMessage 200', routeMeta())),
        },
      ],
    },
    {
      // Its own table: the Console transport queues a setImmediate per line, whose backlog
      // would slow whichever candidate ran next.
      key: 'stock',
      names: ['root', 'child'],
      title: 'before: winston with the Console transport and errors() + timestamp() + json()',
      candidates: [
        { name: 'process.stdout.write(JSON.stringify) (baseline)', run: handLineRun },
        {
          name: 'stock winston .info (access line)',
          run: () => Promise.resolve(stock.info('$default sendMessage 200', lineFields())),
        },
        {
          name: 'stock winston child .info',
          run: () => Promise.resolve(stockChild.info('$default sendMessage 200', routeMeta())),
        },
      ],
    },
  ];

  const options = { iterations: 10_000, rounds: 11, warmup: 10_000 };
  const summary: Record<string, number> = {};
  for (const table of tables) {
    await compare(`${table.title} [wall clock]`, table.candidates, options);
    const cpu = await cpuRatios(table.candidates, options);
    console.log(`  CPU time: ${cpu.map((r) => `${r.toFixed(2)}x`).join('  ')}`);
    cpu.slice(1).forEach((ratio, i) => {
      summary[`logging.${table.key}.${table.names[i]}`] = Math.round(ratio * 100) / 100;
    });
  }
  console.log(JSON.stringify(summary));
}

/**
 * Ratios of CPU time (user + system, so the write's syscall counts) per operation, interleaved
 * and rotated like `compare`. On a shared machine wall time also counts the time the process
 * waits for a core; CPU time is what a Lambda is billed for and what stays put under load.
 */
async function cpuRatios(
  candidates: Candidate[],
  options: { iterations: number; rounds: number },
): Promise<number[]> {
  const samples = candidates.map((): number[] => []);
  for (let round = 0; round < options.rounds; round++) {
    for (let i = 0; i < candidates.length; i++) {
      const index = (i + round) % candidates.length;
      const started = process.cpuUsage();
      for (let n = 0; n < options.iterations; n++) await candidates[index].run();
      const used = process.cpuUsage(started);
      samples[index].push((used.user + used.system) / options.iterations);
    }
  }
  const medians = samples.map((values) => values.sort((a, b) => a - b)[values.length >> 1]);
  return medians.map((value) => value / medians[0]);
}

runLoggingBench().catch((error: unknown) => {
  process.stderr.write(`${String(error instanceof Error ? error.stack : error)}\n`);
  process.exitCode = 1;
});
