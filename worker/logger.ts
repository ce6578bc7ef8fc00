/**
 * The worker's logs as JSON lines through pino: the Temporal SDK's own (activity and
 * workflow loggers carry workflowId, runId, workflowType, activityType and attempt; Core's
 * native logs are forwarded to it) and cellbridge's. Payloads are never logged by the SDK,
 * and cellbridge's errors carry no secrets (README "Security"). The SDK's debug lines carry
 * the activity's task token, which completes the activity for whoever holds it: left out.
 */
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import { pino } from 'pino';

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/** One JSON object per line (pino), named by the process that writes it: what log collectors read. */
export function jsonLogger(service: string, level: string | undefined, destination?: pino.DestinationStream): pino.Logger {
  return pino({ level: level ?? 'info', base: { service }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

export function workerLogger(level: string | undefined): { temporal: Logger; pino: pino.Logger } {
  const base = jsonLogger('cellbridge-worker', level);
  const log = (logLevel: LogLevel, message: string, meta?: LogMetadata) => {
    const { taskToken: _taskToken, ...fields } = meta ?? {};
    base[LEVELS[logLevel]](fields, message);
  };
  return {
    pino: base,
    temporal: {
      log,
      trace: (message, meta) => log('TRACE', message, meta),
      debug: (message, meta) => log('DEBUG', message, meta),
      info: (message, meta) => log('INFO', message, meta),
      warn: (message, meta) => log('WARN', message, meta),
      error: (message, meta) => log('ERROR', message, meta),
    },
  };
}
