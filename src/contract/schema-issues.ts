import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { ValidationIssue } from './validation-issue';

/** A schema can report an issue per array element: a client is told the first ones only. */
export const MAX_ISSUES = 20;
/** Messages may quote the input (zod's do): cut, so a 128 KB string never echoes back whole. */
export const MAX_ISSUE_MESSAGE_LENGTH = 200;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function cut(text: string): string {
  return text.length <= MAX_ISSUE_MESSAGE_LENGTH
    ? text
    : `${text.slice(0, MAX_ISSUE_MESSAGE_LENGTH - 1)}…`;
}

function keyOf(segment: PropertyKey | StandardSchemaV1.PathSegment): PropertyKey {
  return typeof segment === 'object' && segment !== null ? segment.key : segment;
}

/** `['items', 2, 'first name']` -> `items[2]["first name"]`. */
function pathOf(path: StandardSchemaV1.Issue['path']): string {
  let text = '';
  for (const segment of path ?? []) {
    const key = keyOf(segment);
    if (typeof key === 'number') text += `[${key}]`;
    else if (typeof key === 'symbol') text += `[${key.toString()}]`;
    else if (IDENTIFIER.test(key)) text += text === '' ? key : `.${key}`;
    else text += `[${JSON.stringify(key)}]`;
  }
  return cut(text);
}

/**
 * A Standard Schema failure as the bounded list a client gets: at most {@link MAX_ISSUES}, each
 * message at most {@link MAX_ISSUE_MESSAGE_LENGTH} characters, paths as strings.
 */
export function boundedIssues(issues: StandardSchemaV1.FailureResult['issues']): ValidationIssue[] {
  const bounded = issues.slice(0, MAX_ISSUES).map((issue) => ({
    path: pathOf(issue.path),
    message: cut(typeof issue.message === 'string' ? issue.message : 'invalid value'),
  }));
  // A failure without issues still has to tell the client something.
  return bounded.length > 0 ? bounded : [{ path: '', message: 'invalid value' }];
}
